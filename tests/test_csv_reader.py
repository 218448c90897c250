"""The streaming CSV reader (io.csv_stream) against the exact reader, line numbers, and files edited in spreadsheets.

The streaming reader judges only files it can read exactly and hands the rest to the exact reader; so
on every file it accepts it must give what the exact reader gives: the same typed frame, the same
problems, the same line for every row. ByteScan, which looks at the bytes on the way, must find in a
stream cut anywhere what a look at the whole file finds.
"""
from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from iraq_frontiers.io import csv_reader, csv_stream
from iraq_frontiers.io.csv_bytes import ByteScan
from iraq_frontiers.validation.run import validate

FIELDS = [{"name": "id", "type": "string"}, {"name": "n", "type": "integer"}, {"name": "day", "type": "date"},
          {"name": "text", "type": "string"}]


def read_both(data: bytes, fields=FIELDS, pk=("id",)):
    """(streamed or None, exact) reading of the same bytes: each (frame rows, problems, lines of rows 1..k)."""
    def lines_of(table, problems):
        rows = sorted(set(table.frame["__row__"].to_list()) | {p.row for p in problems if p.row is not None})
        return [(r, table.lines.line(r)) for r in rows]

    found, _ = csv_stream.stream_csv("t", "t.csv", lambda: io.BytesIO(data), ",", fields, list(pk), big=False)
    stream = None
    if found is not None:
        table, problems = found
        stream = (table.frame.rows(), sorted(map(repr, problems)), lines_of(table, problems))
    _, text = csv_reader._decode_csv(data, "t", "t.csv")
    header, raw, row_problems, lines = csv_reader._exact_csv(text, ",", "t", "t.csv", fields=fields)
    table, problems = csv_reader._typed_table("t", "t.csv", header, raw, row_problems, fields, list(pk))
    table.lines = lines
    return stream, (table.frame.rows(), sorted(map(repr, problems)), lines_of(table, problems))


def csv_bytes(rows, newline="\n", quote_all=False) -> bytes:
    out = io.StringIO()
    # (with CR line ends, Python's writer leaves a cell holding LF unquoted: quote every cell then)
    w = csv.writer(out, lineterminator=newline, quoting=csv.QUOTE_ALL if quote_all or newline == "\r" else csv.QUOTE_MINIMAL)
    w.writerow([f["name"] for f in FIELDS])
    w.writerows(rows)
    return out.getvalue().encode("utf-8")


TEXTS = ["plain", "two\nlines", "crlf\r\ninside", "a, comma", 'a "quote"', "", " spaced ", "بغداد", "three\n\nlines", "tab\there"]


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("quote_all", [False, True])
def test_streaming_reader_agrees_with_the_exact_reader(newline, quote_all):
    rows = [[f"r{i}", str(i) if i % 4 else "x", "2024-01-31" if i % 3 else "2024-1-31", t] for i, t in enumerate(TEXTS)]
    rows.insert(3, ["", "", "", ""])  # a blank row in the middle
    data = csv_bytes(rows, newline, quote_all) + newline.encode() * 2  # blank lines at the end are not rows
    stream, exact = read_both(data)
    assert stream is not None, "the streaming reader gave up on a well-formed file"
    assert stream == exact
    assert any("type-error" in p for p in exact[1]) and any("blank-row" in p for p in exact[1])


def test_ragged_rows_are_read_by_the_streaming_reader_like_the_exact_reader():
    rows = [["a", "1", "2024-01-01", "one\ntwo"], ["b", "2"], ["c", "3", "2024-01-01", "x", "surplus"], ["d", "x", "2024-01-01", "y"], [","]]
    stream, exact = read_both(csv_bytes(rows))
    assert stream is not None and stream == exact
    assert sum("ragged-row" in p for p in exact[1]) == 3 and any("(line 4)" in p and "row 2 " in p for p in exact[1])


def test_lines_count_breaks_inside_quoted_cells():
    data = csv_bytes([["a", "1", "2024-01-01", "one\ntwo\nthree"], ["b", "x", "2024-01-01", "ok"]])
    stream, exact = read_both(data)
    assert stream == exact
    assert exact[2] == [(1, 2), (2, 5)]  # row 1 spans lines 2-4; row 2 starts on line 5
    found, _ = csv_stream.stream_csv("t", "t.csv", lambda: io.BytesIO(data), ",", FIELDS, ["id"], big=False)
    (problem,) = [p for p in csv_stream.with_lines(found[1], found[0].lines) if p.code == "type-error"]
    assert (problem.row, problem.line) == (2, 5)


