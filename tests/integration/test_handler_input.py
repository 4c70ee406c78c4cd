"""Bad input to every handler: a one-line error naming the field and the reason, no side effect, one ledger record."""

from __future__ import annotations

import copy

import pytest
from helpers import load_event

from capstan.errors import InvalidInput
from capstan.workflow import ALL_FUNCTIONS, ENTRY_FUNCTIONS

TASKS = [f for f in ALL_FUNCTIONS if f not in ENTRY_FUNCTIONS]


def _executions(stack) -> int:
    sfn = stack.client("stepfunctions")
    return sum(len(sfn.list_executions(stateMachineArn=arn)["executions"]) for arn in stack.state_machines.values())


@pytest.mark.parametrize("function", TASKS)
@pytest.mark.parametrize(
    "payload",
    [{}, {"release": "nonsense"}, ["a", "list"], {"request": {"app_id": "../etc"}}],
    ids=["empty", "wrong-type", "list", "hostile"],
)
def test_a_task_refuses_bad_state_with_one_line_and_one_record(stack, ledger_count, function, payload):
    before = ledger_count(f"refused#{function}")
    with pytest.raises(InvalidInput) as caught:
        stack.invoke(function, payload)
    message = str(caught.value)
    assert "\n" not in message and ":" in message  # "<field>: <reason>"
    assert ledger_count(f"refused#{function}") == before + 1
    # The same bad input again adds no second record
    with pytest.raises(InvalidInput):
        stack.invoke(function, copy.deepcopy(payload))
    assert ledger_count(f"refused#{function}") == before + 1


@pytest.mark.parametrize("function", ["start_release", "build_finished", "start_rollback"])
def test_an_entry_point_returns_its_refusal_instead_of_retrying(stack, ledger_count, function):
    before = ledger_count(f"refused#{function}")
    result = stack.invoke(function, {"source": "evil.source", "detail": {}})
    assert result["status"] == "refused" and "\n" not in result["reason"]
    assert ledger_count(f"refused#{function}") == before + 1


def _push(**detail):
    event = load_event("codecommit-push.json")
    event["detail"].update(detail)
    return event


HOSTILE_PUSHES = {
    "forged source": lambda: {**load_event("codecommit-push.json"), "source": "aws.codecommit.fake"},
    "other account": lambda: {**load_event("codecommit-push.json"), "account": "999999999999"},
    "other region": lambda: {**load_event("codecommit-push.json"), "region": "eu-west-1"},
    "missing detail": lambda: {k: v for k, v in load_event("codecommit-push.json").items() if k != "detail"},
    "commit not a sha": lambda: _push(commitId="HEAD~1"),
    "ref with ..": lambda: _push(referenceName="main/../evil"),
    "ref with bidi": lambda: _push(referenceName="main\u202egnp.exe"),
    "ref with zero width": lambda: _push(referenceName="ma\u200bin"),
    "look-alike letters": lambda: _push(referenceName="m\u0430in"),
    "ref over 255 bytes": lambda: _push(referenceName="r" * 256),
    "ref with control char": lambda: _push(referenceName="main\x07"),
    "ref ending .lock": lambda: _push(referenceName="main.lock"),
    "unknown repository": lambda: _push(repositoryName="someone-elses-repo"),
    "oversize": lambda: {**load_event("codecommit-push.json"), "resources": ["x" * 300_000]},
}


@pytest.mark.parametrize("case", sorted(HOSTILE_PUSHES))
def test_hostile_pushes_start_nothing_and_leave_one_record(stack, ledger_count, case):
    event = HOSTILE_PUSHES[case]()
    event["id"] = f"hostile-{abs(hash(case))}"
    before_records, before_runs = ledger_count("refused#"), _executions(stack)
    result = stack.invoke("start_release", event)
    assert result["status"] == "refused", result
    assert "\n" not in result["reason"]
    assert _executions(stack) == before_runs
    assert ledger_count("refused#") == before_records + 1


def test_a_push_to_a_branch_that_is_not_released_is_ignored_and_recorded(stack, ledger_count):
    event = _push(referenceName="feature/chat-history")
    event["id"] = "feature-push-1"
    before = ledger_count("ignored#")
    assert stack.invoke("start_release", event)["status"] == "ignored"
    assert ledger_count("ignored#") == before + 1


def test_a_github_push_for_a_deleted_branch_starts_nothing(stack):
    event = load_event("github-push.json")
    event["detail"]["deleted"] = True
    assert stack.invoke("start_release", event)["status"] == "refused"


def test_an_alarm_back_to_ok_and_an_unknown_alarm_start_no_rollback(stack):
    ok = load_event("cloudwatch-alarm-state-change.json")
    ok["detail"]["state"]["value"] = "OK"
    assert stack.invoke("start_rollback", ok)["status"] == "refused"
    other = load_event("cloudwatch-alarm-state-change.json")
    other["id"] = "other-alarm"
    other["detail"]["alarmName"] = "capstan-some-other-app"
    assert "belongs to no configured app" in stack.invoke("start_rollback", other)["reason"]


def test_a_build_event_for_an_unknown_build_changes_nothing(stack, ledger_count):
    event = load_event("codebuild-build-succeeded.json")
    event["id"] = "unknown-build-event"
    before = ledger_count("build#")
    assert stack.invoke("build_finished", event)["status"] == "duplicate"
    assert stack.invoke("build_finished", event)["status"] == "duplicate"
    assert ledger_count("build#") == before + 1  # the repeat of the same event adds nothing


def test_a_github_webhook_delivered_again_starts_nothing_and_is_recorded_once(stack, ledger_count):
    # Given the same GitHub delivery relayed twice (two EventBridge events, one delivery id)
    first, again = load_event("github-push.json"), load_event("github-push.json")
    again["id"] = "relayed-again"
    before = ledger_count("rel-hello-ai-")
    # When both arrive (and a third time), then one release starts, recorded once, and the repeats once
    assert stack.invoke("start_release", first)["status"] == "started"
    assert stack.invoke("start_release", again)["status"] == "duplicate"
    assert stack.invoke("start_release", again)["status"] == "duplicate"
    assert ledger_count("rel-hello-ai-") == before + 2
