"""The scan policy applied: severity per tool class, secrets always fail, waivers with expiry, the baseline,
fail-closed on missing scanners, and the summary the approval page and ledger get."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from capstan.config import ScanPolicy
from capstan.scanning import bundle, gate
from capstan.scanning.findings import ScannerReport, finding
from capstan_local.scan_corpus import fake_key

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def report(tool: str, *severities: str) -> ScannerReport:
    return ScannerReport(
        tool=tool, source=f"{tool}.json", findings=[finding(tool, f"r{i}", s, f"m{i}", "f.js", i + 1) for i, s in enumerate(severities)]
    )


def secret_findings():
    key = fake_key("anthropic-api-key", random.Random(1))
    return [f for f in bundle.scan_file("web-bundle.zip!app.js", f'x={{apiKey:"{key}"}}'.encode()) if f.kind]


def test_findings_above_the_class_maximum_fail_and_below_it_pass():
    policy = ScanPolicy(max_severity={"sast": "medium", "dependencies": "high"})
    passing = gate.decide([report("Semgrep OSS", "medium", "low"), report("npm-audit", "high")], [], policy, NOW)
    assert passing.decision == "pass" and passing.reasons == []
    failing = gate.decide([report("CodeQL", "high"), report("osv-scanner", "critical")], [], policy, NOW)
    assert failing.decision == "fail" and len(failing.reasons) == 2
    assert failing.summary.blocking == 2 and failing.counts == {"high": 1, "critical": 1}


def test_an_unknown_tool_gets_the_class_the_policy_gives_it():
    policy = ScanPolicy(tool_classes={"capstan-sample-lint": "dependencies"}, max_severity={"dependencies": "critical"})
    assert gate.decide([report("capstan-sample-lint", "critical")], [], policy, NOW).decision == "pass"


def test_any_detected_secret_fails_whatever_the_severity_limits():
    policy = ScanPolicy(max_severity=dict.fromkeys(("sast", "dependencies", "secrets", "mobile", "bundle", "other"), "critical"))
    decision = gate.decide([], secret_findings(), policy, NOW)
    assert decision.decision == "fail" and decision.summary.secrets == 1
    assert "anthropic-api-key sk-ant-" in decision.reasons[0] and "app.js:1" in decision.reasons[0]


def test_a_live_waiver_lifts_one_finding_and_an_expired_one_stops_counting():
    [leak] = secret_findings()
    waiver = {"fingerprint": leak.fingerprint, "owner": "alice", "reason": "restricted Firebase web key, referrer-locked"}
    live = ScanPolicy(waivers=[{**waiver, "expires": NOW + timedelta(days=7)}])
    decision = gate.decide([], [leak], live, NOW)
    assert decision.decision == "pass" and decision.summary.waived == 1 and decision.findings[0].status == "waived"
    expired = ScanPolicy(waivers=[{**waiver, "expires": NOW - timedelta(days=1)}])
    decision = gate.decide([], [leak], expired, NOW)
    assert decision.decision == "fail" and any("expired 2026-11-30" in r for r in decision.reasons)
    assert decision.summary.expired_waivers


def test_a_waiver_needs_an_owner_a_reason_and_an_expiry_with_a_time_zone():
    with pytest.raises(ValidationError):
        ScanPolicy(waivers=[{"fingerprint": "abcdef0123456789", "owner": "alice", "reason": "ok", "expires": "2027-01-01T00:00:00Z"}])
    with pytest.raises(ValidationError):
        ScanPolicy(
            waivers=[
                {"fingerprint": "abcdef0123456789", "owner": "alice", "reason": "long enough reason", "expires": "2027-01-01T00:00:00"}
            ]
        )


def test_with_a_baseline_only_findings_new_since_the_last_release_fail():
    old, new = report("npm-audit", "critical", "critical").findings
    policy = ScanPolicy(baseline=["dependencies"])
    reports = [ScannerReport("npm-audit", "audit.json", [old, new])]
    decision = gate.decide(reports, [], policy, NOW, baseline={old.fingerprint})
    assert decision.decision == "fail" and decision.summary.baseline == 1 and decision.summary.new == 1
    assert [f.blocking for f in decision.findings if f.fingerprint == old.fingerprint] == [False]
    # Without a baseline to compare with, everything is new; a class not in the policy's baseline ignores it
    assert gate.decide(reports, [], policy, NOW, baseline=None).summary.blocking == 2
    assert gate.decide(reports, [], ScanPolicy(), NOW, baseline={old.fingerprint}).summary.blocking == 2


def test_a_baseline_never_excuses_a_secret():
    [leak] = secret_findings()
    policy = ScanPolicy(baseline=["secrets", "bundle"])
    assert gate.decide([], [leak], policy, NOW, baseline={leak.fingerprint}).decision == "fail"


def test_a_missing_or_failed_required_scanner_fails_closed():
    policy = ScanPolicy(required_tools=["capstan-sample-lint", "npm-audit"])
    failed = ScannerReport("npm-audit", "audit.json", ran=False)
    decision = gate.decide([failed], [], policy, NOW)
    assert decision.decision == "fail"
    assert "required scanner capstan-sample-lint produced no report" in decision.reasons
    assert "npm-audit reported a failed run in audit.json" in decision.reasons


def test_the_built_app_must_be_inspected_when_the_step_requires_it():
    decision = gate.decide([], None, ScanPolicy(), NOW, require_bundle=True)
    assert decision.decision == "fail" and "not inspected" in decision.reasons[0]


def test_the_same_finding_from_two_artifacts_counts_once():
    [leak] = secret_findings()
    shell_copy = leak.model_copy(update={"file": "app-release.aab!base/assets/public/app.js"})
    assert gate.decide([], [leak, shell_copy], ScanPolicy(), NOW).summary.secrets == 1


def test_the_summary_counts_by_severity_tool_and_status():
    decision = gate.decide([report("Semgrep OSS", "low", "medium"), report("npm-audit", "high")], [], ScanPolicy(), NOW)
    s = decision.summary
    assert s.by_severity == {"low": 1, "medium": 1, "high": 1} and s.by_tool == {"Semgrep OSS": 2, "npm-audit": 1}
    assert (s.total, s.new, s.baseline, s.waived, s.blocking) == (3, 3, 0, 0, 1)
    assert decision.findings[0].blocking and decision.findings[0].severity == "high"  # blocking first


def test_version_1_policies_are_read_as_version_2():
    policy = ScanPolicy.model_validate({"fail_levels": ["error"], "required_tools": ["capstan-sample-lint"]})
    assert policy.version == 2 and policy.required_tools == ["capstan-sample-lint"]
    assert policy.max_severity["sast"] == "medium" and policy.max_severity["secrets"] == "none"
    warnings_fail = ScanPolicy.model_validate({"fail_levels": ["error", "warning"]})
    assert warnings_fail.max_severity["sast"] == "low"
    with pytest.raises(ValidationError):
        ScanPolicy.model_validate({"version": 2, "fail_levels": ["error"]})
