"""Takes one build through CodeBuild's phases, from DOWNLOAD_SOURCE to UPLOAD_ARTIFACTS, recording each phase."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from capstan_local.build.buildspec import PHASES, select_files
from capstan_local.build.event import REGION, build_arn, phase_record
from capstan_local.build.packaging import SHELL_NOTE, packages
from capstan_local.build.publish import Publisher
from capstan_local.build.shell import BuildLog, Shell, secret_values, shell_env

EMPTY_PHASE = {"commands": [], "finally": [], "on_failure": "ABORT", "runtime_versions": {}}
DEFAULT_ARTIFACTS = {"files": ["**/*"], "base": "dist", "discard": False}


class Build:
    """One build in progress: scratch copy, build shell, masked log, phase records and notes."""

    def __init__(
        self,
        *,
        build_id: str,
        project: str,
        commit: str,
        env: dict[str, str],
        spec: dict[str, Any],
        timeout_s: int,
        workdir: Path,
        clock: Callable[[], datetime],
        on_progress: Callable[[str], None],
        publisher: Publisher,
    ) -> None:
        self.build_id, self.project, self.commit, self.spec = build_id, project, commit, spec
        self.timeout_s, self.caller_env = timeout_s, {k: str(v) for k, v in env.items()}
        self.clock, self.on_progress, self.publisher = clock, on_progress, publisher
        self.root = workdir / build_id
        if self.root.exists():
            shutil.rmtree(self.root)
        self.src = self.root / "src"
        self.root.mkdir(parents=True)
        self.started = clock()
        self.status, self.aborted_in = "SUCCEEDED", ""
        self.records: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self.env = shell_env(
            spec["variables"],
            self.caller_env,
            dict(
                CODEBUILD_BUILD_ID=build_id,
                CODEBUILD_BUILD_ARN=build_arn(build_id),
                CODEBUILD_CI="true",
                CODEBUILD_RESOLVED_SOURCE_VERSION=commit,
                CODEBUILD_SOURCE_VERSION=commit,
                CODEBUILD_SRC_DIR=str(self.src),
                CODEBUILD_INITIATOR="capstan-local",
                AWS_REGION=REGION,
                AWS_DEFAULT_REGION=REGION,
            ),
        )
        self.log = BuildLog(self.root / "build.log", secret_values(self.env), clock)
        self.shell = Shell(self.root / ".shell", self.src, self.env, timeout_s, self.log)
        for key in spec["unresolved"]:
            self.note(f"env.{key} is not resolved by the local runner; pass those values through run(env=...)")

    @property
    def skips_to_finalizing(self) -> bool:
        # CodeBuild: a timeout or an install/pre_build failure skips the rest and goes straight to FINALIZING;
        # a build failure still runs post_build.
        return self.shell.timed_out or self.aborted_in in ("install", "pre_build")

    def progress(self, message: str) -> None:
        self.on_progress(self.log.mask(f"[{self.build_id}] {message}"))

    def note(self, message: str) -> None:
        self.notes.append(message)
        self.log.container(message)
        self.progress(message)

    def phase(self, kind: str, status: str = "SUCCEEDED", start: datetime | None = None, context: list[str] | None = None) -> None:
        end = self.clock()
        self.records.append(phase_record(kind, status, start or end, end, context or []))

    def close(self) -> None:
        self.log.close()
        self.shell.close()

    def download_source(self, source_dir: Path) -> None:
        start = self.clock()
        self.log.container("Entering phase DOWNLOAD_SOURCE")
        shutil.copytree(source_dir, self.src, symlinks=True, ignore=shutil.ignore_patterns("node_modules", "dist", "reports"))
        self.shell.start()
        self.progress(f"DOWNLOAD_SOURCE: copied {source_dir} at {self.commit[:12]} into {self.src}")
        self.phase("DOWNLOAD_SOURCE", start=start)

    def run_phases(self) -> None:
        for name in PHASES:
            if self.skips_to_finalizing:
                break
            self.run_phase(name)

    def run_phase(self, name: str) -> None:
        body = self.spec["phases"].get(name) or EMPTY_PHASE
        kind, start = name.upper(), self.clock()
        self.log.container(f"Entering phase {kind}")
        self.progress(f"{kind}: {len(body['commands']) + len(body['finally'])} command(s)")
        for runtime, wanted in body["runtime_versions"].items():
            self.log.container(f"runtime-versions {runtime}: {wanted} requested; the local runner uses the installed one")
        failure = ""
        for command in body["commands"]:
            failure = self._run(command)
            if failure:
                break
        for command in body["finally"]:
            if self.shell.timed_out:
                break
            failure = self._run(command) or failure
        status = "TIMED_OUT" if self.shell.timed_out else "FAILED" if failure else "SUCCEEDED"
        if failure:
            self.status = "TIMED_OUT" if self.shell.timed_out else "FAILED"
            if body["on_failure"] == "ABORT":
                self.aborted_in = name
        self.log.container(f"Phase complete: {kind} State: {status}")
        code, _, message = failure.partition(": ")
        self.log.container(f"Phase context status code: {code} Message: {message}")
        self.phase(kind, status, start, [failure] if failure else [])
        self.progress(f"{kind}: {status} after {(self.clock() - start).total_seconds():.1f}s")

    def _run(self, command: str) -> str:
        return self.shell.run(command, succeeding=self.status == "SUCCEEDED")

    def upload_results(self, version_name: str, version_code: int) -> dict[str, list[dict[str, Any]]]:
        """Upload reports always and artifacts only for a successful build."""
        start = self.clock()
        reports = self.publisher.reports(self.src, self.spec["reports"], self.note)
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
        if not self.skips_to_finalizing:
            status = "FAILED" if context else "SUCCEEDED"
            self.phase("UPLOAD_ARTIFACTS", status, start, context)
            self.log.container(f"Phase complete: UPLOAD_ARTIFACTS State: {status}")
        self.notes.append(f"build log: {self.publisher.url('logs/build.log')}")
        self.log.close()
        self.publisher.put("logs/build.log", (self.root / "build.log").read_bytes())
        return {"artifacts": artifacts, "reports": reports}

    def package(self, version_name: str, version_code: int) -> list[dict[str, Any]]:
        file_set = self.spec["artifacts"] or DEFAULT_ARTIFACTS
        web = [(relative, path.read_bytes()) for relative, path in select_files(self.src, file_set)]
        if not web:
            self.log.container(f"no matching artifact paths found for {file_set['files']} in {file_set['base']}")
            return []
        built = packages(web, self.src, build_id=self.build_id, commit=self.commit, version_name=version_name, version_code=version_code)
        self.progress(f"UPLOAD_ARTIFACTS: web-bundle.zip has {len(web)} file(s). {SHELL_NOTE}")
        self.notes.append(SHELL_NOTE)
        return self.publisher.artifacts(built)
