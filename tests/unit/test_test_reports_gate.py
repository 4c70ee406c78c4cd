"""The test gate's rules on real reports: failures, pass rate, coverage, required suites, skipped share and quarantines."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError

from capstan.domain import tests_gate
from capstan.domain.test_reports import LineCoverage, TestCase, TestResults, parse_junit, parse_lcov
from capstan.models.release import TestDecision
from capstan.policies.tests import TestPolicy

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "test_reports"
TODAY = date(2025, 5, 2)
FLAKY = "chat client::chat client answers within the latency budget"


def _junit(*relative: str) -> TestResults:
    results = TestResults()
    for r in relative:
        results.add(parse_junit((FIXTURES / r).read_bytes(), r))
    return results


def _gradle() -> TestResults:
    results = TestResults()
    for path in sorted((FIXTURES / "gradle").rglob("TEST-*.xml")):
        results.add(parse_junit(path.read_bytes(), path.name))
    return results


def _quarantine(test: str = FLAKY, expires: str = "2025-05-31", owner: str = "erin") -> dict:
    return {"test": test, "owner": owner, "reason": "slow fake backend on shared runners", "expires": expires}


def _policy(**fields) -> TestPolicy:
    return TestPolicy.model_validate(fields)


def _cases(*outcomes: str, suite: tuple[str, ...] = ("s",)) -> TestResults:
    cases = [TestCase(suite=suite, classname="c", name=f"t{i}", outcome=o) for i, o in enumerate(outcomes)]  # type: ignore[arg-type]
    return TestResults(cases=cases, reports=["junit.xml"])


def test_the_sample_apps_green_run_passes_with_its_coverage():
    # Given the sample's own Node run and its lcov
    results = _junit("node/junit-green.xml")
    coverage = parse_lcov((FIXTURES / "coverage/node-lcov.info").read_bytes(), "lcov.info")
    # When the gate applies a policy that needs 90 % of lines
    decision = tests_gate.decide(results, coverage, _policy(min_line_coverage=0.9), TODAY)
    # Then it passes and carries the counts, the coverage and the reports it read
    assert decision.decision == "pass" and decision.reasons == []
    assert decision.tests.model_dump() == {"total": 28, "passed": 28, "failed": 0, "errors": 0, "skipped": 0}
    assert decision.coverage == 0.9639 and decision.suites == 10
    assert decision.reports == ["node/junit-green.xml", "lcov.info"]


def test_failures_fail_the_gate_and_are_named_for_the_approval_page():
    decision = tests_gate.decide(_junit("jest/junit-red.xml"), None, TestPolicy(), TODAY)
    assert decision.decision == "fail"
    assert decision.reasons[0] == "3 test(s) failed"
    assert "failed: backoff::backoff reads Retry-After as seconds or an HTTP date (TypeError: value.toDate is not a function)" in (
        decision.reasons
    )
    assert any(r.startswith("pass rate 76.9% (10 of 13 run)") for r in decision.reasons)


def test_an_error_is_reported_as_an_error():
    decision = tests_gate.decide(_junit("jest/junit-suite-error.xml"), None, TestPolicy(), TODAY)
    assert decision.reasons[0] == "1 test(s) failed, 1 test(s) errored"
    assert decision.tests.errors == 1


def test_an_active_quarantine_excuses_a_flaky_failure_and_the_page_shows_it():
    # Given Jest's run where only the quarantined latency test fails (the other failures fixed)
    results = _junit("jest/junit-red.xml")
    results.cases = [c for c in results.cases if c.outcome == "passed" or c.id == FLAKY]
    policy = _policy(min_pass_rate=0.9, quarantine=[_quarantine()])
    # When the gate runs before the quarantine expires
    decision = tests_gate.decide(results, None, policy, TODAY)
    # Then the failure does not block, the counts still show it, and the page learns who owns it
    assert decision.decision == "pass", decision.reasons
    assert decision.tests.failed == 1
    assert decision.quarantined == [
        {"test": FLAKY, "owner": "erin", "reason": "slow fake backend on shared runners", "expires": "2025-05-31"}
    ]


def test_a_quarantine_counts_through_its_last_day_and_not_after():
    results = _cases("passed", "failed", *["passed"] * 18)
    policy = _policy(min_pass_rate=0.9, quarantine=[_quarantine("s::t1", expires="2025-05-02")])
    assert tests_gate.decide(results, None, policy, TODAY).decision == "pass"
    expired = tests_gate.decide(results, None, policy, date(2025, 5, 3))
    assert expired.decision == "fail" and expired.quarantined == []
    assert "failed: s::t1; its quarantine (owner erin) expired on 2025-05-02" in expired.reasons


def test_quarantined_failures_still_count_against_the_pass_rate():
    # At the default pass rate of 1.0 a quarantine cannot hide a failure; at 0.95 it can hide one in twenty.
    results = _cases("failed", "failed", *["passed"] * 18)
    policy = {"quarantine": [_quarantine("s::t0"), _quarantine("s::t1")]}
    strict = tests_gate.decide(results, None, _policy(**policy), TODAY)
    assert strict.decision == "fail" and strict.reasons == [
        "pass rate 90.0% (18 of 20 run), counting 2 quarantined failure(s) is under the required 100.0%"
    ]
    assert tests_gate.decide(results, None, _policy(min_pass_rate=0.9, **policy), TODAY).decision == "pass"


@pytest.mark.parametrize(
    "test_id",
    [
        "io.capstan.helloai.ChatBridgeTest::streamsAnswerChunksInOrder",
        " io.capstan.helloai.ChatBridgeTest :: streamsAnswerChunksInOrder ",
    ],
)
def test_a_quarantine_names_a_gradle_test_by_class_and_method(test_id):
    decision = tests_gate.decide(_gradle(), None, _policy(min_pass_rate=0.8, quarantine=[_quarantine(test_id)]), TODAY)
    assert [q["test"] for q in decision.quarantined] == ["io.capstan.helloai.ChatBridgeTest::streamsAnswerChunksInOrder"]
    assert decision.reasons[:2] == [
        "1 test(s) failed",
        "failed: io.capstan.helloai.ChatBridgeTest::rejectsCleartextBackend "
        "(org.opentest4j.AssertionFailedError: expected: <https> but was: <http>)",
    ]


def test_a_quarantine_may_name_a_nested_node_test_by_its_suite_path():
    results = _junit("node/junit-red.xml")
    entry = _quarantine("chat session > streaming::parses server-sent events")
    decision = tests_gate.decide(results, None, _policy(min_pass_rate=0, quarantine=[entry]), TODAY)
    assert [q["test"] for q in decision.quarantined] == ["streaming::parses server-sent events"]


def test_coverage_under_the_minimum_or_missing_fails():
    results = _cases("passed")
    coverage = LineCoverage({"src/a.js": (78, 97)}, ["lcov.info"])
    low = tests_gate.decide(results, coverage, _policy(min_line_coverage=0.85), TODAY)
    assert low.reasons == ["line coverage 80.4% (78 of 97 lines) is under the required 85.0%"]
    missing = tests_gate.decide(results, None, _policy(min_line_coverage=0.85), TODAY)
    assert missing.reasons == ["no coverage report: the policy needs line coverage of at least 85.0%"] and missing.coverage is None
    empty = tests_gate.decide(results, LineCoverage({"a.js": (0, 0)}), _policy(min_line_coverage=0.5), TODAY)
    assert "list no coverable lines" in empty.reasons[0]
    assert tests_gate.decide(results, coverage, TestPolicy(), TODAY).coverage == 0.8041  # reported even with no minimum


def test_coverage_can_leave_out_the_test_files_node_measures():
    coverage = parse_lcov((FIXTURES / "coverage/node-lcov.info").read_bytes(), "lcov.info")
    decision = tests_gate.decide(_cases("passed"), coverage, _policy(coverage_exclude=["tests/*", "scripts/*"]), TODAY)
    assert decision.coverage == round((66 + 72 + 52 + 52) / (67 + 72 + 52 + 55), 4)


def test_required_suites_must_be_present_run_and_green():
    results = _junit("xcode/xcpretty-junit.xml")
    policy = _policy(
        min_pass_rate=0,
        required_suites=["AppTests.LiveUpdateTests", "AppTests.ChatPluginTests", "AppUITests"],
    )
    decision = tests_gate.decide(results, None, policy, TODAY)
    assert decision.reasons[-2:] == [
        "required suite 'AppTests.ChatPluginTests' is not green: 1 failing test(s)",
        "required suite 'AppUITests' is missing from the reports",
    ]


def test_a_required_suite_that_only_skipped_has_not_run():
    results = _cases("skipped", "skipped", suite=("outer", "inner"))
    results.add(_cases("passed", suite=("other",)))
    decision = tests_gate.decide(results, None, _policy(required_suites=["outer > inner"]), TODAY)
    assert decision.reasons == ["required suite 'outer > inner' ran no test (all 2 skipped)"]


def test_a_required_nested_suite_is_found_by_its_own_name():
    results = _junit("node/junit-green.xml")
    assert tests_gate.decide(results, None, _policy(required_suites=["renderAnswer", "security lint"]), TODAY).decision == "pass"


def test_too_many_skipped_tests_fail():
    decision = tests_gate.decide(_junit("vitest/junit-red.xml"), None, _policy(max_skipped_share=0.1), TODAY)
    assert "2 of 14 tests skipped (14.3%), the policy allows at most 10.0%" in decision.reasons


def test_no_report_no_tests_or_only_skips_fail_closed():
    assert tests_gate.decide(TestResults(), None, TestPolicy(), TODAY).reasons == [
        "no JUnit test report: the build published none",
        "0 tests ran, the policy needs at least 1",
    ]
    only_skips = tests_gate.decide(_cases("skipped", "skipped"), None, TestPolicy(), TODAY)
    assert only_skips.reasons == ["no test ran: all 2 were skipped"]


def test_a_failure_only_the_runner_summary_shows_fails_the_gate():
    decision = tests_gate.decide(_junit("node/junit-parent-failure.xml"), None, TestPolicy(), TODAY)
    assert decision.decision == "fail"
    assert decision.reasons == ["the test runner reported 1 failure(s) that no test case in its report shows"]


def test_the_decision_stays_small_whatever_the_report():
    # Given 10,000 failing tests with long names and every one quarantined-but-expired
    results = TestResults(
        cases=[TestCase(("s" * 300,), "c", f"{i:05d}" + "n" * 295, "failed", 0.1, "m" * 200) for i in range(10_000)],
        reports=[f"TEST-{i}.xml" for i in range(900)],
    )
    decision = tests_gate.decide(results, None, TestPolicy(), TODAY)
    # Then the reasons name the first ten and count the rest, and the state stays far below 256 KB
    assert len(decision.reasons) == 1 + 10 + 1 + 1 and decision.reasons[11] == "... and 9990 more failing tests"
    assert len(decision.reports) == 50 and decision.reports[-1] == "... and 851 more"
    assert len(decision.model_dump_json()) < 16_000
    TestDecision.model_validate(json.loads(decision.model_dump_json()))


@pytest.mark.parametrize(
    "fields, why",
    [
        ({"quarantine": [_quarantine(), _quarantine()]}, "lists a test twice"),
        ({"quarantine": [_quarantine(test="no separator")]}, "test"),
        ({"quarantine": [_quarantine(expires="soon")]}, "expires"),
        ({"quarantine": [_quarantine(owner="erin smith")]}, "owner"),
        ({"quarantine": [{**_quarantine(), "reason": ""}]}, "reason"),
        ({"quarantine": [{k: v for k, v in _quarantine().items() if k != "owner"}]}, "owner"),
        ({"required_suites": ["a", "a"]}, "distinct"),
        ({"min_line_coverage": 80}, "min_line_coverage"),
        ({"max_skipped_share": -0.1}, "max_skipped_share"),
        ({"min_pass_rate": 0.9, "typo": 1}, "typo"),
    ],
)
def test_a_bad_policy_is_refused(fields, why):
    with pytest.raises(ValidationError, match=why):
        TestPolicy.model_validate(fields)


def test_the_policy_shape_apps_json_uses():
    policy = TestPolicy.model_validate(
        {
            "min_tests": 20,
            "min_pass_rate": 0.98,
            "min_line_coverage": 0.8,
            "max_skipped_share": 0.05,
            "required_suites": ["renderAnswer", "security lint"],
            "coverage_exclude": ["tests/*", "scripts/*"],
            "quarantine": [_quarantine()],
        }
    )
    assert policy.quarantine[0].expires == date(2025, 5, 31)
