"""The test gate and the scan gate on real report shapes."""

from __future__ import annotations

import json

import pytest

from capstan.config import ScanPolicy, TestPolicy
from capstan.domain import scan_gate, tests_gate
from capstan.errors import InvalidInput

JUNIT = b"""<?xml version="1.0" encoding="utf-8"?>
<testsuites name="jest tests" tests="4" failures="1" errors="0" time="1.2">
  <testsuite name="prompt" tests="4" failures="1" skipped="1" time="1.2">
    <testcase classname="prompt" name="trims" time="0.01"/>
    <testcase classname="prompt" name="escapes" time="0.02"><failure message="expected">diff</failure></testcase>
    <testcase classname="prompt" name="later" time="0"><skipped/></testcase>
    <testcase classname="prompt" name="errs" time="0.5"><error message="boom"/></testcase>
  </testsuite>
</testsuites>"""


def test_junit_counts_come_from_the_test_cases():
    totals = tests_gate.parse_junit(JUNIT)
    assert (totals.total, totals.failed, totals.errors, totals.skipped) == (4, 1, 1, 1)
    assert totals.duration_s == pytest.approx(0.53)


def test_a_failing_report_fails_the_gate_with_reasons():
    decision = tests_gate.decide(tests_gate.parse_junit(JUNIT), TestPolicy())
    assert decision.decision == "fail"
    assert decision.tests.passed == 1
    assert any("1 test(s) failed" in r for r in decision.reasons)
    assert any("errored" in r for r in decision.reasons)


def test_a_green_report_passes():
    report = b'<testsuite name="s"><testcase name="a" time="0.1"/><testcase name="b"/></testsuite>'
    decision = tests_gate.decide(tests_gate.parse_junit(report), TestPolicy(min_tests=2))
    assert decision.decision == "pass" and decision.reasons == []


def test_no_tests_at_all_fails_closed():
    decision = tests_gate.decide(tests_gate.JUnitTotals(), TestPolicy(min_tests=1))
    assert decision.decision == "fail"


@pytest.mark.parametrize(
    "data, why",
    [
        (b"not xml at all", "not well-formed"),
        (
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><testsuite>&lol2;</testsuite>',
            "refused XML",
        ),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><testsuite>&e;</testsuite>', "refused XML"),
        (b"<html><body/></html>", "root element"),
        (b'<testsuite><testcase name="a" time="soon"/></testsuite>', "not a number"),
    ],
)
def test_malformed_junit_is_refused_with_a_clear_error(data, why):
    with pytest.raises(InvalidInput, match=why):
        tests_gate.parse_junit(data, "junit.xml")


def test_an_oversized_junit_report_is_refused():
    with pytest.raises(InvalidInput, match="over the"):
        tests_gate.parse_junit(b" " * (tests_gate.MAX_REPORT_BYTES + 1))


def _sarif(results, tool="semgrep", rules=None):
    return json.dumps(
        {
            "version": "2.1.0",
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "runs": [{"tool": {"driver": {"name": tool, "rules": rules or []}}, "results": results}],
        }
    ).encode()


def test_error_level_results_fail_the_scan_gate():
    tools, findings = scan_gate.parse_sarif(
        _sarif(
            [
                {
                    "ruleId": "js.eval",
                    "level": "error",
                    "message": {"text": "eval of user input"},
                    "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/app.js"}, "region": {"startLine": 12}}}],
                    "partialFingerprints": {"primaryLocationLineHash": "abc123"},
                },
                {"ruleId": "js.http", "level": "warning", "message": {"text": "http url"}},
            ]
        )
    )
    decision = scan_gate.decide(findings, tools, ScanPolicy())
    assert decision.decision == "fail"
    assert decision.counts == {"error": 1, "warning": 1}
    assert findings[0].fingerprint == "abc123" and findings[0].file == "src/app.js" and findings[0].line == 12
    assert "src/app.js:12" in decision.reasons[0]


def test_the_level_can_come_from_the_rule_default():
    rules = [{"id": "r1", "defaultConfiguration": {"level": "error"}}]
    _, findings = scan_gate.parse_sarif(_sarif([{"ruleId": "r1", "message": {"text": "x"}}], rules=rules))
    assert findings[0].level == "error"


def test_a_missing_required_scanner_fails_closed():
    decision = scan_gate.decide([], [], ScanPolicy(required_tools=["capstan-sample-lint"]))
    assert decision.decision == "fail" and "produced no report" in decision.reasons[0]


@pytest.mark.parametrize(
    "data, why",
    [
        (b"{not json", "not valid JSON"),
        (json.dumps({"version": "2.0.0", "runs": []}).encode(), "SARIF 2.1.0"),
        (json.dumps({"version": "2.1.0"}).encode(), "runs is missing"),
        (("[" * 200 + "]" * 200).encode(), "nested deeper|not valid JSON"),
        (json.dumps({"version": "2.1.0", "runs": ["x"]}).encode(), "each run"),
    ],
)
def test_bad_sarif_is_refused(data, why):
    with pytest.raises(InvalidInput, match=why):
        scan_gate.parse_sarif(data, "scan.sarif")
