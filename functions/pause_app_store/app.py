"""Pause App Store phased release."""

from capstan.entry import task
from capstan.steps.rollback import PlanInput, pause_app_store

handler = task(PlanInput)(pause_app_store)
