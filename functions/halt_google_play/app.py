"""Halt Google Play rollout: set the bad release to halted."""

from capstan.entry import task
from capstan.steps.rollback import PlanInput, halt_google_play

# Once per business key: a retried or redelivered call returns the first result instead of acting again.
handler = task(PlanInput, once_per=lambda inp: inp.plan.rollback_id)(halt_google_play)
