"""Runs an app's CodeBuild buildspec on this machine and publishes the results to S3 the way CodeBuild would."""

from __future__ import annotations

import functools
import hashlib
import io
import json
import math
import os
import platform
import re
import shutil
import signal
import subprocess
import threading
import time
import uuid
import zipfile
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

ACCOUNT = "123456789012"
REGION = "us-east-1"
PHASES = ("install", "pre_build", "build", "post_build")
TOP_LEVEL_KEYS = {"version", "run-as", "env", "proxy", "batch", "phases", "reports", "artifacts", "cache"}
# Manifest formats the core package understands, keyed by buildspec file-format.
REPORT_FORMATS = {"JUNITXML": "JUNITXML", "SARIF": "SARIF", "LCOVINFO": "LCOV", "LCOV": "LCOV",
                  "COBERTURAXML": "COBERTURAXML"}
SECRET_NAME = re.compile(r"TOKEN|SECRET|KEY|PASSWORD", re.IGNORECASE)
BUILD_ID = re.compile(r"^(?P<project>[A-Za-z0-9][A-Za-z0-9_-]{1,254}):(?P<run>[A-Za-z0-9-]{1,64})$")
PASSTHROUGH_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR")
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
CONTENT_TYPES = {".xml": "application/xml", ".json": "application/json", ".sarif": "application/sarif+json",
                 ".zip": "application/zip", ".log": "text/plain", ".info": "text/plain"}
SHELL_LAYOUTS = {"app-release.aab": ("android_aab", "base/assets/public/", "base/assets/"),
                 "app-release.ipa": ("ios_ipa", "Payload/App.app/public/", "Payload/App.app/")}
SHELL_NOTE = ("app-release.aab and app-release.ipa are native-shell packages: a local packaging of the web bundle "
              "into the Android/iOS archive layout, not a native compile (this machine has no Xcode or Android SDK). "
              "They are unsigned and cannot be installed or uploaded to a store.")


class BuildspecError(ValueError):
    """The buildspec is missing, is not YAML, or is not a valid version 0.2 buildspec."""


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _console_time(moment: datetime) -> str:
    # CodeBuild events carry phase times as "Sep 1, 2017 4:12:29 PM", not ISO 8601.
    m = moment.astimezone(timezone.utc)
    return f"{m:%b} {m.day}, {m.year} {(m.hour % 12) or 12}:{m:%M:%S} {m:%p}"


