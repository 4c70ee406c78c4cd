"""Secrets read at run time with an explicit cache age; values never reach a log."""

from __future__ import annotations

import base64
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

        The secret is `{"current": kid, "keys": {kid: base64 key, ...}}`; rotation adds a
        key and moves `current`, leaving the previous key in `keys` until links signed
        with it have expired.
        """
        doc = self.json(secret_id)
        keys = {kid: base64.b64decode(value) for kid, value in doc["keys"].items()}
        if doc["current"] not in keys or any(len(k) < 32 for k in keys.values()):
            raise ValueError("link key secret is malformed")
        return doc["current"], keys
