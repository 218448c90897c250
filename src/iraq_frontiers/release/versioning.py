"""Semantic versions of the data package and the bump rule.

The version lives in schemas/package.json only. A release's version must grow from the previous
release's by at least what the difference between them requires (docs/versioning.md):

- major: a table, field or row removed, a field retyped, a primary key changed;
- minor: a table, field or row added;
- patch: a value changed, or schema details (descriptions, constraints) changed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

SEMVER = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?"
    r"(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$"
)
LEVELS = {None: 0, "patch": 1, "minor": 2, "major": 3}


class VersionError(ValueError):
    """A version string that is not semantic versioning (MAJOR.MINOR.PATCH[-pre][+build])."""


@dataclass(frozen=True, order=False)
class Version:
    major: int
    minor: int
    patch: int
    pre: str | None = None
    text: str = ""

    @classmethod
    def parse(cls, text: str) -> "Version":
        m = SEMVER.match(text or "")
        if not m:
            raise VersionError(f"{text!r} is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.4.0)")
        return cls(int(m[1]), int(m[2]), int(m[3]), m[4], text)

    @property
    def core(self) -> tuple[int, int, int]:
        return (self.major, self.minor, self.patch)

    def sort_key(self) -> tuple:
        # A pre-release sorts before its release (1.0.0-rc.1 < 1.0.0); pre-releases compare as text.
        return (*self.core, 0 if self.pre else 1, self.pre or "")

    def __lt__(self, other: "Version") -> bool:
        return self.sort_key() < other.sort_key()

    def __str__(self) -> str:
        return self.text or f"{self.major}.{self.minor}.{self.patch}"


def is_semver(text: str) -> bool:
    return bool(SEMVER.match(text or ""))


def bump_level(old: str | Version, new: str | Version) -> str | None:
    """The level of the step from old to new: 'major', 'minor', 'patch', or None when the core is equal.

    Raises VersionError when new is older than old.
    """
    o = old if isinstance(old, Version) else Version.parse(old)
    n = new if isinstance(new, Version) else Version.parse(new)
    if n.core < o.core:
        raise VersionError(f"version {n} is older than {o}")
    if n.major > o.major:
        return "major"
    if n.minor > o.minor:
        return "minor"
    if n.patch > o.patch:
        return "patch"
    return None


def required_version(old: str, required: str | None) -> str:
    """The smallest version after `old` that satisfies the required bump level."""
    o = Version.parse(old)
    if required == "major":
        return f"{o.major + 1}.0.0"
    if required == "minor":
        return f"{o.major}.{o.minor + 1}.0"
    if required == "patch":
        return f"{o.major}.{o.minor}.{o.patch + 1}"
    return str(o)


def check_bump(old: str, new: str, required: str | None) -> str | None:
    """None when going from old to new is allowed for a change needing `required`; else why not."""
    try:
        actual = bump_level(old, new)
    except VersionError as exc:
        return str(exc)
    if LEVELS[actual] < LEVELS[required]:
        need = required_version(old, required)
        got = "no version bump" if actual is None else f"a {actual} bump"
        return (f"the changes since {old} need a {required} version bump (at least {need}), "
                f"but {new} is {got}: set the version in schemas/package.json (see docs/versioning.md)")
    return None
