"""A readable timeline of an execution: each state entered, how long it took, and what it found."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Stage:
    name: str
    started: datetime
    seconds: float
    result: str
    depth: int


def _summary(name: str, output: dict[str, Any]) -> str:
    if name == "Start build" and output.get("build"):
        b = output["build"]
        return f"built {b['version_name']} ({b['version_code']}), {len(b['artifacts'])} artifacts" + (
            "" if b["native_compile"] else ", native shells packaged locally"
        )
    if name == "Evaluate tests" and output.get("tests"):
        t = output["tests"]["tests"]
        coverage = output["tests"].get("coverage")
        quarantined = len(output["tests"].get("quarantined") or [])
        return (
            f"{t['passed']} passed, {t['failed']} failed, {t['errors']} errors, {t['skipped']} skipped"
            + (f" ({quarantined} quarantined)" if quarantined else "")
            + (f", line coverage {coverage:.1%}" if coverage is not None else ", no coverage report")
        )
    if name == "Evaluate scans" and output.get("scans"):
        s = output["scans"]
        counts = ", ".join(f"{n} {sev}" for sev, n in sorted(s["counts"].items()) if n) or "no findings"
        return f"{counts} from {', '.join(s['tools'])}"
    if name == "Request approval" and output.get("approval"):
        return f"approved by {', '.join(output['approval']['approved_by'])}"
    if name == "Advance rollout" and output.get("rollout"):
        return f"{output['rollout']['fraction']:.0%} of users"
    if name == "Check alarms" and output.get("health"):
        h = output["health"]
        return "alarms quiet" if h["healthy"] else f"FIRING: {', '.join(h['firing'])}"
    if name.startswith("Upload to") or name == "Publish live update":
        return f"{output.get('store')} {output.get('version')} -> {output.get('store_ref')}" if "store" in output else ""
    if output.get("action") and output.get("store"):
        return f"{output['store']}: {output['action']} {output.get('version', '')} {output.get('detail', '')}".strip()
    if name == "Validate rollback" and output.get("plan"):
        p = output["plan"]
        return f"roll back {p['version_name']} to {p['target_release_id']}"
    if output.get("error"):
        return f"{output['error'].get('Error')}: {str(output['error'].get('Cause'))[:140]}"
    return ""


def timeline(history: list[dict[str, Any]]) -> list[Stage]:
    """Stages in the order they were entered, with nesting depth for Parallel branches."""
    stages: list[Stage] = []
    open_: dict[str, tuple[datetime, int]] = {}
    depth = 0
    for event in history:
        kind = event["type"]
        if kind.endswith("StateEntered"):
            name = event["stateEnteredEventDetails"]["name"]
            open_[name] = (event["timestamp"], depth)
            if kind == "ParallelStateEntered":
                depth += 1
        elif kind.endswith("StateExited"):
            details = event["stateExitedEventDetails"]
            name = details["name"]
            if kind == "ParallelStateExited":
                depth = max(0, depth - 1)
            started, d = open_.pop(name, (event["timestamp"], depth))
            try:
                output = json.loads(details.get("output") or "{}")
            except ValueError:
                output = {}
            result = _summary(name, output if isinstance(output, dict) else {})
            stages.append(Stage(name, started, (event["timestamp"] - started).total_seconds(), result, d))
    stages.sort(key=lambda s: s.started)
    return stages


def render(stages: list[Stage]) -> str:
    width = max((len(s.name) + 2 * s.depth for s in stages), default=10)
    lines = [f"  {'stage':<{width}}  {'time':>7}  result", f"  {'-' * width}  {'-' * 7}  {'-' * 40}"]
    for s in stages:
        lines.append(f"  {'  ' * s.depth + s.name:<{width}}  {s.seconds:>6.2f}s  {s.result}")
    return "\n".join(lines)
