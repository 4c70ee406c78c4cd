"""Start build: start CodeBuild for the commit and keep the task token server-side."""

from capstan.entry import task
from capstan.models.release import BuildTaskInput
from capstan.steps.release import start_build

# Once per business key: a retried or redelivered call returns the first result instead of acting again.
handler = task(BuildTaskInput, once_per=lambda inp: inp.state.release.request.release_id)(start_build)
