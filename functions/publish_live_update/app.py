"""Publish live update: check the web bundle's digest, then publish it (the channel is moved by the rollout)."""

from capstan.entry import task
from capstan.models.release import ApprovedRelease
from capstan.steps.delivery import publish_live_update

# Once per business key: a retried or redelivered call returns the first result instead of acting again.
handler = task(ApprovedRelease, once_per=lambda inp: inp.release.request.release_id)(publish_live_update)
