"""Builds the scan benchmark's inputs, which the tests share: a realistic minified web bundle with fake keys of every
kind planted in it (each key built from parts at run time, so no whole credential is ever written into the repository)
and a 25,000-result SARIF report."""

from __future__ import annotations

import base64
import json
import random
import string
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

MB = 1024 * 1024
B64URL = string.ascii_letters + string.digits + "_-"
ALNUM = string.ascii_letters + string.digits
KINDS = (
    "openai-api-key",
    "anthropic-api-key",
    "google-api-key",
    "aws-access-key-id",
    "azure-openai-key",
    "huggingface-token",
    "stripe-live-key",
    "github-token",
    "slack-token",
    "private-key",
)


def _r(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _base62(n: int) -> str:
    digits = string.digits + string.ascii_uppercase + string.ascii_lowercase
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = digits[r] + out
    return out.rjust(6, "0")


def fake_key(kind: str, rng: random.Random, variant: int = 0) -> str:
    """A key that is valid for its format's rules (prefix, length, charset, checksum) and fake: random, from parts."""
    if kind == "openai-api-key":
        label = ["proj-", "", "svcacct-"][variant % 3]
        n = 20 if not label else 74
        return "sk-" + label + _r(rng, ALNUM if not label else B64URL, n) + "T3Blbk" + "FJ" + _r(rng, ALNUM if not label else B64URL, n)
    if kind == "anthropic-api-key":
        return "sk-" + "ant-" + "api03-" + _r(rng, B64URL, 93) + "AA"
    if kind == "google-api-key":
        return "AI" + "za" + "Sy" + _r(rng, B64URL, 33)
    if kind == "aws-access-key-id":
        return ["AK", "AS"][variant % 2] + "IA" + _r(rng, string.ascii_uppercase + "234567", 16)
    if kind == "azure-openai-key":
        return _r(rng, "0123456789abcdef", 32)
    if kind == "huggingface-token":
        return "hf" + "_" + _r(rng, string.ascii_letters, 34)
    if kind == "stripe-live-key":
        return ["sk", "rk"][variant % 2] + "_live_" + _r(rng, ALNUM, 99)
    if kind == "github-token":
        if variant % 2:
            return "github" + "_pat_" + _r(rng, ALNUM, 22) + "_" + _r(rng, ALNUM, 59)
        body = _r(rng, ALNUM, 30)
        return "gh" + "p_" + body + _base62(zlib.crc32(body.encode()))
    if kind == "slack-token":
        return "xo" + "xb-" + _r(rng, string.digits, 12) + "-" + _r(rng, string.digits, 13) + "-" + _r(rng, ALNUM, 24)
    if kind == "private-key":
        body = base64.b64encode(rng.randbytes(1190)).decode()
        lines = "\\n".join(body[i : i + 64] for i in range(0, len(body), 64))
        return "-----BEGIN " + "PRIVATE KEY-----\\n" + lines + "\\n-----END " + "PRIVATE KEY-----"
    raise ValueError(kind)


def key_usage(kind: str, key: str) -> str:
    """How client code that leaks `key` typically looks (one JavaScript expression)."""
    if kind == "azure-openai-key":
        return (
            'fetch("https://contoso-ai.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-06-01",'
            f'{{method:"POST",headers:{{"api-key":"{key}","Content-Type":"application/json"}}}})'
        )
    if kind in ("openai-api-key", "anthropic-api-key"):
        return f'new Ht({{apiKey:"{key}",dangerouslyAllowBrowser:!0}})'
    if kind == "private-key":
        return f'const jwtSigningKey="{key}"'
    return f'Ce.init({{key:"{key}",env:"production"}})'


# ---- realistic minified JavaScript, as bundlers write it -----------------------------------------------------------

_WORDS_TEXT = (
    "the of and to in is you that it for on are with as this be at or have from by not but what all were when your can "
    "said there use an each which she do how their if will up other about out many then them these so some her would "
    "make like him into time has look two more write go see number no way could people my than first water been call "
    "send message retry cancel settings loading network error please try again later conversation assistant reply"
)
_WORDS = _WORDS_TEXT.split()
_IDS = [*string.ascii_letters, *(a + b for a in "etnrsoail" for b in string.ascii_letters[:20])]
_PROPS_TEXT = (
    "createElement useState useEffect useRef forwardRef memo children className props default exports prototype "
    "defineProperty getOwnPropertyDescriptor hasOwnProperty call apply bind length push map filter reduce forEach then "
    "catch resolve reject toString slice indexOf replace split join test exec addEventListener removeEventListener "
    "querySelector classList style textContent innerText dataset current value target preventDefault stopPropagation"
)
_PROPS = _PROPS_TEXT.split()
_CLASSES_TEXT = (
    "flex grid items-center justify-between px-4 py-2 mt-2 text-sm font-medium rounded-lg shadow-md bg-white "
    "text-gray-700 hover:bg-gray-100 focus:outline-none focus:ring-2 mask-image task-list risk-badge desk-layout"
)
_CLASSES = _CLASSES_TEXT.split()


def _string(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.35:
        return '"' + " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 9))) + '"'
    if r < 0.5:
        return '"' + " ".join(rng.choice(_CLASSES) for _ in range(rng.randint(1, 6))) + '"'
    if r < 0.55:
        return f'"{rng.getrandbits(128):032x}"'
    if r < 0.58:
        return f'"{rng.getrandbits(160):040x}"'
    if r < 0.62:
        h = f"{rng.getrandbits(128):032x}"
        return f'"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"'
    if r < 0.64:
        return '"sha384-' + base64.b64encode(rng.randbytes(48)).decode() + '"'
    if r < 0.655:
        return '"data:image/png;base64,' + base64.b64encode(rng.randbytes(rng.randint(60, 2400))).decode() + '"'
    if r < 0.67:
        return '"M' + " ".join(f"{rng.uniform(0, 24):.2f}" for _ in range(rng.randint(6, 40))) + 'z"'
    if r < 0.7:
        host = rng.choice(["reactjs.org/docs/error-decoder.html", "www.w3.org/2000/svg", "cdn.example.com/assets"])
        return f'"https://{host}?id={rng.randint(1, 999)}"'
    if r < 0.72:
        return f'"#{rng.getrandbits(24):06x}"'
    return str(rng.randint(0, 99999))


def _statement(rng: random.Random) -> str:
    i, p, s = (lambda: rng.choice(_IDS)), (lambda: rng.choice(_PROPS)), (lambda: _string(rng))
    return rng.choice(
        [
            lambda: f"function {i()}({i()},{i()}){{return {i()}.{p()}({s()},{i()})}}",
            lambda: f"{i()}.{p()}={s()}",
            lambda: f"var {i()}={{{p()}:{s()},{p()}:{s()},{p()}:!0}}",
            lambda: f"if({i()}&&{i()}.{p()}===({s()}))throw new Error({s()})",
            lambda: f"{i()}.{p()}({i()}.{p()},{{className:{s()},children:[{s()},{i()}]}})",
            lambda: f"const {i()}=[{s()},{s()},{s()}].map(({i()})=>{i()}.{p()})",
            lambda: f"Object.defineProperty({i()},{s()},{{enumerable:!0,get:function(){{return {i()}}}}})",
            lambda: f"{i()}=/^[a-z0-9_-]{{{rng.randint(1, 9)},{rng.randint(10, 64)}}}$/i.test({i()})",
            lambda: f"for(let {i()}=0;{i()}<{i()}.length;{i()}++){i()}+={i()}[{i()}]*{rng.randint(2, 97)}",
        ]
    )()


class _JsWriter:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.pool = [_statement(rng) for _ in range(30000)]

    def line(self, size: int) -> str:
        out, n = [], 0
        while n < size:
            s = self.rng.choice(self.pool)
            out.append(s)
            n += len(s) + 1
        return ";".join(out)

    def file(self, size: int, planted: list[str] = (), min_line: int = 2000, max_line: int = 40000) -> tuple[str, list[int]]:
        """A minified file of about `size` bytes; each planted expression goes on its own (long) line."""
        lines, lines_of, n = [], [], 0
        todo = list(planted)
        while n < size or todo:
            text = self.line(self.rng.randint(min_line, max_line))
            if todo and (self.rng.random() < 0.3 or n >= size):
                cut = text.find(";", len(text) // 2) + 1 or len(text)
                text = text[:cut] + todo.pop(0) + ";" + text[cut:]
                lines_of.append(len(lines) + 1)
            lines.append(text)
            n += len(text) + 1
        return "\n".join(lines) + "\n", lines_of


@dataclass
class Corpus:
    root: Path
    files: list[Path]  # every file of the bundle, in a fixed order
    recall_files: list[Path]  # the files that hold planted keys
    planted: list[tuple[str, int, str]] = field(default_factory=list)  # (relative path, line, kind)

    @property
    def size(self) -> int:
        return sum(p.stat().st_size for p in self.files)


def make_bundle(root: Path, total_mb: float = 50, seed: int = 7, keys: bool = True) -> Corpus:
    """A Vite-style built web bundle of `total_mb` MB: vendor chunks, the app chunk with its source map, a JSON
    config and the page; with `keys`, every kind of key is planted in JavaScript, JSON, HTML and the source map."""
    rng = random.Random(seed)
    js = _JsWriter(rng)
    root.mkdir(parents=True, exist_ok=True)
    (root / "assets").mkdir(exist_ok=True)
    corpus = Corpus(root, [], [])
    plan = [
        (kind, variant) for kind in KINDS for variant in range(2 if kind in ("openai-api-key", "github-token", "stripe-live-key") else 1)
    ]
    by_place: dict[str, list[tuple[str, str]]] = defaultdict(list)
    if keys:
        for n, (kind, variant) in enumerate(plan):
            for place in ("js", "json", "html", "map"):
                by_place[place].append((kind, fake_key(kind, rng, variant + n)))

    def write(rel: str, text: str, planted: list[tuple[str, int]] = (), holds_keys: bool = False) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        corpus.files.append(path)
        if holds_keys:
            corpus.recall_files.append(path)
        corpus.planted += [(rel, line, kind) for kind, line in planted]

    app_js, app_lines = js.file(300_000, [key_usage(k, v) for k, v in by_place["js"]])
    write("assets/index-4f9a2c1e.js", app_js + "//# sourceMappingURL=index-4f9a2c1e.js.map\n",
          list(zip([k for k, _ in by_place["js"]], app_lines, strict=True)), holds_keys=True)  # fmt: skip
    config: dict = {"appName": "Hello AI", "api": {"baseUrl": "https://api.example.com", "timeoutMs": 20000}}
    config_lines = []
    text = json.dumps(config, indent=2)
    for kind, value in by_place["json"]:
        entry = {"provider": kind, "endpoint": "https://contoso-ai.openai.azure.com/" if kind == "azure-openai-key" else None}
        entry["apiKey"] = value.replace("\\n", "\n")
        text = text[:-2] + ',\n  "' + kind.replace("-", "_") + '": ' + json.dumps(entry) + "\n}"
        config_lines.append((kind, text.count("\n")))
    write("config/app-config.json", text + "\n", config_lines, holds_keys=bool(config_lines))
    html, html_planted = ['<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Hello AI</title>'], []
    for kind, value in by_place["html"]:
        html.append(f"<script>window.__CFG__=window.__CFG__||[];__CFG__.push({key_usage(kind, value)})</script>")
        html_planted.append((kind, len(html)))
    html.append('<script type="module" src="/assets/index-4f9a2c1e.js"></script></head><body><div id="root"></div></body></html>')
    write("index.html", "\n".join(html) + "\n", html_planted, holds_keys=bool(html_planted))
    for n, (kind, value) in enumerate(by_place["map"]):
        source = f"export const client = {key_usage(kind, value)};\n".replace("\\n", "\\n")
        original = js.line(3000).replace(";", ";\n")
        smap = {"version": 3, "file": f"chunk-{n}.js", "sources": [f"../src/lib/api-{n}.ts", "../src/main.ts"],
                "sourcesContent": [source, original], "names": [], "mappings": "AAAA," * 2000}  # fmt: skip
        write(f"assets/chunk-{n:02d}-8c1d{n:04x}.js.map", json.dumps(smap), [(kind, 1)], holds_keys=True)
    n = 0
    while corpus.size < total_mb * MB:
        remaining = int(total_mb * MB - corpus.size)
        vendor, _ = js.file(min(2 * MB, max(remaining, 1000)))
        write(f"assets/vendor-{n:02d}-{rng.getrandbits(32):08x}.js", vendor)
        n += 1
    return corpus


def sarif_25k(n: int = 25_000) -> bytes:
    """A Semgrep run and a CodeQL run (rules in an extension, referenced by index) with `n` results in all."""
    rng = random.Random(3)
    semgrep_rules = [{"id": f"javascript.lang.security.rule-{i}", "defaultConfiguration": {"level": "warning"}} for i in range(40)]
    codeql_rules = [{"id": f"js/query-{i}", "properties": {"security-severity": f"{rng.uniform(1, 9.8):.1f}"}} for i in range(60)]

    def loc(i: int) -> list:
        return [{"physicalLocation": {"artifactLocation": {"uri": f"src/module{i % 500}.ts"}, "region": {"startLine": i % 900 + 1}}}]

    semgrep = [
        {"ruleId": semgrep_rules[i % 40]["id"], "level": "warning", "message": {"text": f"finding {i}"}, "locations": loc(i),
         "fingerprints": {"matchBasedId/v1": f"{rng.getrandbits(128):032x}"}}
        for i in range(n // 2)
    ]  # fmt: skip
    codeql = [
        {"rule": {"id": codeql_rules[i % 60]["id"], "index": i % 60, "toolComponent": {"index": 1}},
         "message": {"text": "Query {0} at {1}", "arguments": [str(i), "src"]},
         "locations": loc(i), "partialFingerprints": {"primaryLocationLineHash": f"{rng.getrandbits(64):016x}:1"}}
        for i in range(n - n // 2)
    ]  # fmt: skip
    return json.dumps(
        {
            "version": "2.1.0",
            "runs": [
                {"tool": {"driver": {"name": "Semgrep OSS", "rules": semgrep_rules}}, "results": semgrep},
                {"tool": {"driver": {"name": "CodeQL"}, "extensions": [{"name": "codeql/javascript-queries", "rules": codeql_rules}]},
                 "results": codeql},
            ],
        }
    ).encode()  # fmt: skip
