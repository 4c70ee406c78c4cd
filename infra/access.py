"""Least privilege per function: what each step touches, read from its step module, turned into IAM statements.

Each function's role gets only the table actions, objects, secrets and workflow calls
of its own step. The statements are written out here rather than taken from CDK's
`grant*` helpers, because those add wildcard actions (`kms:GenerateDataKey*`,
`s3:GetObject*`, ...) that a step never needs.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from aws_cdk import Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from aws_cdk import aws_sns as sns

from capstan import tables
from capstan.rules import ALARM_NAME_PREFIX, GITHUB_SOURCE
from capstan.workflow import ALL_FUNCTIONS

# Object keys the functions read: build manifests, reports and artifacts (see capstan.adapters.artifacts).
ARTIFACT_READ_PREFIX = "builds/"
# CodeBuild projects Capstan may start are named `capstan-<app>`; the grant is on that name prefix.
BUILD_PROJECT_PREFIX = "capstan-"


class Need(enum.Enum):
    """One thing a step does with one resource."""

    LEDGER_APPEND = "append to the ledger"
    LEDGER_READ = "query the ledger"
    RELEASES_CREATE = "create a release record"
    RELEASES_UPDATE = "update a release record"
    RELEASES_READ = "read release records"
    LOCK_TAKE = "take a lease lock"
    LOCK_RELEASE = "release a lease lock"
    APPROVALS_OPEN = "open an approval round and its links"
    APPROVALS_DECIDE = "read and decide approvals"
    BUILDS_REMEMBER = "remember a waiting build"
    BUILDS_CLAIM = "claim a finished build"
    ACT_ONCE = "keep idempotency records (steps with side effects act once per business key)"
    ARTIFACTS_READ = "read build objects"
    LINK_KEYS = "read the link-signing keys"
    ROTATE_LINK_KEYS = "rotate the link-signing keys"
    WEBHOOK_SECRETS = "read the webhook secrets"
    PUT_GITHUB_PUSHES = "put capstan.github events on the default bus"
    STORE_CREDENTIALS = "read the store credentials"
    NOTIFY = "publish to the notification topic"
    START_BUILD = "start a CodeBuild build"
    TASK_CALLBACK = "call back a waiting release task"
    START_RELEASE = "start a release execution"
    START_ROLLBACK = "start a rollback execution"
    DESCRIBE_ALARMS = "read release alarm states"


# Table needs: the table (by its schema) and the DynamoDB actions its adapter calls.
TABLE_ACTIONS: dict[Need, tuple[tables.TableSchema, tuple[str, ...]]] = {
    Need.LEDGER_APPEND: (tables.LEDGER, ("dynamodb:PutItem",)),
    Need.LEDGER_READ: (tables.LEDGER, ("dynamodb:Query",)),
    Need.RELEASES_CREATE: (tables.RELEASES, ("dynamodb:PutItem",)),
    Need.RELEASES_UPDATE: (tables.RELEASES, ("dynamodb:UpdateItem",)),
    Need.RELEASES_READ: (tables.RELEASES, ("dynamodb:GetItem", "dynamodb:Query")),
    Need.LOCK_TAKE: (tables.LOCKS, ("dynamodb:PutItem", "dynamodb:GetItem")),
    Need.LOCK_RELEASE: (tables.LOCKS, ("dynamodb:DeleteItem",)),
    Need.APPROVALS_OPEN: (tables.APPROVALS, ("dynamodb:PutItem", "dynamodb:UpdateItem")),
    Need.APPROVALS_DECIDE: (tables.APPROVALS, ("dynamodb:GetItem", "dynamodb:UpdateItem")),
    Need.BUILDS_REMEMBER: (tables.BUILDS, ("dynamodb:PutItem",)),
    Need.BUILDS_CLAIM: (tables.BUILDS, ("dynamodb:UpdateItem",)),
    Need.ACT_ONCE: (tables.IDEMPOTENCY, ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")),
}
_WRITES = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}

_STORE_UPLOAD = frozenset({Need.ARTIFACTS_READ, Need.STORE_CREDENTIALS, Need.RELEASES_UPDATE, Need.ACT_ONCE})
_STORE_HALT = frozenset({Need.STORE_CREDENTIALS, Need.ACT_ONCE})

# What each step touches (capstan/steps/*), beyond the ledger entry every handler may write:
# `capstan.entry.task` records each refused input in the ledger, so every function appends to it.
ACCESS: dict[str, frozenset[Need]] = {
    "validate_release": frozenset({Need.RELEASES_CREATE, Need.LOCK_TAKE}),
    "start_build": frozenset({Need.ACT_ONCE, Need.BUILDS_REMEMBER, Need.START_BUILD}),
    "evaluate_tests": frozenset({Need.ARTIFACTS_READ}),
    "evaluate_scans": frozenset({Need.ARTIFACTS_READ}),
    "request_approval": frozenset({Need.ACT_ONCE, Need.APPROVALS_OPEN, Need.LINK_KEYS, Need.NOTIFY}),
    "remind_approvers": frozenset({Need.APPROVALS_DECIDE, Need.NOTIFY, Need.TASK_CALLBACK}),
    "upload_app_store": _STORE_UPLOAD,
    "upload_google_play": _STORE_UPLOAD,
    "publish_live_update": _STORE_UPLOAD,
    "advance_rollout": frozenset({Need.ACT_ONCE, Need.STORE_CREDENTIALS, Need.RELEASES_READ, Need.RELEASES_UPDATE}),
    "check_alarms": frozenset({Need.DESCRIBE_ALARMS}),
    "record_release": frozenset({Need.RELEASES_READ, Need.RELEASES_UPDATE, Need.LOCK_RELEASE, Need.APPROVALS_DECIDE, Need.NOTIFY}),
    "validate_rollback": frozenset({Need.LEDGER_READ, Need.RELEASES_READ}),
    "lock_app": frozenset({Need.LOCK_TAKE}),
    "halt_google_play": _STORE_HALT,
    "pause_app_store": _STORE_HALT,
    "revert_live_update": _STORE_HALT,
    "record_rollback": frozenset({Need.RELEASES_UPDATE}),
    "unlock_app": frozenset({Need.LOCK_RELEASE}),
    "start_release": frozenset({Need.START_RELEASE}),
    "build_finished": frozenset({Need.BUILDS_CLAIM, Need.ARTIFACTS_READ, Need.RELEASES_UPDATE, Need.TASK_CALLBACK}),
    "start_rollback": frozenset({Need.START_ROLLBACK}),
    "approval_api": frozenset({Need.APPROVALS_DECIDE, Need.LINK_KEYS, Need.TASK_CALLBACK}),
    "rotate_link_keys": frozenset({Need.LINK_KEYS, Need.ROTATE_LINK_KEYS}),
    "github_webhook": frozenset({Need.WEBHOOK_SECRETS, Need.PUT_GITHUB_PUSHES}),
}


def needs(function: str) -> frozenset[Need]:
    """Everything a function may do: its step's needs plus the ledger append."""
    return ACCESS[function] | {Need.LEDGER_APPEND}


