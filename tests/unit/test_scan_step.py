"""The "Evaluate scans" step with in-memory fakes of its ports: reports and artifacts of one build in, a decision,
one ledger entry, and a refusal for reports of another commit."""

from __future__ import annotations

import hashlib
import io
import json
import random
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers import built_release_state

from capstan.config import ScanPolicy
from capstan.errors import InvalidInput, ScanGateFailed
from capstan.models.release import BuiltRelease
from capstan.steps.scan_gate import evaluate_scans
from capstan_local.scan_corpus import fake_key

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "scans"
COMMIT = "0123456789abcdef0123456789abcdef01234567"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


@dataclass
class FakeArtifacts:
    objects: dict[str, bytes] = field(default_factory=dict)

    def read(self, key: str, max_bytes: int) -> bytes:
        data = self.objects[key]
        if len(data) > max_bytes:
            raise InvalidInput(f"{key}: over the cap")
        return data

    def read_verified(self, key: str, sha256: str, size: int) -> bytes:
        data = self.objects[key]
        assert hashlib.sha256(data).hexdigest() == sha256 and len(data) == size
        return data


@dataclass
class FakeLedger:
    entries: list[tuple[str, str, dict]] = field(default_factory=list)

    def append(self, subject: str, kind: str, at: datetime, detail: dict) -> None:
        self.entries.append((subject, kind, detail))


@dataclass
class FakeReleases:
    items: list[dict] = field(default_factory=list)

    def for_app(self, app_id: str) -> list[dict]:
        return [i for i in self.items if i["app_id"] == app_id]


@dataclass
class FakeApp:
    scans: ScanPolicy


@dataclass
class FakePorts:
    policy: ScanPolicy
    artifacts: FakeArtifacts = field(default_factory=FakeArtifacts)
    ledger: FakeLedger = field(default_factory=FakeLedger)
    releases: FakeReleases = field(default_factory=FakeReleases)

    def app(self, app_id: str) -> FakeApp:
        return FakeApp(self.policy)

    def clock(self) -> datetime:
        return NOW


