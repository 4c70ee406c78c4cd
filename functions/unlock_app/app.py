"""Unlock app: release the per-app rollback lock."""

from capstan.entry import task
from capstan.steps.rollback import UnlockInput, unlock_app

handler = task(UnlockInput)(unlock_app)
