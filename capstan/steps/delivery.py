"""Delivery: uploads to the stores, the staged rollout, the alarm check and the release's outcome."""

from __future__ import annotations

from capstan.domain import rollout
from capstan.errors import ArtifactIntegrityError
from capstan.models.release import (
    AlarmCheck,
    ApprovedRelease,
    Notification,
    RecordReleaseInput,
    ReleaseRequest,
    RollingRelease,
    RolloutProgress,
    UploadResult,
)
from capstan.ports import Ports
from capstan.steps.release import lock_id


def _approved_artifact(inp: ApprovedRelease, kind: str, ports: Ports) -> bytes:
    """Read an artifact only if the approval covered exactly the build's digests, then check its bytes."""
    if sorted(a.sha256 for a in inp.build.artifacts) != sorted(inp.approval.artifact_digests):
        raise ArtifactIntegrityError("the artifacts changed after approval; the approval is void")
    art = inp.build.artifact(kind)
    return ports.artifacts.read_verified(art.key, art.sha256, art.size)


def _uploaded(inp: ApprovedRelease, ports: Ports, result: UploadResult, **release_fields) -> UploadResult:
    req = inp.release.request
    ports.releases.update(req.app_id, req.release_id, ports.clock(), **release_fields)
    ports.ledger.append(req.release_id, f"uploaded to {result.store}", ports.clock(), result.model_dump())
    return result


def upload_app_store(inp: ApprovedRelease, ports: Ports) -> UploadResult:
    app = ports.app(inp.release.request.app_id)
    ipa = _approved_artifact(inp, "ios_ipa", ports)
    upload = ports.app_store.upload_build(app.ios.app_id, inp.build.version_name, str(inp.build.version_code), ipa)
    version_id = ports.app_store.app_store_version_id(upload)
    return _uploaded(
        inp,
        ports,
        UploadResult(store="app_store", version=f"{inp.build.version_name} ({inp.build.version_code})", store_ref=version_id),
        app_store_version_id=version_id,
    )


def upload_google_play(inp: ApprovedRelease, ports: Ports) -> UploadResult:
    app = ports.app(inp.release.request.app_id)
    aab = _approved_artifact(inp, "android_aab", ports)
    code = ports.google_play.upload_bundle(app.android.package_name, aab)
    return _uploaded(inp, ports, UploadResult(store="google_play", version=str(code), store_ref=str(code)), play_version_code=code)


def publish_live_update(inp: ApprovedRelease, ports: Ports) -> UploadResult:
    app = ports.app(inp.release.request.app_id)
    bundle = _approved_artifact(inp, "web_bundle", ports)
    art = inp.build.artifact("web_bundle")
    bundle_id = ports.live_update.publish_bundle(
        app.live_update.app_id, inp.build.version_name, bundle, art.sha256, app.live_update.native_min
    )
    return _uploaded(
        inp, ports, UploadResult(store="live_update", version=inp.build.version_name, store_ref=bundle_id), live_bundle_id=bundle_id
    )


def advance_rollout(inp: RollingRelease, ports: Ports) -> RolloutProgress:
    """Move all three layers to the next fraction of the app's rollout policy."""
    req = inp.release.request
    app = ports.app(req.app_id)
    step = rollout.next_step(app.rollout, inp.rollout)
    refs = {u.store: u.store_ref for u in inp.uploads}
    ports.google_play.set_rollout(
        app.android.package_name,
        app.android.track,
        int(refs["google_play"]),
        step.fraction,
        f"{inp.build.version_name} ({inp.build.version_code})",
    )
    if step.step == 0:
        # Apple paces a phased release itself (7 days); it stays pausable for a rollback all that time.
        phased_id = ports.app_store.start_phased_release(refs["app_store"])
        ports.releases.update(req.app_id, req.release_id, ports.clock(), phased_release_id=phased_id)
    ports.live_update.set_channel(
        app.live_update.app_id, app.live_update.channel, refs["live_update"], rollout.live_update_percent(step.fraction)
    )
    ports.releases.update(req.app_id, req.release_id, ports.clock(), rollout_fraction=step.fraction)
    ports.ledger.append(req.release_id, "rollout advanced", ports.clock(), step.model_dump())
    return step


def check_alarms(inp: RollingRelease, ports: Ports) -> AlarmCheck:
    firing = ports.alarms.firing(ports.app(inp.release.request.app_id).alarms)
    if firing:
        ports.ledger.append(inp.release.request.release_id, "alarm firing", ports.clock(), {"alarms": firing})
    return AlarmCheck(healthy=not firing, firing=firing)


def _tell_pusher(ports: Ports, req: ReleaseRequest, outcome: str, reason: str) -> None:
    """The person who pushed hears directly when their release was rejected or its approval expired."""
    app = ports.app(req.app_id)
    if req.pushed_by not in {p.id for p in app.developers}:
        return  # no address on file; the team notification still goes out
    what = "was rejected" if outcome == "rejected" else "expired before anyone approved it"
    ports.notifier.send(
        f"Your release of {req.app_id} {what}"[:100],
        f"Hello {req.pushed_by},\n\nThe release of {req.app_id} at commit {req.commit[:12]} ({req.ref}) {what}.\n"
        f"{reason[:1000]}\n\nPush a new commit to start a new release.",
        audience="pusher",
        recipient=req.pushed_by,
    )


_STATUS = {
    "succeeded": "live",
    "failed": "failed",
    "rejected": "rejected",
    "expired": "expired",
    "timed_out": "failed",
    "halted": "halted",
    "refused": "refused",
}


def record_release(inp: RecordReleaseInput, ports: Ports) -> Notification:
    """Record the release's outcome, update its status, release its lock, and say what happened."""
    state, now = inp.state, ports.clock()
    req = state.release.request if state.release else state.request
    reason = state.error.cause if state.error else ""
    error = state.error.error if state.error else None
    if inp.outcome == "succeeded":
        for item in ports.releases.for_app(req.app_id):
            if item["status"] == "live" and item["release_id"] != req.release_id:
                ports.releases.update(req.app_id, item["release_id"], now, status="superseded")
        ports.releases.update(req.app_id, req.release_id, now, status="live", known_good=True, finished_at=now.isoformat())
    elif req is not None and ports.releases.get(req.app_id, req.release_id):
        ports.releases.update(
            req.app_id, req.release_id, now, status=_STATUS[inp.outcome], finished_at=now.isoformat(), error=error or inp.outcome
        )
    if req is not None and inp.outcome != "succeeded":
        # Links still in inboxes now show the outcome instead of offering a decision.
        ports.approvals.close_round(req.release_id, inp.outcome, now)
    if req is not None:
        # Only our own lock: a request refused because another release holds it leaves that lock alone.
        ports.locks.release(lock_id(req.app_id, req.track), owner=req.release_id)
        ports.ledger.append(req.release_id, f"release {inp.outcome}", now, {"error": error, "cause": reason[:1000]})
    name = f"{req.app_id} {req.release_id}" if req else "a release"
    if req is not None and inp.outcome in ("rejected", "expired"):
        _tell_pusher(ports, req, inp.outcome, reason)
    if inp.outcome == "succeeded":
        version = state.build.version_name if state.build else ""
        return Notification(subject=f"Released {req.app_id} {version}", message=f"{name} is live on every store and channel.")
    return Notification(
        subject=f"Release {inp.outcome}: {req.app_id if req else 'unknown app'}"[:100],
        message=f"{name} ended {inp.outcome}.\nReason: {error or inp.outcome}: {reason[:2000]}",
    )
