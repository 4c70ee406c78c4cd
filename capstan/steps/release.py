"""Release steps up to approval: validate, build, and the two gates."""

from __future__ import annotations

from pydantic import ValidationError

from capstan.domain import approval
from capstan.errors import BuildFailed, InvalidInput, ReleaseLocked
from capstan.models.common import Contract, first_error
from capstan.models.events import BuildStateChange
from capstan.models.release import (
    BuildManifest,
    BuildSummary,
    BuildTaskInput,
    ReleaseRequest,
    Timeouts,
    ValidatedRelease,
)
from capstan.ports import Ports
from capstan.steps.intake import Started

MANIFEST_MAX_BYTES = 1024 * 1024


class ValidateInput(Contract):
    request: ReleaseRequest


class ValidateOutput(Contract):
    release: ValidatedRelease


def lock_id(app_id: str, track: str) -> str:
    return f"release#{app_id}#{track}"


def validate_release(inp: ValidateInput, ports: Ports) -> ValidateOutput:
    """Check the request against the app config, take the per-app-and-track lock, record the start."""
    req = inp.request
    app = ports.app(req.app_id)
    if not app.releases_ref(req.ref):
        raise InvalidInput(f"ref: {req.ref} is not a release ref of {app.app_id}")
    approval_s = app.approval.link_ttl_minutes * 60
    final_s = approval.reminder_lead(approval_s)
    timeouts = Timeouts(
        build_s=app.build.timeout_minutes * 60 + 300, approval_s=approval_s, reminder_s=approval_s - final_s, final_s=final_s
    )
    lease = timeouts.build_s + timeouts.approval_s + 6 * 3600
    lid = lock_id(req.app_id, req.track)
    if not ports.locks.acquire(lid, owner=req.release_id, now=ports.clock(), lease_s=lease):
        raise ReleaseLocked(f"release {ports.locks.holder(lid)} of {req.app_id} ({req.track}) is in flight")
    ports.releases.put_new(
        req.app_id, req.release_id, ports.clock(), {"commit": req.commit, "ref": req.ref, "pushed_by": req.pushed_by, "track": req.track}
    )
    ports.ledger.append(req.release_id, "release started", ports.clock(), {"commit": req.commit, "ref": req.ref}, actor=req.pushed_by)
    return ValidateOutput(release=ValidatedRelease(request=req, lock_id=lid, timeouts=timeouts))


class BuildStarted(Contract):
    build_id: str


def start_build(inp: BuildTaskInput, ports: Ports) -> BuildStarted:
    """Start the build; its task token is kept in the builds table, keyed by build id."""
    req = inp.state.release.request
    app = ports.app(req.app_id)
    build_id = ports.builds.start(
        app.build.project, req.commit, app.build.buildspec, req.release_id, app.build.timeout_minutes, app.build.compute
    )
    ports.build_callbacks.remember(
        build_id,
        req.release_id,
        req.app_id,
        req.commit,
        ports.tokens.seal(inp.task_token, req.release_id),
        ports.clock(),
        ttl_s=inp.state.release.timeouts.build_s + 86400,
    )
    ports.ledger.append(req.release_id, "build started", ports.clock(), {"build_id": build_id, "project": app.build.project})
    return BuildStarted(build_id=build_id)


def build_finished(event: BuildStateChange, ports: Ports) -> Started:
    """Call back the release that waits for this build, once; repeats and late events change nothing."""
    d = event.detail
    waiting = ports.build_callbacks.claim(d.short_build_id, d.build_status, ports.clock())
    if waiting is None:
        ports.ledger.append(
            f"build#{d.short_build_id}",
            "build event ignored",
            ports.clock(),
            {"event_id": event.id, "status": d.build_status, "why": "unknown build or already answered"},
            entry_key=f"event#{event.id}",
        )
        return Started(status="duplicate", reason=f"build {d.short_build_id} is unknown or already answered")
    release_id = waiting["release_id"]
    token = ports.tokens.open(waiting["task_token"], release_id)
    try:
        if d.build_status != "SUCCEEDED":
            raise BuildFailed(f"build {d.short_build_id} ended {d.build_status}")
        manifest = _manifest(ports, d.short_build_id)
        if manifest.commit != waiting["commit"]:
            raise BuildFailed(f"build manifest is for commit {manifest.commit[:12]}, not {waiting['commit'][:12]}")
        if manifest.status != "SUCCEEDED":
            raise BuildFailed(f"build manifest says {manifest.status}")
    except (BuildFailed, InvalidInput) as exc:
        ports.ledger.append(
            release_id, "build failed", ports.clock(), {"build_id": d.short_build_id, "error": str(exc)}, entry_key=f"event#{event.id}"
        )
        ports.workflow.fail(token, BuildFailed.__name__, str(exc))
        return Started(status="refused", execution_name=release_id, reason=str(exc))
    summary = BuildSummary(
        build_id=d.short_build_id,
        status="SUCCEEDED",
        version_name=manifest.version_name,
        version_code=manifest.version_code,
        artifacts=manifest.artifacts,
        reports=manifest.reports,
        native_compile=manifest.native_compile,
        notes=manifest.notes,
    )
    provenance = {
        "commit": manifest.commit,
        "build_id": d.short_build_id,
        "project": manifest.project,
        "buildspec_sha256": manifest.builder.buildspec_sha256,
        "builder_image": manifest.builder.image,
        "started_at": manifest.started_at.isoformat(),
        "finished_at": manifest.finished_at.isoformat(),
        "native_compile": manifest.native_compile,
    }
    ports.releases.update(
        waiting["app_id"],
        release_id,
        ports.clock(),
        version_name=manifest.version_name,
        version_code=manifest.version_code,
        build_id=d.short_build_id,
        provenance=provenance,
        artifacts={a.name: {"sha256": a.sha256, "size": a.size, "kind": a.kind} for a in manifest.artifacts},
    )
    ports.ledger.append(
        release_id,
        "build succeeded",
        ports.clock(),
        {
            "build_id": d.short_build_id,
            "version": manifest.version_name,
            "artifacts": {a.name: a.sha256 for a in manifest.artifacts},
            "provenance": provenance,
        },
        entry_key=f"event#{event.id}",
    )
    ports.workflow.succeed(token, summary.model_dump(mode="json"))
    return Started(status="started", execution_name=release_id)


def _manifest(ports: Ports, build_id: str) -> BuildManifest:
    raw = ports.artifacts.read(f"builds/{build_id}/manifest.json", MANIFEST_MAX_BYTES)
    try:
        return BuildManifest.model_validate_json(raw)
    except ValidationError as exc:
        raise InvalidInput(f"build manifest {first_error(exc)}") from None
