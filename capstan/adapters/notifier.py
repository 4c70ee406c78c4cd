"""Notifications through the SNS topic; a message for one person carries a `recipient` attribute for filter policies."""

from __future__ import annotations

from typing import Any

from capstan.adapters.aws import client


class Notifier:
    def __init__(self, topic_arn: str, sns_client: Any = None):
        self._topic = topic_arn
        self._sns = sns_client or client("sns")

    def send(self, subject: str, message: str, *, audience: str, recipient: str | None = None) -> str:
        attributes = {"audience": {"DataType": "String", "StringValue": audience}}
        if recipient:
            attributes["recipient"] = {"DataType": "String", "StringValue": recipient}
        return self._sns.publish(TopicArn=self._topic, Subject=subject[:100], Message=message, MessageAttributes=attributes)["MessageId"]
