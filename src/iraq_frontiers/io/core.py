"""What every step of reading a package shares: the refusal (InputError), an opened package, a table read
into a typed frame (TableData), the row-number column and the bounds on columns and quoted values."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iraq_frontiers.problems import Problem

MAX_COLUMNS = 10_000
MAX_RESOURCES = 1_000  # tables in one package: more is refused (5,000 took validate over a minute; issue 27)
MAX_VALUE_CHARS = 200  # offending values quoted in problems are clipped to this length
ROW = "__row__"  # 1-based data row number column added to every frame


class InputError(ValueError):
    """The package cannot be read or is refused; carries the problem to report (exit code 2). A ValueError,
    so callers of load() and connect() catch every refusal of their argument as one."""

    def __init__(self, problem: Problem, message: str | None = None):
        super().__init__(message or problem.message)
        self.problem = problem


@dataclass
class OpenedPackage:
    descriptor: dict[str, Any]
    base_dir: Path
    label: str  # how the package is named in messages
    descriptor_name: str = "datapackage.json"  # the descriptor's file name (problems about resource paths name it)
    schema_problems: list[Problem] = field(default_factory=list)  # schema files that could not be read (see resolve_schema_files)
    lines: dict[str, Any] = field(default_factory=dict)  # CSV table -> its rows' lines (io.csv_stream.LineMap), for every problem


@dataclass
class TableData:
    """A table read into a polars frame with schema types, plus what could not be read."""

    name: str
    frame: Any  # polars.DataFrame, typed per schema, with a ROW column
    file: str
    unusable: set[str] = field(default_factory=set)  # fields missing or of the wrong type: skip their checks
    # Cells the reader already reported (type-error, cell-too-large) and read as empty: {field: sorted
    # row numbers}. Later checks say nothing more about them (one bad cell, one problem).
    bad_cells: dict[str, Any] = field(default_factory=dict)
    lines: Any = None  # CSV: each row's physical line (io.csv_stream.LineMap); None for other formats

    def reported(self, fname: str | None, row: int | None) -> bool:
        rows = self.bad_cells.get(fname)
        if rows is None or row is None:
            return False
        i = int(rows.searchsorted(row))
        return i < len(rows) and int(rows[i]) == row

    def mark_bad(self, fname: str, rows) -> None:
        """Record cells already reported (rows: any sequence of row numbers)."""
        import numpy as np

        self.bad_cells[fname] = np.union1d(self.bad_cells.get(fname, np.array([], dtype=np.int64)), np.asarray(rows, dtype=np.int64))


def clip(value: Any, n: int = MAX_VALUE_CHARS) -> Any:
    """A value short enough to quote in a problem (huge cells must not bloat the report)."""
    if isinstance(value, str) and len(value) > n:
        return value[:n] + f"... ({len(value)} characters)"
    return value
