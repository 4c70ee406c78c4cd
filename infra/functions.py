"""The Lambda functions: one per directory under `functions/`, all from one asset, each with its own role and log group."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aws_cdk import Duration, Fn
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from capstan.workflow import ALL_FUNCTIONS, MAINTENANCE_FUNCTIONS, RELEASE_ASL, ROLLBACK_ASL, handler_path, placeholder
from infra import construct_id
from infra.access import Granted, check_complete, statements
from infra.asset import stage_lambda_asset
from infra.nag import acknowledge

RUNTIME = lambda_.Runtime.PYTHON_3_12
# Powertools for AWS Lambda (Python) v3, the public layer built for Python 3.12 on arm64 (it brings pydantic v2).
# Pinned: the newest version its documentation listed when this was written; it cannot be checked offline, so
# confirm it (`aws lambda get-layer-version-by-arn`) when moving it or before a first deploy.
POWERTOOLS_LAYER_VERSION = 27
POWERTOOLS_LAYER_ARN = (
    "arn:${AWS::Partition}:lambda:${AWS::Region}:017000801446:layer:"
    f"AWSLambdaPowertoolsPythonV3-python312-arm64:{POWERTOOLS_LAYER_VERSION}"
)
MEMORY_MB = 256
LOG_RETENTION = logs.RetentionDays.THREE_MONTHS
# Functions whose Lambda timeout is not a Task's TimeoutSeconds: the callback tasks only start
# a build or send emails (the wait itself is the Task's), and the entry points are event handlers.
DEFAULT_TIMEOUT_S = 60
# API Gateway gives up on an integration after 29 s; the approval page must answer within it.
API_TIMEOUT_S = 29
API_FUNCTIONS = ("approval_api",)

_RUNTIME_REASON = (
    "Python 3.12 is the runtime the pinned Powertools v3 layer (python312-arm64, which carries "
    "pydantic v2's compiled core) is built for; the runtime moves together with the layer ARN."
)
_PLACEHOLDER = re.compile(r"^\$\{(\w+)\}$")


def _tasks(states: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for state in states.values():
        if state.get("Type") == "Task":
            yield state
        for branch in state.get("Branches", []):
            yield from _tasks(branch["States"])
        for key in ("Iterator", "ItemProcessor"):
            if key in state:
                yield from _tasks(state[key]["States"])


def asl_timeouts(*asl_files: Path) -> dict[str, int]:
    """The longest TimeoutSeconds of any Task that invokes each function, by function name."""
    by_placeholder = {placeholder(name): name for name in ALL_FUNCTIONS}
    found: dict[str, int] = {}
    for path in asl_files:
        for task in _tasks(json.loads(path.read_text())["States"]):
            target = task.get("Parameters", {}).get("FunctionName", task.get("Resource", ""))
            match = _PLACEHOLDER.match(target)
            if match and match.group(1) in by_placeholder and "TimeoutSeconds" in task:
                name = by_placeholder[match.group(1)]
                found[name] = max(found.get(name, 0), int(task["TimeoutSeconds"]))
    return found


def timeout_s(function: str, from_asl: dict[str, int]) -> int:
    if function in from_asl:
        return from_asl[function]
    return API_TIMEOUT_S if function in API_FUNCTIONS else DEFAULT_TIMEOUT_S


class CapstanFunctions(Construct):
    """Every function of `ALL_FUNCTIONS`, with least-privilege roles built from `infra.access`."""

    def __init__(self, scope: Construct, id: str, *, key: kms.IKey, environment: dict[str, str], granted: Granted) -> None:
        super().__init__(scope, id)
        check_complete()
        code = lambda_.Code.from_asset(str(stage_lambda_asset()))
        layer = lambda_.LayerVersion.from_layer_version_arn(self, "PowertoolsLayer", Fn.sub(POWERTOOLS_LAYER_ARN))
        from_asl = asl_timeouts(RELEASE_ASL, ROLLBACK_ASL)
        self.functions: dict[str, lambda_.Function] = {}
        self.roles: dict[str, iam.Role] = {}
        for name in ALL_FUNCTIONS:
            cid = construct_id(name)
            role = iam.Role(
                self,
                f"{cid}Role",
                assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
                description=f"Capstan {name}: only what its step touches",
            )
            for statement in statements(name, granted):
                role.add_to_policy(statement)
            log_group = logs.LogGroup(self, f"{cid}Logs", retention=LOG_RETENTION, encryption_key=key)
            log_group.grant_write(role)
            fn = lambda_.Function(
                self,
                cid,
                code=code,
                handler=handler_path(name),
                runtime=RUNTIME,
                architecture=lambda_.Architecture.ARM_64,
                layers=[layer],
                memory_size=MEMORY_MB,
                timeout=Duration.seconds(timeout_s(name, from_asl)),
                tracing=lambda_.Tracing.ACTIVE,
                log_group=log_group,
                role=role,
                environment=environment,
                environment_encryption=key,
                description=f"Capstan {name.replace('_', ' ')}",
            )
            self.functions[name] = fn
            self.roles[name] = role
            star_reason = (
                "Active X-Ray tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which have no resource-level permissions."
            )
            if name in MAINTENANCE_FUNCTIONS:
                star_reason += " CDK grants a secret-rotation function secretsmanager:GetRandomPassword, which has none either."
            acknowledge(role, "AwsSolutions-IAM5[Resource::*]", star_reason)
            acknowledge(fn, "AwsSolutions-L1", _RUNTIME_REASON)
            acknowledge(fn, "Serverless-LambdaLatestVersion", _RUNTIME_REASON)
