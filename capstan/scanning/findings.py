"""The one finding model every scanner's output is normalised to, with severity scales, fingerprints and masking."""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from capstan.models.release import ScanFinding

MAX_MESSAGE = 300


def severity_from_score(score: float) -> str:
    """CVSS-style score to severity, with the bands GitHub code scanning uses for `security-severity`."""
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    if score > 0.0:
        return "low"
    return "info"


def severity_from_word(word: str) -> str | None:
    """The severity words scanners write (npm's `moderate`, OSV's `MODERATE`, SARIF levels, CodeQL's `recommendation`)."""
    return {
        "critical": "critical",
        "high": "high",
        "error": "high",
        "moderate": "medium",
        "medium": "medium",
        "warning": "medium",
        "low": "low",
        "note": "low",
        "recommendation": "low",
        "info": "info",
        "informational": "info",
        "none": "info",
    }.get(word.strip().lower())


def fingerprint(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:32]


def mask(value: str, prefix_len: int) -> str:
    """The prefix, at most four characters of the rest at each end, and the length: never the whole secret."""
    body = value[prefix_len:]
    show = min(4, len(body) // 6)
    shown = value[:prefix_len] + body[:show] + "…" + (body[-show:] if show else "")
    return f"{shown} ({len(value)} chars)"


@dataclass
class ScannerReport:
    """What one report said: which tool, whether it ran, which commit and artifacts it names, and its findings."""

    tool: str
    source: str
    findings: list[ScanFinding] = field(default_factory=list)
    ran: bool = True
    commits: set[str] = field(default_factory=set)
    artifact_digests: dict[str, str] = field(default_factory=dict)


def finding(
    tool: str,
    rule: str,
    severity: str,
    message: str,
    file: str | None = None,
    line: int | None = None,
    fp: str | None = None,
    **extra: object,
) -> ScanFinding:
    """A ScanFinding with a bounded message and a fingerprint derived from what identifies it when none is given."""
    return ScanFinding(
        tool=tool[:100],
        rule=rule[:200],
        severity=severity,  # type: ignore[arg-type]
        message=" ".join(message.split())[:MAX_MESSAGE],
        file=file[:500] if file else None,
        line=line if isinstance(line, int) and line > 0 else None,
        fingerprint=fp or fingerprint(tool, rule, file, line, message),
        **extra,  # type: ignore[arg-type]
    )


@contextmanager
def without_gc_passes() -> Iterator[None]:
    # Tens of thousands of new objects trigger collection passes that find nothing to free (a third of the time).
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
