"""The rollback workflow's execution state."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from capstan.models.common import AppId, Contract, ErrorInfo, ExecutionName, Lenient, PersonId, UtcDatetime


class RollbackRequest(Contract):
    """The execution input, built from an alarm or an on-call event."""

    rollback_id: ExecutionName
    app_id: AppId
    trigger: Literal["alarm", "on_call"]
    requested_by: PersonId
    reason: str = Field(min_length=1, max_length=2048)
    alarm_name: str | None = None
    release_id: ExecutionName | None = None
    event_id: str = Field(min_length=1, max_length=64)
    requested_at: UtcDatetime


class RollbackPlan(Contract):
    """What gets halted, paused and reverted; made by "Validate rollback"."""

    rollback_id: ExecutionName
    app_id: AppId
    release_id: ExecutionName
    version_name: str
    version_code: int
    android_package: str
    android_track: str
    phased_release_id: str | None
    live_update_app: str
    live_update_channel: str
    target_release_id: str
    target_bundle_id: str


class StoreAction(Contract):
    store: Literal["app_store", "google_play", "live_update"]
    action: Literal["halt", "pause", "revert", "none"]
    version: str
    detail: str = ""


class LockRef(Contract):
    lock_id: str
    owner: str


class RollbackState(Lenient):
    request: RollbackRequest
    plan: RollbackPlan | None = None
    lock: LockRef | None = None
    actions: list[StoreAction] | None = None
    error: ErrorInfo | None = None


class PlannedRollback(Lenient):
    request: RollbackRequest
    plan: RollbackPlan


class RecordRollbackInput(Lenient):
    outcome: Literal["succeeded", "failed", "refused"]
    state: RollbackState
