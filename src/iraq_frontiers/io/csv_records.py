"""The one CSV record reader: the validator's exact reader, and every tool that edits the package's CSV files.

    for rec in csv_records(text):           # rec.cells, rec.raw (its exact text), rec.first_line, rec.last_line
    records = read_records(path)            # a file, strictly UTF-8; unreadable input is io.core.InputError

Records are split by Python's csv module, strict (RFC 4180: text after a closing quote is an error), over
lines broken only at LF, CR and CRLF (`io.StringIO(newline="")`): a U+2028, U+0085 or other character
that `str.splitlines` would break at is a character of its cell, and a quote inside an unquoted cell
(`5"`) is read literally, as the validator reads it. The raw texts of the records concatenate to the
input, so a tool that rewrites some records keeps every other byte (curate/store.py, importers/layer.py,
curate/gazetteer.py). Rows are written back by io.writers.csv_row, the package's CSV writer.
"""
from __future__ import annotations

import csv
import io
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, NamedTuple


class CsvRecord(NamedTuple):
    cells: list[str]
    raw: str  # the record's exact text, its line end included
    first_line: int  # 1-based physical lines
    last_line: int


class CsvSplitError(ValueError):
    """The text cannot be split into records (an unclosed quote, text after a closing quote)."""

    def __init__(self, detail: str, first_line: int, near_line: int):
        super().__init__(detail)
        self.detail, self.first_line, self.near_line = detail, first_line, near_line

    def describe(self) -> str:
        if "unexpected end of data" in self.detail:
            return f"a quoted cell opened in the record starting on line {self.first_line} is never closed"
        return f"{self.detail} (record starting on line {self.first_line}, near line {self.near_line})"


@contextmanager
def csv_field_limit(limit: int):
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, limit))
    try:
        yield
    finally:
        csv.field_size_limit(old)


class _Lines:
    """The physical lines of a text, as the csv module takes them; the lines of the current record kept when asked."""

    def __init__(self, text: str, keep: bool):
        self._it = iter(io.StringIO(text, newline=""))
        self.keep = keep
        self.taken: list[str] = []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self._it)
        if self.keep:
            self.taken.append(line)
        return line


def csv_records(text: str, delimiter: str = ",", skip_initial_space: bool = False, raw: bool = True) -> Iterator[CsvRecord]:
    """Each record of `text`, header first (see the module docstring). raw=False leaves `raw` empty (faster).

    Raises CsvSplitError naming the line where the record that cannot be split starts."""
    lines = _Lines(text, raw)
    reader = csv.reader(lines, delimiter=delimiter, strict=True, skipinitialspace=skip_initial_space)
    prev = 0
    with csv_field_limit(len(text) + 1):
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise CsvSplitError(str(exc), prev + 1, reader.line_num) from None
            end = reader.line_num
            text_of = "".join(lines.taken) if raw else ""
            lines.taken.clear()
            yield CsvRecord(cells, text_of, prev + 1, end)
            prev = end


def read_records(path: Path, table: str | None = None) -> list[CsvRecord]:
    """Every record of a CSV file (UTF-8), header first. Raises io.core.InputError naming the file and line."""
    from iraq_frontiers.io.core import InputError
    from iraq_frontiers.problems import Problem

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(Problem("resource-unreadable", f"cannot read {path}: {exc.strerror or exc}", table=table, file=str(path))) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(Problem("encoding-error", f"file is not UTF-8: invalid byte 0x{data[exc.start]:02x} at byte offset "
                                 f"{exc.start} (line {line})", table=table, file=str(path))) from None
    try:
        return list(csv_records(text))
    except CsvSplitError as exc:
        raise InputError(Problem("csv-malformed", f"cannot split the file into cells: {exc.describe()}", table=table,
                                 file=str(path))) from None
