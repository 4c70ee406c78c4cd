"""Task tokens at rest: sealed with KMS, bound to their release."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from capstan.ports import default_ports


def test_a_task_token_is_stored_sealed_and_opens_only_for_its_own_release(stack):
    vault = default_ports().tokens
    token = "AAAAKgAAAAIAAAAAAAAAAfake-task-token-for-the-test"
    sealed = vault.seal(token, "rel-hello-ai-1")
    assert token not in sealed and vault.open(sealed, "rel-hello-ai-1") == token
    with pytest.raises(ClientError):
        vault.open(sealed, "rel-hello-ai-2")
