"""cdk-nag acknowledgements: one finding on one construct (and its children), always with a specific reason.

cdk-nag v3 reads CDK's native acknowledgements (`Validations.of(construct).acknowledge`);
a rule that reports several findings per resource is acknowledged one finding at a time,
as `RuleId[Finding]` (e.g. `AwsSolutions-IAM5[Resource::*]`).
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct


def acknowledge(construct: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge one cdk-nag finding on a construct and everything under it."""
    if len(reason) < 40:
        raise ValueError(f"the acknowledgement of {rule} needs a specific reason, not {reason!r}")
    Validations.of(construct).acknowledge(Acknowledgment(id=rule, reason=reason))
