"""The built-in checks of a built app: a web bundle or native-shell package (zip) or a bundle directory, file by file.

Zips are read entry by entry within caps on entries, sizes and compression ratio, so a zip bomb is refused
rather than inflated. A detected secret is reported by kind, file, line and masked form, never whole.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from capstan.errors import InvalidInput
from capstan.models.release import ScanFinding
from capstan.scanning import native
from capstan.scanning.endpoints import find_ai_endpoints
from capstan.scanning.findings import finding, fingerprint
from capstan.scanning.secrets import Secret, find_secrets

SECRETS_TOOL = "capstan-secrets"
BUNDLE_TOOL = "capstan-bundle"
MAX_ENTRIES = 20_000
MAX_ENTRY_BYTES = 128 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 200  # real bundles deflate 3-10x; far beyond that is a bomb
SKIP_SUFFIXES = (
    ".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".ico", ".bmp", ".woff", ".woff2", ".ttf", ".otf", ".eot",
    ".mp3", ".mp4", ".webm", ".wav", ".ogg", ".m4a", ".pdf",
)  # fmt: skip
ARCHIVE_SUFFIXES = (".zip", ".aab", ".apk", ".ipa", ".jar", ".aar")
_CONTENT_HASH = re.compile(r"[.-][A-Za-z0-9_]{6,}(?=(?:\.[a-z]+)+$)")


def stable_name(path: str) -> str:
    """A bundle path without the content hash bundlers put in file names (`index-3fa9c1b2.js` -> `index.js`),
    so a finding keeps its fingerprint from one build to the next."""
    head, _, tail = path.rpartition("/")
    if any(c.isdigit() for c in tail):
        tail = _CONTENT_HASH.sub(lambda m: "" if any(c.isdigit() for c in m.group()) else m.group(), tail, count=1)
    return f"{head}/{tail}" if head else tail


def _position(data: bytes, offset: int, cache: list[int]) -> tuple[int, int]:
    # cache = [last offset, its line, its line start]: hits come in order, so lines are counted once.
    last, line, line_start = cache
    if offset < last:
        last, line, line_start = 0, 1, 0
    line += data.count(b"\n", last, offset)
    nl = data.rfind(b"\n", 0, offset)
    line_start = nl + 1 if nl >= 0 else 0
    cache[:] = [offset, line, line_start]
    return line, offset - line_start + 1


def _in_source_map(data: bytes, secret: Secret) -> tuple[str, int] | None:
    """Which original source of a source map's `sourcesContent` holds the secret, and on which line."""
    try:
        value = json.loads(f'"{secret.value}"')  # as the source holds it: the map's JSON escapes undone
    except ValueError:
        value = secret.value
    try:
        doc = json.loads(data)
        for name, content in zip(doc.get("sources") or [], doc.get("sourcesContent") or [], strict=False):
            if isinstance(content, str) and value in content:
                return str(name), content.count("\n", 0, content.index(value)) + 1
    except (ValueError, AttributeError, TypeError):
        pass
    return None


def scan_file(name: str, data: bytes) -> list[ScanFinding]:
    """Every built-in check of one file of the built app."""
    out: list[ScanFinding] = []
    config = native.check(name, data)
    if config is not None:
        out += config
    secrets = find_secrets(data)
    cache = [0, 1, 0]
    for s in secrets:
        line, column = _position(data, s.start, cache)
        where, message = name, f"{s.label} hard-coded in a file the app ships"
        if name.endswith(".map"):
            origin = _in_source_map(data, s)
            if origin:
                where, line, column = f"{name} (sourcesContent: {origin[0][:200]})", origin[1], None
                message = f"{s.label} in the original source {origin[0][:200]} embedded in a shipped source map"
        out.append(
            finding(SECRETS_TOOL, s.kind, "critical", f"{message}: {s.masked}", where, line,
                    fingerprint("secret", s.kind, s.value), column=column, kind=s.kind, masked=s.masked)
        )  # fmt: skip
    cache = [0, 1, 0]
    seen_hosts: set[str] = set()
    for e in find_ai_endpoints(data, has_secret=bool(secrets)):
        if e.host in seen_hosts:
            continue
        seen_hosts.add(e.host)
        line, column = _position(data, e.start, cache)
        rule, severity, how = (
            ("ai-endpoint-with-key", "high", "with a key: the provider key ships in or reaches the client")
            if e.with_key
            else ("ai-endpoint-in-client", "low", "from client code; call it through the app's backend")
        )
        out.append(
            finding(BUNDLE_TOOL, rule, severity, f"{e.host} is called {how}", name, line,
                    fingerprint(BUNDLE_TOOL, rule, stable_name(name), e.host), column=column)
        )  # fmt: skip
    lower = name.lower()
    if lower.endswith(".map"):
        embeds = b'"sourcesContent"' in data
        out.append(
            finding(BUNDLE_TOOL, "source-map-shipped", "medium" if embeds else "low",
                    "production source map shipped in the bundle" + (" with the original sources (sourcesContent)" if embeds else ""),
                    name, None, fingerprint(BUNDLE_TOOL, "source-map-shipped", stable_name(name)))
        )  # fmt: skip
    elif lower.endswith((".js", ".mjs", ".cjs")) and b"sourceMappingURL=data:" in data[-65536:]:
        out.append(
            finding(BUNDLE_TOOL, "source-map-shipped", "medium", "inline source map (sourceMappingURL=data:) shipped in production code",
                    name, None, fingerprint(BUNDLE_TOOL, "source-map-inline", stable_name(name)))
        )  # fmt: skip
    return out


