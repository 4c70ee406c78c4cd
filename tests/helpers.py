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