@st.composite
def csv_files(draw):
    cell = st.sampled_from(TEXTS + ["12", "2024-02-29", "-0", "x"])
    rows = draw(st.lists(st.lists(cell, min_size=4, max_size=4), max_size=8))
    for row in rows:  # now and then a row with a cell too few or too many (ragged: read padded or cut)
        row[3:] = draw(st.sampled_from([row[3:]] * 6 + [[], row[3:] * 2]))
    if draw(st.booleans()) and rows:
        rows[draw(st.integers(0, len(rows) - 1))] = ["", "", "", ""]
    data = csv_bytes(rows, draw(st.sampled_from(["\n", "\r\n"])), draw(st.booleans()))
    return data + draw(st.sampled_from([b"", b"\n", b"\n\n", b"\r\n"]))


@given(csv_files())
def test_streaming_reader_agrees_on_drawn_files(data):
    stream, exact = read_both(data)
    assert stream is None or stream == exact


# --- ByteScan: the same verdicts on a stream cut anywhere ----------------------------------------


class Pieces(io.RawIOBase):
    """A stream that returns at most `size` bytes per read (so that every boundary case comes up)."""

    def __init__(self, data: bytes, size: int):
        self.data, self.size, self.pos = data, size, 0

    def read(self, n=-1):
        piece = self.data[self.pos:self.pos + self.size]
        self.pos += len(piece)
        return piece


def whole_file_verdict(data: bytes) -> dict:
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if b"\x00" in body:
        return {"stop": "nul"}
    if re.search(rb'[^,\r\n"]"[^,\r\n"]', body):
        return {"stop": "quote"}
    run = body[len(body.rstrip(b"\r\n")):]
    return {"stop": None, "breaks": len(re.findall(rb"\r\n|\r|\n", body)),
            "control": bool(re.search(rb"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]", body)),
            "quotes": b'"' in body, "tail_breaks": len(re.findall(rb"\r\n|\r|\n", run)), "ends_with_break": bool(run)}


@given(st.lists(st.sampled_from([b"a", b",", b'"', b"\r", b"\n", b"\r\n", b"\x01", b"\xc2\x85", b"\xc2\xa0", b"\x7f", b"\x00", b"\t"]),
                max_size=30), st.integers(1, 5))
def test_byte_scan_sees_what_the_whole_file_shows(parts, size):
    data = b"".join(parts)
    scan = ByteScan(Pieces(data, size), ",")
    while scan.read(size):
        pass
    expected = whole_file_verdict(data)
    got = {"stop": scan.stop}
    if scan.stop is None:
        got.update(breaks=scan.breaks, control=scan.control, quotes=scan.quotes, tail_breaks=scan.tail_breaks,
                   ends_with_break=scan.ends_with_break)
    if expected["stop"] == "quote" and got["stop"] == "nul":
        return  # both refuse; which is seen first depends on the order of the bytes
    if expected["stop"] == "nul" and got["stop"] == "quote":
        return
    assert got == expected


# --- through validate(): lines on every layer's problems ------------------------------------------


