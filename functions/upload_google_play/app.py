"""Upload to Google Play: check the AAB's digest, then upload it in a Play edit."""

from capstan.entry import task
from capstan.models.release import ApprovedRelease
from capstan.steps.delivery import upload_google_play

# Once per business key: a retried or redelivered call returns the first result instead of acting again.
handler = task(ApprovedRelease, once_per=lambda inp: inp.release.request.release_id)(upload_google_play)
