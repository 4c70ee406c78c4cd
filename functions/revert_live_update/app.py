"""Revert live-update channel: point it back at the last known-good bundle."""

from capstan.entry import task
from capstan.steps.rollback import PlanInput, revert_live_update

# Once per business key: a retried or redelivered call returns the first result instead of acting again.
handler = task(PlanInput, once_per=lambda inp: inp.plan.rollback_id)(revert_live_update)
