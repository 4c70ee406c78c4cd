"""Pause App Store phased release."""

from capstan.entry import task
from capstan.steps.rollback import PlanInput, pause_app_store

# Once per business key: a retried or redelivered call returns the first result instead of acting again.
handler = task(PlanInput, once_per=lambda inp: inp.plan.rollback_id)(pause_app_store)
