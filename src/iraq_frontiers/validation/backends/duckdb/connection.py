"""The DuckDB connection validation runs on: memory capped, spilling to a temporary folder beyond the cap.

The cap is IRAQ_FRONTIERS_DUCKDB_MEMORY (default 2GB; DuckDB's own sizes: 512MB, 4GB, 50%), so a
large package validates in bounded memory: joins and aggregations larger than the cap spill.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    import duckdb

DEFAULT_MEMORY = "2GB"


def open_connection() -> tuple[duckdb.DuckDBPyConnection, Callable[[], None]]:
    """A new capped DuckDB connection and the function that closes it and removes its spill folder.

    Raises InputError (setting-invalid) when IRAQ_FRONTIERS_DUCKDB_MEMORY is not a memory size."""
    import os
    import re
    import shutil
    import tempfile

    import duckdb

    memory = os.environ.get("IRAQ_FRONTIERS_DUCKDB_MEMORY", DEFAULT_MEMORY)
    if not re.fullmatch(r"\s*[0-9]+(\.[0-9]+)?\s*([KMGT]i?B|%)\s*", memory, re.IGNORECASE):
        from iraq_frontiers.io.core import InputError
        from iraq_frontiers.problems import Problem

        raise InputError(Problem("setting-invalid", f"IRAQ_FRONTIERS_DUCKDB_MEMORY={memory[:50]!r} is not a memory size (write e.g. 2GB or 512MB)"))
    spill = tempfile.mkdtemp(prefix="iraq-frontiers-duckdb-")
    try:
        con = duckdb.connect(config={"memory_limit": memory, "temp_directory": spill, "preserve_insertion_order": False})
    except BaseException:
        shutil.rmtree(spill, ignore_errors=True)  # never leave the spill folder behind
        raise

    def close() -> None:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)

    return con, close

