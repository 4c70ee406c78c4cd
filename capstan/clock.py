"""The one place that reads the wall clock; the domain is handed `now` instead."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
