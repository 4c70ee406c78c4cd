"""Upload to App Store: check the IPA's digest, then upload it through App Store Connect."""

from capstan.entry import task
from capstan.models.release import ApprovedRelease
from capstan.steps.delivery import upload_app_store

# Once per business key: a retried or redelivered call returns the first result instead of acting again.
handler = task(ApprovedRelease, once_per=lambda inp: inp.release.request.release_id)(upload_app_store)
