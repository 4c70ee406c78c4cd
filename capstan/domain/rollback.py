"""Rollback rules: who may ask, how often, and what the target is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ReleaseView:
    """A release as the rollback rules see it."""

    release_id: str
    status: str  # in_progress | live | superseded | failed | rolled_back
    known_good: bool
    marked_bad: bool
    started_at: datetime
    live_bundle_id: str | None


def refuse_requester(trigger: str, requested_by: str, on_call: list[str]) -> str | None:
    if trigger == "on_call" and requested_by not in on_call:
        return f"{requested_by} is not on call for this app"
    return None


def live_release(releases: list[ReleaseView], release_id: str | None) -> ReleaseView | str:
    """The release to roll back: the named one, or the newest live or rolling-out one."""
    candidates = [r for r in releases if r.status in ("live", "in_progress")]
    if release_id:
        match = next((r for r in releases if r.release_id == release_id), None)
        if match is None:
            return f"release {release_id} is unknown"
        if match.status not in ("live", "in_progress"):
            return f"release {release_id} is not live (it is {match.status})"
        return match
    if not candidates:
        return "the app has no live release"
    return max(candidates, key=lambda r: r.started_at)


def target_release(releases: list[ReleaseView], bad: ReleaseView) -> ReleaseView | str:
    """The last known-good release other than the bad one; never one marked bad."""
    good = [r for r in releases if r.known_good and not r.marked_bad and r.release_id != bad.release_id and r.live_bundle_id]
    if not good:
        return "there is no known-good release to go back to"
    return max(good, key=lambda r: r.started_at)


def refuse_rate(trigger: str, recent: list[datetime], now: datetime, cap: int, cooldown_minutes: int) -> str | None:
    """At most `cap` automatic rollbacks per 24 h, and none within the cooldown of the last."""
    if trigger != "alarm":
        return None
    day = [t for t in recent if now - t < timedelta(hours=24)]
    if len(day) >= cap:
        return f"{len(day)} automatic rollbacks in 24 h reached the cap of {cap}; paging a human"
    if day and now - max(day) < timedelta(minutes=cooldown_minutes):
        return f"within the {cooldown_minutes}-minute cooldown after the last rollback"
    return None
