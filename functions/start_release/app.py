"""Start release: a push event (CodeCommit, or GitHub relayed) becomes one release execution."""

from capstan.entry import task
from capstan.models.events import PushEvent
from capstan.steps.intake import start_release

handler = task(PushEvent, on_invalid="return")(start_release)
