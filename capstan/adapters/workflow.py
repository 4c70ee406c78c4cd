"""Step Functions calls: idempotent starts and task callbacks."""

from __future__ import annotations

import json
from typing import Any

from capstan.adapters.aws import client


class WorkflowClient:
    def __init__(self, sfn_client: Any = None):
        self._sfn = sfn_client or client("stepfunctions")

    def start(self, state_machine_arn: str, name: str, payload: dict[str, Any]) -> tuple[str, bool]:
        """Start an execution by its deterministic name; returns (execution ARN, started now)."""
        try:
            arn = self._sfn.start_execution(stateMachineArn=state_machine_arn, name=name, input=json.dumps(payload))["executionArn"]
            return arn, True
        except self._sfn.exceptions.ExecutionAlreadyExists:
            prefix = state_machine_arn.replace(":stateMachine:", ":execution:")
            return f"{prefix}:{name}", False

    def succeed(self, task_token: str, output: dict[str, Any]) -> bool:
        """Call back a waiting task; False when the task no longer exists (timed out or finished)."""
        try:
            self._sfn.send_task_success(taskToken=task_token, output=json.dumps(output))
        except (self._sfn.exceptions.TaskTimedOut, self._sfn.exceptions.InvalidToken, self._sfn.exceptions.TaskDoesNotExist):
            return False
        return True

    def fail(self, task_token: str, error: str, cause: str) -> bool:
        try:
            self._sfn.send_task_failure(taskToken=task_token, error=error, cause=cause[:32768])
        except (self._sfn.exceptions.TaskTimedOut, self._sfn.exceptions.InvalidToken, self._sfn.exceptions.TaskDoesNotExist):
            return False
        return True
