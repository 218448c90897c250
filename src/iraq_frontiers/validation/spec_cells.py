"""The check specification, part 1: the screen. The cells the toolkit's readers report (io.cells),
as checks on unscreened data (a Parquet file read where it lies), and the view the other checks read:
blank rows out, empty strings and reported cells NULL, a bad-cell flag per field."""
from __future__ import annotations

from typing import Any

from iraq_frontiers.io.cells import MAX_CELL_BYTES, CONTROL_CHARACTERS
from iraq_frontiers.io.core import ROW, clip
from iraq_frontiers.schema.compiler import field_type, list_delimiter
from iraq_frontiers.validation.spec import Check, TableSpec, bad_name, lit, q, raw_name


def _blank(t: TableSpec) -> str:
    """True for a row whose every cell is null or an empty string (CSV's blank row)."""
    parts = [f"(t.{q(f['name'])} IS NULL{' OR t.' + q(f['name']) + ' = ' + lit('') if field_type(f) == 'string' else ''})"
             for f in t.fields]
    return " AND ".join(parts) if parts else "FALSE"


def _unfit(f: dict[str, Any]) -> list[tuple[str, str]]:
    """(SQL condition on the raw column c, message) for typed values the dataset cannot hold
    (io.cells.unrepresentable): non-finite numbers, dates outside 0001..9999, list items empty or
    holding the delimiter."""
    c = f"t.{q(f['name'])}"
    ftype = field_type(f)
    if ftype == "number":
        return [(f"(isnan({c}) OR isinf({c}))", "not a finite number")]
    if ftype == "date":
        return [(f"NOT ({c} BETWEEN DATE '0001-01-01' AND DATE '9999-12-31')", "date outside the years 0001 to 9999")]
    if ftype == "list":
        d = list_delimiter(f)
        return [(f"array_length(list_filter({c}, lambda x: x IS NULL OR x = '')) > 0",
                 "list has an empty item (two delimiters in a row, or one at an end?)"),
                (f"array_length(list_filter({c}, lambda x: contains(x, {lit(d)}))) > 0",
                 f"a list item holds the list delimiter {d!r} (it could not be written as CSV)")]
    return []


def _too_large(f: dict[str, Any]) -> str | None:
    c = f"t.{q(f['name'])}"
    if field_type(f) == "string":
        return f"strlen({c}) > {MAX_CELL_BYTES}"
    if field_type(f) == "list":
        return f"array_length(list_filter({c}, lambda x: strlen(x) > {MAX_CELL_BYTES})) > 0"
    return None


def _control(f: dict[str, Any]) -> str | None:
    c = f"t.{q(f['name'])}"
    if field_type(f) == "string":
        return f"regexp_matches({c}, {lit(CONTROL_CHARACTERS)})"
    if field_type(f) == "list":
        return f"array_length(list_filter({c}, lambda x: regexp_matches(x, {lit(CONTROL_CHARACTERS)}))) > 0"
    return None


def _bad_condition(f: dict[str, Any]) -> str | None:
    """True where the screen reports the raw cell and reads it as empty (too large, or unfit)."""
    parts = [p for p in [_too_large(f), *[cond for cond, _ in _unfit(f)]] if p]
    return " OR ".join(f"coalesce({p}, FALSE)" for p in parts) if parts else None


