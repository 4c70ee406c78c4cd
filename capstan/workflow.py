"""The functions of each workflow and the `${...}` placeholders their ASL files use.

A Task's function lives in `functions/<name>/app.py` and fills the placeholder
`${<CamelName>FunctionArn}`; the CDK stack and the local engine both derive the
substitutions from this one list.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATEMACHINE_DIR = ROOT / "statemachine"
FUNCTIONS_DIR = ROOT / "functions"

RELEASE_ASL = STATEMACHINE_DIR / "release.asl.json"
ROLLBACK_ASL = STATEMACHINE_DIR / "rollback.asl.json"

RELEASE_TASKS = (
    "validate_release",
    "start_build",
    "evaluate_tests",
    "evaluate_scans",
    "request_approval",
    "remind_approvers",
    "upload_app_store",
    "upload_google_play",
    "publish_live_update",
    "advance_rollout",
    "check_alarms",
    "record_release",
)
ROLLBACK_TASKS = (
    "validate_rollback",
    "lock_app",
    "halt_google_play",
    "pause_app_store",
    "revert_live_update",
    "record_rollback",
    "unlock_app",
)
# Started by EventBridge rules or API Gateway rather than by a Task state.
ENTRY_FUNCTIONS = ("start_release", "build_finished", "start_rollback", "approval_api", "github_webhook")
# Started by other AWS services on a schedule.
MAINTENANCE_FUNCTIONS = ("rotate_link_keys",)

ALL_FUNCTIONS = RELEASE_TASKS + ROLLBACK_TASKS + ENTRY_FUNCTIONS + MAINTENANCE_FUNCTIONS

# Placeholders that are not function ARNs.
TOPIC_PLACEHOLDER = "NotificationTopicArn"


def placeholder(function: str) -> str:
    """The ASL placeholder a function's ARN fills: `start_build` -> `StartBuildFunctionArn`."""
    return "".join(part.capitalize() for part in function.split("_")) + "FunctionArn"


def handler_path(function: str) -> str:
    """The Lambda handler string of a function, relative to the asset root."""
    return f"functions.{function}.app.handler"
