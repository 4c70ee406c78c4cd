"""Secrets read at run time with an explicit cache age; values never reach a log."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities import parameters


class SecretReader:
    def __init__(self, max_age_s: int, provider: Any = None):
        self._max_age = max_age_s
        self._provider = provider or parameters.SecretsProvider()

    def json(self, secret_id: str) -> dict[str, Any]:
        return json.loads(self._provider.get(secret_id, max_age=self._max_age))

    def link_keys(self, secret_id: str) -> tuple[str, dict[str, bytes]]:
        """The current signing key id and every key that still verifies (current and previous).

        The secret is flat JSON, as Secrets Manager generates it: `{"current": kid, kid: key, ...}`,
        each key at least 43 characters. Rotation adds a key and moves `current`, leaving the
        previous key in place until links signed with it have expired.
        """
        doc = self.json(secret_id)
        current = doc.get("current")
        keys = {kid: str(value).encode() for kid, value in doc.items() if kid != "current"}
        if current not in keys or any(len(k) < 43 for k in keys.values()):  # see domain.approval.MIN_KEY_CHARS
            raise ValueError("link key secret is malformed")
        return current, keys
