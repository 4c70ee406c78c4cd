"""Runs an app's CodeBuild buildspec on this machine and publishes the results to S3 the way CodeBuild would."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from capstan_local.build.buildspec import BuildspecError, load_buildspec
from capstan_local.build.event import builder_image, iso, state_change_event, utcnow
from capstan_local.build.packaging import sha256_hex
from capstan_local.build.phases import Build
from capstan_local.build.publish import Publisher

BUILD_ID = re.compile(r"^(?P<project>[A-Za-z0-9][A-Za-z0-9_-]{1,254}):(?P<run>[A-Za-z0-9-]{1,64})$")


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

    def __init__(
        self,
        s3_client: Any,
        bucket: str,
        workdir: Path,
        *,
        on_progress: Callable[[str], None] | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.s3 = s3_client
        self.bucket = bucket
        self.workdir = Path(workdir)
        self.on_progress = on_progress or (lambda _message: None)
        self.clock = clock

    def run(
        self,
        *,
        build_id: str,
        project: str,
        source_dir: Path,
        commit: str,
        buildspec: str = "buildspec.yml",
        env: dict[str, str] | None = None,
        timeout_s: int = 300,
    ) -> dict[str, Any]:
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

        publisher = Publisher(self.s3, self.bucket, build_id)
        build = Build(
            build_id=build_id,
            project=project,
            commit=commit,
            env=env or {},
            spec=spec,
            timeout_s=timeout_s,
            workdir=self.workdir,
            clock=self.clock,
            on_progress=self.on_progress,
            publisher=publisher,
        )
        try:
            for phase in ("SUBMITTED", "QUEUED", "PROVISIONING"):
                build.phase(phase)
            build.download_source(source_dir)
            build.run_phases()
            keys = build.upload_results(version_name, version_code)
        finally:
            build.close()
        build.phase("FINALIZING")
        manifest = {
            "build_id": build_id,
            "project": project,
            "commit": commit,
            "status": build.status,
            "version_name": version_name,
            "version_code": version_code,
            "started_at": iso(build.started),
            "finished_at": iso(self.clock()),
            "builder": {"image": builder_image(), "buildspec_sha256": sha256_hex(spec_bytes)},
            "artifacts": keys["artifacts"],
            "reports": keys["reports"],
            "native_compile": False,
            "notes": build.notes,
        }
        body = json.dumps(manifest, indent=2).encode()
        publisher.put("manifest.json", body)
        build.progress(f"build {build.status}: manifest at {publisher.url('manifest.json')}")
        return state_change_event(
            build_id=build_id,
            project=project,
            commit=commit,
            status=build.status,
            started=build.started,
            finished=self.clock(),
            timeout_s=timeout_s,
            records=build.records,
            caller_env=build.caller_env,
            buildspec=buildspec,
            manifest=body,
            manifest_arn=publisher.arn("manifest.json"),
        )


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
