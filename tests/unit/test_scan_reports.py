"""Scanner reports in: each tool's SARIF habits, npm audit and OSV-Scanner to one finding model; bad reports refused."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pytest

from capstan.errors import InvalidInput
from capstan.scanning import gate, reports
from capstan_local.scan_corpus import fake_key

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "scans"
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def load(name: str):
    return reports.parse_report((FIXTURES / name).read_bytes(), name)


def test_semgrep_levels_come_from_results_and_fingerprints_from_match_based_ids():
    # Given Semgrep's SARIF, when it is read
    [run] = load("semgrep.sarif")
    # Then the tool, rules, severities, locations and a stable fingerprint are normalised
    assert run.tool == "Semgrep OSS" and run.ran
    xss, rand = run.findings
    assert (xss.rule, xss.severity, xss.file, xss.line, xss.column) == (
        "javascript.browser.security.insecure-document-method.insecure-document-method",
        "high",
        "src/lib/render.js",
        42,
        5,
    )
    assert rand.severity == "low"  # no result level: the rule's defaultConfiguration (note) decides
    assert xss.fingerprint != rand.fingerprint and len(xss.fingerprint) == 32


def test_codeql_rules_live_in_extensions_and_security_severity_wins_over_level():
    [run] = load("codeql.sarif")
    xss, logging = run.findings
    assert xss.severity == "medium"  # security-severity 6.1, although its level is warning
    assert logging.rule == "js/clear-text-logging" and logging.severity == "high"  # found by rule.index in the extension
    assert logging.file == "src/lib/chat-client.js"  # the location names its artifact only by index
    assert run.commits == {COMMIT}


def test_gitleaks_commit_fingerprints_do_not_merge_two_findings_of_one_commit():
    [run] = load("gitleaks.sarif")
    assert run.tool == "gitleaks"
    assert len({f.fingerprint for f in run.findings}) == 2
    assert all(f.severity == "medium" for f in run.findings)  # no level anywhere: SARIF's default, warning


def test_mobsf_message_arguments_are_filled_in():
    [run] = load("mobsf.sarif")
    cleartext, logging = run.findings
    assert cleartext.message == "usesCleartextTraffic=true in AndroidManifest.xml" and cleartext.severity == "high"
    assert logging.severity == "low"


def test_every_run_of_a_multi_run_log_is_its_own_report():
    doc = json.loads((FIXTURES / "semgrep.sarif").read_text())
    doc["runs"] += json.loads((FIXTURES / "mobsf.sarif").read_text())["runs"]
    runs = reports.parse_report(json.dumps(doc).encode(), "all.sarif")
    assert [r.tool for r in runs] == ["Semgrep OSS", "mobsfscan"]


def test_a_failed_run_is_reported_as_not_ran():
    doc = json.loads((FIXTURES / "semgrep.sarif").read_text())
    doc["runs"][0]["invocations"][0]["executionSuccessful"] = False
    [run] = reports.parse_report(json.dumps(doc).encode(), "semgrep.sarif")
    assert not run.ran


def test_a_secret_quoted_in_a_message_is_masked():
    key = fake_key("github-token", random.Random(5))
    result = {"ruleId": "github-pat", "message": {"text": f"found {key} in config"}}
    data = json.dumps({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "trufflehog"}}, "results": [result]}]}).encode()
    [run] = reports.parse_report(data, "t.sarif")
    assert key not in run.findings[0].message and "GitHub token ghp_" in run.findings[0].message


def test_npm_audit_v2_gives_one_finding_per_advisory():
    [run] = load("npm-audit.json")
    assert run.tool == "npm-audit"
    by_rule = {f.rule: f for f in run.findings}
    assert set(by_rule) == {"GHSA-3xgq-45jj-v275", "GHSA-mwcw-c2x4-8c55"}  # postcss only points at nanoid's advisory
    assert by_rule["GHSA-3xgq-45jj-v275"].severity == "high"
    assert by_rule["GHSA-mwcw-c2x4-8c55"].severity == "medium" and "fix available" in by_rule["GHSA-mwcw-c2x4-8c55"].message


def test_osv_groups_merge_aliases_and_severity_comes_from_the_group_or_the_database():
    [run] = load("osv.json")
    assert run.tool == "osv-scanner"
    axios, cookie = run.findings
    assert axios.rule == "GHSA-8hc4-vh64-cxmj" and axios.severity == "high" and "CVE-2024-39338" in axios.message
    assert cookie.severity == "low" and axios.file == "package-lock.json"


@pytest.mark.parametrize(
    "data, why",
    [
        (b"{not json", "not valid JSON"),
        (b"", "empty"),
        (b"  \n", "empty"),
        (json.dumps({"version": "2.0.0", "runs": []}).encode(), "SARIF 2.1.0"),
        (json.dumps({"version": "2.1.0"}).encode(), "runs is missing"),
        (("[" * 5000 + "]" * 5000).encode(), "nested deeper"),
        ((('{"a":' * 70) + "1" + "}" * 70).encode(), "nested deeper"),
        (json.dumps({"version": "2.1.0", "runs": ["x"]}).encode(), "each run"),
        (json.dumps({"hello": "world"}).encode(), "not a SARIF, npm audit or OSV"),
        (json.dumps({"advisories": {}, "metadata": {}}).encode(), "npm 6"),
        (json.dumps({"error": {"code": "ENOLOCK", "summary": "no lockfile"}, "auditReportVersion": 2}).encode(), "did not run"),
    ],
)
def test_bad_reports_are_refused_with_a_clear_error(data, why):
    with pytest.raises(InvalidInput, match=why):
        reports.parse_report(data, "scan.json")


def test_a_report_over_the_size_cap_is_refused_before_parsing():
    with pytest.raises(InvalidInput, match="over the"):
        reports.parse_report(b" " * (reports.MAX_REPORT_BYTES + 1), "huge.sarif")


def test_a_gzip_bomb_is_refused_without_inflating_it():
    # Given 1 GiB of zeros that gzips to about 1 MB
    bomb = gzip.compress(b"0" * (64 * 1024 * 1024), compresslevel=9) * 16
    # When it is read as a report, then it is refused at the cap
    with pytest.raises(InvalidInput, match="gzip bomb"):
        reports.load_json(bomb, "bomb.sarif.gz", cap=8 * 1024 * 1024)


def test_a_gzipped_report_within_the_cap_is_read():
    [run] = reports.parse_report(gzip.compress((FIXTURES / "semgrep.sarif").read_bytes()), "semgrep.sarif.gz")
    assert len(run.findings) == 2


def test_a_report_declared_as_another_format_is_refused():
    with pytest.raises(InvalidInput, match="declared OSV but reads as SARIF"):
        reports.parse_report((FIXTURES / "semgrep.sarif").read_bytes(), "x.json", "OSV")


def test_a_report_for_another_commit_is_refused():
    runs = load("codeql.sarif")
    gate.check_provenance(runs, COMMIT, {})
    with pytest.raises(InvalidInput, match="scanned commit 0123456789abcdef"):
        gate.check_provenance(runs, "f" * 40, {})


def test_a_report_for_other_artifact_bytes_is_refused():
    doc = json.loads((FIXTURES / "mobsf.sarif").read_text())
    doc["runs"][0]["artifacts"] = [{"location": {"uri": "dist/app-release.aab"}, "hashes": {"sha-256": "ab" * 32}}]
    runs = reports.parse_report(json.dumps(doc).encode(), "mobsf.sarif")
    gate.check_provenance(runs, COMMIT, {"app-release.aab": "ab" * 32})
    with pytest.raises(InvalidInput, match="app-release.aab with sha256 abab"):
        gate.check_provenance(runs, COMMIT, {"app-release.aab": "cd" * 32})
