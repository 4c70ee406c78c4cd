"""boto3 clients, created once per process (endpoint and region come from the standard AWS variables)."""

from __future__ import annotations

import json
from decimal import Decimal
from functools import cache
from typing import Any

import boto3
from botocore.config import Config

_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=5, read_timeout=30)


@cache
def client(service: str) -> Any:
    return boto3.session.Session().client(service, config=_CONFIG)


@cache
def table(name: str) -> Any:
    return boto3.session.Session().resource("dynamodb", config=_CONFIG).Table(name)


def is_conditional_failure(exc: Exception) -> bool:
    code = getattr(exc, "response", {}).get("Error", {}).get("Code")
    return code in ("ConditionalCheckFailedException", "TransactionCanceledException")


def unless_condition_fails(call: Any, **kwargs: Any) -> Any:
    """Make a conditional DynamoDB write; None when its condition does not hold (anything else raises)."""
    try:
        return call(**kwargs)
    except Exception as exc:  # botocore's ClientError, whose code says which
        if is_conditional_failure(exc):
            return None
        raise


def reset() -> None:
    """Forget cached clients (the local stack calls this when it moves the endpoint)."""
    client.cache_clear()
    table.cache_clear()


def dynamo_safe(value: Any) -> Any:
    """A value DynamoDB accepts: floats become Decimals; anything else JSON can say is kept."""
    return json.loads(json.dumps(value, default=str), parse_float=Decimal)
