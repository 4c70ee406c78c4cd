#!/usr/bin/env python3
"""The CDK app: CapstanStack, checked at synth by cdk-nag's AwsSolutions and Serverless packs.

cdk-nag v3 runs as a CDK policy-validation plugin: any finding that no
`Validations.of(construct).acknowledge(...)` covers fails the synth, so `python app.py`
(and `cdk synth`) exits non-zero.
"""

from __future__ import annotations

import sys

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks, ServerlessChecks

from infra import feature_flags
from infra.stack import CapstanStack

STACK_NAME = "CapstanStack"


def add_checks(app: App) -> None:
    """Run cdk-nag's AwsSolutions and Serverless packs when the app is synthesized."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app, verbose=True), ServerlessChecks(app, verbose=True))


def build(outdir: str | None = None) -> tuple[App, CapstanStack]:
    """The app with its one stack and both nag packs registered (synthesis runs them)."""
    app = App(context=feature_flags(), outdir=outdir)
    stack = CapstanStack(app, STACK_NAME, description="Capstan: serverless release orchestrator for Capacitor apps")
    add_checks(app)
    return app, stack


def main() -> int:
    app, _ = build()
    try:
        app.synth()
    except RuntimeError as exc:
        if "ValidationFailed" not in str(exc):
            raise
        # The report with every finding has been printed above.
        print(f"cdk-nag: unacknowledged findings; {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
