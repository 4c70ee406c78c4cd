"""CapstanStack: the whole release orchestrator on AWS, deployed from the same definitions the local stack runs."""

from __future__ import annotations

import json
import re
from pathlib import Path

from aws_cdk import ArnFormat, CfnOutput, CfnParameter, Duration, RemovalPolicy, SecretValue, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from capstan.adapters.stores import app_store, google_play, live_update
from capstan.config import AppCatalog, load_catalog
from capstan.rules import ALARM_NAME_PREFIX, ALL_RULES, ONCALL_SOURCE
from capstan.settings import Settings, env_names
from capstan.tables import ALL_TABLES, LEDGER, RELEASES, TableSchema
from capstan.workflow import RELEASE_ASL, RELEASE_TASKS, ROLLBACK_ASL, ROLLBACK_TASKS, ROOT, TOPIC_PLACEHOLDER, placeholder
from infra.access import BUILD_PROJECT_PREFIX, Granted, wildcard_findings
from infra.api import ApprovalApi
from infra.event_rules import EventRules, dead_letter_queue
from infra.functions import LOG_RETENTION, CapstanFunctions
from infra.monitoring import Monitoring
from infra.nag import acknowledge

# Relative to the asset root, which is the Lambda task root (the working directory of every function).
APPS_CONFIG = Path("config/apps.json")
GOOGLE_PLAY_URL = "https://androidpublisher.googleapis.com"
APP_STORE_URL = "https://api.appstoreconnect.apple.com"
RELEASE_STATE_MACHINE = "capstan-release"
ROLLBACK_STATE_MACHINE = "capstan-rollback"
LINK_KEY_ID = "k1"
# Tables whose loss would lose history rather than leases, tokens or idempotency records.
RETAINED_TABLES = {LEDGER.name, RELEASES.name}
_PLACEHOLDERS = re.compile(r"\$\{(\w+)\}")


