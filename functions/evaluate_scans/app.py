"""Evaluate scans: apply the app's scan policy to the build's scanner reports and the built bundle."""

from capstan.entry import task
from capstan.models.release import BuiltRelease
from capstan.steps.scan_gate import evaluate_scans

handler = task(BuiltRelease)(evaluate_scans)
