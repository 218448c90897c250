"""Optional dependencies: import one, or say which extra of iraq-frontiers installs it.

The base install (`pip install iraq-frontiers`) holds the data and pyarrow, enough for
`load(..., backend="arrow")`. Everything else is an extra (pyproject.toml):

    [pandas]  load() as pandas DataFrames      [polars]  load(backend="polars")
    [duckdb]  connect()                        [toolkit] validate, build, import, synth, diff, site
    [geo]     GeoPandas for locations          [test]    everything, and the test tools
"""
from __future__ import annotations

from importlib import import_module
from types import ModuleType


class MissingExtra(ImportError):
    """An optional dependency is not installed; the message names the pip command that installs it."""


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import `module`, or raise MissingExtra: `purpose` needs it, `pip install 'iraq-frontiers[extra]'` adds it."""
    try:
        return import_module(module)
    except ImportError as exc:
        raise MissingExtra(f"{purpose} needs the Python package {module.split('.')[0]!r}, which is not installed: "
                           f"pip install 'iraq-frontiers[{extra}]'") from exc
