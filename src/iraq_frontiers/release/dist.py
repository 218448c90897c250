"""The toolkit in the release: `dist/` holds the sdist and the wheel of the checkout a release is built from.

A release built from the source checkout's own `datapackage/` carries the package it was built with, so a user
can install exactly that toolkit and data from the release folder (`pip install dist/iraq_frontiers-V-py3-none-any.whl`):
both are built with hatchling (the project's build backend, in the [toolkit] extra), the wheel by the same build
hook as `pip wheel .` (hatch_build.py: the Parquet package inside it). They are listed in SHA256SUMS like every
file, so `iraq-frontiers verify` checks them. Builds are reproducible: hatchling fixes the timestamps
(SOURCE_DATE_EPOCH when set) and the Parquet package inside is dated like the release.

A rebuild with --force must give the same data; the toolkit files under dist/ may differ (code changed, data
not) and are replaced (release/publish.py).
"""
from __future__ import annotations

import os
from pathlib import Path

DIST = "dist"


def checkout_of(source: str | os.PathLike) -> Path | None:
    """The source checkout whose `datapackage/` is `source`, or None (another package, or an installed wheel)."""
    from iraq_frontiers.schema.metadata import repo_root

    root = repo_root()
    if root is None or not (root / "hatch_build.py").is_file():
        return None
    try:
        same = Path(source).resolve() in ((root / "datapackage").resolve(), (root / "datapackage" / "datapackage.json").resolve())
    except (OSError, RuntimeError):
        return None
    return root if same else None


def missing_builder() -> str | None:
    """Why dist/ cannot be built here (hatchling is not installed), or None."""
    from importlib.util import find_spec

    if find_spec("hatchling") is None:
        return ("the release carries no dist/ (wheel and sdist): the Python package 'hatchling' is not installed: "
                "pip install 'iraq-frontiers[toolkit]'")
    return None


def write_dist(root: Path, folder: Path) -> list[Path]:
    """Build the sdist and the wheel of checkout `root` into `folder` (created); the two paths."""
    from hatchling.builders.sdist import SdistBuilder
    from hatchling.builders.wheel import WheelBuilder

    folder.mkdir(parents=True, exist_ok=True)
    built = []
    for builder in (SdistBuilder(str(root)), WheelBuilder(str(root))):
        built += [Path(p) for p in builder.build(directory=str(folder), versions=["standard"])]
    return built
