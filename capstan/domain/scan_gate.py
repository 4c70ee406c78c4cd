"""The scan gate: SARIF 2.1.0 reports in, a pass or fail decision with its findings out."""

from __future__ import annotations

import hashlib
import json
from collections import Counter

from capstan.config import ScanPolicy
from capstan.errors import InvalidInput
from capstan.models.release import ScanDecision, ScanFinding

MAX_SARIF_BYTES = 50 * 1024 * 1024
MAX_DEPTH = 64


def _depth(node: object, limit: int) -> int:
    stack = [(node, 1)]
    deepest = 0
    while stack:
        item, d = stack.pop()
        deepest = max(deepest, d)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, d + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, d + 1) for v in item)
    return deepest


def parse_sarif(data: bytes, name: str = "report") -> tuple[list[str], list[ScanFinding]]:
    """Normalise the results of every run of a SARIF 2.1.0 log into (tool names, findings).

    Raises
    ------
    InvalidInput
        When the report is too large, not JSON, nested too deep, or not SARIF 2.1.0.
    """
    if len(data) > MAX_SARIF_BYTES:
        raise InvalidInput(f"{name}: report is {len(data)} bytes, over the {MAX_SARIF_BYTES}-byte cap")
    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise InvalidInput(f"{name}: not valid JSON ({str(exc)[:80]})") from None
    if _depth(doc, MAX_DEPTH) > MAX_DEPTH:
        raise InvalidInput(f"{name}: nested deeper than {MAX_DEPTH} levels")
    if not isinstance(doc, dict) or doc.get("version") != "2.1.0":
        raise InvalidInput(f"{name}: version must be SARIF 2.1.0")
    runs = doc.get("runs")
    if not isinstance(runs, list):
        raise InvalidInput(f"{name}: runs is missing")
    findings: list[ScanFinding] = []
    tools: list[str] = []
    for run in runs:
        if not isinstance(run, dict):
            raise InvalidInput(f"{name}: each run must be an object")
        tool = str(((run.get("tool") or {}).get("driver") or {}).get("name") or "unknown")
        rule_levels = {
            r.get("id"): ((r.get("defaultConfiguration") or {}).get("level"))
            for r in ((run.get("tool") or {}).get("driver") or {}).get("rules") or []
            if isinstance(r, dict)
        }
        tools.append(tool)
        for result in run.get("results") or []:
            findings.append(_finding(tool, result, rule_levels))
    return tools, findings


def _finding(tool: str, result: dict, rule_levels: dict) -> ScanFinding:
    rule = str(result.get("ruleId") or "unknown")
    level = result.get("level") or rule_levels.get(rule) or "warning"
    if level not in ("error", "warning", "note", "none"):
        level = "warning"
    loc = ((result.get("locations") or [{}])[0] or {}).get("physicalLocation") or {}
    file = (loc.get("artifactLocation") or {}).get("uri")
    line = (loc.get("region") or {}).get("startLine")
    message = str((result.get("message") or {}).get("text") or "")[:500]
    prints = result.get("partialFingerprints") or result.get("fingerprints") or {}
    fingerprint = next(iter(sorted(prints.values())), None) if isinstance(prints, dict) else None
    if not fingerprint:
        fingerprint = hashlib.sha256(f"{tool}|{rule}|{file}|{line}|{message}".encode()).hexdigest()[:32]
    return ScanFinding(
        tool=tool,
        rule=rule,
        level=level,
        message=message,
        file=file,
        line=line if isinstance(line, int) else None,
        fingerprint=str(fingerprint),
    )


def decide(findings: list[ScanFinding], tools_seen: list[str], policy: ScanPolicy) -> ScanDecision:
    """Fail on findings at a blocking level, and fail closed when a required scanner is missing."""
    reasons: list[str] = []
    for tool in policy.required_tools:
        if tool not in tools_seen:
            reasons.append(f"required scanner {tool} produced no report")
    blocking = [f for f in findings if f.level in policy.fail_levels]
    for f in blocking[:20]:
        where = f"{f.file}:{f.line}" if f.file else "(no location)"
        reasons.append(f"{f.tool} {f.rule} at {where}: {f.message[:120]}")
    if len(blocking) > 20:
        reasons.append(f"... and {len(blocking) - 20} more blocking findings")
    return ScanDecision(
        decision="fail" if reasons else "pass",
        counts=dict(Counter(f.level for f in findings)),
        tools=sorted(set(tools_seen)),
        findings=findings[:200],
        reasons=reasons,
    )
