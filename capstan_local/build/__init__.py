"""The local stand-in for AWS CodeBuild: runs a buildspec and publishes its reports, artifacts and manifest to S3."""

from capstan_local.build.buildspec import BuildspecError, load_buildspec
from capstan_local.build.runner import LocalBuildRunner

__all__ = ["BuildspecError", "LocalBuildRunner", "load_buildspec"]
