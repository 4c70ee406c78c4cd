"""Guards for every moto internal the local stack touches (capstan_local/patches.py): if moto changes, these fail first.

The SendTaskFailure cause patch is proven end to end: a rejection's reason reaches the ledger (tests/e2e).
"""

from __future__ import annotations

import json
import time
from datetime import UTC

from moto.awslambda.models import LambdaFunction
from moto.codebuild.models import CodeBuildBackend
from moto.dynamodb.models import DynamoDBBackend
from moto.events.models import EventPattern
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSecondsPath
from moto.stepfunctions.parser.asl.component.state.wait.wait_function.wait_function import WaitFunction
from moto.stepfunctions.responses import StepFunctionResponse

from capstan_local import patches


def test_the_patched_places_still_exist_with_the_signatures_we_replace(stack):
    import inspect

    assert list(inspect.signature(patches._ORIGINALS["invoke"]).parameters) == ["self", "event"]
    assert list(inspect.signature(patches._ORIGINALS["wait"]).parameters) == ["self", "env", "wait_seconds"]
    assert list(inspect.signature(patches._ORIGINALS["start_build"]).parameters)[:3] == ["self", "project_name", "source_version"]
    assert hasattr(patches._ORIGINALS["retrier_time"], "sleep")
    assert "string_sampler" in inspect.signature(TimeoutSecondsPath.__init__).parameters


def test_install_replaced_each_method(stack):
    assert LambdaFunction._invoke_lambda is patches._invoke_lambda
    assert WaitFunction._wait_interval is patches._wait_interval
    assert isinstance(retrier_decl.time, patches._ScaledTime)
    assert TimeoutSecondsPath._eval_seconds is patches._timeout_path_seconds
    assert CodeBuildBackend.start_build is patches._start_build
    assert StepFunctionResponse.send_task_failure is patches._send_task_failure
    for name in patches._DYNAMODB_WRITES:
        patched = getattr(DynamoDBBackend, name)
        assert patched.__name__ == name and patched is not patches._ORIGINALS[f"dynamodb.{name}"]


def test_racing_conditional_writes_have_exactly_one_winner(stack):
    # Given many threads racing the same conditional write, then exactly one succeeds (as on DynamoDB)
    import threading
    from datetime import datetime

    from capstan.ports import default_ports

    locks = default_ports().locks
    wins: list[bool] = []
    go = threading.Barrier(24)

    def take(i: int) -> None:
        go.wait()
        wins.append(locks.acquire("race#probe", f"owner-{i}", datetime.now(UTC), 60))

    threads = [threading.Thread(target=take, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wins.count(True) == 1


def _run(stack, definition: dict, payload: dict | None = None) -> dict:
    sfn = stack.client("stepfunctions")
    name = f"probe-{time.monotonic_ns()}"
    role = "arn:aws:iam::123456789012:role/capstan-local"
    arn = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=role)["stateMachineArn"]
    ex = sfn.start_execution(stateMachineArn=arn, name=name, input=json.dumps(payload or {}))["executionArn"]
    return stack.wait(ex, 30)


def test_a_lambda_error_reaches_a_catch_by_its_class_name(stack):
    fn = "arn:aws:lambda:us-east-1:123456789012:function:capstan-validate_release"
    desc = _run(
        stack,
        {
            "StartAt": "T",
            "States": {
                "T": {
                    "Type": "Task",
                    "Resource": fn,
                    "Catch": [{"ErrorEquals": ["InvalidInput"], "ResultPath": "$.e", "Next": "Caught"}],
                    "End": True,
                },
                "Caught": {"Type": "Succeed"},
            },
        },
    )
    assert desc["status"] == "SUCCEEDED" and json.loads(desc["output"])["e"]["Error"] == "InvalidInput"


def test_waits_are_scaled(stack):
    t0 = time.monotonic()
    desc = _run(stack, {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": True}}})
    assert desc["status"] == "SUCCEEDED" and time.monotonic() - t0 < 30


def test_the_router_uses_motos_pattern_matcher_as_eventbridge_would():
    pattern = EventPattern.load(json.dumps({"detail": {"alarmName": [{"prefix": "capstan-"}]}}))
    assert pattern.matches_event({"detail": {"alarmName": "capstan-x"}})
    assert not pattern.matches_event({"detail": {"alarmName": "other-x"}})
