"""The release state machine, end to end on the local engine: the happy path and every way it stops."""

from __future__ import annotations

import pytest
from flows import alarm, push, release_until_approved, wait_for_approval_mail

from capstan_local import approver

pytestmark = pytest.mark.e2e


def test_a_push_is_built_gated_approved_uploaded_and_rolled_out(make_stack):
    # Given the local stack, when a push to main arrives and alice approves
    stack = make_stack()
    arn, reply = release_until_approved(stack)
    desc = stack.wait(arn)
    # Then the release succeeded through every stage, in order
    assert reply.status == 200 and desc["status"] == "SUCCEEDED"
    states = stack.states_entered(arn)
    order = [
        "Validate and record",
        "Start build",
        "Evaluate tests",
        "Evaluate scans",
        "Request approval",
        "Upload to stores",
        "Advance rollout",
        "Bake",
        "Check alarms",
        "Record success",
        "Notify success",
        "Released",
    ]
    assert [states.index(s) for s in order] == sorted(states.index(s) for s in order)
    assert states.count("Advance rollout") == 3
    # And each store received the release, the rollout reached 100 %
    actions = [(a["store"], a["action"]) for a in stack.store_actions()]
    for expected in [
        ("google_play", "upload"),
        ("app_store", "upload"),
        ("live_update", "publish"),
        ("google_play", "rollout"),
        ("app_store", "phased_release_start"),
        ("google_play", "complete"),
    ]:
        assert expected in actions
    assert [a["percentage"] for a in stack.store_actions() if a["action"] == "set_channel"] == [10, 50, 100]
    # And the ledger tells the story
    kinds = [e["kind"] for e in stack.ledger(arn.rsplit(":", 1)[1])]
    for kind in (
        "push accepted",
        "release started",
        "build started",
        "build succeeded",
        "test gate pass",
        "scan gate pass",
        "approval requested",
        "approval POST approved",
        "uploaded to google_play",
        "rollout advanced",
        "release succeeded",
    ):
        assert kind in kinds


def test_a_repeated_push_starts_nothing_twice(make_stack):
    stack = make_stack()
    first = push(stack)
    again = push(stack)
    assert first["status"] == "started" and again["status"] == "duplicate"
    assert again["execution_name"] == first["execution_name"]


def test_failing_tests_stop_the_release_before_approval(make_stack, app_variant):
    source = app_variant(
        (
            "tests/prompt.test.mjs",
            lambda s: s.replace(
                "test('collapses whitespace and trims', () => {", "test('collapses whitespace and trims', () => { assert.equal(1, 2);", 1
            ),
        )
    )
    stack = make_stack(sources={"hello-ai": source})
    started = push(stack)
    desc = stack.wait(started["execution_arn"])
    states = stack.states_entered(started["execution_arn"])
    assert desc["status"] == "FAILED"
    assert states[-4:] == ["Tests failed", "Record failure", "Notify failure", "Release failed"]
    assert "Request approval" not in states and not [m for m in stack.outbox.messages() if m["approver"]]
    assert stack.store_actions() == []


def test_an_error_level_scan_finding_stops_the_release(make_stack, app_variant):
    # A developer adds an eval and, to get the sample's own "the app is clean" test out of the way, skips it
    source = app_variant(
        ("src/lib/prompt.js", lambda s: s + "\nexport function unsafe(x) { return eval(x); }\n"),
        (
            "tests/security-lint.test.mjs",
            lambda s: s.replace("test('the sample app itself is clean", "test.skip('the sample app itself is clean"),
        ),
    )
    stack = make_stack(sources={"hello-ai": source})
    started = push(stack)
    stack.wait(started["execution_arn"])
    states = stack.states_entered(started["execution_arn"])
    assert "Scans failed" in states and "Request approval" not in states
    gate = [e for e in stack.ledger(started["execution_name"]) if e["kind"] == "scan gate fail"]
    assert gate and "no-eval" in " ".join(gate[0]["detail"]["reasons"])


def test_a_broken_build_fails_the_release(make_stack, app_variant):
    source = app_variant(("scripts/build.mjs", lambda s: "throw new Error('broken build script');\n" + s))
    stack = make_stack(sources={"hello-ai": source})
    started = push(stack)
    desc = stack.wait(started["execution_arn"])
    assert desc["status"] == "FAILED" and "Build failed" in stack.states_entered(started["execution_arn"])


def test_a_build_that_never_reports_times_out(make_stack):
    stack = make_stack(run_builds=False, time_scale=0.00002, scale_build_timeout=True)
    started = push(stack)
    stack.wait(started["execution_arn"])
    assert "Build timed out" in stack.states_entered(started["execution_arn"])
    assert any(e["kind"] == "release timed_out" for e in stack.ledger(started["execution_name"]))