def zip_entries(data: bytes, name: str, skip: frozenset[tuple[int, int]] = frozenset()) -> Iterator[tuple[str, bytes]]:
    """(path, bytes) of each file of a zip, within the caps; entries whose (CRC, size) is in `skip` are left out.

    Raises
    ------
    InvalidInput
        When the zip is unreadable, has too many entries, or an entry or the total is over its cap (a zip bomb).
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InvalidInput(f"{name}: not a readable zip ({exc})") from None
    if len(infos) > MAX_ENTRIES:
        raise InvalidInput(f"{name}: {len(infos)} entries, over the {MAX_ENTRIES}-entry cap")
    total = 0
    for info in infos:
        if info.is_dir() or (info.CRC, info.file_size) in skip or info.filename.lower().endswith(SKIP_SUFFIXES):
            continue
        if info.file_size > MAX_ENTRY_BYTES or (info.file_size > 1 << 20 and info.file_size > MAX_RATIO * max(info.compress_size, 1)):
            raise InvalidInput(f"{name}: entry {info.filename[:120]} inflates to {info.file_size} bytes (zip bomb?)")
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise InvalidInput(f"{name}: inflates to over {MAX_TOTAL_BYTES} bytes in total (zip bomb?)")
        try:
            with archive.open(info) as member:
                content = member.read(info.file_size + 1)  # the declared size may lie; never read past it
        except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError) as exc:
            raise InvalidInput(f"{name}: entry {info.filename[:120]} is unreadable ({exc})") from None
        if len(content) > info.file_size:
            raise InvalidInput(f"{name}: entry {info.filename[:120]} is larger than its header says")
        yield info.filename, content


def zip_fingerprints(data: bytes) -> frozenset[tuple[int, int]]:
    """(CRC, size) of every entry, so native shells can skip the web files already scanned in the web bundle."""
    try:
        return frozenset((i.CRC, i.file_size) for i in zipfile.ZipFile(io.BytesIO(data)).infolist() if not i.is_dir())
    except (zipfile.BadZipFile, OSError, ValueError):
        return frozenset()


def directory_entries(root: Path) -> Iterator[tuple[str, bytes]]:
    """(relative path, bytes) of each regular file under `root`; symlinks are not followed."""
    total = 0
    for path in sorted(root.rglob("*")):
        if path.is_symlink() or not path.is_file() or path.name.lower().endswith(SKIP_SUFFIXES):
            continue
        total += path.stat().st_size
        if total > MAX_TOTAL_BYTES:
            raise InvalidInput(f"{root}: over {MAX_TOTAL_BYTES} bytes of files")
        yield path.relative_to(root).as_posix(), path.read_bytes()


def scan_entries(entries: Iterable[tuple[str, bytes]], prefix: str = "") -> list[ScanFinding]:
    """Every built-in check over the files of one artifact; nested archives are noted, not opened."""
    out: list[ScanFinding] = []
    for path, data in entries:
        label = f"{prefix}{path}"
        if path.lower().endswith(ARCHIVE_SUFFIXES):
            out.append(finding(BUNDLE_TOOL, "nested-archive-not-inspected", "info", "nested archive not opened by the bundle checks",
                               label, None, fingerprint(BUNDLE_TOOL, "nested", stable_name(label))))  # fmt: skip
            continue
        out += scan_file(label, data)
    return out
