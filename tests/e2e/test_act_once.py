"""Steps with side effects act once per business key: a retried or redelivered call gets the first result back."""

from __future__ import annotations

import json

import pytest
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyValidationError
from flows import alarm, release_until_approved

pytestmark = pytest.mark.e2e


def _input_of(stack, arn: str, state: str) -> dict:
    for event in stack.history(arn):
        if event["type"].endswith("StateEntered") and event["stateEnteredEventDetails"]["name"] == state:
            return json.loads(event["stateEnteredEventDetails"]["input"])
    raise AssertionError(f"{state} never entered")


def test_a_repeated_upload_or_halt_does_not_reach_the_store_twice(make_stack):
    stack = make_stack()
    arn, _ = release_until_approved(stack)
    assert stack.wait(arn)["status"] == "SUCCEEDED"
    uploads = lambda: [a for a in stack.store_actions() if a["action"] == "upload"]  # noqa: E731
    before = len(uploads())
    # When the Play upload is delivered again with the same input
    state = _input_of(stack, arn, "Upload to Google Play")
    first = stack.invoke("upload_google_play", state)
    # Then it answers with the first result and Play sees no second upload
    assert first["store"] == "google_play" and len(uploads()) == before
    # And the same key with a different input is refused, not served from the cache
    changed = json.loads(json.dumps(state))
    changed["build"]["notes"] = ["something else"]
    with pytest.raises(IdempotencyValidationError):
        stack.invoke("upload_google_play", changed)
    # The same holds for a rollback's halt
    rb = alarm(stack)
    assert stack.wait(rb["execution_arn"])["status"] == "SUCCEEDED"
    halts = lambda: [a for a in stack.store_actions() if a["action"] == "halt"]  # noqa: E731
    assert len(halts()) == 1
    stack.invoke("halt_google_play", {"plan": _input_of(stack, rb["execution_arn"], "Halt Google Play rollout")["plan"]})
    assert len(halts()) == 1
