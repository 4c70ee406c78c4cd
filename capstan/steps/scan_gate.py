"""Evaluate scans: the build's scanner reports and the built app's own checks against the app's scan policy."""

from __future__ import annotations

from pydantic import ValidationError

from capstan.errors import InvalidInput, ScanGateFailed
from capstan.models.release import BuildManifest, BuiltRelease, ReleaseRequest, ReportRef, ScanDecision, ScanFinding
from capstan.ports import Ports
from capstan.scanning import bundle, gate
from capstan.scanning.findings import ScannerReport
from capstan.scanning.reports import FORMATS, MAX_REPORT_BYTES, parse_report
from capstan.steps.release import MANIFEST_MAX_BYTES

# The execution state is capped at 256 KB: it carries the most severe findings, the ledger the summary.
STATE_FINDINGS = 50


def _reports(ports: Ports, refs: list[ReportRef]) -> list[ScannerReport]:
    out: list[ScannerReport] = []
    for ref in refs:
        if ref.format in FORMATS:
            out += parse_report(ports.artifacts.read(ref.key, MAX_REPORT_BYTES), ref.key.rsplit("/", 1)[-1], ref.format)
    return out


def _built_app(inp: BuiltRelease, ports: Ports) -> list[ScanFinding] | None:
    """Built-in checks of the web bundle, then of each native shell's files that are not the web bundle's."""
    artifacts = inp.build.artifacts
    web = [a for a in artifacts if a.kind == "web_bundle"]
    if not web:
        return None
    findings: list[ScanFinding] = []
    scanned: frozenset[tuple[int, int]] = frozenset()
    for art in [*web, *(a for a in artifacts if a.kind != "web_bundle")]:
        data = ports.artifacts.read_verified(art.key, art.sha256, art.size)
        findings += bundle.scan_entries(bundle.zip_entries(data, art.name, scanned), prefix=f"{art.name}!")
        if art.kind == "web_bundle":
            scanned |= bundle.zip_fingerprints(data)
    return findings


def _baseline(ports: Ports, req: ReleaseRequest) -> set[str] | None:
    """Fingerprints of the last released version's reports; None (every finding is new) when there is none to read."""
    released = [
        item
        for item in ports.releases.for_app(req.app_id)
        if item.get("known_good") and not item.get("marked_bad") and item.get("build_id") and item["release_id"] != req.release_id
    ]
    if not released:
        return None
    last = max(released, key=lambda item: str(item.get("finished_at") or item.get("started_at") or ""))
    try:
        raw = ports.artifacts.read(f"builds/{last['build_id']}/manifest.json", MANIFEST_MAX_BYTES)
        manifest = BuildManifest.model_validate_json(raw)
        return {f.fingerprint for r in _reports(ports, manifest.reports) for f in r.findings}
    except (InvalidInput, ValidationError):
        return None


def evaluate_scans(inp: BuiltRelease, ports: Ports) -> ScanDecision:
    """Read every scan report of the build and inspect the built app; apply the app's scan policy.

    Raises
    ------
    InvalidInput
        A report that is unreadable, over a cap, of another format, or for another commit or artifact.
    ScanGateFailed
        When the policy is not met, including a required scanner without a report (fail closed).
    """
    req = inp.release.request
    policy = ports.app(req.app_id).scans
    reports = _reports(ports, inp.build.reports)
    gate.check_provenance(reports, req.commit, {a.name: a.sha256 for a in inp.build.artifacts})
    built = _built_app(inp, ports) if policy.bundle_checks else None
    baseline = _baseline(ports, req) if policy.baseline else None
    decision = gate.decide(reports, built, policy, ports.clock(), baseline, require_bundle=policy.bundle_checks)
    ports.ledger.append(
        req.release_id,
        f"scan gate {decision.decision}",
        ports.clock(),
        {
            "counts": decision.counts,
            "tools": decision.tools,
            "summary": decision.summary.model_dump(mode="json"),
            "reasons": decision.reasons,
        },
    )
    if decision.decision == "fail":
        raise ScanGateFailed("; ".join(decision.reasons))
    return decision.model_copy(update={"findings": decision.findings[:STATE_FINDINGS]})
