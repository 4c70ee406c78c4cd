"""The EventBridge rules of `capstan.rules`, each with a retry policy and its own dead-letter queue."""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from capstan.rules import ALL_RULES, EventRule
from infra import construct_id
from infra.nag import acknowledge

# EventBridge keeps retrying a target for up to a day (the redelivery window the idempotency expiry covers).
MAX_EVENT_AGE = Duration.hours(24)
RETRY_ATTEMPTS = 185
DLQ_RETENTION = Duration.days(14)

DLQ_REASON = (
    "This queue is itself a dead-letter queue: nothing consumes it automatically, its depth is alarmed, "
    "and an operator inspects and redrives its messages."
)


def event_pattern(pattern: dict[str, Any]) -> events.EventPattern:
    """The rule's pattern as CDK's EventPattern; it renders back to exactly the same JSON."""
    return events.EventPattern(**{key.replace("-", "_"): value for key, value in pattern.items()})


def dead_letter_queue(scope: Construct, id: str, key: kms.IKey, *, lambda_target: bool = False) -> sqs.Queue:
    """A KMS-encrypted, TLS-only queue that keeps failed deliveries for two weeks.

    cdk-nag recognises a queue named as a Lambda function's dead-letter target as a
    dead-letter queue (`lambda_target`); the others it takes for work queues.
    """
    queue = sqs.Queue(
        scope, id, encryption=sqs.QueueEncryption.KMS, encryption_master_key=key, enforce_ssl=True, retention_period=DLQ_RETENTION
    )
    if not lambda_target:
        acknowledge(queue, "AwsSolutions-SQS3", DLQ_REASON)
    acknowledge(queue, "Serverless-SQSRedrivePolicy", DLQ_REASON)
    return queue


class EventRules(Construct):
    """One rule per `ALL_RULES` entry on the default bus, targeting the function the rule names."""

    def __init__(self, scope: Construct, id: str, *, functions: dict[str, lambda_.IFunction], key: kms.IKey) -> None:
        super().__init__(scope, id)
        self.rules: dict[str, events.Rule] = {}
        self.dead_letter_queues: dict[str, sqs.Queue] = {}
        for rule in ALL_RULES:
            self._add(rule, functions, key)

    def _add(self, rule: EventRule, functions: dict[str, lambda_.IFunction], key: kms.IKey) -> None:
        if rule.extra:
            raise ValueError(f"rule {rule.name}: `extra` settings {sorted(rule.extra)} are not deployed by infra/")
        cid = construct_id(rule.name)
        dlq = dead_letter_queue(self, f"{cid}DeadLetters", key)
        self.rules[rule.name] = events.Rule(
            self,
            cid,
            rule_name=f"capstan-{rule.name}",
            description=rule.description,
            event_pattern=event_pattern(rule.pattern),
            targets=[
                targets.LambdaFunction(
                    functions[rule.target], dead_letter_queue=dlq, max_event_age=MAX_EVENT_AGE, retry_attempts=RETRY_ATTEMPTS
                )
            ],
        )
        self.dead_letter_queues[rule.name] = dlq