def package(folder: Path, items: bytes, dialect: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    resource = {"name": "items", "type": "table", "path": "items.csv", "format": "csv",
                "schema": {"fields": [{"name": "id", "type": "string", "constraints": {"required": True}},
                                      {"name": "n", "type": "integer", "constraints": {"minimum": 0}},
                                      {"name": "note", "type": "string"}], "primaryKey": ["id"]}}
    if dialect:
        resource["dialect"] = dialect
    (folder / "datapackage.json").write_text(json.dumps({"name": "p", "resources": [resource]}))
    (folder / "items.csv").write_bytes(items)
    return folder


def test_every_problem_about_a_row_names_its_line(tmp_path):
    data = b'id,n,note\na,1,"two\nlines"\nb,-1,x\n\nb,2,y\nc,x,z\n'
    report = validate(package(tmp_path / "p", data))
    lines = {(p.code, p.row): p.line for p in report.problems}
    assert lines == {("minimum", 2): 4, ("blank-row", 3): 5, ("primary-key-duplicate", 4): 6, ("type-error", 5): 7}
    assert all(d["line"] for d in report.to_dict()["problems"])
    ragged = validate(package(tmp_path / "q", b'id,n,note\na,1,"x\ny"\nb,2\n')).problems
    assert [(p.code, p.row, p.line) for p in ragged] == [("ragged-row", 2, 4)]  # the exact reader's lines too


def test_a_blank_row_is_named_by_row_and_line_not_by_an_empty_key(tmp_path):
    (p,) = validate(package(tmp_path / "p", b"id,n,note\na,1,x\n,,\nb,2,y\n")).problems
    assert (p.code, p.row, p.line, p.key) == ("blank-row", 2, 3, None)


# --- another delimiter, and other spreadsheet edits -------------------------------------------------


@pytest.mark.parametrize("delimiter, shown", [(";", "';'"), ("\t", "a tab"), ("|", "'|'")])
def test_a_file_with_another_delimiter_is_one_clear_problem(tmp_path, delimiter, shown):
    data = ("\n".join(delimiter.join(r) for r in [["id", "n", "note"], ["a", "1", "x, y"], ["b", "2", "z"]]) + "\n").encode()
    report = validate(package(tmp_path / "p", data))
    (p,) = report.problems
    assert report.exit_code == 2 and p.code == "csv-malformed" and p.table == "items" and p.file == "items.csv"
    assert f"seems to use {shown} as its delimiter" in p.message and '"dialect"' in p.message


def test_the_declared_delimiter_is_read_and_a_wrong_declaration_is_named(tmp_path):
    assert validate(package(tmp_path / "p", b"id;n;note\na;1;x\n", {"delimiter": ";"})).valid
    report = validate(package(tmp_path / "q", b"id,n,note\na,1,x\n", {"delimiter": ";"}))
    (p,) = report.problems
    assert report.exit_code == 2 and "seems to use ','" in p.message and "it says \";\"" in p.message


def test_a_header_that_is_simply_wrong_is_not_taken_for_a_delimiter(tmp_path):
    codes = validate(package(tmp_path / "p", b"ident;x,n,note\na,1,x\n")).codes()
    assert "csv-malformed" not in codes and "extra-column" in codes


def test_spreadsheet_edits(tmp_path):
    # quoted header cells, CRLF and a byte-order mark: read as written
    assert validate(package(tmp_path / "a", b'\xef\xbb\xbf"id","n","note"\r\n"a","1","x"\r\n')).valid
    # a trailing delimiter: one extra, empty-named column (exit 1), every row read
    report = validate(package(tmp_path / "b", b"id,n,note,\na,1,x,\nb,2,y,\n"))
    assert report.exit_code == 1 and [(p.code, p.field) for p in report.problems] == [("extra-column", "")]
    assert "trailing delimiter" in report.problems[0].message


def test_gzip_is_streamed_within_bounds(tmp_path):
    import gzip

    folder = package(tmp_path / "p", b"")
    (folder / "items.csv").unlink()
    desc = json.loads((folder / "datapackage.json").read_text())
    desc["resources"][0]["path"] = "items.csv.gz"
    (folder / "datapackage.json").write_text(json.dumps(desc))
    (folder / "items.csv.gz").write_bytes(gzip.compress(b"id,n,note\na,1,x\nb,-1,y\n"))
    (p,) = validate(folder).problems
    assert (p.code, p.row, p.line) == ("minimum", 2, 3)
    (folder / "items.csv.gz").write_bytes(gzip.compress(b"id,n,note\n" + b"a" * (8 << 20) + b",1,x\n"))  # ratio far above 200
    (p,) = validate(folder).problems
    assert p.code == "resource-unreadable" and "expands beyond" in p.message


def test_a_read_table_reaches_duckdb_without_copies_its_vocabularies_as_dictionaries():
    """What the DuckDB engine holds of a CSV table (its peak memory): string columns as polars' own
    string views, an `enum` column as a dictionary; DuckDB reads the same values from them."""
    import polars as pl
    import pyarrow as pa

    from iraq_frontiers.validation.backends.duckdb.tables import DuckTables
    from iraq_frontiers.validation.spec import raw_name

    fields = [{"name": "id", "type": "string"}, {"name": "kind", "type": "string", "constraints": {"enum": ["a", "b"]}},
              {"name": "n", "type": "integer"}]
    kinds = ["a", "b", "", "not in the list", "بغداد", "b"]
    data = "id,kind,n\n" + "".join(f"r{i},{k},{i}\n" for i, k in enumerate(kinds))
    (table, _), _ = csv_stream.stream_csv("t", "t.csv", lambda: io.BytesIO(data.encode()), ",", fields, ["id"], big=False)

    class Recording:  # the connection, noting what is registered
        def __init__(self, con):
            self.con, self.registered = con, {}

        def register(self, name, arrow):
            self.registered[name] = arrow
            return self.con.register(name, arrow)

        def __getattr__(self, name):
            return getattr(self.con, name)

    tables = DuckTables()
    try:
        tables.con = Recording(tables.con)
        tables.add_read(table, {"fields": fields})
        arrow = tables.con.registered[raw_name("t")]
        assert pa.types.is_dictionary(arrow.schema.field("kind").type)
        assert arrow.schema.field("id").type == pa.string_view()
        ids = table.frame["id"].to_arrow(compat_level=pl.CompatLevel.newest())
        assert arrow.column("id").chunk(0).buffers()[1].address == ids.buffers()[1].address  # polars' views, not a copy
        got = tables.con.execute(f'SELECT typeof(kind), kind FROM "{raw_name("t")}" ORDER BY __row__').fetchall()
        assert got == [("VARCHAR", k or None) for k in kinds]
    finally:
        tables.close()
