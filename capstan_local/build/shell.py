"""Runs buildspec commands in one persistent build shell under a deadline, writing their output to a masked log."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SECRET_NAME = re.compile(r"TOKEN|SECRET|KEY|PASSWORD", re.IGNORECASE)
PASSTHROUGH_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR")


def shell_env(variables: dict[str, str], caller_env: dict[str, str], codebuild: dict[str, str]) -> dict[str, str]:
    """The build environment, with CodeBuild's precedence:
    buildspec variables < start-build overrides < CODEBUILD_* values."""
    env = {k: os.environ[k] for k in PASSTHROUGH_ENV if k in os.environ}
    env.update(variables)
    env.update(caller_env)
    env.update(codebuild)
    return env


def secret_values(env: dict[str, str]) -> list[str]:
    """Values of secret-looking variables, the ones the log masks."""
    # Values shorter than 4 characters would mask unrelated text all over the log.
    return [v for k, v in env.items() if SECRET_NAME.search(k) and len(v) >= 4]


class BuildLog:
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
        self.write(f"[Container] {self._clock().astimezone(UTC):%Y/%m/%d %H:%M:%S.%f} {message}\n")

    def close(self) -> None:
        self._file.close()


class Shell:
    """The one shell a CodeBuild 0.2 build keeps: exported variables and the working directory carry over."""

    def __init__(self, state: Path, src: Path, env: dict[str, str], timeout_s: int, log: BuildLog) -> None:
        self.state, self.src, self.env, self.timeout_s, self.log = state, src, env, timeout_s, log
        self.state.mkdir()
        self.deadline = time.monotonic() + timeout_s
        self.timed_out = False

    def start(self) -> None:
        """Start the shell in the source directory."""
        (self.state / "cwd").write_text(str(self.src))

    def close(self) -> None:
        # The shell state file holds every exported value, secrets included.
        shutil.rmtree(self.state, ignore_errors=True)

    def run(self, command: str, succeeding: bool) -> str:
        """Run one command in the persistent build shell; returns the failure context or ''."""
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            return self._time_out()
        self.log.container(f"Running command {command}")
        state = str(self.state)
        # CodeBuild 0.2 keeps one shell for the whole build; restoring exported variables and the
        # working directory around each `bash -c` gives commands the same view.
        script = (
            f'. "{state}/env" 2>/dev/null; cd "$(cat "{state}/cwd")" || exit 1\n'
            f"export CODEBUILD_BUILD_SUCCEEDING={1 if succeeding else 0}\n"
            f"{command}\n"
            f'__capstan_rc=$?; export -p > "{state}/env"; pwd > "{state}/cwd"; exit $__capstan_rc\n'
        )
        proc = subprocess.Popen(
            ["bash", "-c", script],
            cwd=self.src,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
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
            self.log.container(f"Build timed out after {self.timeout_s} secs while running: {command}")
            return self._time_out()
        if rc != 0:
            self.log.container(f"Command did not exit successfully {command} exit status {rc}")
            return f"COMMAND_EXECUTION_ERROR: Error while executing command: {command}. Reason: exit status {rc}"
        return ""

    def _time_out(self) -> str:
        self.timed_out = True
        return f"BUILD_TIMED_OUT: Build has timed out. {self.timeout_s} secs"

    def _pump(self, stream: Any) -> None:
        for raw in iter(stream.readline, b""):
            self.log.write(raw.decode("utf-8", "replace"))
        stream.close()


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
