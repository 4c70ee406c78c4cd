"""Request approval: email each approver a signed one-time link; the task token stays here."""

from capstan.entry import task
from capstan.models.release import ApprovalTaskInput
from capstan.steps.approval import request_approval

handler = task(ApprovalTaskInput)(request_approval)
