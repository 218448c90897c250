"""Parquet tables: vetted before reading (magic bytes, column count, expanded size), columns cast only by safe
widening, invalid UTF-8 and blank rows reported (see iraq_frontiers.io)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from iraq_frontiers.schema.compiler import TYPE_MAP, arrow_type, field_type
from iraq_frontiers.problems import Problem, ProblemList
from iraq_frontiers.io.core import InputError, MAX_COLUMNS, ROW, TableData, clip
from iraq_frontiers.io.cells import _cell_checks, _header_problems, _unrepresentable_cells

MAX_PARQUET_UNCOMPRESSED = 8 * 1024**3


def _not_parquet_hint(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return "it is a zip archive"
    if head[:1] in (b"{", b"["):
        return "it looks like JSON text"
    try:
        sample = head.decode("utf-8")
    except UnicodeDecodeError:
        return "its content is not recognised"
    return "it looks like CSV text" if "," in sample or "\n" in sample else "it looks like text"


def vet_parquet(name: str, file: Path, rel: str, streamed: bool = False):
    """Open a Parquet file's metadata after checking it is safe to read (magic bytes, column count,
    expanded size); returns a pyarrow ParquetFile or raises InputError. Every engine calls this.

    streamed: the file is read where it lies, a row group at a time (validation.parquet_in_place), never
    whole: the expansion limit then bounds each row group, not the file, so a large package validates."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    def refuse(message: str) -> InputError:
        return InputError(Problem("resource-unreadable", message, table=name, file=rel))

    try:
        size = file.stat().st_size
        with file.open("rb") as fh:
            head = fh.read(512)
            fh.seek(max(size - 4, 0))
            tail = fh.read(4)
    except OSError as exc:
        raise refuse(f"cannot read the file: {exc.strerror or exc}") from None
    if size == 0:
        raise refuse("file is empty (0 bytes), not a Parquet file")
    if not head.startswith(b"PAR1"):
        raise refuse(f"not a Parquet file (no PAR1 magic number at byte offset 0; {_not_parquet_hint(head)})")
    if size < 12 or tail != b"PAR1":
        raise refuse(f"the Parquet file is truncated or corrupt: no PAR1 footer at byte offset {max(size - 4, 0)}")
    try:
        pf = pq.ParquetFile(file)
        meta = pf.metadata
    except (pa.ArrowException, OSError, ValueError, MemoryError, IndexError, KeyError) as exc:
        raise refuse(_parquet_error(exc)) from None
    if meta.num_columns > MAX_COLUMNS:
        raise refuse(f"the Parquet file has {meta.num_columns} columns; the limit is {MAX_COLUMNS}")
    sizes = [meta.row_group(i).total_byte_size for i in range(meta.num_row_groups)]
    expanded = max(sizes, default=0) if streamed else sum(sizes)
    if expanded > MAX_PARQUET_UNCOMPRESSED:
        what = "a row group of the Parquet file expands" if streamed else "the Parquet file expands"
        raise refuse(f"{what} to {expanded} bytes; the limit is {MAX_PARQUET_UNCOMPRESSED}")
    return pf


def _parquet_error(exc: BaseException) -> str:
    return f"cannot read as Parquet: {clip(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)}"


def _open_parquet(name: str, file: Path, rel: str):
    import pyarrow as pa

    pf = vet_parquet(name, file, rel)
    try:
        return pf.read()
    except (pa.ArrowException, OSError, ValueError, MemoryError, IndexError, KeyError) as exc:
        raise InputError(Problem("resource-unreadable", _parquet_error(exc), table=name, file=rel)) from None


def _read_parquet(name, file: Path, rel: str, fields, pk) -> tuple[TableData, list[Problem]]:
    import polars as pl
    import pyarrow as pa

    table = _open_parquet(name, file, rel)
    names = table.column_names
    header = [c for c in names if not c.startswith("__index_level_")]
    problems, missing = _header_problems(name, rel, [c for c in header if c != "geometry"], fields)
    first_index: dict[str, int] = {}
    for i, c in enumerate(names):
        first_index.setdefault(c, i)
    unusable = set(missing)
    columns = {ROW: pa.array(range(1, table.num_rows + 1), pa.int64())}
    for f in fields:
        fname = f["name"]
        if field_type(f) not in TYPE_MAP:
            unusable.add(fname)
            continue
        want = arrow_type(f)
        if fname not in first_index:
            columns[fname] = pa.nulls(table.num_rows, want)
            continue
        col = table.column(first_index[fname])
        if col.type != want:
            try:
                if not _safe_widening(col.type, want):
                    raise pa.ArrowInvalid("incompatible")
                col = col.cast(want)
            except (pa.ArrowException, ValueError, TypeError):
                why = " (a double holds integers exactly only up to 2**53)" if pa.types.is_integer(col.type) and want == pa.float64() else ""
                problems.append(Problem("type-error", f"column has Parquet type {col.type}; the schema's type {f.get('type')} needs {want}{why}",
                                        table=name, field=fname, value=str(col.type), file=rel))
                unusable.add(fname)
                col = pa.nulls(table.num_rows, want)
        columns[fname] = col
    utf8_bad, utf8_problems = _invalid_utf8(name, rel, columns, [f for f in fields if f["name"] not in unusable], pk)
    problems += utf8_problems
    frame = pl.from_arrow(pa.table(columns))
    if utf8_bad:  # read as empty from here on, like any cell that cannot be read as its type
        frame = frame.with_columns([pl.when(pl.col(ROW).is_in(rows)).then(None).otherwise(pl.col(c)).alias(c) for c, rows in utf8_bad.items()])
    blank = _blank_parquet_rows(table, [c for c in header if c != "geometry"])
    if blank:
        problems += [Problem("blank-row", f"row {row} is blank (every cell is empty)", table=name, row=row, file=rel) for row in blank]
        frame = frame.filter(~pl.col(ROW).is_in(blank))  # not read, as in CSV; later rows keep their numbers
    # Empty strings are null, as in CSV (one rule for both formats).
    strings = [f["name"] for f in fields if field_type(f) == "string" and f["name"] not in unusable]
    lists = {f["name"] for f in fields if field_type(f) == "list" and f["name"] not in unusable}
    if strings:
        frame = frame.with_columns([pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in strings])
    frame, cell_problems, big = _cell_checks(name, rel, frame, {c: c for c in [*strings, *sorted(lists)]}, pk, lists,
                                             key_cols={k: k for k in pk if k in frame.columns})
    problems = ProblemList(problems) + cell_problems
    frame, unfit = _unrepresentable_cells(name, rel, frame, fields, unusable, pk, problems)
    table = TableData(name, frame, rel, unusable)
    for fname, rows in [*utf8_bad.items(), *big.items(), *unfit.items()]:
        table.mark_bad(fname, rows)
    return table, problems


