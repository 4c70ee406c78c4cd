"""Decisions that race, repeat, or need more than one approver: each release is decided exactly once."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
import suite_report
from flows import push, wait_for_approval_mail
from helpers import ROOT
from test_approval_hostile import request

from capstan_local import approver
from capstan_local.stack import LocalStack

pytestmark = pytest.mark.e2e


def _release_with_link(tmp_path: Path, **kwargs) -> tuple[LocalStack, dict, str]:
    stack = LocalStack(time_scale=0.001, state_dir=tmp_path, **kwargs).start()
    started = push(stack)
    return stack, started, wait_for_approval_mail(stack, started["execution_arn"])


def test_a_replayed_decision_gets_already_decided_by(tmp_path):
    stack, started, link = _release_with_link(tmp_path)
    try:
        assert approver.decide(link, "approve").status == 200
        again = approver.decide(link, "reject", "second thoughts")
        suite_report.HOSTILE["tried"] += 1
        assert again.status == 409 and "Already approved by alice at" in again.body
        assert stack.wait(started["execution_arn"])["status"] == "SUCCEEDED"
        suite_report.record(stack)
    finally:
        stack.stop()


def test_racing_approve_and_reject_give_exactly_one_decision(tmp_path):
    stack, started, link = _release_with_link(tmp_path)
    try:
        csrf = approver.open_link(link).body.split('name=csrf value="', 1)[1].split('"', 1)[0]
        results: list[int] = []
        go = threading.Barrier(16)

        def click(i: int) -> None:
            go.wait()
            form = {"csrf": csrf, "decision": "approve" if i % 2 else "reject", "reason": "racing click"}
            try:
                results.append(request(link, "POST", form, {"Origin": stack.approval.url})[0])
            except OSError as exc:  # a refused connection would hide a decision: make it fail the test
                results.append(repr(exc))

        threads = [threading.Thread(target=click, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        suite_report.HOSTILE["tried"] += 15
        assert sorted(results) == [200] + [409] * 15
        desc = stack.wait(started["execution_arn"])
        decided = [e for e in stack.ledger(started["execution_name"]) if e["kind"] in ("approval POST approved", "approval POST rejected")]
        assert len(decided) == 1
        assert desc["status"] == ("SUCCEEDED" if decided[0]["kind"].endswith("approved") else "FAILED")
        suite_report.record(stack)
    finally:
        stack.stop()


def test_two_approvals_when_the_track_needs_two(tmp_path):
    config = json.loads((ROOT / "config" / "apps.json").read_text())
    config["apps"][0]["approval"]["required"] = 2
    path = tmp_path / "apps.json"
    path.write_text(json.dumps(config))
    stack = LocalStack(time_scale=0.001, state_dir=tmp_path / "s", apps_config=path).start()
    try:
        started = push(stack)
        alice = wait_for_approval_mail(stack, started["execution_arn"], "alice")
        bob = wait_for_approval_mail(stack, started["execution_arn"], "bob")
        first = approver.decide(alice, "approve")
        assert first.status == 200 and "1 more approval" in first.body
        assert stack.wait(started["execution_arn"], 0.5)["status"] == "RUNNING"
        assert approver.decide(bob, "approve").status == 200
        assert stack.wait(started["execution_arn"])["status"] == "SUCCEEDED"
        suite_report.record(stack)
    finally:
        stack.stop()
