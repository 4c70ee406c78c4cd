"""Upload to App Store: check the IPA's digest, then upload it through App Store Connect."""

from capstan.entry import task
from capstan.models.release import ApprovedRelease
from capstan.steps.delivery import upload_app_store

handler = task(ApprovedRelease)(upload_app_store)
