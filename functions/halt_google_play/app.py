"""Halt Google Play rollout: set the bad release to halted."""

from capstan.entry import task
from capstan.steps.rollback import PlanInput, halt_google_play

handler = task(PlanInput)(halt_google_play)
