"""Rotation of the link-signing keys, as a Secrets Manager rotation function (createSecret, setSecret,
testSecret, finishSecret): a new current key each time, the previous one still verifying."""

from __future__ import annotations

import json
import secrets
from typing import Any, Literal

from pydantic import Field

from capstan.adapters.aws import client
from capstan.domain.approval import rotated_keys
from capstan.errors import InvalidInput
from capstan.models.common import Contract
from capstan.ports import Ports


class RotationStep(Contract):
    """The event Secrets Manager sends to a rotation function."""

    step: Literal["createSecret", "setSecret", "testSecret", "finishSecret"] = Field(alias="Step")
    secret_id: str = Field(alias="SecretId", min_length=1, max_length=2048)
    token: str = Field(alias="ClientRequestToken", min_length=32, max_length=64)


class RotationDone(Contract):
    step: str
    version: str


def _pending(sm: Any, step: RotationStep) -> dict[str, str] | None:
    try:
        value = sm.get_secret_value(SecretId=step.secret_id, VersionId=step.token, VersionStage="AWSPENDING")
    except sm.exceptions.ResourceNotFoundException:
        return None
    text = value.get("SecretString")
    return json.loads(text) if text else None


def rotate_link_keys(step: RotationStep, ports: Ports, sm: Any = None) -> RotationDone:
    """One step of a rotation; each step is idempotent, as Secrets Manager may call it again."""
    sm = sm or client("secretsmanager")
    if step.secret_id != ports.settings.link_key_secret_id:
        raise InvalidInput(f"SecretId: this function rotates only the link-signing keys, not {step.secret_id[:80]}")
    current = json.loads(sm.get_secret_value(SecretId=step.secret_id, VersionStage="AWSCURRENT")["SecretString"])
    if step.step == "createSecret":
        pending = _pending(sm, step)
        if not pending or pending.get("current") == current.get("current"):
            rotated = rotated_keys(current, secrets.token_urlsafe(48))
            sm.put_secret_value(
                SecretId=step.secret_id, ClientRequestToken=step.token, SecretString=json.dumps(rotated), VersionStages=["AWSPENDING"]
            )
    elif step.step == "testSecret":
        pending = _pending(sm, step) or {}
        if pending.get("current") not in pending or len(pending[pending["current"]]) < 43:
            raise ValueError("the pending link keys are malformed")
    elif step.step == "finishSecret":
        versions = sm.describe_secret(SecretId=step.secret_id)["VersionIdsToStages"]
        now_current = next(v for v, stages in versions.items() if "AWSCURRENT" in stages)
        if now_current != step.token:
            sm.update_secret_version_stage(
                SecretId=step.secret_id, VersionStage="AWSCURRENT", MoveToVersionId=step.token, RemoveFromVersionId=now_current
            )
            # Done: the pending label has served its purpose, so the next rotation starts clean.
            sm.update_secret_version_stage(SecretId=step.secret_id, VersionStage="AWSPENDING", RemoveFromVersionId=step.token)
            ports.ledger.append("keys#link", "link keys rotated", ports.clock(), {"version": step.token})
    return RotationDone(step=step.step, version=step.token)
