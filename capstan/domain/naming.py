"""Deterministic execution names, so that a repeated event starts nothing twice."""

from __future__ import annotations

import hashlib
import re

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def _name(prefix: str, app_id: str, key: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    safe_app = _UNSAFE.sub("-", app_id)[:40]
    return f"{prefix}-{safe_app}-{digest}"


def release_id(app_id: str, track: str, commit: str) -> str:
    """One release per app, track and commit; the branch name never enters the name."""
    return _name("rel", app_id, f"{app_id}|{track}|{commit}")


def rollback_id(app_id: str, trigger_key: str) -> str:
    """One rollback per trigger: an alarm and its state-change time, or an on-call event id."""
    return _name("rb", app_id, f"{app_id}|{trigger_key}")
