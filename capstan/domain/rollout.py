"""Staged rollout: which fraction comes next, and when a rollout is complete."""

from __future__ import annotations

from capstan.config import RolloutPolicy
from capstan.models.release import RolloutProgress


def next_step(policy: RolloutPolicy, current: RolloutProgress | None) -> RolloutProgress:
    """The step after `current` (the first step when there is none)."""
    step = 0 if current is None else current.step + 1
    if step >= len(policy.fractions):
        raise ValueError("rollout already complete")
    fraction = policy.fractions[step]
    return RolloutProgress(step=step, fraction=fraction, bake_seconds=policy.bake_seconds, complete=step == len(policy.fractions) - 1)


def play_fraction(fraction: float) -> float | None:
    """Play's userFraction: 0 < f < 1 while staged; None once the release is completed."""
    return None if fraction >= 1.0 else fraction


def live_update_percent(fraction: float) -> int:
    return max(1, min(100, round(fraction * 100)))
