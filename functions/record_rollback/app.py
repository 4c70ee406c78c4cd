"""Record the rollback's outcome and mark the bad release."""

from capstan.entry import task
from capstan.models.rollback import RecordRollbackInput
from capstan.steps.rollback import record_rollback

handler = task(RecordRollbackInput)(record_rollback)
