"""CloudWatch alarm states of a release."""

from __future__ import annotations

from typing import Any

from capstan.adapters.aws import client


class AlarmReader:
    def __init__(self, cloudwatch_client: Any = None):
        self._cw = cloudwatch_client or client("cloudwatch")

    def firing(self, names: list[str]) -> list[str]:
        if not names:
            return []
        alarms = self._cw.describe_alarms(AlarmNames=names)["MetricAlarms"]
        return sorted(a["AlarmName"] for a in alarms if a["StateValue"] == "ALARM")
