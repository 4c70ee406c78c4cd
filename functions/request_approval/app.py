"""Request approval: email each approver a signed one-time link; the task token stays here."""

from capstan.entry import task
from capstan.models.release import ApprovalTaskInput
from capstan.steps.approval import request_approval

# Once per business key: a retried or redelivered call returns the first result instead of acting again.
handler = task(ApprovalTaskInput, once_per=lambda inp: inp.state.release.request.release_id)(request_approval)
