"""`capstan gate tests REPORT...` on files and directories: the decision, counts, coverage and reasons; exit 0, 1 or 2."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from helpers import ROOT

from capstan_local.cli import main

FIXTURES = ROOT / "tests" / "fixtures" / "test_reports"
GRADLE = FIXTURES / "gradle" / "test-results" / "testDebugUnitTest"
CHAT_BRIDGE = "io.capstan.helloai.ChatBridgeTest"


def gate(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["gate", "tests", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def _policy(tmp_path, **fields) -> str:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(fields))
    return str(path)


def _quarantine(method: str, expires: str = "2025-05-31") -> dict:
    return {"test": f"{CHAT_BRIDGE}::{method}", "owner": "erin", "reason": "flaky on the emulator", "expires": expires}


def test_a_gradle_directory_fails_with_its_reasons(capsys):
    # Given Gradle's per-class files (the binary/ folder beside them is not a report)
    code, out, _ = gate(capsys, GRADLE)
    # Then the gate fails with exit 1 and says why
    assert code == 1
    assert out.splitlines()[:3] == [
        "test gate: fail",
        "  tests: 10 total, 7 passed, 2 failed, 0 errors, 1 skipped in 3 suites (0.43 s)",
        "  coverage: no coverage report",
    ]
    assert f"  reason: failed: {CHAT_BRIDGE}::streamsAnswerChunksInOrder" in out
    assert "not a report" not in out


def test_json_prints_one_object_with_the_decision_counts_coverage_and_reasons(capsys):
    code, out, _ = gate(capsys, FIXTURES / "node" / "junit-green.xml", FIXTURES / "coverage" / "node-lcov.info", "--json")
    report = json.loads(out)
    assert code == 0
    assert {"decision", "tests", "coverage", "reasons"} <= set(report)
    assert report["decision"] == "pass" and report["reasons"] == []
    assert report["tests"] == {"total": 28, "passed": 28, "failed": 0, "errors": 0, "skipped": 0}
    assert report["coverage"] == 0.9639


def test_json_coverage_is_null_without_a_coverage_report(capsys):
    code, out, _ = gate(capsys, FIXTURES / "vitest" / "junit-red.xml", "--json")
    report = json.loads(out)
    assert code == 1 and report["coverage"] is None and report["decision"] == "fail"
    assert report["tests"] == {"total": 14, "passed": 9, "failed": 3, "errors": 0, "skipped": 2}


def test_a_policy_file_quarantines_flaky_tests_until_they_expire(capsys, tmp_path):
    policy = _policy(
        tmp_path,
        min_pass_rate=0.75,
        quarantine=[_quarantine("streamsAnswerChunksInOrder"), _quarantine("rejectsCleartextBackend", "2025-05-10")],
    )
    code, out, _ = gate(capsys, GRADLE, "--policy", policy, "--today", "2025-05-02")
    assert code == 0, out
    assert f"  quarantined: {CHAT_BRIDGE}::streamsAnswerChunksInOrder (owner erin, until 2025-05-31: flaky on the emulator)" in out
    code, out, _ = gate(capsys, GRADLE, "--policy", policy, "--today", "2025-05-11", "--json")
    report = json.loads(out)
    assert code == 1
    assert f"failed: {CHAT_BRIDGE}::rejectsCleartextBackend" in " ".join(report["reasons"])
    assert any("expired on 2025-05-10" in r for r in report["reasons"])


def test_a_jest_coverage_directory_reads_its_reports_and_skips_the_rest(capsys, tmp_path):
    # Given Jest's coverage folder: cobertura, lcov and json-summary, plus clover.xml and coverage-final.json
    folder = tmp_path / "coverage"
    folder.mkdir()
    for name in ("cobertura-coverage.xml", "coverage-summary.json"):
        shutil.copy(FIXTURES / "coverage" / name, folder / name)
    shutil.copy(FIXTURES / "coverage" / "jest-lcov.info", folder / "lcov.info")
    (folder / "clover.xml").write_text('<?xml version="1.0"?><coverage generated="1" clover="3.2.0"><project/></coverage>')
    (folder / "coverage-final.json").write_text('{"/src/a.js": {"path": "/src/a.js"}}')
    code, out, _ = gate(capsys, FIXTURES / "jest" / "junit-green.xml", folder, "--json")
    report = json.loads(out)
    assert code == 0 and report["coverage"] == 0.8041
    assert sorted(report["skipped_files"]) == [str(folder / "clover.xml"), str(folder / "coverage-final.json")]


@pytest.mark.parametrize(
    "content, why",
    [
        (b'<!DOCTYPE t [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><testsuite name="&b;"/>', "refused XML construct"),
        (b'<testsuite name="s" tests="2" failures="-2"><testcase name="a"/></testsuite>', "not negative"),
        (b'<testsuite name="s" tests="5"><testcase name="a"/></testsuite>', "inconsistent counts"),
        (b"<testsuite><testcase", "not well-formed XML"),
        (b"PASS spec/a.spec.js", "not a JUnit XML, Cobertura, lcov or Istanbul json-summary report"),
        (b"SF:a.js\nDA:1,1\n", "no end_of_record"),
    ],
)
def test_a_bad_report_exits_2_with_one_line_naming_it(capsys, tmp_path, content, why):
    report = tmp_path / "report.xml"
    report.write_bytes(content)
    code, out, err = gate(capsys, report)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and f"REPORT: {report}: " in err and why in err


def test_a_report_for_another_commit_is_refused(capsys, tmp_path):
    report = tmp_path / "TEST-x.xml"
    report.write_text(
        '<testsuite name="x"><properties><property name="GIT_COMMIT" value="abcdef1"/></properties><testcase name="a"/></testsuite>'
    )
    code, _, err = gate(capsys, report, "--commit", "3f2a9c1d4b5e6f708192a3b4c5d6e7f801234567")
    assert code == 2 and "report is for commit 'abcdef1'" in err


@pytest.mark.parametrize(
    "args, why",
    [
        (("/nonexistent/junit.xml",), "REPORT: cannot read /nonexistent/junit.xml"),
        ((str(FIXTURES / "jest" / "junit-red.xml"), "--policy", "/nonexistent.json"), "--policy: cannot read"),
        ((str(FIXTURES / "jest" / "junit-red.xml"), "--today", "tomorrow"), "--today: 'tomorrow' is not a date"),
    ],
)
def test_bad_arguments_exit_2(capsys, args, why):
    code, _, err = gate(capsys, *args)
    assert code == 2 and why in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "policy, why",
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"quarantine": [{"test": "a::b", "owner": "erin", "reason": "x", "expires": "never"}]}), "quarantine.0.expires"),
        (json.dumps({"min_pass_rate": 2}), "min_pass_rate"),
    ],
)
def test_a_bad_policy_file_exits_2(capsys, tmp_path, policy, why):
    path = tmp_path / "policy.json"
    path.write_text(policy)
    code, _, err = gate(capsys, FIXTURES / "jest" / "junit-red.xml", "--policy", path)
    assert code == 2 and f"--policy: {path}: " in err and why in err


def test_an_empty_directory_is_not_a_pass(capsys, tmp_path):
    code, _, err = gate(capsys, tmp_path)
    assert code == 2 and "no report files found" in err


def test_the_installed_command_as_a_user_runs_it():
    result = subprocess.run(
        [sys.executable, "-m", "capstan_local.cli", "gate", "tests", str(FIXTURES / "node" / "junit-parent-failure.xml"), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout)["reasons"] == ["the test runner reported 1 failure(s) that no test case in its report shows"]
