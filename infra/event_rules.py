"""The EventBridge rules of `capstan.rules`, each with a retry policy and its own dead-letter queue."""

from __future__ import annotations

from typing import Any

from aws_cdk import Duration, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from capstan.rules import ALL_RULES, GITHUB_SOURCE, ONCALL_SOURCE, SOURCE_PUBLISHERS, EventRule
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
    """One rule per `ALL_RULES` entry on the default bus, targeting the function the rule names, and the bus
    policy that keeps Capstan's custom sources to their own publishers."""

    def __init__(
        self, scope: Construct, id: str, *, functions: dict[str, lambda_.IFunction], key: kms.IKey, github_relay: iam.IRole
    ) -> None:
        super().__init__(scope, id)
        self.rules: dict[str, events.Rule] = {}
        self.dead_letter_queues: dict[str, sqs.Queue] = {}
        for rule in ALL_RULES:
            self._add(rule, functions, key)
        self.publishers = {
            GITHUB_SOURCE: self._restrict(GITHUB_SOURCE, SOURCE_PUBLISHERS[GITHUB_SOURCE], github_relay),
            ONCALL_SOURCE: self._restrict(ONCALL_SOURCE, SOURCE_PUBLISHERS[ONCALL_SOURCE], self._oncall_role()),
        }

    def _oncall_role(self) -> iam.Role:
        """Assumed with MFA by a person on call to send a rollback request."""
        role = iam.Role(
            self,
            "OnCallRollbackRole",
            assumed_by=iam.AccountPrincipal(Stack.of(self).account).with_conditions({"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
            description=f"Puts {ONCALL_SOURCE} events (the only principal the default bus accepts them from)",
        )
        bus = events.EventBus.from_event_bus_name(self, "OnCallBus", "default")
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["events:PutEvents"], resources=[bus.event_bus_arn], conditions={"StringEquals": {"events:source": [ONCALL_SOURCE]}}
            )
        )
        return role

    def _restrict(self, source: str, role_name: str, role: iam.IRole) -> iam.IRole:
        """Only `role` may put events with `source`: a forged push or rollback request is denied at the bus.

        For pushes the role is the GitHub webhook function's, which checks the webhook's signature first.
        """
        bus = events.EventBus.from_event_bus_name(self, f"{role_name}Bus", "default")
        events.CfnEventBusPolicy(
            self,
            f"{role_name}Only",
            statement_id=f"capstan-{role_name}-only",
            event_bus_name="default",
            statement={
                "Sid": f"capstan-{role_name}-only",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "events:PutEvents",
                "Resource": bus.event_bus_arn,
                "Condition": {"StringEquals": {"events:source": source}, "ArnNotEquals": {"aws:PrincipalArn": role.role_arn}},
            },
        )
        return role

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
