"""Bad scan reports through the real "Evaluate scans" handler against moto: refused with one line, one ledger
record of the refusal, and no scan decision (the workflow's Catch fails the release closed)."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import zipfile

import pytest
from helpers import SAMPLE_COMMIT, built_release_state

from capstan.errors import InvalidInput

COMMIT = SAMPLE_COMMIT


def state(build_id: str, reports: list[dict], artifacts: list[dict]) -> dict:
    return built_release_state(build_id, reports=reports, artifacts=artifacts, commit=COMMIT, release_id=f"hello-ai-{build_id}")


def web_bundle(stack, build_id: str) -> dict:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.html", "<html></html>")
    data = buffer.getvalue()
    key = f"builds/{build_id}/web-bundle.zip"
    stack.client("s3").put_object(Bucket=stack.env["CAPSTAN_ARTIFACT_BUCKET"], Key=key, Body=data)
    return {"name": "web-bundle.zip", "kind": "web_bundle", "key": key, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


BAD = {
    "invalid-json": (b"{not json", "not valid JSON"),
    "sarif-2-0": (json.dumps({"version": "2.0.0", "runs": []}).encode(), "SARIF 2.1.0"),
    "no-runs": (json.dumps({"version": "2.1.0"}).encode(), "runs is missing"),
    "empty": (b"", "empty"),
    "gzip-bomb": (gzip.compress(b"[" + b" " * (80 * 1024 * 1024) + b"]", compresslevel=9), "gzip bomb"),
    "too-deep": (("[" * 300 + "]" * 300).encode(), "nested deeper"),
    "other-commit": (
        json.dumps(
            {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "CodeQL"}}, "versionControlProvenance": [{"revisionId": "f" * 40}]}]}
        ).encode(),
        "not the release commit",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_report_is_refused_recorded_once_and_decides_nothing(stack, ledger_count, case):
    data, why = BAD[case]
    build_id = f"scan-{case}"
    key = f"builds/{build_id}/reports/security.sarif"
    stack.client("s3").put_object(Bucket=stack.env["CAPSTAN_ARTIFACT_BUCKET"], Key=key, Body=data)
    payload = state(build_id, [{"group": "security", "format": "SARIF", "key": key}], [web_bundle(stack, build_id)])
    before = ledger_count("refused#evaluate_scans")
    with pytest.raises(InvalidInput, match=why) as caught:
        stack.invoke("evaluate_scans", payload)
    assert "\n" not in str(caught.value) and "security.sarif" in str(caught.value)
    assert ledger_count("refused#evaluate_scans") == before + 1
    assert not [e for e in stack.ledger(f"hello-ai-{build_id}") if e["kind"].startswith("scan gate")]
