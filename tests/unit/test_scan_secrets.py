"""The credential detector: every listed kind by its real format, in minified JS, JSON, HTML and source maps;
nothing on clean minified bundles, hashes, UUIDs and data URIs; never the whole secret in its output."""

from __future__ import annotations

import base64
import json
import random
import zlib

import pytest

from capstan.scanning import bundle
from capstan.scanning.secrets import find_secrets, github_checksum_ok, redact
from capstan_local.scan_corpus import KINDS, _JsWriter, fake_key, key_usage, make_bundle

VARIANTS = [(kind, v) for kind in KINDS for v in range(3 if kind == "openai-api-key" else 2)]


def minified(planted: str, seed: int = 1) -> bytes:
    js = _JsWriter(random.Random(seed))
    return (js.line(5000) + ";" + planted + ";" + js.line(5000)).encode()


@pytest.mark.parametrize("kind, variant", VARIANTS)
def test_each_kind_is_found_in_minified_javascript(kind, variant):
    # Given a key of that kind used the way client code leaks it, in the middle of a long minified line
    key = fake_key(kind, random.Random(variant), variant)
    data = minified(key_usage(kind, key))
    # When the bundle file is scanned
    [found] = [s for s in find_secrets(data) if s.kind == kind]
    # Then the key is found whole, by kind
    assert data[found.start : found.end].decode() == key


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_is_found_in_json_html_and_a_source_map(kind):
    key = fake_key(kind, random.Random(9))
    plain = key.replace("\\n", "\n")
    context = {"endpoint": "https://contoso.openai.azure.com/"} if kind == "azure-openai-key" else {}
    config = json.dumps({"name": "app", **context, "apiKey": plain}, indent=2).encode()
    page = f"<html><head><script>window.cfg={{{key_usage(kind, key)}}}</script></head></html>".encode()
    smap = json.dumps(
        {"version": 3, "sources": ["src/config.ts"], "sourcesContent": [f"// config\nexport const c = {key_usage(kind, key)};\n"]}
    )
    for name, data in (("config.json", config), ("index.html", page)):
        assert [s.kind for s in find_secrets(data)] == [kind], name
    [finding] = [f for f in bundle.scan_file("assets/app.js.map", smap.encode()) if f.kind]
    # A key in sourcesContent is located in the original source, not on the map's one long line
    assert finding.file == "assets/app.js.map (sourcesContent: src/config.ts)" and finding.line == 2


def test_a_finding_shows_kind_file_line_and_a_masked_form_never_the_key():
    key = fake_key("openai-api-key", random.Random(3))
    data = b"a=1;\nb=2;\n" + minified(key_usage("openai-api-key", key))
    [finding] = [f for f in bundle.scan_file("assets/index-9f8e7d6c.js", data) if f.kind]
    assert (finding.kind, finding.file, finding.line, finding.severity) == ("openai-api-key", "assets/index-9f8e7d6c.js", 3, "critical")
    assert finding.masked.startswith("sk-proj-") and finding.masked.endswith(f"({len(key)} chars)")
    assert key not in finding.model_dump_json() and key[8:40] not in finding.model_dump_json()


def test_a_github_token_with_a_wrong_checksum_is_not_a_token():
    key = fake_key("github-token", random.Random(4))
    assert github_checksum_ok(key)
    broken = key[:-1] + ("A" if key[-1] != "A" else "B")
    assert find_secrets(f'x="{broken}"'.encode()) == []


def test_placeholders_and_documentation_examples_are_not_reported():
    examples = [
        "AKIA" + "IOSFODNN7" + "EXAMPLE",
        "AIza" + "X" * 35,
        "sk_live_" + "0" * 24,
        "hf_" + "x" * 34,
    ]
    for text in examples:
        assert find_secrets(f'k="{text}"'.encode()) == [], text


def test_markers_without_a_key_body_are_not_reported():
    # Crypto libraries ship PEM markers and key-format regexes as constants
    data = b'var P="-----BEGIN PRIVATE KEY-----",Q="-----END PRIVATE KEY-----",R=/sk-[A-Za-z0-9]{20}T3BlbkFJ/;'
    assert find_secrets(data) == []


def test_hashes_uuids_and_data_uris_are_not_keys():
    rng = random.Random(11)
    noise = []
    for _ in range(3000):
        noise.append(f'"{rng.getrandbits(128):032x}"')
        noise.append(f'"{rng.getrandbits(256):064x}"')
        h = f"{rng.getrandbits(128):032x}"
        noise.append(f'"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"')
        noise.append('"data:image/png;base64,' + base64.b64encode(rng.randbytes(3000)).decode() + '"')
        noise.append('"sha512-' + base64.b64encode(rng.randbytes(64)).decode() + '"')
    data = ("var a=[" + ",".join(noise) + "];fetch(u,{headers:{Authorization:t}})").encode()
    assert find_secrets(data) == []


def test_a_clean_corpus_of_minified_bundles_gives_no_secret_finding(tmp_path):
    # Given 8 MB of generated minified vendor chunks (hashes, UUIDs, SRI, data URIs, SVG paths, long lines)
    corpus = make_bundle(tmp_path / "dist", total_mb=8, seed=21, keys=False)
    # When every file is scanned, then no credential and no AI endpoint is reported
    findings = bundle.scan_entries(bundle.directory_entries(corpus.root))
    assert [f for f in findings if f.kind or f.rule.startswith("ai-endpoint")] == []


def test_every_planted_key_of_the_bench_bundle_is_found_and_nothing_else(tmp_path):
    corpus = make_bundle(tmp_path / "dist", total_mb=3, seed=5)
    findings = bundle.scan_entries(bundle.directory_entries(corpus.root))
    found = {(f.file.split(" (sourcesContent")[0], 1 if f.file.endswith(")") else f.line, f.kind) for f in findings if f.kind}
    assert found == set(corpus.planted)
    assert {kind for _, _, kind in corpus.planted} == set(KINDS)


def test_redact_masks_every_credential_in_a_text():
    key = fake_key("stripe-live-key", random.Random(2))
    text = redact(f"token {key} leaked")
    assert key not in text and text.startswith("token [Stripe live secret key sk_live_") and text.endswith("leaked")


def test_the_github_checksum_is_crc32_in_base62():
    body = "A" * 30
    assert github_checksum_ok("ghp_" + body + "0" * 6) is (zlib.crc32(body.encode()) == 0)
