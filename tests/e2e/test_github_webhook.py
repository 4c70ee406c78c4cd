"""The GitHub relay: only a delivery signed with the webhook secret becomes a push, and a redelivery starts nothing new."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
import uuid

import pytest
from helpers import load_event

pytestmark = pytest.mark.e2e


def _payload() -> bytes:
    detail = load_event("github-push.json")["detail"]
    return json.dumps({k: v for k, v in detail.items() if k != "delivery_id"}).encode()


def _post(
    stack, body: bytes, *, secret: str | None = None, event: str = "push", delivery: str | None = None, signature: str | None = None
) -> tuple[int, dict]:
    sig = signature or "sha256=" + hmac.new((secret or stack.webhook_secret).encode(), body, hashlib.sha256).hexdigest()
    headers = {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-Hub-Signature-256": sig,
        "Content-Type": "application/json",
    }
    req = urllib.request.Request(f"{stack.approval.url}/github/push", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def _executions(stack) -> list[str]:
    sfn = stack.client("stepfunctions")
    return [e["name"] for e in sfn.list_executions(stateMachineArn=stack.state_machines["release"])["executions"]]


def test_a_signed_push_starts_a_release_once_even_if_redelivered(make_stack):
    stack = make_stack(run_builds=False)
    body, delivery = _payload(), str(uuid.uuid4())
    # When GitHub delivers a signed push, then it is relayed and one release starts
    status, reply = _post(stack, body, delivery=delivery)
    assert status == 202 and reply["status"] == "relayed"
    _until(lambda: _executions(stack))
    assert len(_executions(stack)) == 1
    # And a redelivery of the same delivery is relayed again but starts nothing new
    release = _executions(stack)[0]
    assert _post(stack, body, delivery=delivery)[0] == 202
    _until(lambda: "push duplicate" in [e["kind"] for e in stack.ledger(release)])
    assert _executions(stack) == [release]
    kinds = [e["kind"] for e in stack.ledger(release)]
    assert kinds.count("push accepted") == 1 and kinds.count("push duplicate") == 1


def _until(check, tries: int = 200) -> None:
    for _ in range(tries):
        if check():
            return
        time.sleep(0.05)


@pytest.mark.parametrize("case", ["no signature", "wrong secret", "tampered body", "truncated signature"])
def test_an_unsigned_or_forged_delivery_is_refused_and_recorded(make_stack, case):
    stack = make_stack(run_builds=False)
    body = _payload()
    if case == "no signature":
        status, reply = _post(stack, body, signature="none")
    elif case == "wrong secret":
        status, reply = _post(stack, body, secret="not-the-secret")
    elif case == "tampered body":
        good = "sha256=" + hmac.new(stack.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
        status, reply = _post(stack, body.replace(b"erin", b"evil"), signature=good)
    else:
        status, reply = _post(stack, body, signature="sha256=" + "0" * 20)
    assert status == 401 and "X-Hub-Signature-256" in reply["reason"]
    assert _executions(stack) == []
    assert len(stack.ledger("refused#github_webhook")) == 1


def test_a_ping_is_answered_and_other_events_start_nothing(make_stack):
    stack = make_stack(run_builds=False)
    assert _post(stack, b'{"zen": "Keep it logically awesome."}', event="ping") == (200, {"status": "pong"})
    status, reply = _post(stack, b'{"action": "opened"}', event="pull_request")
    assert status == 202 and reply["status"] == "ignored"
    status, reply = _post(stack, b'{"ref": "refs/heads/main"}')
    assert status == 400 and "after" in reply["reason"]
    assert _executions(stack) == []
