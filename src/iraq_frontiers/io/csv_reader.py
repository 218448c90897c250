"""CSV tables (gzip-compressed too) and inline `data`: strict UTF-8, split into cells with line numbers, typed
per schema; every cell that cannot be read as its field's type is a `type-error` (see iraq_frontiers.io)."""
from __future__ import annotations

import csv
import io
import json
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from iraq_frontiers.schema.compiler import TYPE_MAP, field_type, list_delimiter
from iraq_frontiers.problems import Problem, ProblemList
from iraq_frontiers.io.core import InputError, MAX_COLUMNS, ROW, TableData, clip
from iraq_frontiers.io.archive import MAX_ARCHIVE_MEMBER_BYTES, MAX_ARCHIVE_RATIO
from iraq_frontiers.io.csv_records import CsvSplitError, csv_records
from iraq_frontiers.io.cells import MAX_CELL_BYTES, _cell_checks, _header_problems, _raw_key, _unrepresentable_cells

MAX_CSV_BYTES = 8 * 1024**3  # a CSV file is read whole: larger ones are refused rather than exhaust memory
TRUE_VALUES = ("true", "True", "TRUE", "1")
FALSE_VALUES = ("false", "False", "FALSE", "0")
BLANK = "is blank (an empty line, or every cell is empty)"  # both readers' words (Arrow does not tell the two apart)
_ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_ISO_DATETIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:?[0-9]{2})$"


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column (in bytes) of a byte offset; lines end with LF, or CR in CR-only files."""
    nl = b"\n" if b"\n" in data else b"\r"
    line_start = data.rfind(nl, 0, offset) + 1
    return data.count(nl, 0, offset) + 1, offset - line_start + 1


def _decode_csv(data: bytes, name: str, rel: str) -> tuple[bytes, str]:
    """The file's bytes without a UTF-8 BOM and without trailing blank lines, and their text."""
    def refuse(message: str) -> InputError:
        return InputError(Problem("encoding-error", message, table=name, file=rel))

    if data[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
        raise refuse("file is UTF-32 encoded (byte-order mark at byte offset 0); save it as UTF-8")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise refuse("file is UTF-16 encoded (byte-order mark at byte offset 0); save it as UTF-8")
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    data = data[bom:]  # a UTF-8 byte-order mark is dropped (documented in docs/validation.md)
    nul = data.find(b"\x00")
    if nul >= 0:
        line, col = _line_col(data, nul)
        utf16 = data[1:400:2].count(0) > 20 or data[0:400:2].count(0) > 20
        hint = "; the file looks UTF-16 encoded without a byte-order mark (save it as UTF-8)" if utf16 else "; a CSV file must be text"
        raise refuse(f"NUL byte at byte offset {nul + bom} (line {line}, column {col}){hint}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, col = _line_col(data, exc.start)
        try:
            data.decode("cp1252")
            hint = "; it looks like Latin-1/Windows-1252: save it as UTF-8"
        except UnicodeDecodeError:
            hint = "; save it as UTF-8"
        raise refuse(f"file is not UTF-8: invalid byte 0x{data[exc.start]:02x} at byte offset {exc.start + bom} (line {line}, column {col}){hint}") from None
    trimmed = data.rstrip(b"\r\n")
    return trimmed, text[: len(text) - (len(data) - len(trimmed))]


def _delimiter(resource: dict[str, Any], name: str, rel: str) -> str:
    dialect = resource.get("dialect")
    delimiter = dialect.get("delimiter", ",") if isinstance(dialect, dict) else ","
    if not isinstance(delimiter, str) or len(delimiter) != 1 or delimiter in '"\r\n\x00':
        raise InputError(Problem("resource-unreadable", f"dialect delimiter {clip(str(delimiter))!r} must be a single character other than a quote or newline", table=name, file=rel))
    return delimiter


def _exact_csv(text: str, delimiter: str, name: str, rel: str, skip_initial_space: bool = False, fields=()):
    """(header, raw frame, row problems, LineMap) with Python's strict CSV reader, tracking physical lines.

    skip_initial_space: the dialect's skipInitialSpace (spaces right after a delimiter are not data)."""
    import polars as pl

    from iraq_frontiers.io.csv_stream import LineMap

    problems: list[Problem] = []
    header: list[str] | None = None
    rows: list[list[str]] = []
    numbers: list[int] = []
    starts: list[int] = []  # the line each record starts on
    recno = 0
    try:
        for rec, _raw, start, end in csv_records(text, delimiter, skip_initial_space, raw=False):
            recno_lines = f"line {start}" if start == end else f"lines {start}-{end}"
            if header is None:
                if not rec:
                    raise InputError(Problem("csv-malformed", "the first line is blank; the header row must come first", table=name, file=rel))
                header = rec
                if len(header) > MAX_COLUMNS:
                    raise InputError(Problem("csv-malformed", f"the header has {len(header)} columns; the limit is {MAX_COLUMNS}", table=name, file=rel))
                check_delimiter(header, fields, delimiter, name, rel)
                continue
            recno += 1
            starts.append(start)
            if not any(rec):  # an empty line, or a row of empty cells (`,,`): Table Schema's blank row
                problems.append(Problem("blank-row", f"row {recno} ({recno_lines}) {BLANK}", table=name, row=recno, file=rel))
                continue
            if len(rec) != len(header):
                problems.append(_ragged_row(name, rel, recno, recno_lines, rec, len(header), delimiter, joined=start != end))
                rec = (rec + [""] * len(header))[: len(header)]  # still read: its cells are checked too
            rows.append(rec)
            numbers.append(recno)
    except CsvSplitError as exc:
        raise InputError(Problem("csv-malformed", f"cannot split the file into cells: {exc.describe()}", table=name, file=rel)) from None
    if header is None:
        raise InputError(Problem("resource-unreadable", "file is empty (no header row)", table=name, file=rel))
    columns = {f"__col{i}": [r[i] for r in rows] for i in range(len(header))}
    raw = pl.DataFrame(columns, schema={c: pl.String for c in columns}) if columns else pl.DataFrame()
    raw = raw.with_columns(pl.Series(ROW, numbers, dtype=pl.Int64)) if columns else pl.DataFrame({ROW: pl.Series(numbers, dtype=pl.Int64)})
    return header, raw, problems, LineMap.from_starts(range(1, recno + 1), starts)


def _ragged_row(name: str, rel: str, recno: int, lines: str | None, rec: list[str], width: int, delimiter: str, joined: bool) -> Problem:
    """A row with the wrong number of cells: reported, then read padded with empty cells or cut to the header's width."""
    hint = " (an unclosed quote may have joined lines)" if joined else ""
    read = "the missing cells are read as empty" if len(rec) < width else "the extra cells are not read"
    where = f" ({lines})" if lines else ""
    return Problem("ragged-row", f"row {recno}{where} has {len(rec)} cells; the header has {width}{hint}; {read}",
                   table=name, row=recno, value=clip(delimiter.join(rec)), file=rel)


def _read_csv(name, file: Path, rel: str, fields, pk, resource, gz: bool = False) -> tuple[TableData, list[Problem]]:
    """A CSV table: streamed block by block (io.csv_stream) when the file is plainly well formed, else read
    whole by the exact reader, which says what is wrong and where. Problems about rows carry their line."""
    from iraq_frontiers.io.csv_stream import stream_csv, with_lines

    delimiter = _delimiter(resource, name, rel)
    dialect = resource.get("dialect")
    skip = isinstance(dialect, dict) and dialect.get("skipInitialSpace") is True  # Arrow's parser has no such option
    try:
        size = file.stat().st_size
        if size > MAX_CSV_BYTES:
            raise InputError(Problem("resource-unreadable", f"file is {size} bytes; the limit for a CSV table is {MAX_CSV_BYTES} (use Parquet)", table=name, file=rel))
        limit = _gzip_limit(size) if gz else None
        if not skip:
            found, scan = stream_csv(name, rel, lambda: _open_raw(file, gz), delimiter, fields, pk, big=gz or size > MAX_CELL_BYTES, limit=limit)
            if scan.stop == "limit":
                raise _too_big(limit, name, rel)
            if scan.error is not None:
                raise _stream_error(scan.error, gz, name, rel)
            if found is not None:
                data, problems = found
                return data, with_lines(problems, data.lines)
        data = _gunzip(file, size, name, rel) if gz else file.read_bytes()
    except (OSError, MemoryError) as exc:
        raise InputError(Problem("resource-unreadable", f"cannot read the file: {getattr(exc, 'strerror', None) or exc}", table=name, file=rel)) from None
    data, text = _decode_csv(data, name, rel)
    if not data.strip(b" \t\r\n"):
        raise InputError(Problem("resource-unreadable", "file is empty (no header row)", table=name, file=rel))
    header, raw, row_problems, lines = _exact_csv(text, delimiter, name, rel, skip, fields)
    table, problems = _typed_table(name, rel, header, raw, row_problems, fields, pk, size=len(data) > MAX_CELL_BYTES)
    table.lines = lines
    return table, with_lines(problems, lines)


def check_delimiter(header: list[str], fields, delimiter: str, name: str, rel: str) -> None:
    """Refuse, as one problem, a file written with another delimiter (a spreadsheet's `;`, a tab...):
    its header matches the schema's field names better when split on that delimiter than on ours."""
    expected = {f.get("name") for f in fields if isinstance(f, dict)}
    ours = len(expected.intersection(header))
    if len(header) > 2 or ours == len(expected):
        return
    line = delimiter.join(header)
    for other in (";", "\t", "|", ","):
        if other == delimiter or other not in line:
            continue
        cells = next(csv.reader([line], delimiter=other), [])
        theirs = len(expected.intersection(c.strip() for c in cells))
        if theirs >= 2 and theirs > ours:
            shown = {"\t": "a tab", ";": "';'", "|": "'|'", ",": "','"}
            how = (f'save it as comma-separated CSV, or declare "dialect": {{"delimiter": {json.dumps(other)}}} in the resource'
                   if delimiter == "," else f'declare "dialect": {{"delimiter": {json.dumps(other)}}} in the resource (it says {json.dumps(delimiter)})')
            raise InputError(Problem(
                "csv-malformed", f"the file seems to use {shown[other]} as its delimiter, not {shown.get(delimiter, repr(delimiter))}: "
                f"its header splits into {len(cells)} columns on {shown[other]} ({theirs} of them schema fields) but into {len(header)} on "
                f"{shown.get(delimiter, repr(delimiter))}; {how}", table=name, file=rel))


@contextmanager
def _open_raw(file: Path, gz: bool):
    """The file's bytes as a stream: the file itself, or its gzip decompression (bounded by the caller)."""
    import gzip

    with (gzip.open(file, "rb") if gz else open(file, "rb", buffering=0)) as fh:
        yield fh


def _gzip_limit(size: int) -> int:
    """How far a gzip-compressed CSV file may expand: the bounds of a zip entry (size and ratio)."""
    return min(MAX_ARCHIVE_MEMBER_BYTES, max(MAX_ARCHIVE_RATIO * size, 1024 * 1024))


def _stream_error(exc: BaseException, gz: bool, name: str, rel: str) -> BaseException:
    """What to raise for an error of the raw stream: a corrupt gzip file is refused; an OS error is the caller's."""
    import gzip
    import zlib

    if gz and isinstance(exc, (gzip.BadGzipFile, EOFError, zlib.error)):
        return InputError(Problem("resource-unreadable", f"cannot decompress the gzip file: {clip(str(exc)) or type(exc).__name__}", table=name, file=rel))
    return exc


def _too_big(limit: int, name: str, rel: str) -> InputError:
    cause = (f"the limit is {limit} bytes" if limit == MAX_ARCHIVE_MEMBER_BYTES
             else f"a compression ratio above {MAX_ARCHIVE_RATIO}: a zip bomb?")
    return InputError(Problem("resource-unreadable", f"the gzip-compressed file expands beyond {limit} bytes ({cause})", table=name, file=rel))


def _gunzip(file: Path, size: int, name: str, rel: str) -> bytes:
    """A gzip file's content, within the bounds of a zip entry (size and compression ratio)."""
    import gzip
    import zlib

    limit = _gzip_limit(size)
    out = io.BytesIO()
    try:
        with gzip.open(file, "rb") as fh:
            while chunk := fh.read(1 << 20):
                out.write(chunk)
                if out.tell() > limit:
                    raise _too_big(limit, name, rel)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise InputError(Problem("resource-unreadable", f"cannot decompress the gzip file: {clip(str(exc)) or type(exc).__name__}", table=name, file=rel)) from None
    return out.getvalue()


def _read_inline(name: str, desc: str, fields, pk, resource) -> tuple[TableData, list[Problem]]:
    """Inline `data`: an array of rows (arrays, the first one the header) or of objects (keys are columns).

    Cells take the CSV route (typed from text) after a check of their JSON type: null is empty; a
    string is read as text; a number suits integer and number fields, true/false boolean fields;
    anything else (an object, an array, a number in a string field) is a `type-error`.
    """
    import polars as pl

    data = resource["data"]
    def refuse(message: str) -> InputError:
        return InputError(Problem("resource-unreadable", message, table=name, file=desc))

    if not isinstance(data, list):
        raise refuse(f"inline data must be an array of rows, not {type(data).__name__}")
    if data and all(isinstance(r, dict) for r in data):
        header = list(dict.fromkeys(k for r in data for k in r))
        records = [[r.get(k) for k in header] for r in data]
    elif data and all(isinstance(r, list) for r in data):
        header, records = data[0], data[1:]
        if not all(isinstance(h, str) for h in header):
            raise refuse("the first row of inline data is the header: it must hold strings only")
    elif not data:
        raise refuse("inline data is empty (no header row)")
    else:
        raise refuse("inline data must be an array of arrays or an array of objects, not a mix")
    if len(header) > MAX_COLUMNS:
        raise refuse(f"inline data has {len(header)} columns; the limit is {MAX_COLUMNS}")
    types = {f["name"]: field_type(f) for f in fields}
    problems: list[Problem] = []
    rows: list[list[str]] = []
    numbers: list[int] = []
    for recno, rec in enumerate(records, 1):
        cells, wrong = [], []
        for col, value in zip(header, rec):
            text, bad = _inline_cell(value, types.get(col, "string"))
            if bad:
                wrong.append(Problem("type-error", f"{bad} (read as empty)", table=name, field=clip(col), row=recno, value=clip(str(value)), file=desc))
            cells.append(text)
        problems += wrong
        if not any(cells) and not wrong:
            problems.append(Problem("blank-row", f"row {recno} is blank (every cell is empty)", table=name, row=recno, file=desc))
            continue
        if len(rec) != len(header):
            problems.append(_ragged_row(name, desc, recno, None, [str(v) for v in rec], len(header), ",", joined=False))
            cells = (cells + [""] * len(header))[: len(header)]
        rows.append(cells)
        numbers.append(recno)
    columns = {f"__col{i}": pl.Series(f"__col{i}", [r[i] for r in rows], dtype=pl.String) for i in range(len(header))}
    raw = pl.DataFrame([*columns.values(), pl.Series(ROW, numbers, dtype=pl.Int64)])
    return _typed_table(name, desc, header, raw, problems, fields, pk)


def _inline_cell(value: Any, ftype: str) -> tuple[str, str | None]:
    """(cell text, why the JSON value does not suit the field's type or None)."""
    if value is None:
        return "", None
    if isinstance(value, str):
        return value, None
    if isinstance(value, bool):
        return ("true" if value else "false", None) if ftype == "boolean" else ("", f"JSON {str(value).lower()} is not a valid {ftype}")
    if isinstance(value, (int, float)) and ftype in ("integer", "number"):
        return (repr(value) if isinstance(value, float) else str(value)), None
    kind = {dict: "an object", list: "an array", int: "a number", float: "a number"}.get(type(value), type(value).__name__)
    return "", f"JSON {kind} is not a valid {ftype}"


def _typed_table(name, rel, header: list[str], raw, row_problems: list[Problem], fields, pk, control: bool = True,
                 size: bool = True) -> tuple[TableData, list[Problem]]:
    """A table of raw text cells (columns __col<i> and ROW) checked against the header and typed per schema."""
    problems, missing = _header_problems(name, rel, header, fields)
    # Map header names to columns (first occurrence wins for duplicates).
    by_name: dict[str, str] = {}
    for i, col in enumerate(header):
        by_name.setdefault(col, f"__col{i}")
    wanted = {f["name"] for f in fields}
    by_name = {k: v for k, v in by_name.items() if k in wanted}
    raw = raw.select([ROW, *by_name.values()])
    raw, cell_problems, big = _cell_checks(name, rel, raw, by_name, pk, control=control, size=size)
    frame, type_problems, unusable, unreadable = _cast_strings(name, rel, raw, by_name, fields, pk)
    problems = ProblemList(problems) + row_problems + cell_problems + type_problems
    frame, unfit = _unrepresentable_cells(name, rel, frame, fields, unusable | missing, pk, problems)
    table = TableData(name, frame, rel, unusable | missing)
    for fname, rows in [*big.items(), *unreadable.items(), *unfit.items()]:
        table.mark_bad(fname, rows)
    return table, problems


def _cast_expr(field: dict[str, Any], col):
    """An expression casting string column `col` to the field's type, null where unreadable."""
    import polars as pl

    ftype = field_type(field)
    if ftype == "string":
        return col
    if ftype == "integer":
        return col.cast(pl.Int64, strict=False)
    if ftype == "number":
        num = col.cast(pl.Float64, strict=False)
        return pl.when(num.is_finite()).then(num).otherwise(None)
    if ftype == "boolean":
        true_values = field.get("trueValues", TRUE_VALUES)
        false_values = field.get("falseValues", FALSE_VALUES)
        mapping = {**{v: True for v in true_values if isinstance(v, str)}, **{v: False for v in false_values if isinstance(v, str)}}
        return col.replace_strict(mapping, default=None, return_dtype=pl.Boolean)
    if ftype == "date":  # strictly YYYY-MM-DD (chrono alone accepts 2024-3-5 and leading spaces), years 0001-9999
        return pl.when(col.str.contains(_ISO_DATE) & ~col.str.starts_with("0000")).then(col.str.strptime(pl.Date, "%Y-%m-%d", strict=False)).otherwise(None)
    if ftype == "datetime":  # ISO 8601 with a time zone; one explicit format, so each cell is judged on its own
        offset = col.str.replace(r"Z$", "+00:00")
        parsed = offset.str.to_datetime(format="%Y-%m-%dT%H:%M:%S%.f%z", time_zone="UTC", strict=False, time_unit="us")
        return pl.when(col.str.contains(_ISO_DATETIME)).then(parsed).otherwise(None)
    if ftype == "list":
        return col.str.split(list_delimiter(field))
    raise AssertionError(ftype)


_HINTS = (
    (re.compile(r"^[+-]?[0-9]+$"), ("integer",), " (outside the 64-bit integer range)"),
    (re.compile(r"^[+-]?[0-9]{1,3}([, '\u00a0][0-9]{3})+([.,][0-9]+)?$"), ("integer", "number"), " (thousands separators are not allowed)"),
    (re.compile(r"^[+-]?[0-9]+,[0-9]+$"), ("number",), " (use '.' as the decimal mark)"),
    (re.compile(r"^\s|\s$"), ("integer", "number", "boolean", "date", "datetime"), " (leading or trailing spaces)"),
    (re.compile(r"(?i)^[+-]?(nan|inf|infinity)$"), ("number",), " (finite number expected)"),
    (re.compile(r"^[0-9]{1,2}[/.\-][0-9]{1,2}[/.\-][0-9]{2,4}"), ("date", "datetime"), " (dates are written YYYY-MM-DD)"),
    (re.compile(r"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$"), ("date",), " (write YYYY-MM-DD with two-digit month and day)"),
    (re.compile(r"^[0-9]{5}(\.[0-9]+)?$"), ("date", "datetime"), " (a spreadsheet serial number? dates are written YYYY-MM-DD)"),
    (re.compile(r"^(0000|[+-]?[0-9]{5,})-"), ("date", "datetime"), " (years run from 0001 to 9999)"),
)


def _type_message(value: str, ftype: str) -> str:
    for pattern, types, hint in _HINTS:
        if ftype in types and pattern.search(value):
            return f"{clip(value)!r} is not a valid {ftype}{hint}"
    expected = {"date": " (expected YYYY-MM-DD)", "datetime": " (expected ISO 8601 with a time zone, e.g. 2024-01-31T12:00:00Z)",
                "number": " (finite number expected)"}.get(ftype, "")
    return f"{clip(value)!r} is not a valid {ftype}{expected}"


def _cast_strings(name, rel, raw, by_name, fields, pk):
    """Cast raw string columns to schema types; report cells that do not parse."""
    import polars as pl

    exprs = [pl.col(ROW)]
    castable = []  # fields whose text is cast (a cell that does not cast is a type-error)
    unusable: set[str] = set()
    for f in fields:
        fname = f["name"]
        if field_type(f) not in TYPE_MAP:
            unusable.add(fname)
            continue
        if fname not in by_name:
            exprs.append(pl.lit(None, dtype=_dtype(f)).alias(fname))
            continue
        raw_col = pl.col(by_name[fname])
        src = pl.when(raw_col == "").then(None).otherwise(raw_col)  # a quoted "" is empty too
        typed = _cast_expr(f, src)
        exprs.append(typed.alias(fname))
        if field_type(f) not in ("string", "list"):
            castable.append(fname)
    frame = raw.select(exprs)
    problems = ProblemList()
    unreadable: dict[str, Any] = {}  # field -> rows of cells that did not parse (read as empty)
    for fname in castable:  # a cell with text that typed to null (computed from the cast above: each cast runs once)
        idx = ((raw[by_name[fname]] != "") & frame[fname].is_null()).arg_true()
        if len(idx) == 0:
            continue
        unreadable[fname] = raw[ROW].gather(idx).to_numpy()
        shown = idx.head(problems.room("type-error", name, fname))
        problems.count_more("type-error", name, fname, len(idx) - len(shown))
        ftype = next(field_type(f) for f in fields if f["name"] == fname)
        values = raw[by_name[fname]].gather(shown).to_list()
        rows = raw[ROW].gather(shown).to_list()
        for i, row, value in zip(shown.to_list(), rows, values):
            problems.append(Problem(
                "type-error", _type_message(value, ftype),
                table=name, field=fname, row=row, key=_raw_key(raw, by_name, i, pk), value=clip(value), file=rel))
    return frame, problems, unusable, unreadable


def _dtype(field):
    from iraq_frontiers.schema.compiler import polars_dtype

    return polars_dtype(field)
