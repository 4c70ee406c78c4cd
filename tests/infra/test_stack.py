"""CapstanStack's template: the workflows, rules and tables the local stack runs, least privilege, a clean cdk-nag run."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match, Template
from cdk_nag import AwsSolutionsChecks, ServerlessChecks

from capstan.config import load_catalog
from capstan.rules import ALARM_NAME_PREFIX, ALL_RULES
from capstan.settings import env_names
from capstan.tables import ALL_TABLES, LEDGER
from capstan.workflow import (
    ALL_FUNCTIONS,
    RELEASE_ASL,
    RELEASE_TASKS,
    ROLLBACK_ASL,
    ROLLBACK_TASKS,
    ROOT,
    TOPIC_PLACEHOLDER,
    handler_path,
    placeholder,
)

# The only actions allowed on `Resource: "*"`, each acknowledged as AwsSolutions-IAM5[Resource::*] on its role:
# X-Ray tracing (functions and state machines), Step Functions log delivery, and the GetRandomPassword that
# CDK grants every secret-rotation function; none of them take a resource ARN.
ACKNOWLEDGED_STAR_ACTIONS = {
    "secretsmanager:GetRandomPassword",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
}
# One worker synthesizes once for the whole module under `pytest -n`.
pytestmark = pytest.mark.xdist_group("cdk-synth")

NOT_IN_ASSET = ("capstan_local", "tests", "infra", "examples", "events", "statemachine", ".venv", "cdk.out", "docs", "app.py")


def _load_app_module():
    spec = importlib.util.spec_from_file_location("capstan_cdk_app", ROOT / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    """Synthesize once (with both nag packs, as `python app.py` does) and keep the assembly, even if nag fails."""
    outdir = tmp_path_factory.mktemp("cdk.out")
    app, stack = _load_app_module().build(outdir=str(outdir))
    failure = None
    try:
        app.synth()
    except RuntimeError as exc:  # cdk-nag findings fail validation; the assembly is written all the same
        failure = exc
    template = json.loads((outdir / f"{stack.stack_name}.template.json").read_text())
    return {"app": app, "stack": stack, "outdir": outdir, "template": template, "failure": failure}


@pytest.fixture(scope="module")
def resources(synth) -> dict[str, dict[str, Any]]:
    return synth["template"]["Resources"]


def _of_type(resources: dict, kind: str) -> dict[str, dict]:
    return {lid: r for lid, r in resources.items() if r["Type"] == kind}


def _lid(stack: Stack, construct) -> str:
    return stack.get_logical_id(construct.node.default_child)


def _function_ids(stack: Stack) -> dict[str, str]:
    return {name: _lid(stack, fn) for name, fn in stack.functions.items()}


def _text(value: Any) -> str:
    """An intrinsic as text: `Fn::GetAtt` and `Ref` become markers, `Fn::Join` and `Fn::Sub` are applied."""
    if isinstance(value, str):
        return value
    ((fn, arg),) = value.items()
    if fn == "Fn::GetAtt":
        return f"<<{arg[0]}.{arg[1]}>>"
    if fn == "Ref":
        return f"<<{arg}>>"
    if fn == "Fn::Join":
        return arg[0].join(_text(part) for part in arg[1])
    if fn == "Fn::Sub":
        return re.sub(r"\$\{([\w:]+)\}", r"<<\1>>", arg)
    raise AssertionError(f"unexpected intrinsic {fn}")


def _statements(resources: dict) -> list[tuple[str, dict]]:
    """Every identity-policy statement, with the logical id of the policy or role that holds it."""
    out = []
    for lid, res in _of_type(resources, "AWS::IAM::Policy").items():
        out += [(lid, s) for s in res["Properties"]["PolicyDocument"]["Statement"]]
    for lid, res in _of_type(resources, "AWS::IAM::Role").items():
        for policy in res["Properties"].get("Policies", []):
            out += [(lid, s) for s in policy["PolicyDocument"]["Statement"]]
    return out


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _role_statements(resources: dict, role_lid: str) -> list[dict]:
    return [
        s
        for _, res in _of_type(resources, "AWS::IAM::Policy").items()
        if {"Ref": role_lid} in res["Properties"]["Roles"]
        for s in res["Properties"]["PolicyDocument"]["Statement"]
    ]


def _function_role_statements(synth, resources) -> dict[str, list[dict]]:
    stack = synth["stack"]
    return {name: _role_statements(resources, _lid(stack, role)) for name, role in stack.function_roles.items()}


def _who_may(by_function: dict[str, list[dict]], action: str) -> dict[str, list[str]]:
    return {
        name: sorted(_text(r) for s in stmts if action in _as_list(s["Action"]) for r in _as_list(s["Resource"]))
        for name, stmts in by_function.items()
        if any(action in _as_list(s["Action"]) for s in stmts)
    }


# --- what the stack holds -----------------------------------------------------------------------


def test_the_stack_holds_every_piece(synth):
    template = Template.from_json(synth["template"])
    template.resource_count_is("AWS::StepFunctions::StateMachine", 2)
    template.resource_count_is("AWS::Lambda::Function", len(ALL_FUNCTIONS))
    template.resource_count_is("AWS::Events::Rule", len(ALL_RULES))
    template.resource_count_is("AWS::DynamoDB::Table", len(ALL_TABLES))
    template.resource_count_is("AWS::SNS::Topic", 2)  # notifications (approvals, team) and ops alarms
    template.resource_count_is("AWS::ApiGateway::RestApi", 1)
    template.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
    template.has_resource_properties("AWS::CloudWatch::Dashboard", {})


def test_one_function_per_name_with_its_handler_runtime_layer_and_environment(synth, resources):
    functions = _of_type(resources, "AWS::Lambda::Function")
    for name, lid in _function_ids(synth["stack"]).items():
        props = functions[lid]["Properties"]
        assert props["Handler"] == handler_path(name)
        assert (props["Runtime"], props["Architectures"], props["MemorySize"]) == ("python3.12", ["arm64"], 256)
        assert props["TracingConfig"] == {"Mode": "Active"}
        assert "AWSLambdaPowertoolsPythonV3-python312-arm64:" in _text(props["Layers"][0])
        assert "LogGroup" in props["LoggingConfig"] and "KmsKeyArn" in props
        env = props["Environment"]["Variables"]
        assert set(env_names()) | {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_LOG_LEVEL"} <= set(env), name
        assert env["CAPSTAN_APPS_CONFIG"] == "config/apps.json"
        assert "stateMachine:capstan-release" in _text(env["CAPSTAN_RELEASE_STATE_MACHINE_ARN"])


def _asl_tasks(states: dict) -> list[dict]:
    tasks = []
    for state in states.values():
        tasks += [state] if state["Type"] == "Task" else []
        for branch in state.get("Branches", []):
            tasks += _asl_tasks(branch["States"])
    return tasks


def test_function_timeouts_cover_their_task_timeouts(synth, resources):
    functions, ids = _of_type(resources, "AWS::Lambda::Function"), _function_ids(synth["stack"])
    by_placeholder = {placeholder(name): name for name in ALL_FUNCTIONS}
    checked = 0
    for asl in (RELEASE_ASL, ROLLBACK_ASL):
        for task in _asl_tasks(json.loads(asl.read_text())["States"]):
            target = task.get("Parameters", {}).get("FunctionName", task["Resource"]).strip("${}")
            if target in by_placeholder and "TimeoutSeconds" in task:
                assert functions[ids[by_placeholder[target]]]["Properties"]["Timeout"] >= task["TimeoutSeconds"], target
                checked += 1
    assert checked > 10


# --- the workflows -----------------------------------------------------------------------------


def _definition(synth, props: dict) -> str:
    """The definition CloudFormation will get: the inline string, or the asset file the S3 location names."""
    if "DefinitionString" in props:
        text = _text(props["DefinitionString"])
    else:
        key = props["DefinitionS3Location"]["Key"]
        text = (synth["outdir"] / f"asset.{key}").read_text()
    for name, value in props.get("DefinitionSubstitutions", {}).items():
        text = text.replace("${" + name + "}", _text(value))
    return text


@pytest.mark.parametrize(
    "name, asl, tasks", [("capstan-release", RELEASE_ASL, RELEASE_TASKS), ("capstan-rollback", ROLLBACK_ASL, ROLLBACK_TASKS)]
)
def test_each_state_machine_runs_its_asl_file_with_every_placeholder_filled(synth, resources, name, asl, tasks):
    stack, ids = synth["stack"], _function_ids(synth["stack"])
    machine = next(
        r["Properties"]
        for r in _of_type(resources, "AWS::StepFunctions::StateMachine").values()
        if r["Properties"]["StateMachineName"] == name
    )
    deployed = _definition(synth, machine)
    assert "${" not in deployed
    markers = {placeholder(task): f"<<{ids[task]}.Arn>>" for task in tasks}
    markers[TOPIC_PLACEHOLDER] = f"<<{_lid(stack, stack.topic)}>>"
    expected = re.sub(r"\$\{(\w+)\}", lambda m: markers[m.group(1)], asl.read_text())
    assert json.loads(deployed) == json.loads(expected)
    assert machine["StateMachineType"] == "STANDARD" and machine["TracingConfiguration"] == {"Enabled": True}
    assert machine["LoggingConfiguration"]["Level"] == "ALL"
    assert machine["LoggingConfiguration"]["IncludeExecutionData"] is False  # task tokens stay out of logs
    role = machine["RoleArn"]["Fn::GetAtt"][0]
    invoked = [s for s in _role_statements(resources, role) if s["Action"] == "lambda:InvokeFunction"]
    assert sorted(_text(r) for s in invoked for r in _as_list(s["Resource"])) == sorted(f"<<{ids[t]}.Arn>>" for t in tasks)


# --- events ------------------------------------------------------------------------------------


def test_each_rule_deploys_its_pattern_with_retries_and_a_dead_letter_queue(synth, resources):
    stack, ids = synth["stack"], _function_ids(synth["stack"])
    rules, queues = _of_type(resources, "AWS::Events::Rule"), _of_type(resources, "AWS::SQS::Queue")
    for rule in ALL_RULES:
        props = rules[_lid(stack, stack.event_rules.rules[rule.name])]["Properties"]
        assert props["EventPattern"] == rule.pattern
        (target,) = props["Targets"]
        assert target["Arn"] == {"Fn::GetAtt": [ids[rule.target], "Arn"]}
        assert target["RetryPolicy"] == {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185}
        dlq = target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
        assert "KmsMasterKeyId" in queues[dlq]["Properties"]


def test_every_dead_letter_queue_and_failed_execution_is_alarmed(synth, resources):
    alarms = list(_of_type(resources, "AWS::CloudWatch::Alarm").values())
    watched = {
        _text(d["Value"])
        for a in alarms
        if a["Properties"]["MetricName"] == "ApproximateNumberOfMessagesVisible"
        for d in a["Properties"]["Dimensions"]
    }
    assert watched == {f"<<{lid}.QueueName>>" for lid in _of_type(resources, "AWS::SQS::Queue")}
    assert sum(a["Properties"]["MetricName"] == "ExecutionsFailed" for a in alarms) == 2
    # Release alarms (capstan-*) start rollbacks; the stack's own alarms must not look like them.
    assert not [a for a in alarms if a["Properties"]["AlarmName"].startswith(ALARM_NAME_PREFIX)]


# --- data --------------------------------------------------------------------------------------


def test_tables_follow_their_schemas_with_pitr_and_the_key(synth, resources):
    stack, tables = synth["stack"], _of_type(resources, "AWS::DynamoDB::Table")
    for schema in ALL_TABLES:
        res = tables[_lid(stack, stack.tables[schema.name])]
        props = res["Properties"]
        assert props["KeySchema"] == schema.key_schema()
        assert props["AttributeDefinitions"] == schema.attribute_definitions()
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["SSESpecification"]["SSEType"] == "KMS" and "KMSMasterKeyId" in props["SSESpecification"]
        ttl = props.get("TimeToLiveSpecification")
        assert ttl == ({"AttributeName": schema.ttl_attribute, "Enabled": True} if schema.ttl_attribute else None)
        if schema is LEDGER:
            assert res["DeletionPolicy"] == "Retain"


def test_the_artifact_bucket_is_encrypted_versioned_private_tls_only_and_logged(synth):
    stack, template = synth["stack"], Template.from_json(synth["template"])
    bucket = _lid(stack, stack.artifacts)
    template.has_resource_properties(
        "AWS::S3::Bucket",
        {
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [
                    Match.object_like({"ServerSideEncryptionByDefault": Match.object_like({"SSEAlgorithm": "aws:kms"})})
                ]
            },
            "VersioningConfiguration": {"Status": "Enabled"},
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "LoggingConfiguration": Match.object_like({"DestinationBucketName": Match.any_value()}),
        },
    )
    template.has_resource_properties(
        "AWS::S3::BucketPolicy",
        {
            "Bucket": {"Ref": bucket},
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})]
                )
            },
        },
    )


def test_the_topic_is_encrypted_and_each_person_gets_only_their_own_messages(synth):
    template = Template.from_json(synth["template"])
    template.has_resource_properties("AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()})
    template.has_resource_properties(
        "AWS::SNS::TopicPolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [Match.object_like({"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}})]
                )
            }
        },
    )
    people = load_catalog(ROOT / "config" / "apps.json").people()
    assert {"alice", "bob", "erin"} <= set(people)  # approvers and developers
    for who, email in people.items():
        template.has_resource_properties(
            "AWS::SNS::Subscription",
            {"Protocol": "email", "Endpoint": email, "RedrivePolicy": Match.any_value(), "FilterPolicy": {"recipient": [who]}},
        )
    subscriptions = template.find_resources("AWS::SNS::Subscription")
    on_notifications = [s for s in subscriptions.values() if "OpsAlarms" not in json.dumps(s["Properties"]["TopicArn"])]
    assert on_notifications and all("FilterPolicy" in s["Properties"] for s in on_notifications), (
        "an unfiltered subscription to the notification topic would get every approval link"
    )


# --- the approval page -------------------------------------------------------------------------


def test_the_approval_api_serves_get_head_and_post_on_the_link_without_logging_it(synth, resources):
    stack = synth["stack"]
    paths = {lid: r["Properties"]["PathPart"] for lid, r in _of_type(resources, "AWS::ApiGateway::Resource").items()}
    token = next(lid for lid, part in paths.items() if part == "{token}")
    assert resources[token]["Properties"]["ParentId"] == {"Ref": next(lid for lid, p in paths.items() if p == "a")}
    methods = {
        r["Properties"]["HttpMethod"]: r["Properties"]
        for r in _of_type(resources, "AWS::ApiGateway::Method").values()
        if r["Properties"]["ResourceId"] == {"Ref": token}
    }
    assert set(methods) == {"GET", "HEAD", "POST"}
    approval_fn = _function_ids(stack)["approval_api"]
    for method in methods.values():
        assert method["Integration"]["Type"] == "AWS_PROXY"
        assert f"<<{approval_fn}.Arn>>" in _text(method["Integration"]["Uri"])
        assert method["RequestParameters"] == {"method.request.path.token": True} and "RequestValidatorId" in method
    (stage,) = [r["Properties"] for r in _of_type(resources, "AWS::ApiGateway::Stage").values()]
    log_format = stage["AccessLogSetting"]["Format"]
    assert "$context.resourcePath" in log_format and "$context.path" not in log_format
    assert "querystring" not in log_format.lower()
    assert stage["TracingEnabled"] is True
    (settings,) = stage["MethodSettings"]
    assert settings["LoggingLevel"] == "OFF" and settings["DataTraceEnabled"] is False
    assert settings["ThrottlingRateLimit"] > 0 and settings["ThrottlingBurstLimit"] > 0


# --- least privilege ---------------------------------------------------------------------------


def test_no_policy_grants_star_resources_or_actions_beyond_the_acknowledged_ones(resources):
    for lid, statement in _statements(resources):
        actions = _as_list(statement["Action"])
        assert not [a for a in actions if "*" in a], f"{lid}: wildcard action in {actions}"
        if "*" in _as_list(statement["Resource"]):
            assert set(actions) <= ACKNOWLEDGED_STAR_ACTIONS, f"{lid}: {actions} on Resource '*'"


def test_each_function_may_do_only_what_its_step_does(synth, resources):
    by_function = _function_role_statements(synth, resources)
    release, rollback = "stateMachine:capstan-release", "stateMachine:capstan-rollback"
    callbacks = _who_may(by_function, "states:SendTaskSuccess")
    assert set(callbacks) == {"build_finished", "approval_api", "remind_approvers"}
    assert all(len(arns) == 1 and arns[0].endswith(release) for arns in callbacks.values())
    starts = _who_may(by_function, "states:StartExecution")
    assert set(starts) == {"start_release", "start_rollback"}
    assert len(starts["start_release"]) == 1 and starts["start_release"][0].endswith(release)
    assert len(starts["start_rollback"]) == 1 and starts["start_rollback"][0].endswith(rollback)
    assert set(_who_may(by_function, "codebuild:StartBuild")) == {"start_build"}
    assert _who_may(by_function, "codebuild:StartBuild")["start_build"][0].endswith(":project/capstan-*")
    assert _who_may(by_function, "cloudwatch:DescribeAlarms")["check_alarms"][0].endswith(":alarm:capstan-*")
    assert set(_who_may(by_function, "cloudwatch:DescribeAlarms")) == {"check_alarms"}
    assert set(_who_may(by_function, "sns:Publish")) == {"request_approval", "remind_approvers", "record_release"}
    stack = synth["stack"]
    secrets = _who_may(by_function, "secretsmanager:GetSecretValue")
    link_keys, store = f"<<{_lid(stack, stack.link_keys)}>>", f"<<{_lid(stack, stack.store_credentials)}>>"
    assert {n for n, arns in secrets.items() if link_keys in arns} == {"request_approval", "approval_api", "rotate_link_keys"}
    rotation = _who_may(by_function, "secretsmanager:PutSecretValue")
    assert set(rotation) == {"rotate_link_keys"} and rotation["rotate_link_keys"] == [link_keys]
    assert {n for n, arns in secrets.items() if store in arns} == {
        "upload_app_store",
        "upload_google_play",
        "publish_live_update",
        "advance_rollout",
        "halt_google_play",
        "pause_app_store",
        "revert_live_update",
    }
    assert set(_who_may(by_function, "s3:GetObject")) == {
        "build_finished",
        "evaluate_tests",
        "evaluate_scans",
        "upload_app_store",
        "upload_google_play",
        "publish_live_update",
    }
    ledger = f"<<{_lid(stack, stack.tables[LEDGER.name])}.Arn>>"
    assert {n for n, arns in _who_may(by_function, "dynamodb:PutItem").items() if ledger in arns} == set(ALL_FUNCTIONS)
    assert not [n for n, arns in _who_may(by_function, "dynamodb:UpdateItem").items() if ledger in arns]  # append-only


# --- cdk-nag -----------------------------------------------------------------------------------


def test_cdk_nag_reports_no_unacknowledged_finding(synth):
    findings = [
        f"{v.rule_name} at {[r.construct_path for r in v.violating_resources]}"
        for pack in (AwsSolutionsChecks(synth["app"]), ServerlessChecks(synth["app"]))
        for v in pack.validate_scope(synth["stack"]).violations
    ]
    assert findings == []
    assert synth["failure"] is None


def test_an_unacknowledged_finding_fails_the_synth(tmp_path):
    app = App(outdir=str(tmp_path))
    s3.Bucket(Stack(app, "Unchecked"), "PlainBucket")
    _load_app_module().add_checks(app)
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()


# --- the Lambda asset --------------------------------------------------------------------------


def test_the_lambda_asset_holds_the_functions_and_nothing_else(synth, resources):
    keys = {r["Properties"]["Code"]["S3Key"] for r in _of_type(resources, "AWS::Lambda::Function").values()}
    (key,) = keys  # one asset for every function
    asset = synth["outdir"] / f"asset.{Path(key).stem}"
    top = {p.name for p in asset.iterdir()}
    assert {"capstan", "functions", "config", "defusedxml"} <= top
    assert not top & set(NOT_IN_ASSET), top & set(NOT_IN_ASSET)
    assert (asset / "config" / "apps.json").is_file()
    for name in ALL_FUNCTIONS:
        assert (asset / "functions" / name / "app.py").is_file(), name
    assert not list(asset.rglob("__pycache__"))


def test_functions_that_act_once_may_use_the_idempotency_table_and_no_others():
    # Given the handlers (each says whether it acts once per business key), then infra grants exactly those
    import importlib

    from infra.access import Need, needs

    for name in ALL_FUNCTIONS:
        handler = importlib.import_module(f"functions.{name}.app").handler
        assert getattr(handler, "acts_once", False) == (Need.ACT_ONCE in needs(name)), name


def test_every_ops_alarm_tells_the_team_and_state_machines_encrypt_with_the_stack_key(synth, resources):
    alarms = _of_type(resources, "AWS::CloudWatch::Alarm")
    topics = [lid for lid, r in _of_type(resources, "AWS::SNS::Topic").items() if "OpsAlarms" in lid]
    assert alarms and len(topics) == 1
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": topics[0]}]
        assert not alarm["Properties"]["AlarmName"].startswith("capstan-"), "that prefix would start a rollback"
    for machine in _of_type(resources, "AWS::StepFunctions::StateMachine").values():
        assert machine["Properties"]["EncryptionConfiguration"]["Type"] == "CUSTOMER_MANAGED_KMS_KEY"


def test_only_their_own_publishers_may_put_capstans_custom_sources(synth, resources):
    # A forged push or rollback request is denied at the bus: an explicit Deny for every other principal
    from capstan.rules import SOURCE_PUBLISHERS

    policies = [r["Properties"] for r in _of_type(resources, "AWS::Events::EventBusPolicy").values()]
    denied = {p["Statement"]["Condition"]["StringEquals"]["events:source"]: p["Statement"] for p in policies}
    assert set(denied) == set(SOURCE_PUBLISHERS)
    for statement in denied.values():
        assert statement["Effect"] == "Deny" and statement["Action"] == "events:PutEvents" and statement["Principal"] == "*"
        assert "aws:PrincipalArn" in statement["Condition"]["ArnNotEquals"]


def test_github_pushes_come_only_from_the_webhook_function_which_github_reaches_by_post(synth, resources):
    from capstan.rules import GITHUB_SOURCE

    stack = synth["stack"]
    policy = next(
        r["Properties"]["Statement"]
        for r in _of_type(resources, "AWS::Events::EventBusPolicy").values()
        if r["Properties"]["Statement"]["Condition"]["StringEquals"]["events:source"] == GITHUB_SOURCE
    )
    role_id = _lid(stack, stack.function_roles["github_webhook"])
    assert policy["Condition"]["ArnNotEquals"]["aws:PrincipalArn"] == {"Fn::GetAtt": [role_id, "Arn"]}
    paths = {lid: r["Properties"]["PathPart"] for lid, r in _of_type(resources, "AWS::ApiGateway::Resource").items()}
    push = next(lid for lid, part in paths.items() if part == "push")
    methods = [
        r["Properties"]["HttpMethod"]
        for r in _of_type(resources, "AWS::ApiGateway::Method").values()
        if r["Properties"]["ResourceId"] == {"Ref": push}
    ]
    assert methods == ["POST"]
