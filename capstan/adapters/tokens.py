"""Task tokens at rest: sealed with KMS before they are stored, bound to their release by the encryption context.

Whoever can read the builds or approvals table still cannot call a release back: the
token opens only with kms:Decrypt on the key and only for the release it was sealed for.
"""

from __future__ import annotations

import base64
from typing import Any

from capstan.adapters.aws import client

PURPOSE = "capstan-task-token"


class TaskTokenVault:
    def __init__(self, key_id: str, kms_client: Any = None):
        self._key = key_id
        self._kms = kms_client or client("kms")

    def seal(self, token: str, release_id: str) -> str:
        blob = self._kms.encrypt(KeyId=self._key, Plaintext=token.encode(), EncryptionContext=self._context(release_id))
        return base64.b64encode(blob["CiphertextBlob"]).decode()

    def open(self, sealed: str, release_id: str) -> str:
        plain = self._kms.decrypt(CiphertextBlob=base64.b64decode(sealed), EncryptionContext=self._context(release_id))
        return plain["Plaintext"].decode()

    @staticmethod
    def _context(release_id: str) -> dict[str, str]:
        return {"purpose": PURPOSE, "release_id": release_id}
