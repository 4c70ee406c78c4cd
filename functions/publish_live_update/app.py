"""Publish live update: check the web bundle's digest, then publish it (the channel is moved by the rollout)."""

from capstan.entry import task
from capstan.models.release import ApprovedRelease
from capstan.steps.delivery import publish_live_update

handler = task(ApprovedRelease)(publish_live_update)