def view_sql(t: TableSpec, dirty: set[str] | None = None, blank_rows: bool = True) -> str:
    """The table as the checks see it: blank rows out, empty strings and reported cells NULL, bad flags.

    For unscreened data an engine that counted the cell checks first may say which fields have
    reported cells (`dirty`) and whether any row is blank: the view then skips the other conditions
    (a query on the key columns need not read every column to rule out blank rows)."""
    cols = [f"t.{q(ROW)}"]
    for f in t.fields:
        c = f"t.{q(f['name'])}"
        if t.screened:
            bad = f"t.{q(bad_name(f['name']))}" if f["name"] in t.reported else None
        else:
            bad = _bad_condition(f) if dirty is None or f["name"] in dirty else None
        value = f"NULLIF({c}, '')" if field_type(f) == "string" else c
        if bad:
            cols.append(f"CASE WHEN {bad} THEN NULL ELSE {value} END AS {q(f['name'])}")
            cols.append(f"{bad} AS {q(bad_name(f['name']))}")
        else:
            cols.append(f"{value} AS {q(f['name'])}")
            cols.append(f"FALSE AS {q(bad_name(f['name']))}")
    where = f" WHERE NOT ({_blank(t)})" if blank_rows and not t.screened else ""
    return f"SELECT {', '.join(cols)} FROM {q(raw_name(t.name))} t{where}"


def _control_message(value: Any, _detail: Any) -> str:
    import re

    text = value if isinstance(value, str) else "|".join(v for v in value or [] if v)
    ch = re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f]", text)
    where = f"U+{ord(ch.group()):04X} at character {ch.start() + 1}" if ch else "a control character"
    return f"cell holds the control character {where}"


def _control_shown(value: Any, _detail: Any) -> Any:
    return clip(value if isinstance(value, str) else "|".join(v for v in value or [] if v))


def _size(value: Any) -> int:
    return len(value.encode("utf-8")) if isinstance(value, str) else sum(len(v.encode("utf-8")) for v in value if v)


def _day_number(c: str) -> str:
    """A date's day number from 1970-01-01. DuckDB reads the Parquet day numbers ±2147483647 as ±infinity,
    whose datediff is NULL; the reader shows the number itself (on Spark the fallback is never reached)."""
    return f"coalesce(datediff('day', DATE '1970-01-01', {c}), CASE WHEN {c} > DATE '1970-01-01' THEN 2147483647 ELSE -2147483647 END)"


def _shown_date(days: Any, _detail: Any) -> Any:
    """A date by its day number, as the reference reader shows it (io.cells._shown_value)."""
    import polars as pl

    if days is None:
        return None
    if abs(days) < 95_000_000:
        return pl.Series([days], dtype=pl.Int32).cast(pl.Date).cast(pl.String)[0]
    return f"{days} days from 1970-01-01"


def cell_checks(t: TableSpec) -> list[Check]:
    """The reader's cell checks, for data registered unscreened: blank rows, cells over 1 MiB, control
    characters, values the dataset cannot hold. Cells over 1 MiB and unfit values are read as empty."""
    out = [Check("blank-row", t.name, None, "", _blank(t), "NULL", detail=f"t.{q(ROW)}", source="raw", layer="cell",
                 describe=lambda _v, row: f"row {row} is blank (every cell is empty)")]
    not_blank = f"NOT ({_blank(t)})"
    for f in t.fields:
        fname, c = f["name"], f"t.{q(f['name'])}"
        big, ctl = _too_large(f), _control(f)
        if big:
            out.append(Check("cell-too-large", t.name, fname, "", f"{not_blank} AND coalesce({big}, FALSE)", c, source="raw",
                             key=t.key, layer="cell",
                             describe=lambda v, _d: f"cell is {_size(v)} bytes; the limit is {MAX_CELL_BYTES} (read as empty)",
                             shown=lambda v, _d: clip(str(v), 80)))
        if ctl:
            out.append(Check("control-character", t.name, fname, "", f"{not_blank} AND coalesce({ctl}, FALSE)", c, source="raw",
                             key=t.key, layer="cell", describe=_control_message, shown=_control_shown))
        big_clause = f" AND NOT coalesce({big}, FALSE)" if big else ""
        for condition, message in _unfit(f):
            value, shown = (_day_number(c), _shown_date) if field_type(f) == "date" else (c, None)
            out.append(Check("type-error", t.name, fname, message, f"{not_blank}{big_clause} AND coalesce({condition}, FALSE)",
                             value, source="raw", key=t.key, layer="cell", shown=shown))
    return out


