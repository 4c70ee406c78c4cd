"""Alarms on every dead-letter queue and on failed executions, and a small dashboard."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra import construct_id

# Not `capstan-`: alarms with that prefix are release alarms, and one going to ALARM starts a rollback.
ALARM_PREFIX = "CapstanOps-"
PERIOD = Duration.minutes(5)


class Monitoring(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        dead_letter_queues: dict[str, sqs.IQueue],
        state_machines: dict[str, sfn.StateMachine],
        functions: dict[str, lambda_.IFunction],
        api: apigw.RestApi,
        notify: sns.ITopic,
    ) -> None:
        super().__init__(scope, id)
        self._notify = cloudwatch_actions.SnsAction(notify)
        self.alarms: list[cloudwatch.Alarm] = []
        for name, queue in dead_letter_queues.items():
            metric = queue.metric_approximate_number_of_messages_visible(period=Duration.minutes(1), statistic="Maximum")
            self._alarm(
                f"{construct_id(name)}DeadLetters",
                metric,
                f"Messages are waiting in the {name} dead-letter queue: something Capstan should have handled was not.",
            )
        for name, machine in state_machines.items():
            self._alarm(
                f"{construct_id(name)}ExecutionsFailed",
                machine.metric_failed(period=PERIOD, statistic="Sum"),
                f"A {name} execution ended in a Fail state (a failed gate, a rejection, a refusal or an error): "
                "the ledger and the execution history say which.",
            )
        self.dashboard = cloudwatch.Dashboard(self, "Dashboard", dashboard_name="Capstan")
        self.dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Capstan alarms", alarms=self.alarms, width=24),
        )
        self.dashboard.add_widgets(
            *[
                cloudwatch.GraphWidget(
                    title=f"{name} executions",
                    width=8,
                    left=[
                        machine.metric_started(period=PERIOD),
                        machine.metric_succeeded(period=PERIOD),
                        machine.metric_failed(period=PERIOD),
                        machine.metric_timed_out(period=PERIOD),
                    ],
                )
                for name, machine in state_machines.items()
            ],
            cloudwatch.GraphWidget(
                title="approval page",
                width=8,
                left=[api.metric_count(period=PERIOD), api.metric_client_error(period=PERIOD), api.metric_server_error(period=PERIOD)],
            ),
        )
        self.dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="function errors", width=12, left=[fn.metric_errors(period=PERIOD, label=name) for name, fn in functions.items()]
            ),
            cloudwatch.GraphWidget(
                title="function throttles",
                width=12,
                left=[fn.metric_throttles(period=PERIOD, label=name) for name, fn in functions.items()],
            ),
        )

    def _alarm(self, id: str, metric: cloudwatch.IMetric, description: str) -> None:
        self.alarms.append(
            cloudwatch.Alarm(
                self,
                id,
                metric=metric,
                threshold=0,
                evaluation_periods=1,
                comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
                alarm_name=f"{ALARM_PREFIX}{id}",
                alarm_description=description,
            )
        )
        self.alarms[-1].add_alarm_action(self._notify)