def _invalid_utf8(name, rel, columns, fields, pk) -> tuple[dict[str, list[int]], list[Problem]]:
    """Cells of string and list fields that are not valid UTF-8: {field: rows}, and a `type-error` each.

    Parquet writers do not all validate strings, and Arrow trusts the file; a bad cell left in
    place would pass as valid or crash whatever decodes it later (keys, build). Arrow's full
    validation is one fast pass per column; only a column that fails is looked at cell by cell.
    """
    import pyarrow as pa

    bad: dict[str, list[int]] = {}
    for f in fields:
        fname = f["name"]
        if field_type(f) not in ("string", "list") or fname not in columns:
            continue
        col = columns[fname]
        try:
            col.validate(full=True)
            continue
        except pa.ArrowInvalid:
            pass
        as_bytes = col.cast(pa.list_(pa.binary()) if field_type(f) == "list" else pa.binary())
        for i, cell in enumerate(as_bytes.to_pylist()):
            items = cell if isinstance(cell, list) else [cell]
            if any(v is not None and not _is_utf8(v) for v in items):
                bad.setdefault(fname, []).append(i + 1)
    problems = []
    for fname, rows in bad.items():
        for row in rows:
            key = {k: _decoded(columns[k], row - 1) for k in pk} if pk and all(k in columns for k in pk) else None
            value = _decoded(columns[fname], row - 1)
            problems.append(Problem("type-error", "value is not valid UTF-8 text (invalid bytes are shown as \\x escapes)",
                                    table=name, field=fname, row=row, key=key, value=clip(value), file=rel))
    return bad, problems


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decoded(col, i: int) -> Any:
    """Cell i of an Arrow column as Python, with invalid UTF-8 bytes as backslash escapes."""
    import pyarrow as pa
    import pyarrow.types as t

    if t.is_string(col.type) or t.is_large_string(col.type):
        raw = col.cast(pa.binary())[i].as_py()
        return None if raw is None else raw.decode("utf-8", "backslashreplace")
    if t.is_list(col.type) and t.is_string(col.type.value_type):
        raw = col.cast(pa.list_(pa.binary()))[i].as_py()
        return None if raw is None else "|".join("" if v is None else v.decode("utf-8", "backslashreplace") for v in raw)
    return col[i].as_py()


def _blank_parquet_rows(table, names: list[str]) -> list[int]:
    """1-based rows whose every column (geometry aside) is null or an empty string: CSV's blank row."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.types as t

    if not names or table.num_rows == 0:
        return []
    mask = None
    for i, c in enumerate(table.column_names):
        if c not in names:
            continue
        col = table.column(i)
        empty = pc.is_null(col)
        if t.is_string(col.type) or t.is_large_string(col.type):
            empty = pc.or_(empty, pc.fill_null(pc.equal(col, ""), False))
        mask = empty if mask is None else pc.and_(mask, empty)
    if mask is None or not pc.any(mask).as_py():
        return []
    return [i + 1 for i in pc.indices_nonzero(mask).to_pylist()]


def _safe_widening(have, want) -> bool:
    """Casts that cannot change a value: narrower ints to int64, float32 to float64, string flavours, dictionary strings."""
    import pyarrow as pa
    import pyarrow.types as t

    if t.is_dictionary(have):
        return _safe_widening(have.value_type, want)
    if want == pa.int64():
        return t.is_integer(have) and have != pa.uint64()
    if want == pa.float64():  # 64-bit integers are not: above 2**53 a double cannot hold them exactly
        return t.is_floating(have) or (t.is_integer(have) and have.bit_width <= 32)
    if want == pa.string():
        return t.is_string(have) or t.is_large_string(have) or t.is_string_view(have)
    if want == pa.date32():
        return t.is_date(have)
    if t.is_list(want):
        return (t.is_list(have) or t.is_large_list(have)) and _safe_widening(have.value_type, want.value_type)
    if want == pa.bool_():
        return t.is_boolean(have)
    if t.is_timestamp(want):
        return t.is_timestamp(have) and have.tz is not None
    return False
