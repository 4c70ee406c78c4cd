"""Start rollback: an alarm going to ALARM, or an on-call request, becomes one rollback execution."""

from capstan.entry import task
from capstan.models.events import RollbackTrigger
from capstan.steps.intake import start_rollback

handler = task(RollbackTrigger, on_invalid="return")(start_rollback)
