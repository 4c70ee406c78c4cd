"""The one Lambda asset: the core package, the handlers, the app catalogue and the pure-Python dependencies the layer lacks.

The asset is staged into a fresh directory at synth time, so it holds exactly what the
functions import and nothing else (no local stack, CDK code, tests, examples or docs).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path
from types import ModuleType

import defusedxml

from capstan.workflow import ROOT

# Directories of the repository that Lambda runs, relative to the asset root.
SOURCE_DIRS = ("capstan", "functions", "config")
# Dependencies outside the Powertools layer and the Lambda runtime (boto3, urllib3), all pure Python.
VENDORED: tuple[ModuleType, ...] = (defusedxml,)

_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", ".DS_Store")


def stage_lambda_asset() -> Path:
    """Copy what the functions need into a new directory and return it; the directory is removed at exit.

    CDK copies the directory into the cloud assembly while the stack is built, so the
    staging directory only has to live as long as this process.
    """
    staging = Path(tempfile.mkdtemp(prefix="capstan-lambda-asset-"))
    atexit.register(shutil.rmtree, staging, ignore_errors=True)
    for name in SOURCE_DIRS:
        shutil.copytree(ROOT / name, staging / name, ignore=_IGNORE)
    for module in VENDORED:
        package = Path(module.__file__).parent
        shutil.copytree(package, staging / package.name, ignore=_IGNORE)
    return staging
