"""Revert live-update channel: point it back at the last known-good bundle."""

from capstan.entry import task
from capstan.steps.rollback import PlanInput, revert_live_update

handler = task(PlanInput)(revert_live_update)