def check_complete() -> None:
    """Fail the synth when a function has no access entry (or an entry names no function)."""
    missing, unknown = set(ALL_FUNCTIONS) - set(ACCESS), set(ACCESS) - set(ALL_FUNCTIONS)
    if missing or unknown:
        raise ValueError(
            f"infra/access.py ACCESS is out of date: no entry for {sorted(missing)}, entries for unknown functions {sorted(unknown)}"
        )


@dataclass(frozen=True)
class Granted:
    """The resources that grants point at; ARNs of the state machines are built, not referenced (no cycle)."""

    key: kms.IKey
    tables: dict[str, dynamodb.ITable]  # by TableSchema.name
    artifacts: s3.IBucket
    link_keys: secretsmanager.ISecret
    store_credentials: secretsmanager.ISecret
    webhook_secrets: secretsmanager.ISecret
    topic: sns.ITopic
    release_state_machine_arn: str
    rollback_state_machine_arn: str
    build_projects_arn: str  # an ARN pattern on the CodeBuild project name prefix
    release_alarms_arn: str  # an ARN pattern on the release alarm name prefix


def statements(function: str, to: Granted) -> list[iam.PolicyStatement]:
    """The IAM statements of one function's role."""
    wanted = needs(function)
    table_actions: dict[str, set[str]] = {}
    for need in wanted & TABLE_ACTIONS.keys():
        schema, actions = TABLE_ACTIONS[need]
        table_actions.setdefault(schema.name, set()).update(actions)
    out = [_allow(sorted(actions), [to.tables[name].table_arn]) for name, actions in sorted(table_actions.items())]
    writes = any(_WRITES & actions for actions in table_actions.values()) or bool({Need.NOTIFY, Need.ROTATE_LINK_KEYS} & wanted)
    if Need.ARTIFACTS_READ in wanted:
        out.append(_allow(["s3:GetObject"], [to.artifacts.arn_for_objects(f"{ARTIFACT_READ_PREFIX}*")]))
    secrets = [
        s.secret_arn
        for need, s in (
            (Need.LINK_KEYS, to.link_keys),
            (Need.STORE_CREDENTIALS, to.store_credentials),
            (Need.WEBHOOK_SECRETS, to.webhook_secrets),
        )
        if need in wanted
    ]
    if secrets:
        out.append(_allow(["secretsmanager:GetSecretValue"], secrets))
    if Need.PUT_GITHUB_PUSHES in wanted:
        bus = Stack.of(to.key).format_arn(service="events", resource="event-bus", resource_name="default")
        out.append(
            iam.PolicyStatement(
                actions=["events:PutEvents"], resources=[bus], conditions={"StringEquals": {"events:source": [GITHUB_SOURCE]}}
            )
        )
    if Need.ROTATE_LINK_KEYS in wanted:
        rotation = ["secretsmanager:DescribeSecret", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"]
        out.append(_allow(rotation, [to.link_keys.secret_arn]))
    if Need.NOTIFY in wanted:
        out.append(_allow(["sns:Publish"], [to.topic.topic_arn]))
    if Need.START_BUILD in wanted:
        out.append(_allow(["codebuild:StartBuild"], [to.build_projects_arn]))
    if Need.TASK_CALLBACK in wanted:
        out.append(_allow(["states:SendTaskFailure", "states:SendTaskSuccess"], [to.release_state_machine_arn]))
    if Need.START_RELEASE in wanted:
        out.append(_allow(["states:StartExecution"], [to.release_state_machine_arn]))
    if Need.START_ROLLBACK in wanted:
        out.append(_allow(["states:StartExecution"], [to.rollback_state_machine_arn]))
    if Need.DESCRIBE_ALARMS in wanted:
        out.append(_allow(["cloudwatch:DescribeAlarms"], [to.release_alarms_arn]))
    # Tables, objects, secrets and the topic are all encrypted with the one customer-managed key.
    kms_actions = ["kms:Decrypt", "kms:DescribeKey"] + (["kms:Encrypt", "kms:GenerateDataKey"] if writes else [])
    out.append(_allow(kms_actions, [to.key.key_arn]))
    return out


def wildcard_findings(function: str, artifact_bucket_logical_id: str) -> list[tuple[str, str]]:
    """The cdk-nag IAM5 findings (name-prefix patterns) that a function's statements raise, each with its reason."""
    wanted, arn = needs(function), "arn:<AWS::Partition>:{service}:<AWS::Region>:<AWS::AccountId>:{resource}"
    found = []
    if Need.ARTIFACTS_READ in wanted:
        found.append(
            (
                f"Resource::<{artifact_bucket_logical_id}.Arn>/{ARTIFACT_READ_PREFIX}*",
                "Steps read build objects under builds/<build id>/, a key known only at run time; the grant is "
                "s3:GetObject on that prefix only.",
            )
        )
    if Need.START_BUILD in wanted:
        found.append(
            (
                "Resource::" + arn.format(service="codebuild", resource=f"project/{BUILD_PROJECT_PREFIX}*"),
                "Each app has its own CodeBuild project, capstan-<app> (checked against config/apps.json at "
                "synth); StartBuild is allowed on that name prefix only.",
            )
        )
    if Need.DESCRIBE_ALARMS in wanted:
        found.append(
            (
                "Resource::" + arn.format(service="cloudwatch", resource=f"alarm:{ALARM_NAME_PREFIX}*"),
                "Release alarms are named capstan-<app>-... in each app's config (validated); DescribeAlarms "
                "is allowed on that name prefix only.",
            )
        )
    return found


def _allow(actions: list[str], resources: list[str]) -> iam.PolicyStatement:
    return iam.PolicyStatement(actions=actions, resources=resources)
