"""The streaming CSV reader: Arrow's parser block by block, the bytes looked at on the way, cells typed per
block; memory holds the typed table and one block, never the file or its text.

It judges only files it can read exactly. Whatever it does not judge itself (a row with the wrong
number of cells, a quote between ordinary characters, invalid UTF-8, a NUL byte, a header it cannot
split) makes it give up, and the exact reader (io.csv_reader) reads the file and says what is wrong,
with lines: the two agree on every file, the streaming one only on those it accepts.
"""
from __future__ import annotations

import csv
import io
import re
from typing import Any

from iraq_frontiers.problems import Problem, ProblemList
from iraq_frontiers.io.core import MAX_COLUMNS, ROW, TableData
from iraq_frontiers.io.csv_bytes import STREAM_BLOCK_BYTES, ByteScan, Replay



class LineMap:
    """The physical line (1-based) of each data row: its row number, the header's lines, and the line
    breaks inside quoted cells of the rows before it. Only rows after which the offset changes are held."""

    def __init__(self, rows=(), shifts=(), base: int = 1):
        import numpy as np

        self.rows = np.asarray(rows, dtype=np.int64)  # sorted: from this row on ...
        self.shifts = np.asarray(shifts, dtype=np.int64)  # ... lines are row + base + shift
        self.base = base

    @classmethod
    def from_breaks(cls, header_breaks: int, rows, breaks) -> "LineMap":
        """Rows holding line breaks in their cells (sorted) and how many each: later rows move down."""
        import numpy as np

        return cls(np.asarray(rows, dtype=np.int64) + 1, header_breaks + np.cumsum(np.asarray(breaks, dtype=np.int64)), 1 + header_breaks)

    @classmethod
    def from_starts(cls, rows, starts) -> "LineMap":
        """Every row (sorted) and the line it starts on (the exact reader counts them)."""
        import numpy as np

        rows = np.asarray(rows, dtype=np.int64)
        offset = np.asarray(starts, dtype=np.int64) - rows - 1
        change = np.flatnonzero(np.diff(offset, prepend=0) != 0) if len(offset) else np.array([], dtype=np.int64)
        return cls(rows[change], offset[change], 1)

    def line(self, row: int | None) -> int | None:
        if row is None:
            return None
        import numpy as np

        i = int(np.searchsorted(self.rows, row, side="right"))
        return int(row) + (int(self.shifts[i - 1]) + 1 if i else self.base)


