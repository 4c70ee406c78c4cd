"""Build finished: a CodeBuild Build State Change event calls back the waiting release, once."""

from capstan.entry import task
from capstan.models.events import BuildStateChange
from capstan.steps.release import build_finished

handler = task(BuildStateChange, on_invalid="return")(build_finished)
