"""Why a release cannot be built: ReleaseError and its kinds, each with the exit code the CLI returns."""
from __future__ import annotations


class ReleaseError(Exception):
    """The release cannot be built; `exit_code` is 1 for invalid data or version, 2 for usage/input."""

    exit_code = 2

    def __init__(self, message: str, report=None):
        super().__init__(message)
        self.report = report


class InvalidPackage(ReleaseError):
    exit_code = 1


class BumpTooSmall(ReleaseError):
    exit_code = 1


class ReleaseExists(ReleaseError):
    exit_code = 2


class VersionConflict(ReleaseError):
    """The version already exists in --out with other content: a version is one content."""

    exit_code = 1


class NoChangelogSection(ReleaseError):
    """CHANGELOG.md has no dated section for the version being released."""

    exit_code = 1