def _header(first: bytes, delimiter: str, whole: bool) -> tuple[list[str], int] | None:
    """The header record in the first chunk and the line breaks inside it, or None (the exact reader judges)."""
    if not first.strip(b" \t\r\n") or first[:1] in (b"\r", b"\n"):
        return None
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(first) - 3 or whole:
            return None
        text = first[: exc.start].decode("utf-8")  # a character cut at the end of the chunk
    stream = io.StringIO(text, newline="")
    reader = csv.reader(stream, delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
    except csv.Error:
        return None
    if not header or len(header) > MAX_COLUMNS or (stream.tell() >= len(text) and not whole):
        return None  # no complete header record in the first chunk
    return header, reader.line_num - 1


def stream_csv(name: str, rel: str, open_raw, delimiter: str, fields, pk, big: bool, limit: int | None = None):
    """(TableData, problems), or None when the exact reader must read the file; and the last ByteScan.

    open_raw: opens the file's bytes as a binary stream (the file, or a gzip stream of it); big: the file
    may hold a cell over MAX_CELL_BYTES; limit: bound on the bytes read (ByteScan.stop is then "limit").
    A first pass parses blocks in parallel; if a row has the wrong number of cells, a second, serial
    pass (where Arrow numbers the records) reads the others and reports and reads that row as the
    exact reader would: only the bad rows go through Python.
    """
    ragged: list = []
    with open_raw() as raw:
        found, scan = _stream(name, rel, raw, delimiter, fields, pk, big, limit, ragged=None, on_ragged=ragged)
    if found is None and ragged and not (scan.stop or scan.error):
        with open_raw() as raw:
            found, scan = _stream(name, rel, raw, delimiter, fields, pk, big, limit, ragged=[], on_ragged=None)
    return found, scan


def _stream(name, rel, raw, delimiter, fields, pk, big, limit, ragged: list | None, on_ragged: list | None):
    """One pass. ragged None: parallel, giving up at a row with the wrong number of cells (noted in
    on_ragged); a list: serial, such rows collected there and read like the exact reader reads them."""
    import numpy as np
    import polars as pl
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from iraq_frontiers.io import csv_reader
    from iraq_frontiers.io.cells import _cell_checks, _header_problems, _unrepresentable_cells
    from iraq_frontiers.schema.compiler import TYPE_MAP, field_type

    scan = ByteScan(raw, delimiter, limit)
    first = scan.read(STREAM_BLOCK_BYTES)
    head = None if scan.stop or scan.error else _header(first, delimiter, whole=scan.consumed < STREAM_BLOCK_BYTES)
    if head is None:
        return None, scan
    header, header_breaks = head
    csv_reader.check_delimiter(header, fields, delimiter, name, rel)  # a `;` file is one problem, not thousands
    n = len(header)

    def invalid(row) -> str:
        if ragged is None:
            on_ragged.append(row.number)
            return "error"
        ragged.append((row.number - 1, row.text))  # Arrow numbers records from 1, the header first
        return "skip"

    try:
        reader = pacsv.open_csv(
            Replay(first, scan),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True, block_size=STREAM_BLOCK_BYTES, use_threads=ragged is None),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=invalid),
            convert_options=pacsv.ConvertOptions(column_types={f"f{i}": pa.string() for i in range(n)}, strings_can_be_null=False,
                                                 quoted_strings_can_be_null=False, check_utf8=True),
        )
    except (pa.ArrowException, ValueError):
        return None, scan
    header_problems, missing = _header_problems(name, rel, header, fields)
    by_name: dict[str, str] = {}
    for i, col in enumerate(header):
        by_name.setdefault(col, f"__col{i}")  # the first of duplicate names is read
    wanted = {f["name"] for f in fields}
    by_name = {k: v for k, v in by_name.items() if k in wanted}
    problems = ProblemList(header_problems)
    frames, bad, blank, break_rows, break_counts = [], {}, [], [], []
    last = 0  # the last data row numbered

    def typed(batch_raw):
        """Blank rows noted and dropped; cells checked and cast (their problems kept)."""
        nonlocal problems
        maybe = batch_raw.filter(pl.col("__col0") == "")  # a blank row starts with an empty cell: few rows to look at
        if maybe.height:
            empty = maybe.filter(pl.all_horizontal([pl.col(f"__col{i}") == "" for i in range(n)]))[ROW]
            if len(empty):
                blank.append(empty.to_numpy())
                batch_raw = batch_raw.filter(~pl.col(ROW).is_in(empty.implode()))
        batch_raw = batch_raw.select([ROW, *by_name.values()])
        batch_raw, cell_problems, big_rows = _cell_checks(name, rel, batch_raw, by_name, pk, control=scan.control, size=big)
        frame, type_problems, _, unreadable = csv_reader._cast_strings(name, rel, batch_raw, by_name, fields, pk)
        problems += cell_problems
        problems += type_problems
        for fname, rows in [*big_rows.items(), *unreadable.items()]:
            bad.setdefault(fname, []).append(rows)
        frames.append(frame)

    try:
        for batch in reader:
            table = pa.Table.from_batches([batch])
            if not frames and not last:  # Arrow reads the header as the first row: it must be the one we read
                if table.num_columns != n or table.num_rows == 0 or [table.column(i)[0].as_py() for i in range(n)] != header:
                    return None, scan
                table = table.slice(1)
            with_breaks = _break_columns(table) if scan.quotes else []  # only quoted cells hold line breaks
            batch_raw = pl.from_arrow(table.rename_columns([f"__col{i}" for i in range(n)]))
            numbers = _numbers(last, batch_raw.height, [r for r, _ in ragged] if ragged else [])
            last = int(numbers[-1]) if len(numbers) else last
            batch_raw = batch_raw.with_columns(pl.Series(ROW, numbers, dtype=pl.Int64))
            if with_breaks:
                counted = batch_raw.select(ROW, pl.sum_horizontal([pl.col(f"__col{i}").str.count_matches(r"\r\n|\r|\n") for i in with_breaks]).alias("k"))
                counted = counted.filter(pl.col("k") > 0)
                break_rows.append(counted[ROW].to_numpy())
                break_counts.append(counted["k"].to_numpy())
            typed(batch_raw)
    except (pa.ArrowException, ValueError):
        return None, scan
    if scan.stop or scan.error or not frames:
        return None, scan
    rows_read = max(last, ragged[-1][0] if ragged else 0)
    ragged_rows = []
    for row, text in ragged or ():  # the bad rows, as the exact reader reads them (padded or cut to the header)
        try:
            rec = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True), [])
        except csv.Error:
            return None, scan
        k = len(re.findall(r"\r\n|\r|\n", text))
        if k:
            break_rows.append(np.array([row]))
            break_counts.append(np.array([k]))
        ragged_rows.append((row, rec, k))
    break_rows_a = np.concatenate(break_rows) if break_rows else np.array([], dtype=np.int64)
    break_counts_a = np.concatenate(break_counts) if break_counts else np.array([], dtype=np.int64)
    order = np.argsort(break_rows_a, kind="stable")
    break_rows_a, break_counts_a = break_rows_a[order], break_counts_a[order]
    # every line break ends a record (the header, a row, a blank line) or lies inside a quoted cell
    terminators = 1 + rows_read - (0 if scan.ends_with_break else 1)
    if scan.breaks - terminators != header_breaks + int(break_counts_a.sum()):
        return None, scan  # a break Arrow and Python's csv module count differently (a lone CR in a cell)
    lines = LineMap.from_breaks(header_breaks, break_rows_a, break_counts_a)
    if ragged_rows:
        cells = []
        for row, rec, k in ragged_rows:
            start = lines.line(row)
            where = f"line {start}" if not k else f"lines {start}-{start + k}"
            if not any(rec):
                problems.append(Problem("blank-row", f"row {row} ({where}) {csv_reader.BLANK}", table=name, row=row, file=rel))
                continue
            problems.append(csv_reader._ragged_row(name, rel, row, where, rec, n, delimiter, joined=bool(k)))
            cells.append((row, (rec + [""] * n)[:n]))  # still read: its cells are checked too
        if cells:
            typed(pl.DataFrame({ROW: [r for r, _ in cells], **{f"__col{i}": [c[i] for _, c in cells] for i in range(n)}},
                               schema={ROW: pl.Int64, **{f"__col{i}": pl.String for i in range(n)}}))
    trailing = max(0, scan.tail_breaks - 1) if scan.ends_with_break else 0  # blank lines at the end are not rows
    end = rows_read - trailing
    frame = pl.concat(frames, rechunk=False) if len(frames) > 1 else frames[0]
    if ragged_rows:
        frame = frame.sort(ROW)
    if trailing:
        frame = frame.filter(pl.col(ROW) <= end)
    blank_rows = np.concatenate(blank) if blank else np.array([], dtype=np.int64)
    for row in blank_rows[blank_rows <= end].tolist():
        problems.append(Problem("blank-row", f"row {row} (line {lines.line(row)}) {csv_reader.BLANK}", table=name, row=row, file=rel))
    unusable = set(missing) | {f["name"] for f in fields if field_type(f) not in TYPE_MAP}
    frame, unfit = _unrepresentable_cells(name, rel, frame, fields, unusable, pk, problems)
    pa.default_memory_pool().release_unused()  # the blocks' memory, which the allocator would otherwise keep
    data = TableData(name, frame, rel, unusable, lines=lines)
    for fname, parts in bad.items():
        data.mark_bad(fname, np.concatenate(parts))
    for fname, rows in unfit.items():
        data.mark_bad(fname, rows)
    return (data, problems), scan