class CapstanStack(Stack):
    def __init__(self, scope: Construct, id: str, **kwargs) -> None:
        super().__init__(scope, id, **kwargs)
        catalog = load_catalog(ROOT / APPS_CONFIG)
        _check_build_projects(catalog)
        live_update_url = CfnParameter(
            self, "LiveUpdateUrl", allowed_pattern=r"^https://\S+$", description="Base URL of the live-update channel service (https://...)"
        )
        team_email = CfnParameter(
            self, "TeamEmail", allowed_pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", description="Email address for team and on-call notifications"
        )

        self.key = self._key()
        self.tables = {schema.name: self._table(schema) for schema in ALL_TABLES}
        self.artifacts = self._buckets()
        self.topic = sns.Topic(self, "Notifications", display_name="Capstan", master_key=self.key, enforce_ssl=True)
        self.notification_dead_letters = dead_letter_queue(self, "NotificationDeadLetters", self.key)
        self._subscribe(catalog, team_email.value_as_string)
        self.link_keys = secretsmanager.Secret(
            self,
            "LinkKeys",
            encryption_key=self.key,
            description="Capstan approval-link signing keys: {current: kid, kid: key}; rotate by adding a key and moving current",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps({"current": LINK_KEY_ID}),
                generate_string_key=LINK_KEY_ID,
                password_length=64,
                exclude_punctuation=True,
                include_space=False,
            ),
        )
        self.webhook_secrets = secretsmanager.Secret(
            self,
            "WebhookSecrets",
            encryption_key=self.key,
            description="Capstan webhook secrets: {github: <the secret configured on the repository's webhook>}",
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template=json.dumps({}), generate_string_key="github", password_length=64, exclude_punctuation=True
            ),
        )
        acknowledge(
            self.webhook_secrets,
            "AwsSolutions-SMG4",
            "The same value is configured on the repository's webhook in GitHub; it is rotated there and here together.",
        )
        self.store_credentials = secretsmanager.Secret(
            self,
            "StoreCredentials",
            encryption_key=self.key,
            description="Capstan store API credentials, one entry per store; set by an operator after deploy",
            secret_object_value={
                store: SecretValue.unsafe_plain_text("") for store in (app_store.STORE, google_play.STORE, live_update.STORE)
            },
        )
        acknowledge(
            self.store_credentials,
            "AwsSolutions-SMG4",
            "Store credentials are issued by Apple, Google and the live-update vendor and are rotated in their consoles, then put here.",
        )

        self.approval_api = ApprovalApi(self, "Approval", key=self.key, retention=LOG_RETENTION)
        self.release_state_machine_arn = self._state_machine_arn(RELEASE_STATE_MACHINE)
        self.rollback_state_machine_arn = self._state_machine_arn(ROLLBACK_STATE_MACHINE)
        granted = Granted(
            key=self.key,
            tables=self.tables,
            artifacts=self.artifacts,
            link_keys=self.link_keys,
            store_credentials=self.store_credentials,
            webhook_secrets=self.webhook_secrets,
            topic=self.topic,
            release_state_machine_arn=self.release_state_machine_arn,
            rollback_state_machine_arn=self.rollback_state_machine_arn,
            build_projects_arn=self.format_arn(service="codebuild", resource="project", resource_name=f"{BUILD_PROJECT_PREFIX}*"),
            release_alarms_arn=self.format_arn(
                service="cloudwatch", resource="alarm", resource_name=f"{ALARM_NAME_PREFIX}*", arn_format=ArnFormat.COLON_RESOURCE_NAME
            ),
        )
        built = CapstanFunctions(
            self, "Functions", key=self.key, environment=self._environment(live_update_url.value_as_string), granted=granted
        )
        self.functions, self.function_roles = built.functions, built.roles
        # Rotation adds a key and moves `current`; the previous key keeps verifying the links it signed,
        # which live at most 24 h, far less than the rotation period.
        self.link_keys.add_rotation_schedule(
            "Rotation", rotation_lambda=self.functions["rotate_link_keys"], automatically_after=Duration.days(30)
        )
        self._acknowledge_wildcards()
        self.approval_api.serve(self.functions["approval_api"])
        self.approval_api.serve_github(self.functions["github_webhook"])
        self.async_dead_letters = self._async_dead_letters()

        self.state_machines = {
            "release": self._state_machine("Release", RELEASE_STATE_MACHINE, RELEASE_ASL, RELEASE_TASKS),
            "rollback": self._state_machine("Rollback", ROLLBACK_STATE_MACHINE, ROLLBACK_ASL, ROLLBACK_TASKS),
        }
        self.event_rules = EventRules(
            self, "Rules", functions=self.functions, key=self.key, github_relay=self.function_roles["github_webhook"]
        )
        # Ops alarms reach the team through a topic of their own: alarm notifications carry no message
        # attributes, so the filtered subscriptions of the notification topic would drop them.
        self.ops_topic = sns.Topic(self, "OpsAlarms", display_name="Capstan ops", master_key=self.key, enforce_ssl=True)
        sns.Subscription(
            self,
            "OpsTeamSubscription",
            topic=self.ops_topic,
            protocol=sns.SubscriptionProtocol.EMAIL,
            endpoint=team_email.value_as_string,
            dead_letter_queue=self.notification_dead_letters,
        )
        Monitoring(
            self,
            "Monitoring",
            dead_letter_queues={
                **self.event_rules.dead_letter_queues,
                "notification": self.notification_dead_letters,
                "async-invocation": self.async_dead_letters,
            },
            state_machines=self.state_machines,
            functions=self.functions,
            api=self.approval_api.api,
            notify=self.ops_topic,
        )
        self._outputs()

    def _outputs(self) -> None:
        """What an operator wires outside the stack: build projects write artifacts, secrets are filled in."""
        for id, value, description in (
            ("ArtifactBucketName", self.artifacts.bucket_name, "Builds write builds/<build id>/... here (SSE-KMS with KeyArn)"),
            ("KeyArn", self.key.key_arn, "The customer-managed key of the artifacts, tables, topic, queues and secrets"),
            ("ApprovalBaseUrl", self.approval_api.url, "Base URL of the approval links"),
            ("LinkKeysSecretArn", self.link_keys.secret_arn, "Approval-link signing keys"),
            ("StoreCredentialsSecretArn", self.store_credentials.secret_arn, "Put the store API credentials here"),
            ("ReleaseStateMachineArn", self.release_state_machine_arn, "One execution per app, track and commit"),
            ("RollbackStateMachineArn", self.rollback_state_machine_arn, "One execution per rollback request"),
            ("OnCallRollbackRoleArn", self.event_rules.publishers[ONCALL_SOURCE].role_arn, "Assume (with MFA) to send a rollback request"),
            ("GitHubWebhookUrl", f"{self.approval_api.url}github/push", "Point the repository's push webhook here"),
        ):
            CfnOutput(self, id, value=value, description=description)

    # --- data -----------------------------------------------------------------------

    def _key(self) -> kms.Key:
        key = kms.Key(
            self,
            "Key",
            alias="alias/capstan",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
            description="Capstan: tables, artifacts, topic, queues, secrets, logs and function environments",
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(f"logs.{self.region}.amazonaws.com")],
                actions=[
                    "kms:Encrypt",
                    "kms:Decrypt",
                    "kms:ReEncryptFrom",
                    "kms:ReEncryptTo",
                    "kms:GenerateDataKey",
                    "kms:GenerateDataKeyWithoutPlaintext",
                    "kms:DescribeKey",
                ],
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": self.format_arn(
                            service="logs", resource="log-group", resource_name="*", arn_format=ArnFormat.COLON_RESOURCE_NAME
                        )
                    }
                },
            )
        )
        # EventBridge (rule dead-letter queues) and SNS (subscription dead-letter queues) write to encrypted queues;
        # CloudWatch publishes the ops alarms to the encrypted ops topic.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[
                    iam.ServicePrincipal("events.amazonaws.com"),
                    iam.ServicePrincipal("sns.amazonaws.com"),
                    iam.ServicePrincipal("cloudwatch.amazonaws.com"),
                ],
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": self.account}},
            )
        )
        return key

    def _table(self, schema: TableSchema) -> dynamodb.Table:
        def attribute(name: str | None) -> dynamodb.Attribute | None:
            return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING) if name else None

        return dynamodb.Table(
            self,
            f"{schema.name}Table",
            partition_key=attribute(schema.partition_key),
            sort_key=attribute(schema.sort_key),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(point_in_time_recovery_enabled=True),
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.key,
            time_to_live_attribute=schema.ttl_attribute,
            removal_policy=RemovalPolicy.RETAIN if schema.name in RETAINED_TABLES else RemovalPolicy.DESTROY,
        )

    def _buckets(self) -> s3.Bucket:
        # S3 server access logs can only be delivered to a bucket encrypted with S3-managed keys.
        access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(365), noncurrent_version_expiration=Duration.days(30))],
            removal_policy=RemovalPolicy.RETAIN,
        )
        return s3.Bucket(
            self,
            "Artifacts",
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="artifacts/",
            lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=Duration.days(90))],
            removal_policy=RemovalPolicy.RETAIN,
        )

    def _subscribe(self, catalog: AppCatalog, team_email: str) -> None:
        """One email subscription per person (approver or developer), filtered to their own messages, and one for the team.

        An SNS topic sends every message to every subscriber; the `recipient` filter is what keeps an
        approval link addressed to one approver out of everyone else's inbox.
        """
        emails = catalog.people()
        filters = {f"Person-{who}": {"recipient": [who]} for who in sorted(emails)}
        endpoints = {f"Person-{who}": email for who, email in emails.items()}
        filters["Team"], endpoints["Team"] = {"audience": ["team"]}, team_email
        for id, policy in filters.items():
            sns.Subscription(
                self,
                f"{id}Subscription",
                topic=self.topic,
                protocol=sns.SubscriptionProtocol.EMAIL,
                endpoint=endpoints[id],
                dead_letter_queue=self.notification_dead_letters,
                filter_policy={attribute: sns.SubscriptionFilter.string_filter(allowlist=values) for attribute, values in policy.items()},
            )

    # --- compute ----------------------------------------------------------------------

    def _state_machine_arn(self, name: str) -> str:
        # Built from the fixed name, not taken from the resource: the functions' environment and grants
        # need it, and the state machines need the functions (functions -> state machine -> functions).
        return self.format_arn(service="states", resource="stateMachine", resource_name=name, arn_format=ArnFormat.COLON_RESOURCE_NAME)

    def _environment(self, live_update_url: str) -> dict[str, str]:
        """Every `Settings` variable, the same for every function (see capstan.settings)."""
        values = {f"{name.lower()}_table": table.table_name for name, table in self.tables.items()}
        values.update(
            artifact_bucket=self.artifacts.bucket_name,
            topic_arn=self.topic.topic_arn,
            release_state_machine_arn=self.release_state_machine_arn,
            rollback_state_machine_arn=self.rollback_state_machine_arn,
            approval_base_url=self.approval_api.url,
            link_key_secret_id=self.link_keys.secret_arn,
            store_secret_id=self.store_credentials.secret_arn,
            webhook_secret_id=self.webhook_secrets.secret_arn,
            token_key_id=self.key.key_arn,
            google_play_url=GOOGLE_PLAY_URL,
            app_store_url=APP_STORE_URL,
            live_update_url=live_update_url,
            apps_config=APPS_CONFIG.as_posix(),
            secret_max_age_s=str(Settings.model_fields["secret_max_age_s"].default),
        )
        env = {field.alias: values[name] for name, field in Settings.model_fields.items() if name in values}
        if set(env) != set(env_names()):
            raise ValueError(f"infra/stack.py sets no value for {sorted(set(env_names()) - set(env))}")
        return {**env, "POWERTOOLS_SERVICE_NAME": "capstan", "POWERTOOLS_LOG_LEVEL": "INFO"}

    def _acknowledge_wildcards(self) -> None:
        """Acknowledge the name-prefix patterns in grants, finding by finding, on exactly the roles that hold them."""
        bucket = self.get_logical_id(self.artifacts.node.default_child)
        for name, role in self.function_roles.items():
            for finding, reason in wildcard_findings(name, bucket):
                acknowledge(role, f"AwsSolutions-IAM5[{finding}]", reason)

    def _async_dead_letters(self) -> sqs.Queue:
        """A dead-letter queue for the functions EventBridge invokes asynchronously (after Lambda's own retries)."""
        queue = dead_letter_queue(self, "AsyncInvocationDeadLetters", self.key, lambda_target=True)
        targets = {rule.target for rule in ALL_RULES}
        for name, fn in self.functions.items():
            if name in targets:
                # Set on the L1 function so that the role gets only sqs:SendMessage (the L2 prop adds kms:* wildcards).
                dead_letters = lambda_.CfnFunction.DeadLetterConfigProperty(target_arn=queue.queue_arn)
                fn.node.default_child.dead_letter_config = dead_letters
                self.function_roles[name].add_to_policy(iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[queue.queue_arn]))
            else:
                acknowledge(
                    fn,
                    "Serverless-LambdaDLQ",
                    "Invoked synchronously (by a Step Functions Task or API Gateway): a failure returns to the "
                    "caller, whose Retry/Catch or response handles it; an async dead-letter queue would stay empty.",
                )
        return queue

    def _state_machine(self, id: str, name: str, asl: Path, tasks: tuple[str, ...]) -> sfn.StateMachine:
        substitutions = {placeholder(task): self.functions[task].function_arn for task in tasks}
        substitutions[TOPIC_PLACEHOLDER] = self.topic.topic_arn
        missing = set(_PLACEHOLDERS.findall(asl.read_text())) - set(substitutions)
        if missing:
            raise ValueError(f"{asl.name} uses placeholders with no value: {sorted(missing)}")
        role = iam.Role(
            self,
            f"{id}StateMachineRole",
            assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
            description=f"Capstan {name}: invoke its own task functions and publish notifications",
        )
        role.add_to_policy(
            iam.PolicyStatement(actions=["lambda:InvokeFunction"], resources=[self.functions[task].function_arn for task in tasks])
        )
        role.add_to_policy(iam.PolicyStatement(actions=["sns:Publish"], resources=[self.topic.topic_arn]))
        role.add_to_policy(iam.PolicyStatement(actions=["kms:Decrypt", "kms:GenerateDataKey"], resources=[self.key.key_arn]))
        log_group = logs.LogGroup(self, f"{id}StateMachineLogs", retention=LOG_RETENTION, encryption_key=self.key)
        machine = sfn.StateMachine(
            self,
            f"{id}StateMachine",
            state_machine_name=name,
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_file(str(asl)),
            definition_substitutions=substitutions,
            role=role,
            tracing_enabled=True,
            # Execution data (state inputs, task tokens in flight) encrypted with the stack's own key.
            encryption_configuration=sfn.CustomerManagedEncryptionConfiguration(self.key, Duration.minutes(5)),
            # Execution data holds task tokens and approval summaries; they stay out of the logs.
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
        )
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "Step Functions log delivery (logs:CreateLogDelivery and friends) and X-Ray tracing "
            "(xray:PutTraceSegments and friends) have no resource-level permissions.",
        )
        return machine


def _check_build_projects(catalog: AppCatalog) -> None:
    bad = [app.build.project for app in catalog.apps if not app.build.project.startswith(BUILD_PROJECT_PREFIX)]
    if bad:
        raise ValueError(
            f"{APPS_CONFIG}: CodeBuild projects must be named {BUILD_PROJECT_PREFIX}<app> "
            f"(the start_build grant covers only that prefix): {bad}"
        )
