"""Start build: start CodeBuild for the commit and keep the task token server-side."""

from capstan.entry import task
from capstan.models.release import BuildTaskInput
from capstan.steps.release import start_build

handler = task(BuildTaskInput)(start_build)
