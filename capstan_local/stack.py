"""The embedded local stack: moto's AWS with the real state machines, the handlers in-process, the store
simulators, the build runner, the event router, the approval page and the outbox."""

from __future__ import annotations

import hashlib
import importlib
import io
import json
import logging
import os
import secrets
import shutil
import threading
import time
import uuid
import warnings
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

import capstan.adapters.aws as aws_clients
import capstan.ports as ports_module
from capstan.adapters.stores import GooglePlayClient, LiveUpdateClient
from capstan.config import load_catalog
from capstan.tables import ALL_TABLES
from capstan.workflow import (
    ALL_FUNCTIONS,
    RELEASE_ASL,
    RELEASE_TASKS,
    ROLLBACK_ASL,
    ROLLBACK_TASKS,
    ROOT,
    TOPIC_PLACEHOLDER,
    placeholder,
)
from capstan_local.approval_server import ApprovalServer
from capstan_local.build import LocalBuildRunner
from capstan_local.outbox import Outbox
from capstan_local.patches import LambdaContext, install
from capstan_local.router import Delivery, EventRouter
from capstan_local.sims import StoreSimulators

ACCOUNT, REGION = "123456789012", "us-east-1"
PREFIX = "capstan"
# Waits for a human (the approval, split at the reminder) are scaled with the time scale.
APPROVAL_TIMEOUT_PATHS = frozenset({"$.release.timeouts.reminder_s", "$.release.timeouts.final_s"})
BUILD_TIMEOUT_PATH = "$.release.timeouts.build_s"
Progress = Callable[[str], None]


def _arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"


