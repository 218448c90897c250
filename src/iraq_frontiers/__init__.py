"""iraq-frontiers: a curated dataset of security events on Iraq's frontiers, and its toolkit.

Importing this package is cheap: pandas, polars, pyarrow, DuckDB, pandera and frictionless
are imported only by the functions that need them.
"""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__all__ = ["__version__", "validate", "load", "connect", "cite", "datapackage_path", "pandera_schema"]

# Public name -> module that defines it; resolved on first use (PEP 562) to keep import fast.
_LAZY = {
    "validate": "iraq_frontiers.validation.run",
    "load": "iraq_frontiers.release.access",
    "connect": "iraq_frontiers.release.access",
    "datapackage_path": "iraq_frontiers.release.access",
    "cite": "iraq_frontiers.release.citation",
    "pandera_schema": "iraq_frontiers.schema.compiler",
}

if TYPE_CHECKING:  # pragma: no cover
    from iraq_frontiers.validation.run import validate


def __dir__() -> list[str]:
    """dir(iraq_frontiers): the public API (resolved lazily, so it is not in the module's namespace until used)."""
    return sorted(__all__)


def __getattr__(name: str) -> Any:
    if name == "__version__":
        # schemas/package.json holds the one version (bundled in the wheel as _data/schemas): read it
        # there first, so an editable install does not report a stale version after a bump.
        try:
            from iraq_frontiers.schema.metadata import package_metadata

            return package_metadata()["version"]
        except (FileNotFoundError, KeyError):
            from importlib.metadata import version

            return version("iraq-frontiers")
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'iraq_frontiers' has no attribute {name!r}")
