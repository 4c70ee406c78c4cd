"""The local build runner runs the sample app's real buildspec and publishes what the core package reads."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import uuid
import zipfile
from pathlib import Path

import boto3
import pytest
from defusedxml import ElementTree
from moto import mock_aws

from capstan.domain.test_reports import parse_junit
from capstan.models.events import BuildStateChange
from capstan.models.release import BuildManifest
from capstan_local.build import BuildspecError, LocalBuildRunner

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "hello-ai"
BUCKET = "capstan-artifacts-123456789012-us-east-1"
PROJECT = "capstan-hello-ai"
COMMIT = "3f2a9c1d4b5e6f708192a3b4c5d6e7f801234567"


@pytest.fixture()
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


@pytest.fixture()
def progress() -> list[str]:
    return []


@pytest.fixture()
def runner(s3, tmp_path: Path, progress: list[str]) -> LocalBuildRunner:
    return LocalBuildRunner(s3, BUCKET, tmp_path / "work", on_progress=progress.append)


def _build_id() -> str:
    return f"{PROJECT}:{uuid.uuid4()}"


def _get(s3, key: str) -> bytes:
    return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def _manifest(s3, event: dict) -> dict:
    location = event["detail"]["additional-information"]["artifact"]["location"]
    assert location.startswith(f"arn:aws:s3:::{BUCKET}/builds/")
    return json.loads(_get(s3, location.split(f":::{BUCKET}/", 1)[1]))


def _phases(event: dict) -> dict[str, dict]:
    return {p["phase-type"]: p for p in event["detail"]["additional-information"]["phases"]}


def _declared_tests() -> int:
    return sum(len(re.findall(r"^\s*test\(", f.read_text(), re.M)) for f in (EXAMPLE / "tests").glob("*.test.mjs"))


def test_sample_app_builds_and_publishes_manifest_artifacts_and_reports(runner, s3, tmp_path, progress):
    build_id = _build_id()
    event = runner.run(build_id=build_id, project=PROJECT, source_dir=EXAMPLE, commit=COMMIT)

    parsed = BuildStateChange.model_validate(event)
    assert parsed.detail.build_status == "SUCCEEDED"
    assert parsed.detail.short_build_id == build_id
    assert event["detail"]["build-id"] == f"arn:aws:codebuild:us-east-1:123456789012:build/{build_id}"
    assert event["resources"] == [event["detail"]["build-id"]]
    assert event["detail"]["current-phase"] == "COMPLETED"
    phases = _phases(event)
    assert [p for p in phases if p in ("INSTALL", "PRE_BUILD", "BUILD", "POST_BUILD", "UPLOAD_ARTIFACTS")] == [
        "INSTALL",
        "PRE_BUILD",
        "BUILD",
        "POST_BUILD",
        "UPLOAD_ARTIFACTS",
    ]
    assert all(p.get("phase-status", "SUCCEEDED") == "SUCCEEDED" for p in phases.values())

    manifest = _manifest(s3, event)
    model = BuildManifest.model_validate(manifest)
    assert set(manifest) == {
        "build_id",
        "project",
        "commit",
        "status",
        "version_name",
        "version_code",
        "started_at",
        "finished_at",
        "builder",
        "artifacts",
        "reports",
        "native_compile",
        "notes",
    }
    assert (model.status, model.commit, model.version_name, model.version_code) == ("SUCCEEDED", COMMIT, "1.4.0", 10400)
    assert model.native_compile is False
    assert manifest["builder"]["image"].startswith("capstan-local/")
    assert manifest["builder"]["buildspec_sha256"] == hashlib.sha256((EXAMPLE / "buildspec.yml").read_bytes()).hexdigest()
    assert model.started_at <= model.finished_at

    kinds = {a["kind"]: a for a in manifest["artifacts"]}
    assert set(kinds) == {"web_bundle", "android_aab", "ios_ipa"}
    for artifact in manifest["artifacts"]:
        assert artifact["key"] == f"builds/{build_id}/artifacts/{artifact['name']}"
        data = _get(s3, artifact["key"])
        assert hashlib.sha256(data).hexdigest() == artifact["sha256"]
        assert len(data) == artifact["size"]

    bundle = zipfile.ZipFile(io.BytesIO(_get(s3, kinds["web_bundle"]["key"])))
    names = bundle.namelist()
    assert names == sorted(names) == ["app.min.js", "index.html", "styles.css", "version.json"]
    assert {info.date_time for info in bundle.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert json.loads(bundle.read("version.json"))["commit"] == COMMIT
    aab = zipfile.ZipFile(io.BytesIO(_get(s3, kinds["android_aab"]["key"])))
    assert "base/assets/public/index.html" in aab.namelist()
    assert "not a native compile" in aab.read("CAPSTAN-LOCAL-SHELL.txt").decode()
    ipa = zipfile.ZipFile(io.BytesIO(_get(s3, kinds["ios_ipa"]["key"])))
    assert "Payload/App.app/public/app.min.js" in ipa.namelist()
    assert any("native-shell" in line and "not a native compile" in line for line in progress)

    reports = {r["format"]: r for r in manifest["reports"]}
    assert set(reports) == {"JUNITXML", "LCOV", "SARIF"}
    assert reports["JUNITXML"]["key"] == f"builds/{build_id}/reports/unit-tests/junit.xml"
    junit = _get(s3, reports["JUNITXML"]["key"])
    totals = parse_junit(junit)
    log = (tmp_path / "work" / build_id / "build.log").read_text()
    assert totals.total == _declared_tests() == int(re.search(r"ℹ tests (\d+)", log)[1])
    assert totals.total >= 12 and totals.failed == totals.errors == 0
    sarif = json.loads(_get(s3, reports["SARIF"]["key"]))
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["tool"]["driver"]["name"] == "capstan-sample-lint"
    assert [r for r in sarif["runs"][0]["results"] if r["level"] == "error"] == []
    assert _get(s3, reports["LCOV"]["key"]).startswith(b"TN:")
    assert b"Running command node scripts/build.mjs" in _get(s3, f"builds/{build_id}/logs/build.log")
    assert not (EXAMPLE / "dist").exists(), "the runner must build in its scratch copy, not in the source"


def test_failing_build_command_fails_the_build_but_post_build_and_reports_still_run(runner, s3, tmp_path):
    app = tmp_path / "hello-ai"
    shutil.copytree(EXAMPLE, app, ignore=shutil.ignore_patterns("node_modules", "dist", "reports"))
    script = app / "scripts" / "build.mjs"
    script.write_text("throw new Error('broken build script');\n" + script.read_text())
    build_id = _build_id()

    event = runner.run(build_id=build_id, project=PROJECT, source_dir=app, commit=COMMIT)

    assert event["detail"]["build-status"] == "FAILED"
    phases = _phases(event)
    assert phases["BUILD"]["phase-status"] == "FAILED"
    assert phases["BUILD"]["phase-context"][0].startswith("COMMAND_EXECUTION_ERROR: Error while executing command: node scripts/build.mjs")
    assert phases["POST_BUILD"]["phase-status"] == "SUCCEEDED"
    log = (tmp_path / "work" / build_id / "build.log").read_text()
    assert "post_build done, build succeeding=0" in log

    manifest = _manifest(s3, event)
    assert BuildManifest.model_validate(manifest).status == "FAILED"
    assert manifest["artifacts"] == []
    assert any("not published" in note for note in manifest["notes"])
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"builds/{build_id}/artifacts/")
    assert listed["KeyCount"] == 0
    reports = {r["format"]: r["key"] for r in manifest["reports"]}
    assert "JUNITXML" in reports and "SARIF" in reports, "reports are published even from a failed build"


def test_a_failing_test_leaves_the_decision_to_the_test_gate(runner, s3, tmp_path):
    # Given a sample whose one test fails, when it is built
    app = tmp_path / "hello-ai"
    shutil.copytree(EXAMPLE, app, ignore=shutil.ignore_patterns("node_modules", "dist", "reports"))
    test_file = app / "tests" / "render.test.mjs"
    test_file.write_text(test_file.read_text().replace("'<p>Example:</p>", "'<p>Broken:</p>", 1))
    build_id = _build_id()
    event = runner.run(build_id=build_id, project=PROJECT, source_dir=app, commit=COMMIT)
    # Then the build succeeds and its JUnit report carries the failure for the gate to judge
    assert event["detail"]["build-status"] == "SUCCEEDED"
    reports = {r["format"]: r["key"] for r in _manifest(s3, event)["reports"]}
    junit = ElementTree.fromstring(_get(s3, reports["JUNITXML"]))
    assert len(junit.findall(".//testcase/failure")) == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version: 0.1\nphases:\n  build:\n    commands: [echo hi]\n", "version must be 0.2"),
        ("version: 0.2\n", "'phases' must map"),
        ("version: 0.2\nphases:\n  compile:\n    commands: [make]\n", "unknown phase 'compile'"),
        ("version: 0.2\nphases:\n  build:\n    commands: echo hi\n", "phases.build.commands must be a list"),
        ("version: 0.2\nphases: [build\n", "not valid YAML"),
        ("version: 0.2\nphases:\n  build:\n    commands: [ls]\nreports:\n  unit:\n    base-directory: r\n", "needs a non-empty 'files'"),
    ],
)
def test_bad_buildspec_is_refused_before_anything_runs(runner, s3, tmp_path, text, message):
    app = tmp_path / "app"
    app.mkdir()
    (app / "package.json").write_text('{"name": "x", "version": "1.0.0"}')
    (app / "buildspec.yml").write_text(text)

    with pytest.raises(BuildspecError, match=re.escape(message)):
        runner.run(build_id=_build_id(), project=PROJECT, source_dir=app, commit=COMMIT)

    assert s3.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 0
    assert not (tmp_path / "work").exists()


def test_missing_buildspec_and_malformed_ids_are_refused(runner, tmp_path):
    with pytest.raises(BuildspecError, match="buildspec not found"):
        runner.run(build_id=_build_id(), project=PROJECT, source_dir=tmp_path, commit=COMMIT)
    with pytest.raises(ValueError, match="build_id must look like"):
        runner.run(build_id=f"other-project:{uuid.uuid4()}", project=PROJECT, source_dir=EXAMPLE, commit=COMMIT)
    with pytest.raises(ValueError, match="40 lowercase hex"):
        runner.run(build_id=_build_id(), project=PROJECT, source_dir=EXAMPLE, commit="HEAD")


def _tiny_app(root: Path, buildspec: str) -> Path:
    root.mkdir()
    (root / "package.json").write_text('{"name": "tiny", "version": "2.3.4"}')
    (root / "buildspec.yml").write_text(buildspec)
    return root


def test_shell_state_carries_over_and_secrets_are_masked(runner, s3, tmp_path, progress):
    app = _tiny_app(
        tmp_path / "tiny",
        """
