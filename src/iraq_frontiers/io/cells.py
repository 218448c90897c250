"""Checks both readers apply to a table of cells: the header against the schema, cells too large or holding
control characters, typed values the dataset cannot hold (each a problem, the cell then read as empty)."""
from __future__ import annotations

import re
from typing import Any

from iraq_frontiers.schema.compiler import field_type, list_delimiter
from iraq_frontiers.problems import Problem, ProblemList, quote
from iraq_frontiers.io.core import ROW, clip

MAX_CELL_BYTES = 1024 * 1024  # a longer cell is `cell-too-large` (and read as empty)
# C0 controls except tab, LF and CR; DEL; C1 controls (usually text decoded with the wrong code page).
CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x{80}-\x{9f}]"


def _key_of(frame, row_index: int, primary_key: list[str]) -> dict[str, Any] | None:
    if not primary_key or any(k not in frame.columns for k in primary_key):
        return None
    return {k: frame[k][row_index] for k in primary_key}


def _header_problems(name: str, rel: str, header: list[str], fields: list[dict]) -> tuple[list[Problem], set[str]]:
    problems: list[Problem] = []
    expected = [f["name"] for f in fields]
    expected_set = set(expected)
    seen: set[str] = set()
    for col in header:
        if col in seen:
            problems.append(Problem("duplicate-column", f"column {clip(col)!r} appears more than once in the header", table=name, field=clip(col), file=rel))
        seen.add(col)
        if col not in expected_set:
            hint = ""
            stripped = col.strip().lstrip("\ufeff")
            if stripped != col and stripped in expected_set:
                hint = f" (it is {quote(stripped)} with extra spaces or a byte-order mark)"
            elif col == "" and header[-1] == "" and header.count("") == 1:
                hint = " (an empty name after a trailing delimiter, as spreadsheets write for an empty last column: remove it)"
            problems.append(Problem("extra-column", f"column {clip(col)!r} is not defined by the schema{hint}", table=name, field=clip(col), file=rel))
    missing = {c for c in expected if c not in seen}
    for col in expected:
        if col in missing:
            problems.append(Problem("missing-column", f"schema field {quote(col)} is absent from the data", table=name, field=col, file=rel))
    return problems, missing


def _cell_checks(name, rel, raw, by_name: dict[str, str], pk, lists: set[str] = frozenset(), key_cols: dict[str, str] | None = None,
                 control: bool = True, size: bool = True):
    """Cells over MAX_CELL_BYTES (reported, then read as empty) and control characters (reported).

    by_name maps field names to the columns of `raw` to check; key_cols maps primary-key fields to
    columns of `raw` (defaults to by_name). Returns (raw, problems, {field: rows of cells read as empty}).
    """
    import polars as pl

    problems = ProblemList()
    big_rows: dict[str, Any] = {}
    if raw.height == 0 or not by_name or not (control or size):
        return raw, problems, big_rows
    checks = []
    for fname, col in by_name.items():
        c = pl.col(col)
        if fname in lists:
            big = c.list.eval(pl.element().str.len_bytes() > MAX_CELL_BYTES).list.any()
            ctl = c.list.eval(pl.element().str.contains(CONTROL_CHARACTERS)).list.any()
        else:
            big = c.str.len_bytes() > MAX_CELL_BYTES
            ctl = c.str.contains(CONTROL_CHARACTERS)
        checks.append((big if size else pl.lit(False)).fill_null(False).alias(f"big:{fname}"))
        checks.append((ctl if control else pl.lit(False)).fill_null(False).alias(f"ctl:{fname}"))
    flags = raw.select(checks)
    any_flag = flags.select(pl.any_horizontal(pl.all()).any()).item()
    if not any_flag:
        return raw, problems, big_rows
    nulls = []
    for fname, col in by_name.items():
        for kind in ("big", "ctl"):
            code = "cell-too-large" if kind == "big" else "control-character"
            flagged = flags[f"{kind}:{fname}"].arg_true()
            shown = flagged.head(problems.room(code, name, fname)).to_list()
            problems.count_more(code, name, fname, len(flagged) - len(shown))
            for i in shown:
                value = raw[col][i]
                key = _raw_key(raw, key_cols if key_cols is not None else by_name, i, pk)
                if kind == "big":
                    size = len(value.encode("utf-8")) if isinstance(value, str) else sum(len(v.encode("utf-8")) for v in value if v)
                    problems.append(Problem("cell-too-large", f"cell is {size} bytes; the limit is {MAX_CELL_BYTES} (read as empty)",
                                            table=name, field=fname, row=raw[ROW][i], key=key, value=clip(str(value), 80), file=rel))
                else:
                    text = value if isinstance(value, str) else "|".join(v for v in value if v)
                    ch = re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f]", text)
                    where = f"U+{ord(ch.group()):04X} at character {ch.start() + 1}" if ch else "a control character"
                    problems.append(Problem("control-character", f"cell holds the control character {where}",
                                            table=name, field=fname, row=raw[ROW][i], key=key, value=clip(text), file=rel))
            if kind == "big" and len(flagged):
                big_rows[fname] = raw[ROW].gather(flagged).to_numpy()
                nulls.append(pl.when(flags[f"big:{fname}"]).then(None).otherwise(pl.col(col)).alias(col))
    if nulls:
        raw = raw.with_columns(nulls)
    return raw, problems, big_rows