def web_zip(app_js: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("index.html", '<html><script src="app.min.js"></script></html>')
        archive.writestr("app.min.js", app_js)
    return buffer.getvalue()


def shell_zip(config: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("base/assets/capacitor.config.json", json.dumps(config, indent=2))
    return buffer.getvalue()


def release(ports: FakePorts, reports: dict[str, tuple[str, bytes]], artifacts: dict[str, tuple[str, bytes]], build_id: str = "b1"):
    refs, arts = [], []
    for name, (fmt, data) in reports.items():
        key = f"builds/{build_id}/reports/{name}"
        ports.artifacts.objects[key] = data
        refs.append({"group": name.split(".")[0], "format": fmt, "key": key})
    for name, (kind, data) in artifacts.items():
        key = f"builds/{build_id}/{name}"
        ports.artifacts.objects[key] = data
        arts.append({"name": name, "kind": kind, "key": key, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)})
    return BuiltRelease.model_validate(
        built_release_state(build_id, reports=refs, artifacts=arts, commit=COMMIT, release_id="hello-ai-0123456789ab")
    )


CLEAN = {
    "web-bundle.zip": ("web_bundle", web_zip('fetch("/api/chat",{method:"POST"})')),
    "app-release.aab": ("android_aab", shell_zip({"server": {}})),
}


def test_a_clean_build_passes_with_a_summary_in_the_ledger():
    ports = FakePorts(ScanPolicy(required_tools=["CodeQL"], max_severity={"sast": "high"}))
    inp = release(ports, {"codeql.sarif": ("SARIF", (FIXTURES / "codeql.sarif").read_bytes())}, CLEAN)
    decision = evaluate_scans(inp, ports)
    assert decision.decision == "pass" and decision.tools == ["CodeQL", "capstan-bundle", "capstan-secrets"]
    [(_, kind, detail)] = ports.ledger.entries
    assert kind == "scan gate pass" and detail["summary"]["total"] == 2 and detail["counts"] == {"medium": 1, "high": 1}


def test_a_key_in_the_web_bundle_blocks_the_release_and_the_ledger_shows_it_masked():
    key = fake_key("openai-api-key", random.Random(8))
    ports = FakePorts(ScanPolicy())
    arts = {**CLEAN, "web-bundle.zip": ("web_bundle", web_zip(f'const c=new Ht({{apiKey:"{key}",dangerouslyAllowBrowser:!0}});'))}
    with pytest.raises(ScanGateFailed, match="openai-api-key sk-proj-") as failure:
        evaluate_scans(release(ports, {}, arts), ports)
    [(_, kind, detail)] = ports.ledger.entries
    assert kind == "scan gate fail" and detail["summary"]["secrets"] == 1
    assert key not in str(failure.value) and key not in json.dumps(detail)
    assert any("web-bundle.zip!app.min.js:1" in r for r in detail["reasons"])


def test_unsafe_native_shell_settings_block_the_release():
    ports = FakePorts(ScanPolicy())
    arts = {**CLEAN, "app-release.aab": ("android_aab", shell_zip({"server": {"cleartext": True}}))}
    with pytest.raises(ScanGateFailed, match="capacitor-cleartext"):
        evaluate_scans(release(ports, {}, arts), ports)


def test_npm_audit_and_osv_reports_are_read():
    ports = FakePorts(ScanPolicy(max_severity={"dependencies": "high"}, required_tools=["npm-audit", "osv-scanner"]))
    reports = {
        "audit.json": ("NPMAUDIT", (FIXTURES / "npm-audit.json").read_bytes()),
        "osv.json": ("OSV", (FIXTURES / "osv.json").read_bytes()),
    }
    decision = evaluate_scans(release(ports, reports, CLEAN), ports)
    assert decision.decision == "pass" and decision.summary.by_tool == {"npm-audit": 2, "osv-scanner": 2}


def test_a_report_for_another_commit_is_refused():
    ports = FakePorts(ScanPolicy())
    doc = json.loads((FIXTURES / "codeql.sarif").read_text())
    doc["runs"][0]["versionControlProvenance"][0]["revisionId"] = "f" * 40
    with pytest.raises(InvalidInput, match="codeql.sarif: CodeQL scanned commit ffff"):
        evaluate_scans(release(ports, {"codeql.sarif": ("SARIF", json.dumps(doc).encode())}, CLEAN), ports)
    assert ports.ledger.entries == []  # the handler's decorator records the refusal


def test_an_empty_report_for_a_required_scanner_fails_closed():
    ports = FakePorts(ScanPolicy(required_tools=["capstan-sample-lint"]))
    with pytest.raises(InvalidInput, match="empty"):
        evaluate_scans(release(ports, {"security.sarif": ("SARIF", b"")}, CLEAN), ports)
    with pytest.raises(ScanGateFailed, match="capstan-sample-lint produced no report"):
        evaluate_scans(release(ports, {"security.sarif": ("SARIF", b'{"version": "2.1.0", "runs": []}')}, CLEAN), ports)


def test_only_findings_new_since_the_last_released_version_fail_where_the_policy_says_so():
    # Given the last released build had the cross-spawn advisory, and this build adds nanoid's
    policy = ScanPolicy(max_severity={"dependencies": "low"}, baseline=["dependencies"])
    ports = FakePorts(policy)
    audit = json.loads((FIXTURES / "npm-audit.json").read_text())
    old = {**audit, "vulnerabilities": {"cross-spawn": audit["vulnerabilities"]["cross-spawn"]}}
    previous = release(ports, {"audit.json": ("NPMAUDIT", json.dumps(old).encode())}, CLEAN, build_id="b0")
    manifest = {**previous.build.model_dump(mode="json"), "project": "p", "commit": COMMIT, "started_at": "2026-11-01T00:00:00Z",
                "finished_at": "2026-11-01T00:10:00Z", "builder": {"image": "i", "buildspec_sha256": "0" * 64}}  # fmt: skip
    ports.artifacts.objects["builds/b0/manifest.json"] = json.dumps(manifest).encode()
    ports.releases.items.append(
        {"app_id": "hello-ai", "release_id": "r0", "known_good": True, "build_id": "b0", "finished_at": "2026-11-02"}
    )
    # When this build is evaluated
    with pytest.raises(ScanGateFailed) as failure:
        evaluate_scans(release(ports, {"audit.json": ("NPMAUDIT", json.dumps(audit).encode())}, CLEAN), ports)
    # Then only the new advisory blocks
    assert "GHSA-mwcw-c2x4-8c55" in str(failure.value) and "GHSA-3xgq-45jj-v275" not in str(failure.value)
    assert ports.ledger.entries[-1][2]["summary"]["baseline"] == 1
