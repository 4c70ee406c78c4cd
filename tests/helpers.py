"""Helpers every test layer shares: the sample events in events/."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"


def load_event(name: str) -> dict[str, Any]:
    """A fresh copy of a sample event from events/."""
    return copy.deepcopy(json.loads((EVENTS / name).read_text()))


SAMPLE_COMMIT = "0123456789abcdef0123456789abcdef01234567"


def built_release_state(
    build_id: str, *, reports: list[dict], artifacts: list[dict] | None = None, commit: str = SAMPLE_COMMIT, release_id: str | None = None
) -> dict:
    """The execution state a gate step receives once the build finished: a validated release and its build."""
    request = {
        "release_id": release_id or f"rel-hello-ai-{build_id}"[:80].replace(":", "-"),
        "app_id": "hello-ai",
        "repository": "hello-ai",
        "ref": "main",
        "ref_type": "branch",
        "commit": commit,
        "pushed_by": "erin",
        "track": "production",
        "event_id": f"evt-{build_id}",
        "received_at": "2026-12-01T00:00:00Z",
    }
    timeouts = {"build_s": 1800, "approval_s": 86400, "reminder_s": 43200, "final_s": 43200}
    build = {
        "build_id": build_id,
        "status": "SUCCEEDED",
        "version_name": "1.4.0",
        "version_code": 10400,
        "native_compile": False,
        "artifacts": artifacts or [],
        "reports": reports,
    }
    return {"release": {"request": request, "lock_id": f"lock-{build_id}", "timeouts": timeouts}, "build": build}
