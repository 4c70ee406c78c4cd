"""`capstan scan` as a user runs it, on the sample app's real build: the clean bundle passes, a planted key is
blocked and shown masked, reports of every format are read, bad input exits 2 with one line."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from helpers import ROOT

from capstan_local.scan_corpus import fake_key

FIXTURES = ROOT / "tests" / "fixtures" / "scans"
CAPSTAN = [sys.executable, "-m", "capstan_local.cli"]

needs_node = pytest.mark.skipif(shutil.which("node") is None, reason="the sample app builds with Node")


def scan(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CAPSTAN, "scan", *args], capture_output=True, text=True, timeout=120, cwd=ROOT)


def build_sample(dest: Path, change=None) -> Path:
    """Build a copy of examples/hello-ai (optionally changed) and zip dist/ as the build does."""
    shutil.copytree(ROOT / "examples" / "hello-ai", dest, ignore=shutil.ignore_patterns("node_modules", "dist", "reports"))
    if change:
        change(dest)
    subprocess.run(["node", "scripts/build.mjs"], cwd=dest, check=True, capture_output=True, timeout=120)
    bundle = dest / "web-bundle.zip"
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted((dest / "dist").rglob("*")):
            archive.write(path, path.relative_to(dest / "dist").as_posix())
    return bundle


@needs_node
def test_the_sample_apps_built_bundle_is_clean_and_passes(tmp_path):
    bundle = build_sample(tmp_path / "app")
    result = scan(str(bundle), str(tmp_path / "app" / "dist"), "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["decision"] == "pass" and report["findings"] == [] and report["reasons"] == []


@needs_node
def test_a_planted_key_in_the_sample_app_is_blocked_and_shown_masked(tmp_path):
    key = fake_key("anthropic-api-key", random.Random(12))

    def plant(root: Path) -> None:
        client = root / "src" / "lib" / "chat-client.js"
        client.write_text(client.read_text() + f"\nexport const ANTHROPIC_KEY = '{key}';\n")

    bundle = build_sample(tmp_path / "app", plant)
    result = scan(str(bundle), "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    [leak] = [f for f in report["findings"] if f.get("kind")]
    assert leak["kind"] == "anthropic-api-key" and leak["file"] == "web-bundle.zip!app.min.js" and leak["line"] == 2
    assert leak["masked"].startswith("sk-ant-") and "chars)" in leak["masked"]
    assert report["decision"] == "fail" and key not in result.stdout + result.stderr
    text = scan(str(bundle))
    assert text.returncode == 1 and "anthropic-api-key sk-ant-" in text.stdout and key not in text.stdout


def test_reports_of_every_format_are_read_in_one_run():
    paths = [str(FIXTURES / n) for n in ("semgrep.sarif", "codeql.sarif", "gitleaks.sarif", "mobsf.sarif", "npm-audit.json", "osv.json")]
    result = scan(*paths, "--json")
    report = json.loads(result.stdout)
    assert result.returncode == 1 and report["decision"] == "fail"
    assert {f["tool"] for f in report["findings"]} == {"Semgrep OSS", "CodeQL", "gitleaks", "mobsfscan", "npm-audit", "osv-scanner"}
    assert set(report["findings"][0]) >= {"tool", "rule", "severity", "file", "line", "fingerprint"}


def test_a_policy_file_and_a_baseline_change_the_decision(tmp_path):
    audit = str(FIXTURES / "npm-audit.json")
    first = json.loads(scan(audit, "--json").stdout)
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"version": 2, "max_severity": {"dependencies": "low"}, "baseline": ["dependencies"]}))
    baseline = tmp_path / "last-release.json"
    baseline.write_text(json.dumps(first))
    result = scan(audit, "--policy", str(policy), "--baseline", str(baseline), "--json")
    assert result.returncode == 0 and json.loads(result.stdout)["summary"]["baseline"] == 2
    apps = scan(audit, "--policy", str(ROOT / "config" / "apps.json"), "--app", "hello-ai", "--json")
    assert "capstan-sample-lint produced no report" in " ".join(json.loads(apps.stdout)["reasons"])


@pytest.mark.parametrize(
    "content, why",
    [
        (b"{not json", "not valid JSON"),
        (json.dumps({"version": "2.0.0", "runs": []}).encode(), "SARIF 2.1.0"),
        (json.dumps({"version": "2.1.0"}).encode(), "runs is missing"),
        (b"", "empty"),
        (("[" * 100 + "]" * 100).encode(), "nested deeper"),
        (b"PK\x03\x04 not really a zip", "not a readable zip"),
    ],
)
def test_bad_input_exits_2_with_one_line_naming_the_path(tmp_path, content, why):
    path = tmp_path / "report.sarif"
    path.write_bytes(content)
    result = scan(str(path))
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1 and "error: PATH: " in lines[0] and why in lines[0]


def test_a_bad_policy_file_exits_2(tmp_path):
    policy = tmp_path / "p.json"
    policy.write_text(json.dumps({"version": 2, "max_severity": {"sast": "severe"}}))
    result = scan(str(FIXTURES / "semgrep.sarif"), "--policy", str(policy))
    assert result.returncode == 2 and "error: --policy: " in result.stderr