def _numbers(last: int, k: int, skipped: list[int]):
    """The data row numbers of k rows read after row `last`, leaving out the rows Arrow skipped."""
    import numpy as np

    skipped_a = np.asarray(skipped, dtype=np.int64)
    skipped_a = skipped_a[skipped_a > last]
    candidates = np.arange(last + 1, last + 1 + k + len(skipped_a), dtype=np.int64)
    return candidates[~np.isin(candidates, skipped_a)][:k]


def _break_columns(table) -> list[int]:
    """The columns of a table of strings holding a CR or LF byte: one pass over each character buffer."""
    import numpy as np
    import pyarrow as pa

    found = []
    for i, column in enumerate(table.columns):
        for chunk in column.chunks:
            if len(chunk) == 0 or chunk.buffers()[2] is None:
                continue
            _, offsets, data = chunk.buffers()[:3]
            offs = np.frombuffer(offsets, dtype=np.int64 if pa.types.is_large_string(chunk.type) else np.int32)
            a = np.frombuffer(data, np.uint8)[int(offs[chunk.offset]):int(offs[chunk.offset + len(chunk)])]
            low = a[a < 14]
            if ((low == 10) | (low == 13)).any():
                found.append(i)
                break
    return found


def with_lines(problems, lines: LineMap | None, table: str | None = None) -> Any:
    """The problems (changed in place), each about a row of `table` (any table if None) given that
    row's physical line (problems.Problem.line)."""
    import copy

    if lines is None:
        return problems
    for i, p in enumerate(problems):
        if p.row is not None and p.line is None and (table is None or p.table == table):
            q = copy.copy(p)  # not dataclasses.replace: it would clip the (already clipped) value again
            object.__setattr__(q, "line", lines.line(p.row))
            problems[i] = q
    return problems
