"""The artifact bucket: build manifests, reports and artifacts, read with size caps and digest checks."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from capstan.adapters.aws import client
from capstan.errors import ArtifactIntegrityError, InvalidInput

_SAFE_KEY = re.compile(r"^builds/[A-Za-z0-9._:-]+(/[A-Za-z0-9._-]+)+$")


def check_key(key: str) -> str:
    """Refuse traversal, absolute paths, backslashes, NUL and encoded tricks in an artifact key."""
    if not _SAFE_KEY.match(key) or ".." in key or "%" in key:
        raise InvalidInput(f"artifact key {key[:120]!r} is not a safe builds/ key")
    return key


class ArtifactStore:
    def __init__(self, bucket: str, s3_client: Any = None):
        self._bucket = bucket
        self._s3 = s3_client or client("s3")

    def read(self, key: str, max_bytes: int) -> bytes:
        check_key(key)
        head = self._s3.head_object(Bucket=self._bucket, Key=key)
        if head["ContentLength"] > max_bytes:
            raise InvalidInput(f"{key}: {head['ContentLength']} bytes is over the {max_bytes}-byte cap")
        return self._s3.get_object(Bucket=self._bucket, Key=key)["Body"].read(max_bytes + 1)

    def read_verified(self, key: str, sha256: str, size: int) -> bytes:
        """Read an artifact and check it is byte for byte what the build recorded."""
        data = self.read(key, max_bytes=size)
        digest = hashlib.sha256(data).hexdigest()
        if len(data) != size or digest != sha256:
            raise ArtifactIntegrityError(f"{key}: digest {digest[:16]}... does not match the build record {sha256[:16]}...")
        return data
