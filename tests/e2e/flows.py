"""Driving the local stack as its users do: push, approve through the page, raise an alarm, ask for a rollback."""

from __future__ import annotations

import uuid

from helpers import load_event

from capstan_local import approver
from capstan_local.stack import LocalStack


def push(stack: LocalStack, commit: str | None = None, event: str = "codecommit-push.json") -> dict:
    ev = load_event(event)
    ev["id"] = str(uuid.uuid4())
    if commit:
        ev["detail"]["commitId" if "commitId" in ev["detail"] else "after"] = commit
    [delivery] = stack.put_event(ev)
    return delivery.result


def wait_for_approval_mail(stack: LocalStack, arn: str, approver_id: str = "alice", timeout_s: float = 120) -> str | None:
    stack.wait(arn, timeout_s, until=lambda _d: any(m["approver"] == approver_id for m in stack.outbox.messages()))
    mail = [m for m in stack.outbox.messages() if m["approver"] == approver_id]
    return mail[-1]["links"][0] if mail else None


def release_until_approved(
    stack: LocalStack, decision: str = "approve", reason: str = "", commit: str | None = None
) -> tuple[str, approver.PageReply]:
    started = push(stack, commit)
    link = wait_for_approval_mail(stack, started["execution_arn"])
    assert link, f"no approval email; states: {stack.states_entered(started['execution_arn'])}"
    return started["execution_arn"], approver.decide(link, decision, reason)


def alarm(stack: LocalStack) -> dict:
    ev = load_event("cloudwatch-alarm-state-change.json")
    stack.set_alarm(ev["detail"]["alarmName"], "ALARM", "test")
    [delivery] = stack.put_event(ev)
    return delivery.result


def oncall(stack: LocalStack, who: str = "carol", reason: str = "AI answers time out on 1.4.0") -> dict:
    ev = load_event("oncall-rollback.json")
    ev["id"] = str(uuid.uuid4())
    ev["detail"].update(requested_by=who, reason=reason)
    [delivery] = stack.put_event(ev)
    return delivery.result
