"""Remind approvers: take over the approval wait and remind those who have not decided (the links stay the same)."""

from capstan.entry import task
from capstan.models.release import ApprovalTaskInput
from capstan.steps.approval import remind_approvers

handler = task(ApprovalTaskInput)(remind_approvers)
