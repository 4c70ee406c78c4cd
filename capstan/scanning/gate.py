"""The scan gate's decision: the app's ScanPolicy applied to every report and built-in finding of one build."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from capstan.errors import InvalidInput
from capstan.models.release import ScanDecision, ScanFinding, ScanSummary
from capstan.policies.scans import ScanPolicy, severity_rank
from capstan.scanning.bundle import BUNDLE_TOOL, SECRETS_TOOL
from capstan.scanning.findings import ScannerReport, without_gc_passes

MAX_REASONS = 20


def check_provenance(reports: Iterable[ScannerReport], commit: str, artifacts: dict[str, str]) -> None:
    """Refuse a report that names another commit, or an artifact of this build with other bytes.

    Raises
    ------
    InvalidInput
        Naming the report and the commit or artifact it is for.
    """
    for report in reports:
        other = sorted(c for c in report.commits if c.lower() != commit.lower())
        if other:
            raise InvalidInput(f"{report.source}: {report.tool} scanned commit {other[0][:40]}, not the release commit {commit[:12]}")
        for name, digest in report.artifact_digests.items():
            if name in artifacts and artifacts[name] != digest:
                raise InvalidInput(f"{report.source}: {report.tool} scanned a {name} with sha256 {digest[:16]}..., not this build's")


def _where(f: ScanFinding) -> str:
    return f"{f.file}:{f.line}" if f.file and f.line else f.file or "(no location)"


def _decide(
    reports: list[ScannerReport],
    bundle_findings: list[ScanFinding] | None,
    policy: ScanPolicy,
    now: datetime,
    baseline: set[str] | None = None,
    require_bundle: bool = False,
) -> ScanDecision:
    reasons: list[str] = []
    ran = {r.tool for r in reports if r.ran}
    for report in reports:
        if not report.ran:
            reasons.append(f"{report.tool} reported a failed run in {report.source}")
    for tool in policy.required_tools:
        if tool not in ran and not any(r.tool == tool for r in reports):
            reasons.append(f"required scanner {tool} produced no report")
    if require_bundle and bundle_findings is None:
        reasons.append("the built app was not inspected (no web bundle artifact)")
    tools = sorted(ran | ({BUNDLE_TOOL, SECRETS_TOOL} if bundle_findings is not None else set()))

    live = {w.fingerprint: w for w in policy.waivers if w.expires > now}
    expired = {w.fingerprint: w for w in policy.waivers if w.expires <= now}
    seen: set[str] = set()
    marked: list[ScanFinding] = []
    for f in [*(f for r in reports for f in r.findings), *(bundle_findings or [])]:
        if f.fingerprint in seen:  # the same secret in the web bundle and a native shell is one finding
            continue
        seen.add(f.fingerprint)
        tool_class = "secrets" if f.kind else policy.tool_class(f.tool)
        if f.fingerprint in live:
            status = "waived"
        elif baseline is not None and not f.kind and tool_class in policy.baseline and f.fingerprint in baseline:
            status = "baseline"
        else:
            status = "new"
        blocking = status != "waived" and (f.kind is not None or (status == "new" and not policy.allows(tool_class, f.severity)))
        # Already validated: construct, not copy (a deep copy per finding is a third of a 25,000-result evaluation).
        marked.append(ScanFinding.model_construct(**{**f.__dict__, "status": status, "blocking": blocking}))
    marked.sort(key=lambda f: (not f.blocking, -severity_rank(f.severity), f.tool, f.file or "", f.line or 0))

    blocking = [f for f in marked if f.blocking]
    for f in blocking[:MAX_REASONS]:
        what = f"{f.kind} {f.masked}" if f.kind else f"{f.rule} ({f.severity})"
        reasons.append(f"{f.tool} {what} at {_where(f)}" + ("" if f.kind else f": {f.message[:120]}"))
        if f.fingerprint in expired:
            w = expired[f.fingerprint]
            reasons.append(f"waiver of {f.fingerprint} by {w.owner} expired {w.expires.date().isoformat()}: the finding counts again")
    if len(blocking) > MAX_REASONS:
        reasons.append(f"... and {len(blocking) - MAX_REASONS} more blocking findings")

    status_counts = Counter(f.status for f in marked)
    summary = ScanSummary(
        by_severity=dict(Counter(f.severity for f in marked)),
        by_tool=dict(Counter(f.tool for f in marked)),
        total=len(marked),
        new=status_counts["new"],
        baseline=status_counts["baseline"],
        waived=status_counts["waived"],
        blocking=len(blocking),
        secrets=sum(1 for f in marked if f.kind),
        expired_waivers=sorted(f"{w.fingerprint} ({w.owner}, {w.expires.date().isoformat()})" for w in expired.values()),
    )
    return ScanDecision(
        decision="fail" if reasons else "pass",
        counts=summary.by_severity,
        tools=tools,
        findings=marked,
        reasons=reasons,
        summary=summary,
    )


def decide(
    reports: list[ScannerReport],
    bundle_findings: list[ScanFinding] | None,
    policy: ScanPolicy,
    now: datetime,
    baseline: set[str] | None = None,
    require_bundle: bool = False,
) -> ScanDecision:
    """Pass or fail, with every finding marked new, baseline or waived and blocking or not, and the reasons.

    `bundle_findings` None means the built-in bundle checks did not run (a failure when `require_bundle`);
    `baseline` holds the fingerprints of the last released version (None when there is none: every finding is new).
    """
    with without_gc_passes():
        return _decide(reports, bundle_findings, policy, now, baseline, require_bundle)
