"""Entry points from EventBridge: a push starts a release, an alarm or on-call request starts a rollback."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from capstan.domain.naming import release_id as make_release_id
from capstan.domain.naming import rollback_id as make_rollback_id
from capstan.models.common import Contract
from capstan.models.events import AlarmStateChange, CodeCommitPush, GitHubPush, OnCallRollback
from capstan.models.release import ReleaseRequest
from capstan.models.rollback import RollbackRequest
from capstan.ports import Ports


class Started(Contract):
    """What an entry function did with an event."""

    status: Literal["started", "duplicate", "ignored", "refused"]
    execution_name: str | None = None
    execution_arn: str | None = None
    reason: str | None = None
    detail: dict = Field(default_factory=dict)


def _refuse(ports: Ports, event_id: str, source: str, reason: str) -> Started:
    ports.ledger.append(
        f"refused#{source}", "refused", ports.clock(), {"event_id": event_id, "error": reason}, entry_key=f"event#{event_id}"
    )
    return Started(status="refused", reason=reason)


def _same_place(ports: Ports, account: str, region: str) -> str | None:
    arn = ports.settings.release_state_machine_arn.split(":")
    if (region, account) != (arn[3], arn[4]):
        return f"event from account {account} in {region} is not from this deployment ({arn[4]} in {arn[3]})"
    return None


def start_release(event: CodeCommitPush | GitHubPush, ports: Ports) -> Started:
    """Turn a push into one release execution, named from app, track and commit."""
    # A webhook redelivered by GitHub arrives as a new event with the same delivery id: one receipt for both.
    receipt = event.id
    if isinstance(event, CodeCommitPush):
        d = event.detail
        repository, ref, ref_type, commit = d.repository_name, d.reference_name, d.reference_type, d.commit_id
        pushed_by = d.caller_user_arn.rsplit("/", 1)[-1]
    else:
        d = event.detail
        repository, commit, pushed_by = d.repository.name, d.after, d.pusher.name
        ref_type = "tag" if d.ref.startswith("refs/tags/") else "branch"
        ref = d.ref.split("/", 2)[2]
        receipt = f"github-{d.delivery_id}"
        if d.deleted:
            return _refuse(ports, receipt, "push", f"ref {ref} was deleted; nothing to release")
    source = "push"
    if (wrong := _same_place(ports, event.account, event.region)) is not None:
        return _refuse(ports, receipt, source, wrong)
    app = ports.catalog.for_repository(repository)
    if app is None:
        return _refuse(ports, receipt, source, f"repository {repository} is not configured for any app")
    if not app.releases_ref(ref):
        ports.ledger.append(
            f"ignored#{app.app_id}", "ignored", ports.clock(), {"event_id": event.id, "ref": ref}, entry_key=f"event#{receipt}"
        )
        return Started(status="ignored", reason=f"{ref} is not a release branch or tag of {app.app_id}")
    rid = make_release_id(app.app_id, app.track, commit)
    request = ReleaseRequest(
        release_id=rid,
        app_id=app.app_id,
        repository=repository,
        ref=ref,
        ref_type=ref_type,
        commit=commit,
        pushed_by=pushed_by,
        track=app.track,
        event_id=event.id,
        received_at=ports.clock(),
    )
    arn, started = ports.workflow.start(ports.settings.release_state_machine_arn, rid, {"request": request.model_dump(mode="json")})
    ports.ledger.append(
        rid,
        "push accepted" if started else "push duplicate",
        ports.clock(),
        {"event_id": event.id, "ref": ref, "commit": commit, "execution": arn},
        actor=pushed_by,
        # Distinct keys: a redelivery racing the first delivery can never overwrite its "push accepted".
        entry_key=f"event#{receipt}" if started else f"event#{receipt}#duplicate",
    )
    return Started(status="started" if started else "duplicate", execution_name=rid, execution_arn=arn)


def start_rollback(event: AlarmStateChange | OnCallRollback, ports: Ports) -> Started:
    """Turn an alarm going to ALARM, or an on-call request, into one rollback execution."""
    if (wrong := _same_place(ports, event.account, event.region)) is not None:
        return _refuse(ports, event.id, "rollback", wrong)
    if isinstance(event, AlarmStateChange):
        d = event.detail
        if d.state.value != "ALARM":
            return _refuse(ports, event.id, "rollback", f"alarm {d.alarm_name} is {d.state.value}, not ALARM")
        app = ports.catalog.by_alarm(d.alarm_name)
        if app is None:
            return _refuse(ports, event.id, "rollback", f"alarm {d.alarm_name} belongs to no configured app")
        # Dedupe by alarm and state-change time: a repeated delivery names the same execution.
        key, trigger, who, reason, release = (
            f"{d.alarm_name}|{d.state.timestamp.isoformat()}",
            "alarm",
            "cloudwatch-alarm",
            d.state.reason or "alarm",
            None,
        )
        alarm_name = d.alarm_name
    else:
        d = event.detail
        app = ports.catalog.get(d.app_id)
        if app is None:
            return _refuse(ports, event.id, "rollback", f"app_id {d.app_id} is not a configured app")
        key, trigger, who, reason, release, alarm_name = f"oncall|{event.id}", "on_call", d.requested_by, d.reason, d.release_id, None
    rid = make_rollback_id(app.app_id, key)
    request = RollbackRequest(
        rollback_id=rid,
        app_id=app.app_id,
        trigger=trigger,
        requested_by=who,
        reason=reason[:2048],
        alarm_name=alarm_name,
        release_id=release,
        event_id=event.id,
        requested_at=ports.clock(),
    )
    arn, started = ports.workflow.start(ports.settings.rollback_state_machine_arn, rid, {"request": request.model_dump(mode="json")})
    ports.ledger.append(
        rid,
        "rollback requested" if started else "rollback duplicate",
        ports.clock(),
        {"event_id": event.id, "trigger": trigger, "reason": reason[:500], "execution": arn},
        actor=who,
        entry_key=f"event#{event.id}",
    )
    return Started(status="started" if started else "duplicate", execution_name=rid, execution_arn=arn)
