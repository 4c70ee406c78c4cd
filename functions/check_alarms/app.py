"""Check alarms: read the release's CloudWatch alarms between rollout steps."""

from capstan.entry import task
from capstan.models.release import RollingRelease
from capstan.steps.delivery import check_alarms

handler = task(RollingRelease)(check_alarms)