class LocalStack:
    """One embedded Capstan deployment. Use as a context manager, or `start()` / `stop()`.

    Parameters
    ----------
    time_scale : float
        Factor for Wait states, retry intervals and the approval timeout (humans' time).
    state_dir : Path
        Scratch space for builds and the handlers' log.
    sources : dict
        Repository name -> directory the local build runner builds (default: `examples/<repository>`).
    run_builds, scale_build_timeout : bool
        Tests of a build that never reports turn builds off and scale the build timeout too.
    """

    def __init__(
        self,
        *,
        time_scale: float = 0.001,
        state_dir: Path | None = None,
        apps_config: Path | None = None,
        sources: dict[str, Path] | None = None,
        on_progress: Progress | None = None,
        approval_port: int = 0,
        seed_baseline: bool = True,
        run_builds: bool = True,
        scale_build_timeout: bool = False,
    ):
        self.time_scale = time_scale
        self.state_dir = Path(state_dir or ROOT / ".capstan")
        self.apps_config = Path(apps_config or ROOT / "config" / "apps.json")
        self.catalog = load_catalog(self.apps_config)
        self.sources = {a.repository: ROOT / "examples" / a.repository for a in self.catalog.apps} | (sources or {})
        self.on_progress = on_progress or (lambda _m: None)
        self.seed_baseline = seed_baseline
        self.run_builds = run_builds
        self.scaled_timeout_paths = APPROVAL_TIMEOUT_PATHS | ({BUILD_TIMEOUT_PATH} if scale_build_timeout else set())
        self._approval_port = approval_port
        self._handlers: dict[str, Callable[..., Any]] = {}
        self._builds: list[threading.Thread] = []
        self._mock: Any = None
        self.invocations: list[tuple[str, str]] = []

    # --- lifecycle -------------------------------------------------------------------

    def start(self) -> LocalStack:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.state_dir / "builds", ignore_errors=True)  # scratch copies of earlier runs
        os.environ.update(
            {
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
                "AWS_SESSION_TOKEN": "local",
                "AWS_DEFAULT_REGION": REGION,
                "AWS_REGION": REGION,
                "POWERTOOLS_TRACE_DISABLED": "true",
                "POWERTOOLS_METRICS_DISABLED": "true",
                "POWERTOOLS_SERVICE_NAME": PREFIX,
                "MOTO_ALLOW_NONEXISTENT_REGION": "false",
            }
        )
        os.environ.pop("AWS_ENDPOINT_URL", None)
        logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
        warnings.filterwarnings("ignore", message="No application metrics to publish")
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}, "core": {"reset_boto3_session": True}})
        self._mock.start()
        patches = install()
        patches.invoke, patches.time_scale = self.invoke, self.time_scale
        patches.scaled_timeout_paths = frozenset(self.scaled_timeout_paths)
        patches.on_build_started = self._on_build_started
        patches.on_events_put = self._on_events_put
        self.sims = StoreSimulators().start()
        # The API Gateway of the deployed stack, locally: the approval page and the GitHub webhook.
        self.approval = ApprovalServer(self.invoke, port=self._approval_port).start()
        self._redirect_logs()
        self._create_resources()
        self.router = EventRouter(self.invoke)
        if self.seed_baseline:
            self._seed_baseline()
        self._action_offset = len(self.sims.actions())
        return self

    def stop(self) -> None:
        self._stop_executions()
        for thread in self._builds:
            thread.join(timeout=60)
        self.approval.stop()
        self.sims.stop()
        if self._mock is not None:
            self._mock.stop()
            self._mock = None
        aws_clients.reset()
        ports_module.reset()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _stop_executions(self) -> None:
        """End every execution still running: its waiting threads would otherwise wake up later and call
        handlers in whatever stack runs next in this process."""
        if self._mock is None or not getattr(self, "state_machines", None):
            return
        sfn = self.client("stepfunctions")
        for arn in self.state_machines.values():
            for ex in sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"]:
                try:
                    sfn.stop_execution(executionArn=ex["executionArn"], error="LocalStackStopped", cause="the local stack stopped")
                except sfn.exceptions.ExecutionDoesNotExist:
                    pass

    # --- resources -------------------------------------------------------------------

    @property
    def env(self) -> dict[str, str]:
        """The environment every handler gets: the same variables the CDK stack sets."""
        return {
            "CAPSTAN_LEDGER_TABLE": f"{PREFIX}-Ledger",
            "CAPSTAN_RELEASES_TABLE": f"{PREFIX}-Releases",
            "CAPSTAN_APPROVALS_TABLE": f"{PREFIX}-Approvals",
            "CAPSTAN_BUILDS_TABLE": f"{PREFIX}-Builds",
            "CAPSTAN_LOCKS_TABLE": f"{PREFIX}-Locks",
            "CAPSTAN_IDEMPOTENCY_TABLE": f"{PREFIX}-Idempotency",
            "CAPSTAN_ARTIFACT_BUCKET": f"{PREFIX}-artifacts-{ACCOUNT}-{REGION}",
            "CAPSTAN_TOPIC_ARN": _arn("sns", f"{PREFIX}-notifications"),
            "CAPSTAN_RELEASE_STATE_MACHINE_ARN": _arn("states", f"stateMachine:{PREFIX}-release"),
            "CAPSTAN_ROLLBACK_STATE_MACHINE_ARN": _arn("states", f"stateMachine:{PREFIX}-rollback"),
            "CAPSTAN_APPROVAL_BASE_URL": self.approval.url,
            "CAPSTAN_LINK_KEY_SECRET_ID": f"{PREFIX}/link-keys",
            "CAPSTAN_STORE_SECRET_ID": f"{PREFIX}/store-credentials",
            "CAPSTAN_WEBHOOK_SECRET_ID": f"{PREFIX}/webhook-secrets",
            "CAPSTAN_TOKEN_KEY_ID": f"alias/{PREFIX}-task-tokens",
            "CAPSTAN_GOOGLE_PLAY_URL": self.sims.urls["google_play"],
            "CAPSTAN_APP_STORE_URL": self.sims.urls["app_store"],
            "CAPSTAN_LIVE_UPDATE_URL": self.sims.urls["live_update"],
            "CAPSTAN_APPS_CONFIG": str(self.apps_config),
            "CAPSTAN_SECRET_MAX_AGE_S": "0",
        }

    def client(self, service: str) -> Any:
        return boto3.client(service, region_name=REGION)

    def _create_resources(self) -> None:
        env = self.env
        os.environ.update(env)
        aws_clients.reset()
        ports_module.reset()
        ddb = self.client("dynamodb")
        for schema in ALL_TABLES:
            ddb.create_table(
                TableName=f"{PREFIX}-{schema.name}",
                KeySchema=schema.key_schema(),
                AttributeDefinitions=schema.attribute_definitions(),
                BillingMode="PAY_PER_REQUEST",
            )
        self.client("s3").create_bucket(Bucket=env["CAPSTAN_ARTIFACT_BUCKET"])
        sns, sqs = self.client("sns"), self.client("sqs")
        topic = sns.create_topic(Name=f"{PREFIX}-notifications")["TopicArn"]
        queue = sqs.create_queue(QueueName=f"{PREFIX}-outbox")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        self.outbox = Outbox(sqs, queue, self.catalog.people())
        sm = self.client("secretsmanager")
        sm.create_secret(
            Name=env["CAPSTAN_LINK_KEY_SECRET_ID"], SecretString=json.dumps({"current": "k1", "k1": secrets.token_urlsafe(48)})
        )
        sm.create_secret(
            Name=env["CAPSTAN_STORE_SECRET_ID"],
            SecretString=json.dumps({store: self.sims.token for store in ("google_play", "app_store", "live_update")}),
        )
        kms = self.client("kms")
        key_id = kms.create_key(Description="Capstan task tokens (local)")["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName=env["CAPSTAN_TOKEN_KEY_ID"], TargetKeyId=key_id)
        self.webhook_secret = secrets.token_hex(32)
        sm.create_secret(Name=env["CAPSTAN_WEBHOOK_SECRET_ID"], SecretString=json.dumps({"github": self.webhook_secret}))
        role = self.client("iam").create_role(RoleName=f"{PREFIX}-local", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        lam = self.client("lambda")
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as z:
            z.writestr("README.txt", "handlers run in-process")
        arns = {}
        for name in ALL_FUNCTIONS:
            arns[name] = lam.create_function(
                FunctionName=f"{PREFIX}-{name}",
                Runtime="python3.12",
                Role=role,
                Handler=f"functions.{name}.app.handler",
                Code={"ZipFile": code.getvalue()},
                Environment={"Variables": env},
                Timeout=900,
            )["FunctionArn"]
        cb = self.client("codebuild")
        for app in self.catalog.apps:
            cb.create_project(
                name=app.build.project,
                source={"type": "CODECOMMIT", "location": app.repository},
                artifacts={"type": "NO_ARTIFACTS"},
                environment={"type": "LINUX_CONTAINER", "image": "local", "computeType": "BUILD_GENERAL1_SMALL"},
                serviceRole=role,
            )
            for alarm in app.alarms:
                self.client("cloudwatch").put_metric_alarm(
                    AlarmName=alarm,
                    MetricName=alarm,
                    Namespace="Capstan/App",
                    Statistic="Average",
                    Period=60,
                    EvaluationPeriods=1,
                    Threshold=1.0,
                    ComparisonOperator="GreaterThanThreshold",
                )
        sfn = self.client("stepfunctions")
        self.state_machines = {}
        for flow, asl, tasks in (("release", RELEASE_ASL, RELEASE_TASKS), ("rollback", ROLLBACK_ASL, ROLLBACK_TASKS)):
            definition = substitute(asl.read_text(), {placeholder(t): arns[t] for t in tasks} | {TOPIC_PLACEHOLDER: topic})
            self.state_machines[flow] = sfn.create_state_machine(
                name=f"{PREFIX}-{flow}", definition=definition, roleArn=role, type="STANDARD"
            )["stateMachineArn"]

    def _redirect_logs(self) -> None:
        """The handlers' structured logs go to a file, not the terminal (tests read it to look for leaks)."""
        self.log_path = self.state_dir / "lambda.log"
        stream = self.log_path.open("a", encoding="utf-8")
        for handler in logging.getLogger(PREFIX).handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(stream)

    def _seed_baseline(self) -> None:
        """The app's previous release is already live everywhere: the known-good target of a rollback."""
        now = datetime.now(UTC) - timedelta(days=7)
        releases = boto3.resource("dynamodb", region_name=REGION).Table(self.env["CAPSTAN_RELEASES_TABLE"])
        for app in self.catalog.apps:
            play = GooglePlayClient(self.sims.urls["google_play"], self.sims.token, sleep=lambda _s: None)
            code = play.upload_bundle(app.android.package_name, b"baseline-aab")
            play.set_rollout(app.android.package_name, app.android.track, code, 1.0, "baseline")
            live = LiveUpdateClient(self.sims.urls["live_update"], self.sims.token, sleep=lambda _s: None)
            bundle = b"baseline-web-bundle"
            bundle_id = live.publish_bundle(
                app.live_update.app_id, "1.3.2", bundle, hashlib.sha256(bundle).hexdigest(), app.live_update.native_min
            )
            live.set_channel(app.live_update.app_id, app.live_update.channel, bundle_id, 100)
            releases.put_item(
                Item={
                    "app_id": app.app_id,
                    "release_id": f"rel-{app.app_id}-baseline",
                    "status": "live",
                    "known_good": True,
                    "marked_bad": False,
                    "started_at": now.isoformat(),
                    "updated_at": now.isoformat(),
                    "version_name": "1.3.2",
                    "play_version_code": code,
                    "live_bundle_id": bundle_id,
                    "commit": "0" * 40,
                }
            )

    # --- in-process Lambda -------------------------------------------------------------

    def invoke(self, function: str, payload: Any) -> Any:
        name = function.removeprefix(f"{PREFIX}-")
        if name not in self._handlers:
            self._handlers[name] = importlib.import_module(f"functions.{name}.app").handler
        self.invocations.append((name, datetime.now(UTC).isoformat()))
        context = LambdaContext(function_name=f"{PREFIX}-{name}", invoked_function_arn=_arn("lambda", f"function:{PREFIX}-{name}"))
        return self._handlers[name](payload, context)

    # --- builds ------------------------------------------------------------------------

    def _on_build_started(self, build: dict[str, Any]) -> None:
        if not self.run_builds:
            return  # a build that never reports: the release's build step must time out
        project = build["projectName"]
        app = next(a for a in self.catalog.apps if a.build.project == project)
        source = self.sources[app.repository]
        runner = LocalBuildRunner(
            self.client("s3"), self.env["CAPSTAN_ARTIFACT_BUCKET"], self.state_dir / "builds", on_progress=self.on_progress
        )

        def run() -> None:
            event = runner.run(
                build_id=build["id"],
                project=project,
                source_dir=source,
                commit=build["sourceVersion"],
                buildspec=app.build.buildspec,
                timeout_s=app.build.timeout_minutes * 60,
            )
            self.put_event(event)

        thread = threading.Thread(target=run, name=f"build-{build['id']}", daemon=True)
        self._builds.append(thread)
        thread.start()

    # --- events, executions ------------------------------------------------------------

    def _on_events_put(self, entry: dict[str, Any]) -> None:
        """An event a handler put on moto's EventBridge goes through the rules, as on AWS (asynchronously)."""
        event = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": entry["DetailType"],
            "source": entry["Source"],
            "account": ACCOUNT,
            "time": datetime.now(UTC).isoformat(),
            "region": REGION,
            "resources": entry.get("Resources", []),
            "detail": json.loads(entry.get("Detail") or "{}"),
        }
        thread = threading.Thread(target=self.put_event, args=(event,), name="eventbridge-delivery", daemon=True)
        self._builds.append(thread)
        thread.start()

    def put_event(self, event: dict[str, Any]) -> list[Delivery]:
        return self.router.put(event)

    def wait(self, execution_arn: str, timeout_s: float = 120, until: Callable[[dict[str, Any]], bool] | None = None) -> dict[str, Any]:
        """Poll an execution until it ends (or `until` holds); returns its description."""
        sfn = self.client("stepfunctions")
        deadline = time.monotonic() + timeout_s
        while True:
            desc = sfn.describe_execution(executionArn=execution_arn)
            if desc["status"] != "RUNNING" or (until and until(desc)) or time.monotonic() > deadline:
                return desc
            time.sleep(0.02)

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        sfn = self.client("stepfunctions")
        events, token = [], None
        while True:
            page = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000, **({"nextToken": token} if token else {}))
            events += page["events"]
            token = page.get("nextToken")
            if not token:
                return events

    def states_entered(self, execution_arn: str) -> list[str]:
        return [e["stateEnteredEventDetails"]["name"] for e in self.history(execution_arn) if e["type"].endswith("StateEntered")]

    def store_actions(self) -> list[dict[str, Any]]:
        return self.sims.actions()[self._action_offset :]

    def set_alarm(self, name: str, state: str, reason: str) -> None:
        self.client("cloudwatch").set_alarm_state(AlarmName=name, StateValue=state, StateReason=reason)

    def ledger(self, subject: str) -> list[dict[str, Any]]:
        table = boto3.resource("dynamodb", region_name=REGION).Table(self.env["CAPSTAN_LEDGER_TABLE"])
        items = table.query(KeyConditionExpression="subject = :s", ExpressionAttributeValues={":s": subject})["Items"]
        return sorted(items, key=lambda i: i["at"])

    def ledger_all(self) -> list[dict[str, Any]]:
        table = boto3.resource("dynamodb", region_name=REGION).Table(self.env["CAPSTAN_LEDGER_TABLE"])
        items, kwargs = [], {}
        while True:
            page = table.scan(**kwargs)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                return sorted(items, key=lambda i: i["at"])
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def substitute(text: str, values: dict[str, str]) -> str:
    """Fill `${Name}` placeholders, as `definition_substitutions` does at deploy time; a missing one is an error."""
    for key, value in values.items():
        text = text.replace("${" + key + "}", value)
    if "${" in text:
        start = text.index("${")
        raise KeyError(f"unsubstituted placeholder {text[start : text.index('}', start) + 1]}")
    return text
