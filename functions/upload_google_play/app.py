"""Upload to Google Play: check the AAB's digest, then upload it in a Play edit."""

from capstan.entry import task
from capstan.models.release import ApprovedRelease
from capstan.steps.delivery import upload_google_play

handler = task(ApprovedRelease)(upload_google_play)