def _raw_key(raw, by_name, i, pk):
    if not pk or any(k not in by_name for k in pk):
        return None
    return {k: clip(raw[by_name[k]][i]) for k in pk}


def _unrepresentable_cells(name, rel, frame, fields, unusable, pk, problems: ProblemList):
    """Typed values the dataset cannot hold (see `unrepresentable`): a type-error each, then read as
    empty. Both readers call this on their typed frame. Returns (frame, {field: rows})."""
    import polars as pl

    bad_cells: dict[str, Any] = {}
    for f in fields:
        if f["name"] in unusable or f["name"] not in frame.columns:
            continue
        for condition, message in unrepresentable(f, pl.col(f["name"])):
            bad = frame.select(condition.fill_null(False)).to_series().arg_true()
            if not len(bad):
                continue
            shown = bad.head(problems.room("type-error", name, f["name"]))
            problems.count_more("type-error", name, f["name"], len(bad) - len(shown))
            for i in shown.to_list():
                problems.append(Problem("type-error", message, table=name, field=f["name"], row=frame[ROW][i],
                                        key=_key_of(frame, i, pk), value=_shown_value(frame[f["name"]], i), file=rel))
            bad_cells[f["name"]] = frame[ROW].gather(bad).to_numpy()
            frame = frame.with_columns(pl.when(condition.fill_null(False)).then(None).otherwise(pl.col(f["name"])).alias(f["name"]))
    return frame, bad_cells


def unrepresentable(field: dict[str, Any], col) -> list[tuple[Any, str]]:
    """(condition, message) for typed values a field cannot hold although Parquet can: non-finite
    numbers, dates outside the years 1-9999 (what CSV, Python and every writer represent), list items
    that are empty or hold the list delimiter (they could not be written as CSV and read back).
    The reader applies them to what it reads; the check specification states the same conditions in SQL (spec_cells)."""
    import polars as pl

    ftype = field_type(field)
    if ftype == "number":
        return [(col.is_nan() | col.is_infinite(), "not a finite number")]
    if ftype == "date":
        return [(~col.is_between(pl.date(1, 1, 1), pl.date(9999, 12, 31)), "date outside the years 0001 to 9999")]
    if ftype == "list":
        delimiter = list_delimiter(field)
        return [(col.list.eval(pl.element().is_null() | (pl.element() == "")).list.any(), "list has an empty item (two delimiters in a row, or one at an end?)"),
                (col.list.eval(pl.element().str.contains(delimiter, literal=True)).list.any(),
                 f"a list item holds the list delimiter {delimiter!r} (it could not be written as CSV)")]
    return []


def _shown_value(series, i: int) -> Any:
    """Cell i for a problem's value (a date past year 9999 has no Python value: shown as text)."""
    import polars as pl

    if series.dtype == pl.Date:  # as text where the calendar library can say it (about +-262,000 years)
        days = series.cast(pl.Int32)[i]
        return None if days is None else series[i:i + 1].cast(pl.String)[0] if abs(days) < 95_000_000 else f"{days} days from 1970-01-01"
    value = series[i]
    return value.to_list() if isinstance(value, pl.Series) else value
