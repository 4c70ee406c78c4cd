"""Advance rollout: move every store to the next rollout fraction."""

from capstan.entry import task
from capstan.models.release import RollingRelease
from capstan.steps.delivery import advance_rollout

# Once per business key: a retried or redelivered call returns the first result instead of acting again.
handler = task(RollingRelease, once_per=lambda inp: f"{inp.release.request.release_id}#{inp.rollout.step + 1 if inp.rollout else 0}")(
    advance_rollout
)
