"""Validate and record: check the request, take the release lock, record the start."""

from capstan.entry import task
from capstan.steps.release import ValidateInput, validate_release

handler = task(ValidateInput)(validate_release)
