"""Record the release's outcome, update its status and release its lock."""

from capstan.entry import task
from capstan.models.release import RecordReleaseInput
from capstan.steps.delivery import record_release

handler = task(RecordReleaseInput)(record_release)
