#!/usr/bin/env python3
"""The CDK app: CapstanStack, checked at synth by cdk-nag's AwsSolutions and Serverless packs.

cdk-nag v3 runs as a CDK policy-validation plugin: any finding that no
`Validations.of(construct).acknowledge(...)` covers fails the synth, so `python app.py`
(and `cdk synth`) exits non-zero.
"""

from __future__ import annotations

import os
import sys

# jsii warns loudly on every synth that Node 20 is past its end of life; Capstan supports 20+
# (the README recommends 22+). Silence only that notice, only for Node 20.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from aws_cdk import App, Validations  # noqa: E402 - after the environment above
from cdk_nag import AwsSolutionsChecks, ServerlessChecks  # noqa: E402

from infra import feature_flags  # noqa: E402
from infra.stack import CapstanStack  # noqa: E402

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