version: 0.2
env:
  variables:
    GREETING: hello
phases:
  install:
    commands:
      - mkdir -p out && cd out
      - export STAGE=installed
  build:
    commands:
      - echo "$GREETING from $(basename "$PWD") after $STAGE"
      - echo "token is $API_TOKEN" > token.txt && cat token.txt
      - echo "$CODEBUILD_BUILD_ID $CODEBUILD_RESOLVED_SOURCE_VERSION" > ids.txt
artifacts:
  base-directory: out
  files: ["*.txt"]
""",
    )
    secret = "tok-9f8e7d6c5b4a"
    build_id = _build_id()
    event = runner.run(build_id=build_id, project=PROJECT, source_dir=app, commit=COMMIT, env={"API_TOKEN": secret})

    assert event["detail"]["build-status"] == "SUCCEEDED"
    log = (tmp_path / "work" / build_id / "build.log").read_text()
    assert "hello from out after installed" in log
    assert secret not in log and "token is ***" in log
    assert all(secret not in line for line in progress)
    assert secret not in json.dumps(event)
    manifest = _manifest(s3, event)
    assert (manifest["version_name"], manifest["version_code"]) == ("2.3.4", 20304)
    bundle = zipfile.ZipFile(io.BytesIO(_get(s3, manifest["artifacts"][0]["key"])))
    assert bundle.read("ids.txt").decode().split() == [build_id, COMMIT]


def test_timeout_stops_the_build_and_skips_post_build(runner, s3, tmp_path):
    app = _tiny_app(
        tmp_path / "slow",
        """
version: 0.2
phases:
  build:
    commands:
      - sleep 30
  post_build:
    commands:
      - echo post-build-ran
""",
    )
    build_id = _build_id()
    event = runner.run(build_id=build_id, project=PROJECT, source_dir=app, commit=COMMIT, timeout_s=1)

    assert event["detail"]["build-status"] == "TIMED_OUT"
    assert _phases(event)["BUILD"]["phase-status"] == "TIMED_OUT"
    assert "POST_BUILD" not in _phases(event)
    assert "post-build-ran" not in (tmp_path / "work" / build_id / "build.log").read_text()
    assert _manifest(s3, event)["status"] == "TIMED_OUT"
