"""Typed errors: each class name is an `ErrorEquals` name in the state machines.

The class name is what Lambda reports as `errorType`, so a Catch in the ASL matches
by it. `tests/unit/test_error_contract.py` proves every name used in the ASL is a
class here and that each one is raised somewhere.
"""


class CapstanError(Exception):
    """Base of every error the workflow may catch by name."""


class InvalidInput(CapstanError):
    """An event or state input failed validation; never retried."""


class ReleaseLocked(CapstanError):
    """Another release of the same app and track is in flight."""


class RollbackLocked(CapstanError):
    """A rollback of the same app is already running."""


class BuildFailed(CapstanError):
    """The build finished in a state other than SUCCEEDED."""


class TestGateFailed(CapstanError):
    """The test reports do not meet the app's test policy."""

    __test__ = False  # not a pytest test class


class ScanGateFailed(CapstanError):
    """The security scans found what the app's scan policy does not allow."""


class ApprovalRejected(CapstanError):
    """An approver rejected the release (or its approval expired)."""


class ArtifactIntegrityError(CapstanError):
    """An artifact's bytes do not match the digest the build recorded."""


class StoreUnavailable(CapstanError):
    """A store API kept failing with transient errors; safe to retry later."""


class StoreRejected(CapstanError):
    """A store API refused the request; retrying the same request will not help."""


class RollbackRefused(CapstanError):
    """A rollback request failed a rule (unknown app, not on call, cap reached, ...)."""
