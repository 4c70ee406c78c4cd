"""Hard-coded credentials in built files, each recognised by its real format, with the standard library alone.

Each format is found from a literal its tokens always contain (`T3BlbkFJ` in OpenAI keys, `AIza`, `ghp_`, ...):
a compiled pattern that starts with a literal is searched by `re` at memory speed, so one pass per format
costs little, and only the rare candidate is validated in Python — boundaries, length, charset, and the
checksum where the format has one (GitHub's CRC32). Azure OpenAI keys are bare hex, so they are taken only
beside an `api-key` header or an Azure OpenAI endpoint.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from capstan.scanning.findings import mask

KINDS = {
    "openai-api-key": "OpenAI API key",
    "anthropic-api-key": "Anthropic API key",
    "google-api-key": "Google API key",
    "aws-access-key-id": "AWS access key ID",
    "azure-openai-key": "Azure OpenAI key",
    "huggingface-token": "Hugging Face token",
    "stripe-live-key": "Stripe live secret key",
    "github-token": "GitHub token",
    "slack-token": "Slack token",
    "private-key": "PEM private key",
}

# Bytes that may not touch a token on either side: a token inside a longer word, base64 run or hash is not one.
_WORD = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-+/")
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True, slots=True)
class Secret:
    """A detected credential; `value` stays in memory for fingerprinting and is never serialised."""

    kind: str
    start: int
    end: int
    value: str
    prefix_len: int

    @property
    def masked(self) -> str:
        return mask(self.value, self.prefix_len)

    @property
    def label(self) -> str:
        return KINDS[self.kind]


def _bounded(data: bytes, start: int, end: int) -> bool:
    return (start == 0 or data[start - 1] not in _WORD) and (end >= len(data) or data[end] not in _WORD)


def _placeholder(body: str) -> bool:
    # Documentation examples (AKIAIOSFODNN7EXAMPLE) and runs of one character are not credentials.
    return "EXAMPLE" in body or len(set(body)) < max(4, min(len(body), 40) // 4)


def _base62(n: int, width: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = _BASE62[r] + out
    return out.rjust(width, "0")


def github_checksum_ok(token: str) -> bool:
    """The last six characters of a `ghp_`-style token are the base62 CRC32 of the thirty before them."""
    body, check = token[4:34], token[34:40]
    return _base62(zlib.crc32(body.encode()), 6) == check


def _whole(data: bytes, start: int, end: int) -> tuple[int, int] | None:
    return (start, end) if _bounded(data, start, end) else None


_OPENAI = re.compile(rb"sk-(?:(?:proj|svcacct|admin|None)-)?[A-Za-z0-9_-]{20,}?T3BlbkFJ[A-Za-z0-9_-]{20,}")
_OPENAI_LABEL = re.compile(rb"sk-(?:(?:proj|svcacct|admin|None)-)?")


def _openai(data: bytes, marker: int) -> tuple[int, int] | None:
    # Every OpenAI key carries "T3BlbkFJ" (base64 of "OpenAI"); walk back to the "sk-" that starts it.
    lo = max(0, marker - 400)
    start = data.rfind(b"sk-", lo, marker)
    while start != -1:
        key = _OPENAI.match(data, start)
        if key and key.end() > marker and _bounded(data, key.start(), key.end()):
            return key.start(), key.end()
        start = data.rfind(b"sk-", lo, start)
    return None


_PEM_END = re.compile(rb"-----END [A-Z ]{0,20}PRIVATE KEY-----")
_PEM_NOISE = re.compile(rb"\\+[nr]|\s|[A-Za-z-]+: [^\\\n]*")
_BASE64 = re.compile(rb"[A-Za-z0-9+/=]+")


def _pem(data: bytes, start: int, end: int) -> tuple[int, int] | None:
    # Libraries ship the BEGIN/END markers as constants; only a marker with a real base64 body is a key.
    close = _PEM_END.search(data, end, end + 16384)
    if not close:
        return None
    body = _PEM_NOISE.sub(b"", data[end : close.start()])
    return (start, close.end()) if len(body) >= 64 and _BASE64.fullmatch(body) else None


# One pass per leading byte: alternatives that share it are searched together. Each name gives the kind, the
# bytes of the token that come before the anchor (the "s" or "r" of "sk_live_" when the anchor is "k_live_"),
# and how many leading characters the masked form may show.
_GROUPS: tuple[tuple[re.Pattern[bytes], dict[str, tuple[str, tuple[bytes, ...], int]]], ...] = (
    (
        re.compile(
            rb"k(?:(?P<stripe>_live_[0-9A-Za-z]{24,247})|(?P<anthropic>-ant-(?:api|admin)\d\d-[A-Za-z0-9_-]{80,120}AA(?![A-Za-z0-9_-])))"
        ),
        {"stripe": ("stripe-live-key", (b"s", b"r"), 8), "anthropic": ("anthropic-api-key", (b"s",), 7)},
    ),
    (
        re.compile(
            rb"h(?:(?P<github>[pousr]_[A-Za-z0-9]{36})|(?P<huggingface>f_[A-Za-z]{34})|(?P<github_pat>ub_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}))"
        ),
        {
            "github": ("github-token", (b"g",), 4),
            "huggingface": ("huggingface-token", (), 3),
            "github_pat": ("github-token", (b"git",), 11),
        },
    ),
    (
        re.compile(rb"A(?:(?P<google>Iza[0-9A-Za-z_-]{35})|(?P<aws>[KS]IA[A-Z2-7]{16}))"),
        {"google": ("google-api-key", (), 4), "aws": ("aws-access-key-id", (), 4)},
    ),
    (re.compile(rb"x(?P<slack>ox[abposre]-[0-9]{1,13}-[0-9A-Za-z-]{16,250})"), {"slack": ("slack-token", (), 5)}),
    (
        re.compile(rb"-(?:(?P<pem>----BEGIN (?:[A-Z]{2,9} )?PRIVATE KEY-----)|(?P<apikey>[Kk]ey)(?![A-Za-z0-9_-]))"),
        {"pem": ("private-key", (), 0), "apikey": ("azure-openai-key", (b"api", b"Api", b"API"), 0)},
    ),
)


def _candidates(data: bytes) -> Iterator[tuple[str, int, int, int]]:
    for m in re.finditer(rb"T3BlbkFJ", data):
        span = _openai(data, m.start())
        if span:
            label = _OPENAI_LABEL.match(data, span[0])
            yield "openai-api-key", span[0], span[1], label.end() - span[0] if label else 3
    for pattern, names in _GROUPS:
        for m in pattern.finditer(data):
            kind, before, shown = names[m.lastgroup]  # type: ignore[index]
            start, end = m.start(), m.end()
            if before:
                lead = next((b for b in before if data[max(0, start - len(b)) : start] == b), None)
                if lead is None:
                    continue
                start -= len(lead)
            if kind == "azure-openai-key":  # an api-key header: the key is a quoted 32-hex string beside it
                yield from ((kind, a, b, 0) for a, b in _hex_near(data, start))
            elif kind == "private-key":
                span = _pem(data, start, end)
                if span:
                    yield kind, span[0], span[1], end - start
            elif m.lastgroup != "github" or github_checksum_ok(data[start:end].decode()):
                span = _whole(data, start, end)
                if span:
                    yield kind, span[0], span[1], shown
    for m in re.finditer(rb"\.azure\.com", data):
        if data[max(0, m.start() - 17) : m.start()].endswith((b"openai", b"cognitiveservices")):
            yield from (("azure-openai-key", a, b, 0) for a, b in _hex_near(data, m.start()))


_HEX32 = re.compile(rb"""["'`]([0-9a-f]{32})\\?["'`]""")  # the backslash: a quote escaped inside JSON
_AZURE_WINDOW = 600


def _hex_near(data: bytes, at: int) -> Iterator[tuple[int, int]]:
    # Hashes are 32-hex too: only one given to something named like a key (`"api-key":`, `apiKey:`) counts.
    for key in _HEX32.finditer(data, max(0, at - _AZURE_WINDOW), at + _AZURE_WINDOW):
        if b"key" in data[max(0, key.start() - 40) : key.start()].lower():
            yield key.start(1), key.end(1)


def find_secrets(data: bytes) -> list[Secret]:
    """Every credential in `data`, in order of position, each once."""
    found: dict[tuple[int, int], Secret] = {}
    for kind, start, end, shown in _candidates(data):
        value = data[start:end].decode("ascii", "replace")
        if (start, end) in found or (kind != "private-key" and _placeholder(value[shown:])):
            continue
        found[(start, end)] = Secret(kind, start, end, value, shown)
    return sorted(found.values(), key=lambda s: s.start)


_TOKEN_RUN = re.compile(r"[A-Za-z0-9_+/=-]{16}|PRIVATE KEY")


def redact(text: str) -> str:
    """`text` with every credential in it replaced by its masked form."""
    if not _TOKEN_RUN.search(text):  # every format has a run of 16 token characters (or is a PEM block)
        return text
    data = text.encode("utf-8", "replace")
    secrets = find_secrets(data)
    if not secrets:
        return text
    out, last = [], 0
    for s in secrets:
        out.append(data[last : s.start].decode("utf-8", "replace"))
        out.append(f"[{s.label} {s.masked}]")
        last = s.end
    out.append(data[last:].decode("utf-8", "replace"))
    return "".join(out)
