"""Engines that run the check specification (validation.spec), one folder each, the same few files:

    backends/<engine>/tables.py   register the package's tables in the engine
    backends/<engine>/run.py      check_package(pkg, resources, report, say): layers (b) to (d), the
                                  shared flow (backends/loop.py) given the engine's own answers (how
                                  to run one table's checks, count checks, tell an unreadable file)
                                  available() -> str | None: why the engine cannot run here (None: it can)

ENGINES lists them in order of preference; "duckdb" is the local default. A backend is imported
only when asked for (pyspark is never imported by `import iraq_frontiers`). The conformance
property (tests/test_engine_conformance.py) runs every available engine against the reference.
"""
from __future__ import annotations

import importlib
from types import ModuleType

ENGINES = ("duckdb", "spark")


def backend(engine: str) -> ModuleType:
    """The run module of an engine (raises ValueError for an unknown name, ImportError when absent)."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    return importlib.import_module(f"iraq_frontiers.validation.backends.{engine}.run")


def unavailable(engine: str) -> str | None:
    """Why an engine cannot run on this machine (missing module, library or Java), or None when it can."""
    try:
        module = backend(engine)
    except ImportError as exc:
        return f"{engine}: {exc}"
    check = getattr(module, "available", None)
    return check() if check else None