def test_a_rejection_stops_the_release_and_records_why(make_stack):
    stack = make_stack()
    arn, reply = release_until_approved(stack, "reject", "the release notes are wrong")
    desc = stack.wait(arn)
    assert reply.status == 200 and desc["status"] == "FAILED"
    assert "Approval rejected" in stack.states_entered(arn) and stack.store_actions() == []
    end = [e for e in stack.ledger(arn.rsplit(":", 1)[1]) if e["kind"] == "release rejected"][0]
    assert "the release notes are wrong" in end["detail"]["cause"] and "alice" in end["detail"]["cause"]


def test_an_approval_nobody_gives_is_reminded_then_expires_and_the_pusher_is_told(make_stack):
    stack = make_stack(time_scale=0.00005)  # 24 h of waiting for a human becomes about 4 s
    started = push(stack)
    link = wait_for_approval_mail(stack, started["execution_arn"])
    desc = stack.wait(started["execution_arn"])
    states = stack.states_entered(started["execution_arn"])
    assert desc["status"] == "FAILED"
    assert states[states.index("Request approval") :][:3] == ["Request approval", "Remind approvers", "Approval expired"]
    mails = stack.outbox.messages()
    reminders = [m for m in mails if m["subject"].startswith("Reminder:")]
    assert sorted(m["to"] for m in reminders) == ["alice@example.com", "bob@example.com"]
    assert all(not m["links"] for m in reminders), "a reminder points at the original email; it carries no new link"
    told = [m for m in mails if m["to"] == "erin@example.com"]
    assert told and "expired before anyone approved it" in told[0]["subject"]
    late = approver.decide(link, "approve")
    assert late.status in (409, 410) and stack.store_actions() == []


def test_each_approval_attempt_is_audited_with_who_where_and_from_what(make_stack):
    stack = make_stack()
    arn, reply = release_until_approved(stack)
    stack.wait(arn)
    views = [e for e in stack.ledger(arn.rsplit(":", 1)[1]) if e["kind"].startswith(("approval GET", "approval POST"))]
    assert [e["kind"] for e in views] == ["approval GET viewed", "approval POST approved"]
    assert all(e["actor"] == "alice" and e["detail"]["source_ip"] == "127.0.0.1" for e in views[-2:])
    assert "Python-urllib" in views[-1]["detail"]["user_agent"]


def test_a_store_refusal_fails_the_upload_and_nothing_rolls_out(make_stack):
    stack = make_stack()
    stack.sims.google_play.inject("/bundles", 403, times=50)
    arn, _ = release_until_approved(stack)
    stack.wait(arn)
    states = stack.states_entered(arn)
    assert "Upload failed" in states and "Advance rollout" not in states


def test_a_store_that_stays_down_fails_the_rollout_step(make_stack):
    stack = make_stack()
    stack.sims.google_play.inject("/tracks/", 503, times=500)
    arn, _ = release_until_approved(stack)
    stack.wait(arn, 180)
    states = stack.states_entered(arn)
    assert "Step failed" in states and "Record success" not in states


def test_an_alarm_during_the_rollout_halts_the_release(make_stack):
    stack = make_stack()
    started = push(stack)
    link = wait_for_approval_mail(stack, started["execution_arn"])
    stack.set_alarm("capstan-hello-ai-crash-rate", "ALARM", "crash rate up")
    from capstan_local import approver

    approver.decide(link, "approve")
    stack.wait(started["execution_arn"])
    states = stack.states_entered(started["execution_arn"])
    assert states.count("Advance rollout") == 1 and "Rollout halted" in states


def test_a_second_release_of_the_same_app_is_refused_while_one_is_in_flight(make_stack):
    stack = make_stack()
    first = push(stack)
    wait_for_approval_mail(stack, first["execution_arn"])
    second = push(stack, commit="b" * 40)
    desc = stack.wait(second["execution_arn"])
    assert desc["status"] == "FAILED"
    assert stack.states_entered(second["execution_arn"]) == ["Validate and record", "Record refusal", "Release refused"]
    # And the first release still holds its lock and proceeds
    assert stack.wait(first["execution_arn"], 1)["status"] == "RUNNING"


def test_an_alarm_after_release_rolls_every_layer_back(make_stack):
    stack = make_stack()
    arn, _ = release_until_approved(stack)
    assert stack.wait(arn)["status"] == "SUCCEEDED"
    rb = alarm(stack)
    desc = stack.wait(rb["execution_arn"])
    assert desc["status"] == "SUCCEEDED"
    last = [(a["store"], a["action"]) for a in stack.store_actions()][-3:]
    assert sorted(last) == [("app_store", "pause"), ("google_play", "halt"), ("live_update", "revert")]
    channel = stack.sims.live_update.channel("hello-ai", "production")
    assert channel["bundle_id"].startswith("bndl_") and channel["percentage"] == 100
    # A repeated delivery of the same alarm state change starts nothing
    assert alarm(stack)["status"] == "duplicate"
