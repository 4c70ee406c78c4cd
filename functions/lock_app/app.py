"""Lock app: one rollback per app at a time."""

from capstan.entry import task
from capstan.models.rollback import PlannedRollback
from capstan.steps.rollback import lock_app

handler = task(PlannedRollback)(lock_app)
