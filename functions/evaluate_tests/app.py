"""Evaluate tests: apply the app's test policy to the build's JUnit and coverage reports."""

from capstan.entry import task
from capstan.models.release import BuiltRelease
from capstan.steps.test_gate import evaluate_tests

handler = task(BuiltRelease)(evaluate_tests)
