"""Validate rollback: known app, allowed requester, live release, known-good target, under the cap."""

from capstan.entry import task
from capstan.steps.rollback import ValidateRollbackInput, validate_rollback

handler = task(ValidateRollbackInput)(validate_rollback)