def _strings(value: Any, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        raise BuildspecError(f"{where} must be a list of strings")
    return [str(v) for v in value]


def _file_set(section: Any, where: str) -> dict[str, Any]:
    if not isinstance(section, dict) or not section.get("files"):
        raise BuildspecError(f"{where} needs a non-empty 'files' list")
    return {"files": _strings(section["files"], f"{where}.files"),
            "base": str(section.get("base-directory", ".")),
            "discard": section.get("discard-paths") in (True, "yes"),
            "format": str(section.get("file-format", "JUNITXML")).upper()}


def load_buildspec(text: str, name: str = "buildspec.yml") -> dict[str, Any]:
    """Parse and validate a CodeBuild buildspec (version 0.2).

    Parameters
    ----------
    text : str
        The buildspec YAML.
    name : str
        Used in error messages only.

    Returns
    -------
    dict
        ``variables``, ``phases`` (name -> commands/finally/on_failure/runtime_versions),
        ``reports`` (group -> file set) and ``artifacts`` (file set or None).

    Raises
    ------
    BuildspecError
        With a message naming the offending key.
    """
    try:
        spec = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise BuildspecError(f"{name} is not valid YAML: {exc}") from exc
    if not isinstance(spec, dict):
        raise BuildspecError(f"{name} must be a YAML mapping")
    if str(spec.get("version")) != "0.2":
        raise BuildspecError(f"{name}: version must be 0.2, got {spec.get('version')!r}")
    unknown = sorted(set(spec) - TOP_LEVEL_KEYS)
    if unknown:
        raise BuildspecError(f"{name}: unknown top-level keys {unknown}")
    raw_phases = spec.get("phases")
    if not isinstance(raw_phases, dict) or not raw_phases:
        raise BuildspecError(f"{name}: 'phases' must map phase names to commands")
    phases: dict[str, dict[str, Any]] = {}
    for phase, body in raw_phases.items():
        if phase not in PHASES:
            raise BuildspecError(f"{name}: unknown phase {phase!r}; expected one of {list(PHASES)}")
        body = body or {}
        if not isinstance(body, dict):
            raise BuildspecError(f"{name}: phases.{phase} must be a mapping")
        on_failure = str(body.get("on-failure", "ABORT")).upper()
        if on_failure not in ("ABORT", "CONTINUE"):
            raise BuildspecError(f"{name}: phases.{phase}.on-failure must be ABORT or CONTINUE")
        phases[phase] = {"commands": _strings(body.get("commands"), f"phases.{phase}.commands"),
                         "finally": _strings(body.get("finally"), f"phases.{phase}.finally"),
                         "on_failure": on_failure, "runtime_versions": body.get("runtime-versions") or {}}
    env = spec.get("env") or {}
    variables = env.get("variables") or {} if isinstance(env, dict) else None
    if not isinstance(variables, dict):
        raise BuildspecError(f"{name}: env.variables must be a mapping")
    reports = spec.get("reports") or {}
    if not isinstance(reports, dict):
        raise BuildspecError(f"{name}: 'reports' must map report groups to file sets")
    return {
        "variables": {str(k): "" if v is None else json.dumps(v) if isinstance(v, bool) else str(v)
                      for k, v in variables.items()},
        "unresolved": sorted(k for k in ("parameter-store", "secrets-manager") if isinstance(env, dict) and env.get(k)),
        "phases": phases,
        "reports": {str(g): _file_set(body, f"reports.{g}") for g, body in reports.items()},
        "artifacts": _file_set(spec["artifacts"], "artifacts") if spec.get("artifacts") else None,
    }


def _select(root: Path, file_set: dict[str, Any]) -> list[tuple[str, Path]]:
    """Files matched by a buildspec file set, as (name in the archive, path), sorted."""
    base = (root / file_set["base"]).resolve()
    found: dict[str, Path] = {}
    for pattern in file_set["files"]:
        for path in base.glob(pattern):
            # A pattern such as "../x" must not reach outside the checked-out source.
            if path.is_file() and path.resolve().is_relative_to(root.resolve()):
                found[path.name if file_set["discard"] else path.relative_to(base).as_posix()] = path
    return sorted(found.items())


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    # Fixed timestamps, modes and order: the same inputs always give the same bytes.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.compress_type, info.create_system, info.external_attr = zipfile.ZIP_DEFLATED, 3, 0o644 << 16
            archive.writestr(info, data, compresslevel=9)
    return buffer.getvalue()


class _Log:
    """build.log writer that masks secret values before anything reaches disk or progress."""

    def __init__(self, path: Path, secrets: list[str], clock: Callable[[], datetime]) -> None:
        self._file = path.open("w", encoding="utf-8")
        self._clock = clock
        self._secrets = sorted(secrets, key=len, reverse=True)
        self._lock = threading.Lock()

    def mask(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def write(self, text: str) -> None:
        with self._lock:
            self._file.write(self.mask(text))
            self._file.flush()

    def container(self, message: str) -> None:
        self.write(f"[Container] {self._clock().astimezone(timezone.utc):%Y/%m/%d %H:%M:%S.%f} {message}\n")

    def close(self) -> None:
        self._file.close()


class LocalBuildRunner:
    """Local stand-in for AWS CodeBuild: runs a buildspec and publishes reports, artifacts and a manifest.

    Parameters
    ----------
    s3_client : botocore S3 client
        Receives every upload (``put_object``).
    bucket : str
        Artifact bucket; everything goes under ``builds/<build_id>/``.
    workdir : pathlib.Path
        Scratch space; each build uses ``workdir/<build_id>/``.
    on_progress : callable, optional
        Called with one human-readable line per step.
    clock : callable, optional
        Returns the current time as an aware datetime; defaults to UTC now.
    """

    def __init__(self, s3_client: Any, bucket: str, workdir: Path, *,
                 on_progress: Callable[[str], None] | None = None,
                 clock: Callable[[], datetime] = _utcnow) -> None:
        self.s3 = s3_client
        self.bucket = bucket
        self.workdir = Path(workdir)
        self.on_progress = on_progress or (lambda _message: None)
        self.clock = clock

    def run(self, *, build_id: str, project: str, source_dir: Path, commit: str,
            buildspec: str = "buildspec.yml", env: dict[str, str] | None = None,
            timeout_s: int = 300) -> dict[str, Any]:
        """Run one build and return its "CodeBuild Build State Change" event.

        Parameters
        ----------
        build_id : str
            CodeBuild build id, ``<project>:<uuid>``.
        project : str
            Build project name; must match the prefix of ``build_id``.
        source_dir : pathlib.Path
            The app checkout; it is copied, never modified.
        commit : str
            40-hex commit the source corresponds to.
        buildspec : str
            Buildspec path relative to ``source_dir``.
        env : dict, optional
            Extra environment; overrides buildspec ``env.variables``.
        timeout_s : int
            Limit for all phases together; exceeding it gives TIMED_OUT.

        Returns
        -------
        dict
            The EventBridge event, with ``detail.additional-information.artifact.location``
            pointing at ``builds/<build_id>/manifest.json``.

        Raises
        ------
        BuildspecError
            If the buildspec is missing or invalid (nothing is run or uploaded).
        ValueError
            If the build id, commit or package.json version is malformed.
        """
        match = BUILD_ID.match(build_id)
        if not match or match["project"] != project:
            raise ValueError(f"build_id must look like '{project}:<uuid>', got {build_id!r}")
        if not re.fullmatch(r"[0-9a-f]{40}", commit):
            raise ValueError(f"commit must be 40 lowercase hex characters, got {commit!r}")
        source_dir = Path(source_dir)
        spec_path = source_dir / buildspec
        if not spec_path.is_file():
            raise BuildspecError(f"buildspec not found: {spec_path}")
        spec_bytes = spec_path.read_bytes()
        spec = load_buildspec(spec_bytes.decode("utf-8"), buildspec)
        version_name, version_code = _app_version(source_dir / "package.json")

        build = _Build(self, build_id, project, commit, env or {}, spec, timeout_s)
        try:
            for phase in ("SUBMITTED", "QUEUED", "PROVISIONING"):
                build.phase(phase)
            build.download_source(source_dir)
            build.run_phases()
            keys = build.upload_results(version_name, version_code)
        finally:
            # The shell state file holds every exported value, secrets included.
            build.log.close()
            shutil.rmtree(build.shell_state, ignore_errors=True)
        build.phase("FINALIZING")
        manifest = {
            "build_id": build_id, "project": project, "commit": commit, "status": build.status,
            "version_name": version_name, "version_code": version_code,
            "started_at": _iso(build.started), "finished_at": _iso(self.clock()),
            "builder": {"image": _image(), "buildspec_sha256": hashlib.sha256(spec_bytes).hexdigest()},
            "artifacts": keys["artifacts"], "reports": keys["reports"], "native_compile": False, "notes": build.notes,
        }
        body = json.dumps(manifest, indent=2).encode()
        build.put("manifest.json", body)
        build.progress(f"build {build.status}: manifest at s3://{self.bucket}/builds/{build_id}/manifest.json")
        return build.event(body, buildspec)


def _app_version(package_json: Path) -> tuple[str, int]:
    try:
        version = str(json.loads(package_json.read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError) as exc:
        raise ValueError(f"cannot read the app version from {package_json}: {exc}") from exc
    parts = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", version)
    # Two digits each for minor and patch keep the derived versionCode unique and increasing.
    code = int(parts[1]) * 10000 + int(parts[2]) * 100 + int(parts[3]) if parts else 0
    if not parts or int(parts[2]) > 99 or int(parts[3]) > 99 or not 1 <= code <= 2_100_000_000:
        raise ValueError(f"package.json version {version!r} must be MAJOR.MINOR.PATCH with MINOR, PATCH <= 99")
    return version, code


@functools.lru_cache(maxsize=1)
def _image() -> str:
    try:
        node = subprocess.run(["node", "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        node = ""
    return f"capstan-local/{platform.python_implementation().lower()}-node{node.lstrip('v') or 'unavailable'}"


class _Build:
    """One build in progress: scratch copy, masked log, phase records and S3 uploads."""

    def __init__(self, runner: LocalBuildRunner, build_id: str, project: str, commit: str,
                 env: dict[str, str], spec: dict[str, Any], timeout_s: int) -> None:
        self.r, self.build_id, self.project, self.commit, self.spec = runner, build_id, project, commit, spec
        self.timeout_s, self.caller_env = timeout_s, {k: str(v) for k, v in env.items()}
        self.arn = f"arn:aws:codebuild:{REGION}:{ACCOUNT}:build/{build_id}"
        self.root = runner.workdir / build_id
        if self.root.exists():
            shutil.rmtree(self.root)
        self.src, self.shell_state = self.root / "src", self.root / ".shell"
        self.shell_state.mkdir(parents=True)
        self.started, self.deadline = runner.clock(), time.monotonic() + timeout_s
        self.status, self.aborted_in, self.timed_out = "SUCCEEDED", "", False
        self.records: list[dict[str, Any]] = []
        self.notes: list[str] = []
        # Precedence as in CodeBuild: buildspec variables < start-build overrides < CODEBUILD_* values.
        self.env = {k: os.environ[k] for k in PASSTHROUGH_ENV if k in os.environ}
        self.env.update(spec["variables"])
        self.env.update(self.caller_env)
        self.env.update(CODEBUILD_BUILD_ID=build_id, CODEBUILD_BUILD_ARN=self.arn, CODEBUILD_CI="true",
                        CODEBUILD_RESOLVED_SOURCE_VERSION=commit, CODEBUILD_SOURCE_VERSION=commit,
                        CODEBUILD_SRC_DIR=str(self.src), CODEBUILD_INITIATOR="capstan-local",
                        AWS_REGION=REGION, AWS_DEFAULT_REGION=REGION)
        # Values shorter than 4 characters would mask unrelated text all over the log.
        secrets = [v for k, v in self.env.items() if SECRET_NAME.search(k) and len(v) >= 4]
        self.log = _Log(self.root / "build.log", secrets, runner.clock)
        for key in spec["unresolved"]:
            self.note(f"env.{key} is not resolved by the local runner; pass those values through run(env=...)")

    def progress(self, message: str) -> None:
        self.r.on_progress(self.log.mask(f"[{self.build_id}] {message}"))

    def note(self, message: str) -> None:
        self.notes.append(message)
        self.log.container(message)
        self.progress(message)

    def phase(self, kind: str, status: str = "SUCCEEDED", start: datetime | None = None,
              context: list[str] | None = None) -> None:
        end = self.r.clock()
        start = start or end
        self.records.append({"phase-context": context or [], "start-time": _console_time(start),
                             "end-time": _console_time(end),
                             "duration-in-seconds": int(round((end - start).total_seconds())),
                             "phase-type": kind, "phase-status": status})

    def put(self, relative_key: str, data: bytes) -> str:
        key = f"builds/{self.build_id}/{relative_key}"
        self.r.s3.put_object(Bucket=self.r.bucket, Key=key, Body=data,
                             ContentType=CONTENT_TYPES.get(Path(key).suffix, "application/octet-stream"),
                             Metadata={"sha256": hashlib.sha256(data).hexdigest(), "build-id": self.build_id})
        return key

    def download_source(self, source_dir: Path) -> None:
        start = self.r.clock()
        self.log.container("Entering phase DOWNLOAD_SOURCE")
        shutil.copytree(source_dir, self.src, symlinks=True,
                        ignore=shutil.ignore_patterns("node_modules", "dist", "reports"))
        (self.shell_state / "cwd").write_text(str(self.src))
        self.progress(f"DOWNLOAD_SOURCE: copied {source_dir} at {self.commit[:12]} into {self.src}")
        self.phase("DOWNLOAD_SOURCE", start=start)

    def run_phases(self) -> None:
        for name in PHASES:
            # CodeBuild: install/pre_build failures skip the rest; a build failure still runs post_build.
            if self.timed_out or self.aborted_in in ("install", "pre_build"):
                break
            self.run_phase(name)

    def run_phase(self, name: str) -> None:
        body = self.spec["phases"].get(name) or {"commands": [], "finally": [], "on_failure": "ABORT",
                                                 "runtime_versions": {}}
        kind, start = name.upper(), self.r.clock()
        self.log.container(f"Entering phase {kind}")
        self.progress(f"{kind}: {len(body['commands']) + len(body['finally'])} command(s)")
        for runtime, wanted in body["runtime_versions"].items():
            self.log.container(f"runtime-versions {runtime}: {wanted} requested; the local runner uses the installed one")
        failure = ""
        for command in body["commands"]:
            failure = self.command(command)
            if failure:
                break
        for command in body["finally"]:
            if self.timed_out:
                break
            failure = self.command(command) or failure
        status = "TIMED_OUT" if self.timed_out else "FAILED" if failure else "SUCCEEDED"
        if failure:
            self.status = "TIMED_OUT" if self.timed_out else "FAILED"
            if body["on_failure"] == "ABORT":
                self.aborted_in = name
        self.log.container(f"Phase complete: {kind} State: {status}")
        code, _, message = failure.partition(": ")
        self.log.container(f"Phase context status code: {code} Message: {message}")
        self.phase(kind, status, start, [failure] if failure else [])
        self.progress(f"{kind}: {status} after {(self.r.clock() - start).total_seconds():.1f}s")

    def command(self, command: str) -> str:
        """Run one command in the persistent build shell; returns the failure context or ''."""
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            self.timed_out = True
            return f"BUILD_TIMED_OUT: Build has timed out. {self.timeout_s} secs"
        self.log.container(f"Running command {command}")
        state = str(self.shell_state)
        # CodeBuild 0.2 keeps one shell for the whole build; restoring exported variables and the
        # working directory around each `bash -c` gives commands the same view.
        script = (f'. "{state}/env" 2>/dev/null; cd "$(cat "{state}/cwd")" || exit 1\n'
                  f"export CODEBUILD_BUILD_SUCCEEDING={1 if self.status == 'SUCCEEDED' else 0}\n"
                  f"{command}\n"
                  f'__capstan_rc=$?; export -p > "{state}/env"; pwd > "{state}/cwd"; exit $__capstan_rc\n')
        proc = subprocess.Popen(["bash", "-c", script], cwd=self.src, env=self.env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        pump = threading.Thread(target=self._pump, args=(proc.stdout,), daemon=True)
        pump.start()
        try:
            rc: int | None = proc.wait(timeout=remaining)
            pump.join(timeout=min(5.0, max(0.0, self.deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            rc = None
        if rc is None or pump.is_alive():
            # Background children holding the output, or the deadline passed: stop the whole group.
            _kill(proc)
            pump.join(timeout=5)
        if rc is None:
            self.timed_out = True
            self.log.container(f"Build timed out after {self.timeout_s} secs while running: {command}")
            return f"BUILD_TIMED_OUT: Build has timed out. {self.timeout_s} secs"
        if rc != 0:
            self.log.container(f"Command did not exit successfully {command} exit status {rc}")
            return f"COMMAND_EXECUTION_ERROR: Error while executing command: {command}. Reason: exit status {rc}"
        return ""

    def _pump(self, stream: Any) -> None:
        for raw in iter(stream.readline, b""):
            self.log.write(raw.decode("utf-8", "replace"))
        stream.close()

    def upload_results(self, version_name: str, version_code: int) -> dict[str, list[dict[str, Any]]]:
        """Upload reports always and artifacts only for a successful build."""
        start = self.r.clock()
        reports: list[dict[str, Any]] = []
        for group, file_set in self.spec["reports"].items():
            name = group.rsplit("report-group/", 1)[-1]
            fmt = REPORT_FORMATS.get(file_set["format"])
            files = _select(self.src, file_set) if fmt else []
            if not fmt:
                self.note(f"report group {name}: file-format {file_set['format']} is not collected "
                          f"(the manifest supports {sorted(set(REPORT_FORMATS.values()))})")
            elif not files:
                self.note(f"report group {name}: no file matched {file_set['files']} in {file_set['base']}")
            for relative, path in files:
                reports.append({"group": name, "format": fmt, "key": self.put(f"reports/{name}/{relative}",
                                                                              path.read_bytes())})
        self.progress(f"UPLOAD_ARTIFACTS: {len(reports)} report file(s) uploaded")
        artifacts: list[dict[str, Any]] = []
        context: list[str] = []
        if self.status != "SUCCEEDED":
            # A release orchestrator must never pick up binaries from a red build.
            self.note(f"artifacts were not published because the build status is {self.status}")
        else:
            artifacts = self.package(version_name, version_code)
            if not artifacts:
                self.status = "FAILED"
                context = ["CLIENT_ERROR: no matching artifact paths found"]
        # CodeBuild goes straight to FINALIZING after a timeout or an install/pre_build failure.
        if not self.timed_out and self.aborted_in not in ("install", "pre_build"):
            self.phase("UPLOAD_ARTIFACTS", "FAILED" if context else "SUCCEEDED", start, context)
            self.log.container(f"Phase complete: UPLOAD_ARTIFACTS State: {'FAILED' if context else 'SUCCEEDED'}")
        self.notes.append(f"build log: s3://{self.r.bucket}/builds/{self.build_id}/logs/build.log")
        self.log.close()
        self.put("logs/build.log", (self.root / "build.log").read_bytes())
        return {"artifacts": artifacts, "reports": reports}

    def package(self, version_name: str, version_code: int) -> list[dict[str, Any]]:
        file_set = self.spec["artifacts"] or {"files": ["**/*"], "base": "dist", "discard": False}
        web = [(relative, path.read_bytes()) for relative, path in _select(self.src, file_set)]
        if not web:
            self.log.container(f"no matching artifact paths found for {file_set['files']} in {file_set['base']}")
            return []
        bundle = _zip(web)
        packages = [("web-bundle.zip", "web_bundle", bundle)]
        self.progress(f"UPLOAD_ARTIFACTS: web-bundle.zip has {len(web)} file(s). {SHELL_NOTE}")
        self.notes.append(SHELL_NOTE)
        config = self.src / "capacitor.config.json"
        for name, (kind, public_dir, config_dir) in SHELL_LAYOUTS.items():
            readme = (f"CAPSTAN LOCAL NATIVE-SHELL PACKAGE - NOT A NATIVE BUILD\n\n{name} is a local packaging of "
                      "the web bundle into a native-shell artifact, not a native compile. capstan_local.build_runner "
                      "made it on a machine without Xcode or the Android SDK: the files of web-bundle.zip (sha256 "
                      f"{hashlib.sha256(bundle).hexdigest()}) are laid out under {public_dir}. Nothing is signed; "
                      "it cannot be installed on a device or uploaded to Google Play or App Store Connect.\n\n"
                      f"build: {self.build_id}\ncommit: {self.commit}\nversion: {version_name} ({version_code})\n")
            entries = [(public_dir + relative, data) for relative, data in web]
            entries.append(("CAPSTAN-LOCAL-SHELL.txt", readme.encode()))
            if config.is_file():
                entries.append((config_dir + "capacitor.config.json", config.read_bytes()))
            packages.append((name, kind, _zip(entries)))
        return [{"name": name, "kind": kind, "key": self.put(f"artifacts/{name}", data),
                 "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)} for name, kind, data in packages]

    def event(self, manifest: bytes, buildspec: str) -> dict[str, Any]:
        """The EventBridge "CodeBuild Build State Change" event for the finished build."""
        finished = self.r.clock()
        stream = self.build_id.split(":", 1)[1]
        group = f"/aws/codebuild/{self.project}"
        phases = self.records + [{"start-time": _console_time(finished), "phase-type": "COMPLETED"}]
        variables = [{"name": k, "type": "PLAINTEXT", "value": "***" if SECRET_NAME.search(k) else v}
                     for k, v in sorted(self.caller_env.items())]
        return {
            "version": "0", "id": str(uuid.uuid4()), "detail-type": "CodeBuild Build State Change",
            "source": "aws.codebuild", "account": ACCOUNT,
            "time": f"{finished.astimezone(timezone.utc):%Y-%m-%dT%H:%M:%SZ}", "region": REGION, "resources": [self.arn],
            "detail": {
                "build-status": self.status, "project-name": self.project, "build-id": self.arn,
                "additional-information": {
                    "artifact": {"md5sum": hashlib.md5(manifest, usedforsecurity=False).hexdigest(),
                                 "sha256sum": hashlib.sha256(manifest).hexdigest(),
                                 "location": f"arn:aws:s3:::{self.r.bucket}/builds/{self.build_id}/manifest.json"},
                    "environment": {"image": _image(), "privileged-mode": False, "compute-type": "BUILD_GENERAL1_SMALL",
                                    "type": "LINUX_CONTAINER", "environment-variables": variables},
                    "timeout-in-minutes": math.ceil(self.timeout_s / 60), "build-complete": True,
                    "initiator": "capstan-local", "build-start-time": _console_time(self.started),
                    "source": {"type": "NO_SOURCE", "buildspec": buildspec}, "source-version": self.commit,
                    "logs": {"group-name": group, "stream-name": stream,
                             "deep-link": f"https://console.aws.amazon.com/cloudwatch/home?region={REGION}"
                                          f"#logEvent:group={group};stream={stream}"},
                    "phases": phases,
                },
                "current-phase": "COMPLETED", "current-phase-context": "[: ]", "version": "1",
            },
        }


def _kill(proc: subprocess.Popen) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=5)
            return
        except subprocess.TimeoutExpired:
            continue
