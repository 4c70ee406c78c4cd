"""The rollback state machine, end to end: on-call requests, refusals, and a store that will not halt."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flows import oncall, release_until_approved

pytestmark = pytest.mark.e2e


@pytest.fixture
def released(make_stack):
    """A stack whose 1.4.0 release is live (the seeded 1.3.2 is the known-good target)."""
    stack = make_stack()
    arn, _ = release_until_approved(stack)
    assert stack.wait(arn)["status"] == "SUCCEEDED"
    return stack


def test_an_oncall_engineer_rolls_back_with_a_recorded_reason(released):
    stack = released
    started = oncall(stack, "carol", "AI answers time out on 1.4.0")
    desc = stack.wait(started["execution_arn"])
    assert desc["status"] == "SUCCEEDED"  # how fast is measured by `make bench`, not asserted here
    entries = stack.ledger(started["execution_name"])
    assert entries[0]["kind"] == "rollback requested" and entries[0]["actor"] == "carol"
    assert entries[-1]["kind"] == "rollback succeeded" and "AI answers time out" in entries[-1]["detail"]["reason"]
    assert {a["action"] for a in stack.store_actions()[-3:]} == {"halt", "pause", "revert"}


def test_someone_not_on_call_is_refused_and_nothing_is_halted(released):
    stack = released
    before = len(stack.store_actions())
    started = oncall(stack, "mallory", "I want it gone")
    desc = stack.wait(started["execution_arn"])
    assert desc["status"] == "FAILED"
    assert stack.states_entered(started["execution_arn"]) == ["Validate rollback", "Record refusal", "Notify refusal", "Rollback refused"]
    assert len(stack.store_actions()) == before
    refused = [e for e in stack.ledger(started["execution_name"]) if e["kind"] == "rollback refused"]
    assert "mallory is not on call" in refused[0]["detail"]["cause"]


def test_a_rollback_while_another_runs_is_refused_by_the_lock(released):
    stack = released
    from capstan.ports import default_ports

    default_ports().locks.acquire("rollback#hello-ai", "rb-other", datetime.now(UTC), 900)
    started = oncall(stack)
    stack.wait(started["execution_arn"])
    assert stack.states_entered(started["execution_arn"])[:3] == ["Validate rollback", "Lock app", "Record refusal"]
    assert default_ports().locks.holder("rollback#hello-ai") == "rb-other"  # someone else's lock is left alone


def test_a_store_that_refuses_to_halt_fails_the_rollback_loudly_and_unlocks(released):
    stack = released
    stack.sims.google_play.inject("/tracks/", 400, times=10)
    started = oncall(stack)
    desc = stack.wait(started["execution_arn"])
    states = stack.states_entered(started["execution_arn"])
    assert desc["status"] == "FAILED"
    assert states[-4:] == ["Record rollback failure", "Notify rollback failure", "Unlock after failure", "Rollback failed"]
    pages = [m for m in stack.outbox.messages() if m["subject"].startswith("Rollback failed")]
    assert pages and "A human must look now" in pages[-1]["body"]
    from capstan.ports import default_ports

    assert default_ports().locks.holder("rollback#hello-ai") is None


def test_a_rollback_with_no_live_release_is_refused(make_stack):
    stack = make_stack(seed_baseline=False)
    started = oncall(stack)
    stack.wait(started["execution_arn"])
    assert "Rollback refused" in stack.states_entered(started["execution_arn"])
