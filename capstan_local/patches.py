"""Every moto internal the local stack touches, in one place; `tests/integration/test_moto_patches.py` guards each.

- Lambda: `LambdaFunction._invoke_lambda` would start a container; here it calls the
  handler in-process and reports exceptions by class name, as Lambda does.
- Time: Wait states, retry intervals and the callback timeouts that stand for a human's
  time (`TimeoutSecondsPath` on the approval step) are scaled by a factor; fixed task
  timeouts are not, since they bound real local work.
- CodeBuild: moto records a started build but runs nothing; a hook hands it to the
  local build runner.
- SendTaskFailure: moto's response layer drops the `cause`; the patch passes it on, as
  Step Functions does.
- EventBridge: moto delivers put events to none of our targets; a hook hands each entry
  put on the default bus to the local router.
- DynamoDB writes: moto checks a condition and then writes, with no lock between, so two
  threads can both win a conditional write. DynamoDB makes each item write atomic; one
  lock around moto's writes restores that (racing approval clicks depend on it).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto.awslambda.models import LambdaFunction
from moto.codebuild.models import CodeBuildBackend
from moto.core.responses import EmptyResult
from moto.dynamodb.models import DynamoDBBackend
from moto.events.models import EventsBackend
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSecondsPath
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction
from moto.stepfunctions.responses import StepFunctionResponse

Invoker = Callable[[str, Any], Any]


@dataclass
class LambdaContext:
    """What a handler gets as `context` locally (Powertools reads these attributes)."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 256
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = ""
    log_stream_name: str = ""

    def get_remaining_time_in_millis(self) -> int:
        return 300_000


@dataclass
class Patches:
    """The state the patched methods read; installed once per process."""

    invoke: Invoker | None = None
    time_scale: float = 1.0
    scaled_timeout_paths: frozenset[str] = frozenset()
    on_build_started: Callable[[dict[str, Any]], None] | None = None
    on_events_put: Callable[[dict[str, Any]], None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


PATCHES = Patches()
_ORIGINALS: dict[str, Any] = {}


def _invoke_lambda(self: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
    payload = json.loads(event) if isinstance(event, (str, bytes)) else (event or {})
    try:
        result = PATCHES.invoke(self.function_name, payload)  # type: ignore[misc]
        return json.dumps(result), False, ""
    except Exception as exc:  # reported to the workflow by class name, as Lambda does
        return json.dumps({"errorType": type(exc).__name__, "errorMessage": str(exc)}), True, ""


def _wait_interval(self: WaitFunction, env: Any, wait_seconds: int) -> None:
    if wait_seconds > 0:
        env.program_state_event.wait(wait_seconds * PATCHES.time_scale)


class _ScaledTime:
    """Stands in for the `time` module inside the retrier, so retry intervals are scaled."""

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)

    @staticmethod
    def sleep(seconds: float) -> None:
        time.sleep(seconds * PATCHES.time_scale)


def _timeout_path_seconds(self: TimeoutSecondsPath, env: Any) -> Any:
    seconds = _ORIGINALS["timeout_path"](self, env)
    path = getattr(self.string_sampler, "json_path", "")
    if path in PATCHES.scaled_timeout_paths:
        return max(seconds * PATCHES.time_scale, 0.05)
    return seconds


def _start_build(
    self: CodeBuildBackend, project_name: str, source_version: str | None = None, artifact_override: Any = None
) -> dict[str, Any]:
    build = _ORIGINALS["start_build"](self, project_name, source_version, artifact_override)
    if PATCHES.on_build_started:
        PATCHES.on_build_started(dict(build))
    return build


def _send_task_failure(self: StepFunctionResponse) -> Any:
    self.stepfunction_backend.send_task_failure(
        self._get_param("taskToken"), error=self._get_param("error"), cause=self._get_param("cause")
    )
    return EmptyResult()


_DYNAMODB_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items")
_DYNAMODB_LOCK = threading.RLock()


def _atomic(name: str) -> Callable[..., Any]:
    original = _ORIGINALS[f"dynamodb.{name}"]

    def write(self: DynamoDBBackend, *args: Any, **kwargs: Any) -> Any:
        with _DYNAMODB_LOCK:
            return original(self, *args, **kwargs)

    write.__name__ = name
    return write


def _put_events(self: EventsBackend, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    entries = _ORIGINALS["put_events"](self, events)
    if PATCHES.on_events_put:
        for event, entry in zip(events, entries, strict=False):
            if "EventId" in entry and event.get("EventBusName", "default") in ("default", None):
                PATCHES.on_events_put(event)
    return entries


def install() -> Patches:
    """Patch moto once; later calls only return the shared state."""
    with PATCHES.lock:
        if not _ORIGINALS:
            _ORIGINALS["invoke"] = LambdaFunction._invoke_lambda
            _ORIGINALS["wait"] = WaitFunction._wait_interval
            _ORIGINALS["retrier_time"] = retrier_decl.time
            _ORIGINALS["timeout_path"] = TimeoutSecondsPath._eval_seconds
            _ORIGINALS["start_build"] = CodeBuildBackend.start_build
            _ORIGINALS["send_task_failure"] = StepFunctionResponse.send_task_failure
            StepFunctionResponse.send_task_failure = _send_task_failure
            _ORIGINALS["put_events"] = EventsBackend.put_events
            EventsBackend.put_events = _put_events
            for name in _DYNAMODB_WRITES:
                _ORIGINALS[f"dynamodb.{name}"] = getattr(DynamoDBBackend, name)
                setattr(DynamoDBBackend, name, _atomic(name))
            LambdaFunction._invoke_lambda = _invoke_lambda
            WaitFunction._wait_interval = _wait_interval
            retrier_decl.time = _ScaledTime()
            TimeoutSecondsPath._eval_seconds = _timeout_path_seconds
            CodeBuildBackend.start_build = _start_build
    return PATCHES
