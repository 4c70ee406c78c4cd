"""Reading a scanner report safely: size cap, gzip-bomb cap, JSON depth cap, then the parser for its format."""

from __future__ import annotations

import json
import zlib
from typing import Any

from capstan.errors import InvalidInput
from capstan.scanning import dependencies, sarif
from capstan.scanning.findings import ScannerReport, without_gc_passes

MAX_REPORT_BYTES = 50 * 1024 * 1024
MAX_DEPTH = 64
FORMATS = ("SARIF", "NPMAUDIT", "OSV")


def _gunzip(data: bytes, name: str, cap: int) -> bytes:
    # Decompress at most cap+1 bytes: a bomb is refused without ever being inflated.
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, cap + 1)
    except zlib.error as exc:
        raise InvalidInput(f"{name}: not valid gzip ({exc})") from None
    if len(out) > cap or inflater.unconsumed_tail:
        raise InvalidInput(f"{name}: decompresses to over the {cap}-byte cap (gzip bomb?)")
    if not inflater.eof or inflater.unused_data:
        raise InvalidInput(f"{name}: truncated gzip, or data after its end")
    return out


def _depth_exceeds(doc: Any, limit: int) -> bool:
    # Level by level, containers only: a 25,000-result SARIF log is walked in a few tens of milliseconds.
    level, depth = [doc], 1
    while level:
        if depth > limit:
            return True
        below = []
        for node in level:
            for value in node.values() if type(node) is dict else node if type(node) is list else ():
                if type(value) is dict or type(value) is list:
                    below.append(value)
        level, depth = below, depth + 1
    return False


def load_json(data: bytes, name: str, cap: int = MAX_REPORT_BYTES) -> Any:
    """Parse a report's JSON within the size and depth caps (gzip-compressed reports are inflated within the cap).

    Raises
    ------
    InvalidInput
        Over the cap, a gzip bomb, empty, not JSON, or nested deeper than MAX_DEPTH.
    """
    if len(data) > cap:
        raise InvalidInput(f"{name}: report is {len(data)} bytes, over the {cap}-byte cap")
    if data[:2] == b"\x1f\x8b":
        data = _gunzip(data, name, cap)
    if not data.strip():
        raise InvalidInput(f"{name}: the report is empty (a scanner that wrote nothing did not run)")
    try:
        doc = json.loads(data)
    except RecursionError:
        raise InvalidInput(f"{name}: nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:
        raise InvalidInput(f"{name}: not valid JSON ({str(exc)[:80]})") from None
    if _depth_exceeds(doc, MAX_DEPTH):
        raise InvalidInput(f"{name}: nested deeper than {MAX_DEPTH} levels")
    return doc


def sniff(doc: Any) -> str | None:
    """Which report format a parsed document is, or None."""
    if not isinstance(doc, dict):
        return None
    if "runs" in doc or "sarif" in str(doc.get("$schema", "")).lower() or str(doc.get("version", "")).startswith("2."):
        return "SARIF"
    if "auditReportVersion" in doc or "advisories" in doc or ("vulnerabilities" in doc and "metadata" in doc):
        return "NPMAUDIT"
    if isinstance(doc.get("results"), list):
        return "OSV"
    return None


def parse_report(data: bytes, name: str, fmt: str | None = None) -> list[ScannerReport]:
    """One ScannerReport per tool run in a SARIF, npm audit (v2) or OSV-Scanner report; `fmt` None means detect it.

    Raises
    ------
    InvalidInput
        When the report is unreadable, of another format than declared, or not what its format requires.
    """
    with without_gc_passes():
        return _parse(load_json(data, name), name, fmt)


def _parse(doc: Any, name: str, fmt: str | None) -> list[ScannerReport]:
    found = sniff(doc)
    if fmt is None:
        if found is None:
            raise InvalidInput(f"{name}: not a SARIF, npm audit or OSV-Scanner report")
        fmt = found
    elif found is not None and found != fmt:
        raise InvalidInput(f"{name}: declared {fmt} but reads as {found}")
    if fmt == "SARIF":
        return sarif.parse(doc, name)
    if fmt == "NPMAUDIT":
        return [dependencies.parse_npm_audit(doc, name)]
    if fmt == "OSV":
        return [dependencies.parse_osv(doc, name)]
    raise InvalidInput(f"{name}: report format {fmt} is not a scan report")
