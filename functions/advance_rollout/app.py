"""Advance rollout: move every store to the next rollout fraction."""

from capstan.entry import task
from capstan.models.release import RollingRelease
from capstan.steps.delivery import advance_rollout

handler = task(RollingRelease)(advance_rollout)
