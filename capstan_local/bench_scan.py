"""The scan benchmark: bundle-scan throughput and recall by key kind against detect-secrets and secretlint on the
same generated bundle (built by `capstan_local.scan_corpus`), and the time to evaluate a 25,000-result SARIF file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from capstan.workflow import ROOT
from capstan_local.scan_corpus import KINDS, MB, Corpus, make_bundle, sarif_25k

TOOLS_DIR = ROOT / "tools"

PEER_BUDGET_S = 45.0  # a peer slower than this on the whole bundle is measured on a prefix and extrapolated
WORKERS = 2  # this machine's cores; every tool gets both


def emit(name: str, value: float, unit: str, **extra) -> None:
    print(json.dumps({"bench": name, "value": round(value, 4), "unit": unit, **extra}), flush=True)


def _halves(files: list[Path]) -> list[list[Path]]:
    """The files in WORKERS lists of about equal size."""
    lists: list[list[Path]] = [[] for _ in range(WORKERS)]
    sizes = [0] * WORKERS
    for path in sorted(files, key=lambda p: -p.stat().st_size):
        i = sizes.index(min(sizes))
        lists[i].append(path)
        sizes[i] += path.stat().st_size
    return [sorted(x) for x in lists if x]


def _capstan_scan(root: str, files: list[str]) -> list[tuple[str, int | None, str | None]]:
    from capstan.scanning import bundle

    base = Path(root)
    entries = ((str(Path(f).relative_to(base)), Path(f).read_bytes()) for f in files)
    return [(f.file.split(" (sourcesContent")[0] if f.file else "", f.line, f.kind) for f in bundle.scan_entries(entries)]


def run_capstan(corpus: Corpus, workers: int, repeats: int = 3) -> tuple[float, list]:
    """Best-of-`repeats` seconds for the whole bundle, and the secret findings as (file, line, kind)."""
    best, found = float("inf"), []
    parts = _halves(corpus.files) if workers > 1 else [corpus.files]
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_capstan_scan, [str(corpus.root)] * workers, [[str(corpus.files[0])]] * workers))  # warm the workers
        for _ in range(repeats):
            t0 = time.perf_counter()
            results = list(pool.map(_capstan_scan, [str(corpus.root)] * len(parts), [[str(p) for p in part] for part in parts]))
            best = min(best, time.perf_counter() - t0)
            found = [r for part in results for r in part]
    return best, [(f, line, kind) for f, line, kind in found if kind]


def _secretlint(corpus: Corpus, files: list[Path]) -> list[tuple[str, int, str]]:
    rc = corpus.root.parent / ".secretlintrc.json"
    rc.write_text(json.dumps({"rules": [{"id": "@secretlint/secretlint-rule-preset-recommend"}]}))
    binary = TOOLS_DIR / "node_modules" / ".bin" / "secretlint"
    procs = [
        subprocess.Popen(
            [str(binary), "--secretlintrc", str(rc), "--format", "unix", "--no-color", *(str(p.relative_to(corpus.root)) for p in part)],
            cwd=corpus.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )  # fmt: skip
        for part in _halves(files)
    ]
    out = []
    for proc in procs:
        stdout, _ = proc.communicate(timeout=PEER_BUDGET_S * 6)
        for line in stdout.splitlines():
            parts = line.split(":", 3)
            if len(parts) == 4 and parts[1].isdigit():
                rule = line.rsplit(">", 1)[-1].strip(" ]")
                out.append((str(Path(parts[0]).resolve().relative_to(corpus.root.resolve())), int(parts[1]), rule))
    return out


def _detect_secrets(corpus: Corpus, files: list[Path]) -> list[tuple[str, int, str]]:
    binary = Path(sys.executable).with_name("detect-secrets")
    proc = subprocess.run(
        [str(binary), "--cores", str(WORKERS), "scan", *(str(p.relative_to(corpus.root)) for p in files)],
        cwd=corpus.root, capture_output=True, text=True, timeout=PEER_BUDGET_S * 6, check=True,
    )  # fmt: skip
    results = json.loads(proc.stdout)["results"]
    return [(name, r["line_number"], r["type"]) for name, rs in results.items() for r in rs]


PEER_KINDS = {  # a peer's rule or type -> the kind it names (generic detectors name none)
    "openai": "openai-api-key", "anthropic": "anthropic-api-key", "aws": "aws-access-key-id", "github": "github-token",
    "slack": "slack-token", "privatekey": "private-key", "private key": "private-key", "stripe": "stripe-live-key",
    "hugging": "huggingface-token", "gcp": "google-api-key", "google": "google-api-key", "azure": "azure-openai-key",
}  # fmt: skip


def _named_kind(rule: str) -> str | None:
    low = rule.lower()
    return next((kind for word, kind in PEER_KINDS.items() if word in low), None)


def recall(corpus: Corpus, found: list[tuple[str, int | None, str | None]], files: list[Path] | None = None) -> dict:
    """Per kind: planted keys found at their file and line (any detector) and by a detector named for the kind."""
    scope = {str(p.relative_to(corpus.root)) for p in (files or corpus.files)}
    at: dict[tuple[str, int], list[str | None]] = defaultdict(list)
    for file, line, rule in found:
        key = (file, 1 if file.endswith(".map") else line or 0)
        at[key].append(rule)
    planted = [p for p in corpus.planted if p[0] in scope]
    hit, named = Counter(), Counter()
    for file, line, kind in planted:
        rules = at.get((file, line), [])
        hit[kind] += bool(rules)
        named[kind] += any(r == kind or _named_kind(r or "") == kind for r in rules)
    total = Counter(kind for _, _, kind in planted)
    planted_at = {(f, 1 if f.endswith(".map") else line) for f, line, _ in planted}
    return {
        "recall": round(sum(hit.values()) / max(1, len(planted)), 3),
        "by_kind": {k: f"{hit[k]}/{total[k]}" for k in KINDS},
        "named_by_kind": {k: f"{named[k]}/{total[k]}" for k in KINDS},
        "false_positive_locations": len({k for k in at if k not in planted_at}),
    }


def _ensure_secretlint() -> str | None:
    if (TOOLS_DIR / "node_modules" / ".bin" / "secretlint").exists():
        return None
    if not shutil.which("npm"):
        return "npm is not on PATH"
    try:
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=TOOLS_DIR, capture_output=True, timeout=600, check=True)
    except (subprocess.SubprocessError, OSError) as exc:
        return f"npm ci in tools/ failed ({str(exc)[:120]})"
    return None


def bench_peer(name: str, corpus: Corpus, ours_mb_s: float, ours_1core: float) -> None:
    runner = {"secretlint": _secretlint, "detect-secrets": _detect_secrets}[name]
    why = (
        _ensure_secretlint()
        if name == "secretlint"
        else (None if Path(sys.executable).with_name("detect-secrets").exists() else "not installed")
    )
    if why:
        emit("peer_skipped", 0, "", tool=name, reason=why)
        return
    try:
        t0 = time.perf_counter()
        found = runner(corpus, corpus.recall_files)
        recall_s = time.perf_counter() - t0
        emit("secret_recall", recall(corpus, found, corpus.recall_files)["recall"], "fraction", tool=name,
             **recall(corpus, found, corpus.recall_files), files="the files with planted keys")  # fmt: skip
        # Throughput on the same files; a slow peer gets a prefix of them that fits its time budget.
        rate = sum(p.stat().st_size for p in corpus.recall_files) / max(recall_s, 1e-3)
        files, size = [], 0
        for path in corpus.files:
            if files and (size + path.stat().st_size) / rate > PEER_BUDGET_S:
                break
            files.append(path)
            size += path.stat().st_size
        t0 = time.perf_counter()
        found = runner(corpus, files)
        seconds = time.perf_counter() - t0
    except (subprocess.SubprocessError, OSError, ValueError) as exc:
        emit("peer_skipped", 0, "", tool=name, reason=str(exc)[:200])
        return
    mb_s = size / MB / seconds
    recall_names = {str(p.relative_to(corpus.root)) for p in corpus.recall_files}
    emit("peer_throughput", mb_s, "MB/s", tool=name, measured_mb=round(size / MB, 2), of_mb=round(corpus.size / MB, 2),
         extrapolated=size < corpus.size, workers=WORKERS, full_bundle_s=round(corpus.size / MB / mb_s, 1),
         capstan_ratio=round(ours_mb_s / mb_s, 1), capstan_1core_ratio=round(ours_1core / mb_s, 1),
         clean_files_findings=sum(1 for f, _, _ in found if f not in recall_names))  # fmt: skip


def bench_sarif() -> None:
    from datetime import UTC, datetime

    from capstan.policies.scans import ScanPolicy
    from capstan.scanning import gate
    from capstan.scanning.reports import parse_report

    data = sarif_25k()
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        decision = gate.decide(parse_report(data, "big.sarif"), None, ScanPolicy(bundle_checks=False), datetime.now(UTC))
        best = min(best, time.perf_counter() - t0)
    emit("sarif_25k_results_eval", best, "s", results=decision.summary.total, sarif_mb=round(len(data) / MB, 1),
         goal_s=1.0, includes="read, depth check, parse, normalise, decide")  # fmt: skip


# The literal anchors the stdlib detector searches, as one multi-pattern set for the engines that take one.
ENGINE_ANCHORS = [rb"T3BlbkFJ", rb"k_live_", rb"k-ant-", rb"h[pousr]_", rb"hf_", rb"hub_pat_", rb"AIza", rb"A[KS]IA", rb"xox",
                  rb"-----BEGIN", rb"-[Kk]ey", rb"\.azure\.com", rb"://"]  # fmt: skip


def bench_engines(corpus: Corpus) -> None:
    """Candidate search on one core: the stdlib detector (search and validation) against one-pass multi-pattern
    engines (search only), if they are installed; Capstan's Lambda runtime has only the standard library."""
    from capstan.scanning.secrets import find_secrets

    blobs = [p.read_bytes() for p in corpus.files]
    mb = sum(map(len, blobs)) / MB

    def best(run) -> float:
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            for blob in blobs:
                run(blob)
            times.append(time.perf_counter() - t0)
        return mb / min(times)

    stdlib = best(find_secrets)
    emit("secret_engine", stdlib, "MB/s", engine="stdlib re, one pass per leading byte", work="search + validation", workers=1)
    try:
        import re2  # type: ignore[import-not-found]

        union = re2.compile(b"|".join(ENGINE_ANCHORS))
        rate = best(lambda blob: sum(1 for _ in union.finditer(blob)))
        emit(
            "secret_engine",
            rate,
            "MB/s",
            engine="google-re2, one alternation",
            work="search only",
            workers=1,
            vs_stdlib=round(rate / stdlib, 1),
        )
    except ImportError:
        emit("secret_engine_skipped", 0, "", engine="google-re2", reason="not installed")
    try:
        import hyperscan  # type: ignore[import-not-found]

        db = hyperscan.Database()
        db.compile(expressions=ENGINE_ANCHORS, ids=list(range(len(ENGINE_ANCHORS))), elements=len(ENGINE_ANCHORS))
        rate = best(lambda blob: db.scan(blob, match_event_handler=lambda *_: None))
        emit(
            "secret_engine",
            rate,
            "MB/s",
            engine="hyperscan, one database",
            work="search only",
            workers=1,
            vs_stdlib=round(rate / stdlib, 1),
        )
    except ImportError:
        emit("secret_engine_skipped", 0, "", engine="hyperscan", reason="not installed")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        corpus = make_bundle(Path(tmp) / "dist", 50)
        emit("scan_corpus", corpus.size / MB, "MB", files=len(corpus.files), planted_keys=len(corpus.planted),
             generated_s=round(time.perf_counter() - t0, 1), lines="2-40 kB minified lines", cpu_count=os.cpu_count())  # fmt: skip
        one_s, _ = run_capstan(corpus, 1)
        two_s, found = run_capstan(corpus, WORKERS)
        mb = corpus.size / MB
        emit("bundle_scan_throughput", mb / two_s, "MB/s", tool="capstan", workers=WORKERS, single_core_mb_s=round(mb / one_s, 1),
             engine="python stdlib re (literal-anchored passes)", checks="secrets, AI endpoints, source maps, native config",
             goal_mb_s=100)  # fmt: skip
        result = recall(corpus, found)
        emit("secret_recall", result["recall"], "fraction", tool="capstan", **result, files="the whole bundle")
        for peer in ("secretlint", "detect-secrets"):
            bench_peer(peer, corpus, mb / two_s, mb / one_s)
        bench_engines(corpus)
    bench_sarif()


if __name__ == "__main__":
    main()
