"""Rotate link keys: Secrets Manager's rotation function for the approval links' signing keys."""

from capstan.entry import task
from capstan.steps.key_rotation import RotationStep, rotate_link_keys

handler = task(RotationStep)(rotate_link_keys)
