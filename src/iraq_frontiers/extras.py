"""Optional dependencies: import one, or say which extra of iraq-frontiers installs it.

The base install (`pip install iraq-frontiers`) holds the data and pyarrow, enough for
`load(..., backend="arrow")`. Everything else is an extra (pyproject.toml):

    [pandas]  load() as pandas DataFrames      [polars]  load(backend="polars")
    [duckdb]  connect()                        [toolkit] validate, build, import, synth, diff, site
    [geo]     GeoPandas for locations          [test]    everything, and the test tools
"""
from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
from types import ModuleType


class MissingExtra(ImportError):
    """An optional dependency is not installed; the message names the pip command that installs it."""


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import `module`, or raise MissingExtra: `purpose` needs it, `pip install 'iraq-frontiers[extra]'` adds it."""
    try:
        return import_pandera() if module == "pandera" else import_module(module)
    except ImportError as exc:
        raise _missing(module, extra, purpose) from exc


def _missing(module: str, extra: str, purpose: str) -> MissingExtra:
    return MissingExtra(f"{purpose} needs the Python package {module.split('.')[0]!r}, which is not installed: "
                        f"pip install 'iraq-frontiers[{extra}]'")


def import_pandera() -> ModuleType:
    """Import pandera without pyspark: pandera's __init__ imports pyspark.pandas whenever pyspark is
    installed (the [spark] extra), for pandas type hints the toolkit never uses; that would start
    every validation with pyspark's import (a second or more) and its pandas-3 warning. pyspark is
    kept out while pandera loads, unless it is loaded already (the Spark engine ran)."""
    import sys

    if "pandera" in sys.modules or "pyspark" in sys.modules:
        return import_module("pandera")
    sys.modules["pyspark"] = None  # type: ignore[assignment]  # `import pyspark...` raises ImportError, which pandera expects
    try:
        return import_module("pandera")
    finally:
        if sys.modules.get("pyspark", 0) is None:
            del sys.modules["pyspark"]


# Import names of the toolkit extra's packages (pyproject.toml [toolkit]): those validation needs, then the rest.
VALIDATION_MODULES = ("polars", "pandas", "numpy", "duckdb", "pandera", "frictionless", "jsonschema")
TOOLKIT_MODULES = VALIDATION_MODULES + ("sqlite_utils", "jinja2", "altair", "vl_convert", "hatchling")


def require_toolkit(purpose: str, modules: tuple[str, ...] = VALIDATION_MODULES) -> None:
    """Raise MissingExtra naming [toolkit] when one of `modules` (default: what validation needs) is not
    installed. Looked up, not imported: each is imported where it is used (a validation on the default
    engine never imports pandera, which alone takes a third of a second)."""
    for module in modules:
        if find_spec(module) is None:
            raise _missing(module, "toolkit", purpose)


def missing_module_message(exc: ImportError) -> str | None:
    """For an ImportError of a toolkit package: the message naming the extra; None for anything else."""
    if isinstance(exc, MissingExtra):
        return str(exc)
    name = (getattr(exc, "name", None) or "").split(".")[0]
    if name in TOOLKIT_MODULES:
        return f"this command needs the Python package {name!r}, which is not installed: pip install 'iraq-frontiers[toolkit]'"
    return None
