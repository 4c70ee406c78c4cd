"""Rollback steps: validate and plan, lock, halt each layer, record, unlock."""

from __future__ import annotations

from datetime import datetime

from capstan.domain import rollback as rules
from capstan.errors import RollbackLocked, RollbackRefused, StoreRejected
from capstan.models.common import Contract
from capstan.models.release import Notification
from capstan.models.rollback import LockRef, PlannedRollback, RecordRollbackInput, RollbackPlan, RollbackRequest, StoreAction
from capstan.ports import Ports

LOCK_LEASE_S = 900


class ValidateRollbackInput(Contract):
    request: RollbackRequest


class PlanInput(Contract):
    plan: RollbackPlan


class UnlockInput(Contract):
    lock: LockRef


def _history_subject(app_id: str) -> str:
    return f"rollbacks#{app_id}"


def validate_rollback(inp: ValidateRollbackInput, ports: Ports) -> RollbackPlan:
    """Known app, allowed requester, a live release, a known-good target, under the cap and cooldown."""
    req, now = inp.request, ports.clock()
    app = ports.catalog.get(req.app_id)
    if app is None:
        raise RollbackRefused(f"app {req.app_id} is not configured")
    if (why := rules.refuse_requester(req.trigger, req.requested_by, app.on_call)) is not None:
        raise RollbackRefused(why)
    items = {i["release_id"]: i for i in ports.releases.for_app(app.app_id)}
    views = [ports.releases.view(i) for i in items.values()]
    bad = rules.live_release(views, req.release_id)
    if isinstance(bad, str):
        raise RollbackRefused(bad)
    target = rules.target_release(views, bad)
    if isinstance(target, str):
        raise RollbackRefused(target)
    recent = [
        datetime.fromisoformat(e["at"])
        for e in ports.ledger.entries(_history_subject(app.app_id))
        if e["kind"] == "rollback succeeded" and e.get("detail", {}).get("trigger") == "alarm"
    ]
    if (why := rules.refuse_rate(req.trigger, recent, now, app.max_auto_rollbacks_per_day, app.rollback_cooldown_minutes)) is not None:
        raise RollbackRefused(why)
    item = items[bad.release_id]
    if "play_version_code" not in item:
        raise RollbackRefused(f"release {bad.release_id} never reached the stores")
    plan = RollbackPlan(
        rollback_id=req.rollback_id,
        app_id=app.app_id,
        release_id=bad.release_id,
        version_name=item.get("version_name", "?"),
        version_code=int(item["play_version_code"]),
        android_package=app.android.package_name,
        android_track=app.android.track,
        phased_release_id=item.get("phased_release_id"),
        live_update_app=app.live_update.app_id,
        live_update_channel=app.live_update.channel,
        target_release_id=target.release_id,
        target_bundle_id=target.live_bundle_id or "",
    )
    ports.ledger.append(req.rollback_id, "rollback planned", now, plan.model_dump(), actor=req.requested_by)
    return plan


def lock_app(inp: PlannedRollback, ports: Ports) -> LockRef:
    lock = LockRef(lock_id=f"rollback#{inp.plan.app_id}", owner=inp.plan.rollback_id)
    if not ports.locks.acquire(lock.lock_id, lock.owner, ports.clock(), LOCK_LEASE_S):
        raise RollbackLocked(f"rollback {ports.locks.holder(lock.lock_id)} of {inp.plan.app_id} is already running")
    return lock


def halt_google_play(inp: PlanInput, ports: Ports) -> StoreAction:
    p = inp.plan
    ports.google_play.halt(p.android_package, p.android_track, p.version_code)
    return StoreAction(store="google_play", action="halt", version=str(p.version_code))


def pause_app_store(inp: PlanInput, ports: Ports) -> StoreAction:
    p = inp.plan
    if not p.phased_release_id:
        return StoreAction(store="app_store", action="none", version=p.version_name, detail="no phased release had started")
    try:
        ports.app_store.set_phased_release_state(p.phased_release_id, "PAUSED")
    except StoreRejected as exc:
        if getattr(exc, "status", None) != 409:
            raise
        # A completed phased release cannot be paused: only a higher build of the old code helps now.
        return StoreAction(store="app_store", action="none", version=p.version_name, detail=f"not pausable: {exc}"[:300])
    return StoreAction(store="app_store", action="pause", version=p.version_name)


def revert_live_update(inp: PlanInput, ports: Ports) -> StoreAction:
    p = inp.plan
    ports.live_update.revert_channel(p.live_update_app, p.live_update_channel, p.target_bundle_id)
    return StoreAction(store="live_update", action="revert", version=p.version_name, detail=f"channel back on {p.target_bundle_id}")


def record_rollback(inp: RecordRollbackInput, ports: Ports) -> Notification:
    state, now = inp.state, ports.clock()
    req, plan = state.request, state.plan
    cause = state.error.cause[:1000] if state.error else ""
    detail = {
        "trigger": req.trigger,
        "reason": req.reason[:500],
        "error": state.error.error if state.error else None,
        "cause": cause,
        "actions": [a.model_dump() for a in state.actions or []],
    }
    if inp.outcome == "succeeded" and plan is not None:
        ports.releases.update(
            plan.app_id, plan.release_id, now, status="rolled_back", marked_bad=True, known_good=False, rolled_back_by=req.requested_by
        )
        ports.releases.update(plan.app_id, plan.target_release_id, now, status="live")
        ports.ledger.append(plan.release_id, "release rolled back", now, {"rollback_id": req.rollback_id, **detail}, actor=req.requested_by)
    ports.ledger.append(req.rollback_id, f"rollback {inp.outcome}", now, detail, actor=req.requested_by)
    ports.ledger.append(
        _history_subject(req.app_id), f"rollback {inp.outcome}", now, {"rollback_id": req.rollback_id, **detail}, actor=req.requested_by
    )
    if inp.outcome == "succeeded":
        done = ", ".join(f"{a.store} {a.action}" for a in state.actions or [])
        return Notification(
            subject=f"Rolled back {req.app_id} {plan.version_name if plan else ''}"[:100],
            message=f"Rollback {req.rollback_id} ({req.trigger}, asked by {req.requested_by}): {done}.\nReason: {req.reason[:500]}",
        )
    return Notification(
        subject=f"Rollback {inp.outcome}: {req.app_id}"[:100],
        message=f"Rollback {req.rollback_id} {inp.outcome}. {state.error.error if state.error else ''}: {cause}\nA human must look now.",
    )


def unlock_app(inp: UnlockInput, ports: Ports) -> Contract:
    ports.locks.release(inp.lock.lock_id, inp.lock.owner)
    return UnlockInput(lock=inp.lock)
