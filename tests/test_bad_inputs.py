"""Issue 6: a corpus of bad inputs, each with its expected exit code and problem code.

Every case builds a small package in a temporary folder (a toy `items` table exercising every
field type, and a `locations` table with the real schema), breaks it one way, and validates it
through the library and the CLI. The contract checked for each case:
- the exit code (1 invalid data, 2 unreadable or refused input; 0 for inputs we deliberately accept);
- the expected problem code, with the file / table / row / field it applies to;
- no traceback, no `internal-error`, a bounded run time;
- nothing written into the package folder and no file changed; no temporary folder left behind.
The decision list is in docs/validation.md, "Bad input".
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest

from iraq_frontiers.cli.app import main
from iraq_frontiers.schema.metadata import table_schema
from iraq_frontiers.validation.run import validate

MAX_SECONDS = 30  # per case (the slowest cases build 21 MB files)

ITEMS_FIELDS = [
    {"name": "id", "type": "string", "constraints": {"required": True, "pattern": "it-[0-9]+"}},
    {"name": "name", "type": "string"},
    {"name": "count", "type": "integer", "constraints": {"minimum": 0}},
    {"name": "ratio", "type": "number"},
    {"name": "flag", "type": "boolean"},
    {"name": "day", "type": "date"},
    {"name": "tags", "type": "string", "listDelimiter": "|"},
]
HEADER = "id,name,count,ratio,flag,day,tags"
ROWS = ["it-1,Alpha,3,0.5,true,2024-01-31,a|b", "it-2,بغداد,0,1.25,false,2023-12-01,"]
LOC_HEADER = ("id,name,aliases,kind,country,parent_id,latitude,longitude,coordinate_precision,geonames_id,wikidata_id,notes,"
              "coordinate_source,coordinate_source_id")
LOC_ROWS = ["loc-iraq,Iraq,العراق,country,IQ,,,,none,,Q796,,,", "loc-mosul,Mosul,الموصل,city,IQ,loc-iraq,36.335,43.11889,settlement,99072,Q83883,,geonames,99072"]


def items_csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def base_descriptor(items_path: str = "items.csv") -> dict[str, Any]:
    fmt = items_path.rsplit(".", 1)[-1]
    return {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": "bad-inputs",
        "version": "1.0.0",
        "resources": [
            {"name": "items", "type": "table", "path": items_path, "format": fmt,
             "schema": {"fields": json.loads(json.dumps(ITEMS_FIELDS)), "primaryKey": ["id"]}},
            {"name": "locations", "type": "table", "path": "locations.csv", "format": "csv", "schema": table_schema("locations")},
        ],
    }


def write_package(folder: Path, descriptor: dict | bytes | None = None, items: bytes | None = None,
                  locations: bytes | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    desc = base_descriptor() if descriptor is None else descriptor
    (folder / "datapackage.json").write_bytes(desc if isinstance(desc, bytes) else json.dumps(desc, ensure_ascii=False).encode())
    (folder / "items.csv").write_bytes(items_csv(*ROWS) if items is None else items)
    (folder / "locations.csv").write_bytes(items_csv(*LOC_ROWS, header=LOC_HEADER) if locations is None else locations)
    return folder


def items_table(**overrides):
    """A typed Arrow items table (for Parquet cases)."""
    import pyarrow as pa

    cols = {
        "id": pa.array(["it-1", "it-2"]), "name": pa.array(["Alpha", "بغداد"]), "count": pa.array([3, 0], pa.int64()),
        "ratio": pa.array([0.5, 1.25]), "flag": pa.array([True, False]),
        "day": pa.array([19753, 19692], pa.int32()).cast(pa.date32()), "tags": pa.array([["a", "b"], None], pa.list_(pa.string())),
    }
    cols.update(overrides)
    return pa.table(cols)


def parquet_package(folder: Path, table=None, raw: bytes | None = None) -> Path:
    import pyarrow.parquet as pq

    write_package(folder, base_descriptor("items.parquet"))
    (folder / "items.csv").unlink()
    if raw is not None:
        (folder / "items.parquet").write_bytes(raw)
    else:
        pq.write_table(items_table() if table is None else table, folder / "items.parquet")
    return folder


# --------------------------------------------------------------------------------------------
# The corpus: each case returns the path to validate.


@dataclass
class Case:
    id: str
    build: Callable[[Path], Path]
    exit: int
    code: str | None  # expected problem code (None: a valid package)
    table: str | None = None  # the table the problem must name
    row: int | None = None  # the row it must name
    field: str | None = None  # the field it must name
    posix_only: bool = False
    note: str = ""


def csv_case(id, items: bytes, exit, code, row=None, fld=None, **kw) -> Case:
    return Case(id, lambda d: write_package(d, items=items), exit, code, table="items" if code else None, row=row, field=fld, **kw)


def desc_case(id, edit: Callable[[dict], Any], exit, code, **kw) -> Case:
    def build(d: Path) -> Path:
        desc = base_descriptor()
        edit(desc)
        return write_package(d, desc)
    return Case(id, build, exit, code, **kw)


def raw_desc_case(id, data: bytes, exit=2, code="descriptor-unreadable") -> Case:
    return Case(id, lambda d: write_package(d, data), exit, code)


def field_edit(name: str, **changes):
    def edit(desc):
        f = next(f for f in desc["resources"][0]["schema"]["fields"] if f["name"] == name)
        f.update(changes)
    return edit


def pattern_edit(pattern: str):
    return field_edit("id", constraints={"required": True, "pattern": pattern})


def _symlink_out(d: Path) -> Path:
    write_package(d)
    outside = d.parent / "outside.csv"
    outside.write_bytes(items_csv(*ROWS))
    (d / "items.csv").unlink()
    (d / "items.csv").symlink_to(outside)
    return d


def _symlink_dev_zero(d: Path) -> Path:
    write_package(d)
    (d / "items.csv").unlink()
    (d / "items.csv").symlink_to("/dev/zero")
    return d


def _fifo_resource(d: Path) -> Path:
    write_package(d)
    (d / "items.csv").unlink()
    os.mkfifo(d / "items.csv")
    return d


def _fifo_descriptor(d: Path) -> Path:
    write_package(d)
    (d / "datapackage.json").unlink()
    os.mkfifo(d / "datapackage.json")
    return d / "datapackage.json"


def _dir_resource(d: Path) -> Path:
    write_package(d)
    (d / "items.csv").unlink()
    (d / "items.csv").mkdir()
    return d


def _missing_resource(d: Path) -> Path:
    write_package(d)
    (d / "items.csv").unlink()
    return d


def _zip(d: Path, entries: list[tuple[Any, bytes]], name="package.zip", compression=zipfile.ZIP_DEFLATED) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    path = d / name
    with zipfile.ZipFile(path, "w", compression) as zf:
        for entry, data in entries:
            zf.writestr(entry, data)
    return path


def _good_entries(prefix: str = "") -> list[tuple[str, bytes]]:
    return [(prefix + "datapackage.json", json.dumps(base_descriptor()).encode()), (prefix + "items.csv", items_csv(*ROWS)),
            (prefix + "locations.csv", items_csv(*LOC_ROWS, header=LOC_HEADER))]


def _zip_slip(d: Path) -> Path:
    return _zip(d, [*_good_entries(), ("../../evil.txt", b"pwned")])


def _zip_absolute(d: Path) -> Path:
    return _zip(d, [*_good_entries(), ("/tmp/evil-iraq-frontiers.txt", b"pwned")])


def _zip_bomb(d: Path) -> Path:
    return _zip(d, [*_good_entries(), ("bomb.csv", b"0" * (60 * 1024 * 1024))])


def _zip_symlink(d: Path) -> Path:
    info = zipfile.ZipInfo("items.csv")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return _zip(d, [_good_entries()[0], (info, b"/etc/passwd"), _good_entries()[2]])


def _zip_truncated(d: Path) -> Path:
    path = _zip(d, _good_entries())
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _zip_crc(d: Path) -> Path:
    path = _zip(d, _good_entries(), compression=zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    i = data.find(b"it-1,Alpha")
    data[i] = ord("X")  # stored bytes changed: the CRC no longer matches
    path.write_bytes(bytes(data))
    return path


def _zip_no_descriptor(d: Path) -> Path:
    return _zip(d, _good_entries()[1:])


def _zip_encrypted(d: Path) -> Path:
    path = _zip(d, _good_entries(), compression=zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    # set the "encrypted" flag bit in every central directory header
    pos = 0
    while (pos := data.find(b"PK\x01\x02", pos)) >= 0:
        data[pos + 8] |= 0x1
        pos += 4
    path.write_bytes(bytes(data))
    return path


def _zip_many_entries(d: Path) -> Path:
    return _zip(d, [*_good_entries(), *((f"x/{i}", b"") for i in range(10_001))], compression=zipfile.ZIP_STORED)


def _header_only(d: Path) -> Path:
    return write_package(d, items=(HEADER + "\n").encode())


def _huge_descriptor(d: Path) -> Path:
    desc = base_descriptor()
    desc["description"] = "x" * (21 * 1024 * 1024)
    return write_package(d, desc)


def _parquet_truncated(d: Path) -> Path:
    parquet_package(d)
    data = (d / "items.parquet").read_bytes()
    (d / "items.parquet").write_bytes(data[:-40])
    return d


def _parquet_dup_columns(d: Path) -> Path:
    import pyarrow as pa

    t = items_table()
    t = pa.Table.from_arrays([*t.columns, t.column("name")], names=[*t.column_names, "name"])
    return parquet_package(d, t)


def _days(days: list[int]):
    """A date32 column from day numbers (years Python's date cannot hold)."""
    import pyarrow as pa

    return pa.array(days, pa.int32()).cast(pa.date32())


def _lists(values: list):
    import pyarrow as pa

    return pa.array(values, pa.list_(pa.string()))


def _invalid_utf8(values: list[bytes]):
    """An Arrow string array holding the bytes as given (some writers do not validate UTF-8)."""
    import pyarrow as pa

    b = pa.array(values, pa.binary())
    return pa.Array.from_buffers(pa.string(), len(b), b.buffers())


def _many_columns(n: int):
    header = HEADER + "," + ",".join(f"extra{i}" for i in range(n))
    return items_csv(*(r + "," * n for r in ROWS), header=header)


def _cli_url(d: Path) -> str:
    return "https://example.org/datapackage.json"


def _nested_json(depth: int) -> bytes:
    return b'{"resources": ' + b"[" * depth + b"]" * depth + b"}"


CASES: list[Case] = [
    # ---- malformed CSV tables -------------------------------------------------------------
    csv_case("ragged-row-long", items_csv(ROWS[0], ROWS[1] + ",extra"), 1, "ragged-row", row=2),
    csv_case("ragged-row-short", items_csv(ROWS[0], "it-2,Beta,1"), 1, "ragged-row", row=2),
    csv_case("unclosed-quote-at-end", items_csv(ROWS[0], 'it-2,"Beta,1,0.5,true,2024-01-01,'), 2, "csv-malformed"),
    csv_case("unclosed-quote-joins-lines", items_csv('it-1,"Alpha,3,0.5,true,2024-01-31,a', 'it-2,Beta",0,1.0,false,2023-12-01'), 1, "ragged-row", row=1),
    csv_case("text-after-closing-quote", items_csv(ROWS[0], 'it-2,"Beta"x,0,1.0,false,2023-12-01,'), 2, "csv-malformed"),
    csv_case("duplicate-header-column", items_csv(*(r + ",x" for r in ROWS), header=HEADER + ",name"), 1, "duplicate-column", fld="name"),
    csv_case("missing-header-column", items_csv(*(r.rsplit(",", 1)[0] for r in ROWS), header=HEADER.rsplit(",", 1)[0]), 1, "missing-column", fld="tags"),
    csv_case("extra-header-column", items_csv(*(r + ",x" for r in ROWS), header=HEADER + ",surplus"), 1, "extra-column", fld="surplus"),
    csv_case("empty-header-name", items_csv(*(r + ",x" for r in ROWS), header=HEADER + ","), 1, "extra-column", fld=""),
    csv_case("empty-file", b"", 2, "resource-unreadable"),
    csv_case("only-newlines", b"\n\r\n\n", 2, "resource-unreadable"),
    csv_case("blank-first-line", b"\n" + items_csv(*ROWS), 2, "csv-malformed"),
    csv_case("blank-row-between-rows", items_csv(ROWS[0], "", ROWS[1]), 1, "blank-row", row=2),
    csv_case("nul-byte", items_csv(ROWS[0], "it-2,Be\x00ta,0,1.0,false,2023-12-01,"), 2, "encoding-error"),
    csv_case("control-character", items_csv(ROWS[0], "it-2,Be\x07ta,0,1.0,false,2023-12-01,"), 1, "control-character", row=2, fld="name"),
    csv_case("c1-control-character", items_csv(ROWS[0], "it-2,Caf\u0085,0,1.0,false,2023-12-01,"), 1, "control-character", row=2, fld="name"),
    csv_case("escape-sequence-in-list", items_csv(ROWS[0], "it-2,Beta,0,1.0,false,2023-12-01,a|\x1b[31m"), 1, "control-character", row=2, fld="tags"),
    csv_case("cell-over-1mb", items_csv(ROWS[0], "it-2," + "x" * (1024 * 1024 + 1) + ",0,1.0,false,2023-12-01,"), 1, "cell-too-large", row=2, fld="name"),
    csv_case("latin1-encoding", HEADER.encode() + b"\nit-1,Caf\xe9,3,0.5,true,2024-01-31,\n", 2, "encoding-error"),
    csv_case("cp1252-smart-quotes", HEADER.encode() + b"\nit-1,\x93Alpha\x94,3,0.5,true,2024-01-31,\n", 2, "encoding-error"),
    csv_case("utf16-with-bom", items_csv(*ROWS).decode().encode("utf-16"), 2, "encoding-error"),
    csv_case("utf16-without-bom", items_csv(*ROWS).decode().encode("utf-16-le"), 2, "encoding-error"),
    csv_case("utf32-with-bom", items_csv(*ROWS).decode().encode("utf-32"), 2, "encoding-error"),
    csv_case("truncated-utf8-sequence", items_csv(*ROWS)[:-1] + b"\xd8", 2, "encoding-error"),
    csv_case("bom-inside-header-name", items_csv(*ROWS, header=HEADER.replace("name", "\ufeffname")), 1, "extra-column", fld="\ufeffname"),
    csv_case("header-name-with-spaces", items_csv(*ROWS, header=HEADER.replace("name", " name ")), 1, "missing-column", fld="name"),
    csv_case("spreadsheet-date-us", items_csv(ROWS[0], "it-2,Beta,0,1.0,false,12/01/2023,"), 1, "type-error", row=2, fld="day"),
    csv_case("date-without-zero-padding", items_csv(ROWS[0], "it-2,Beta,0,1.0,false,2023-12-1,"), 1, "type-error", row=2, fld="day"),
    csv_case("date-excel-serial", items_csv(ROWS[0], "it-2,Beta,0,1.0,false,45261,"), 1, "type-error", row=2, fld="day"),
    csv_case("date-impossible", items_csv(ROWS[0], "it-2,Beta,0,1.0,false,2023-02-30,"), 1, "type-error", row=2, fld="day"),
    csv_case("date-year-0000", items_csv(ROWS[0], "it-2,Beta,0,1.0,false,0000-12-31,"), 1, "type-error", row=2, fld="day"),
    csv_case("date-year-10000", items_csv(ROWS[0], "it-2,Beta,0,1.0,false,10000-01-01,"), 1, "type-error", row=2, fld="day"),
    csv_case("date-with-time", items_csv(ROWS[0], "it-2,Beta,0,1.0,false,2023-12-01T00:00:00,"), 1, "type-error", row=2, fld="day"),
    csv_case("thousands-separator", items_csv(ROWS[0], 'it-2,Beta,"1,234",1.0,false,2023-12-01,'), 1, "type-error", row=2, fld="count"),
    csv_case("decimal-comma", items_csv(ROWS[0], 'it-2,Beta,0,"1,5",false,2023-12-01,'), 1, "type-error", row=2, fld="ratio"),
    csv_case("nan-number", items_csv(ROWS[0], "it-2,Beta,0,NaN,false,2023-12-01,"), 1, "type-error", row=2, fld="ratio"),
    csv_case("inf-number", items_csv(ROWS[0], "it-2,Beta,0,-inf,false,2023-12-01,"), 1, "type-error", row=2, fld="ratio"),
    csv_case("number-overflows-to-inf", items_csv(ROWS[0], "it-2,Beta,0,1e400,false,2023-12-01,"), 1, "type-error", row=2, fld="ratio"),
    csv_case("integer-beyond-int64", items_csv(ROWS[0], "it-2,Beta,99999999999999999999,1.0,false,2023-12-01,"), 1, "type-error", row=2, fld="count"),
    csv_case("integer-with-decimals", items_csv(ROWS[0], "it-2,Beta,1.0,1.0,false,2023-12-01,"), 1, "type-error", row=2, fld="count"),
    csv_case("integer-leading-space", items_csv(ROWS[0], "it-2,Beta, 3,1.0,false,2023-12-01,"), 1, "type-error", row=2, fld="count"),
    csv_case("boolean-yes", items_csv(ROWS[0], "it-2,Beta,0,1.0,yes,2023-12-01,"), 1, "type-error", row=2, fld="flag"),
    csv_case("many-extra-columns", _many_columns(3000), 1, "extra-column"),
    csv_case("too-many-columns", _many_columns(10_001), 2, "csv-malformed"),
    Case("swapped-lat-lon-out-of-range", lambda d: write_package(d, locations=items_csv(LOC_ROWS[0], LOC_ROWS[1].replace("36.335,43.11889", "120.5,30.25"), header=LOC_HEADER)),
         1, "maximum", table="locations", row=2, field="latitude"),
    Case("swapped-lat-lon-in-range", lambda d: write_package(d, locations=items_csv(LOC_ROWS[0], LOC_ROWS[1].replace("36.335,43.11889", "43.11889,36.335"), header=LOC_HEADER)),
         1, "coordinates-outside-country", table="locations", row=2, field="latitude"),
    # ---- deliberately accepted (documented) ------------------------------------------------
    csv_case("header-only-file", (HEADER + "\n").encode(), 0, None),
    csv_case("header-only-no-newline", HEADER.encode(), 0, None),
    csv_case("utf8-bom-stripped", b"\xef\xbb\xbf" + items_csv(*ROWS), 0, None),
    csv_case("crlf-line-endings", items_csv(*ROWS).replace(b"\n", b"\r\n"), 0, None),
    csv_case("mixed-line-endings", (HEADER + "\r\n" + ROWS[0] + "\r" + ROWS[1] + "\n").encode(), 0, None),
    csv_case("trailing-blank-lines", items_csv(*ROWS) + b"\n\n\r\n", 0, None),
    csv_case("quote-inside-unquoted-cell", items_csv(ROWS[0], 'it-2,Be"ta,0,1.0,false,2023-12-01,'), 0, None),
    # ---- Parquet ---------------------------------------------------------------------------
    Case("parquet-wrong-column-type", lambda d: parquet_package(d, items_table(count=__import__("pyarrow").array(["3", "x"]))), 1, "type-error", table="items", field="count"),
    Case("parquet-float-in-integer-field", lambda d: parquet_package(d, items_table(count=__import__("pyarrow").array([3.5, 0.0]))), 1, "type-error", table="items", field="count"),
    Case("parquet-uint64-field", lambda d: parquet_package(d, items_table(count=__import__("pyarrow").array([2**64 - 1, 0], __import__("pyarrow").uint64()))), 1, "type-error", table="items", field="count"),
    Case("parquet-nan-number", lambda d: parquet_package(d, items_table(ratio=__import__("pyarrow").array([float("nan"), 1.0]))), 1, "type-error", table="items", row=1, field="ratio"),
    Case("parquet-duplicate-columns", _parquet_dup_columns, 1, "duplicate-column", table="items", field="name"),
    Case("parquet-control-character", lambda d: parquet_package(d, items_table(name=__import__("pyarrow").array(["Al\x00pha", "Beta"]))), 1, "control-character", table="items", row=1, field="name"),
    Case("parquet-invalid-utf8-string", lambda d: parquet_package(d, items_table(name=_invalid_utf8([b"Alpha", b"Be\xfft\xc3a"]))), 1, "type-error", table="items", row=2, field="name"),
    Case("parquet-invalid-utf8-key", lambda d: parquet_package(d, items_table(id=_invalid_utf8([b"it-1", b"it-\xff2"]))), 1, "type-error", table="items", row=2, field="id"),
    Case("parquet-invalid-utf8-list-item", lambda d: parquet_package(d, items_table(tags=__import__("pyarrow").ListArray.from_arrays([0, 1, 1], _invalid_utf8([b"\xc0\xaf"])))), 1, "type-error", table="items", row=1, field="tags"),
    Case("parquet-date-past-9999", lambda d: parquet_package(d, items_table(day=_days([2932897, 19692]))), 1, "type-error", table="items", row=1, field="day"),
    Case("parquet-date-year-0", lambda d: parquet_package(d, items_table(day=_days([-719163, 19692]))), 1, "type-error", table="items", row=1, field="day"),
    Case("parquet-list-item-holds-delimiter", lambda d: parquet_package(d, items_table(tags=_lists([["a|b"], None]))), 1, "type-error", table="items", row=1, field="tags"),
    Case("parquet-list-null-item", lambda d: parquet_package(d, items_table(tags=_lists([["a", None], None]))), 1, "type-error", table="items", row=1, field="tags"),
    Case("parquet-int64-in-number-field", lambda d: parquet_package(d, items_table(ratio=__import__("pyarrow").array([2**53 + 1, 1]))), 1, "type-error", table="items", field="ratio"),
    Case("parquet-int32-in-number-field", lambda d: parquet_package(d, items_table(ratio=__import__("pyarrow").array([3, 1], __import__("pyarrow").int32()))), 0, None),
    Case("parquet-truncated-footer", _parquet_truncated, 2, "resource-unreadable", table="items"),
    Case("parquet-that-is-csv", lambda d: parquet_package(d, raw=items_csv(*ROWS)), 2, "resource-unreadable", table="items"),
    Case("parquet-empty-file", lambda d: parquet_package(d, raw=b""), 2, "resource-unreadable", table="items"),
    Case("parquet-garbage-between-magic", lambda d: parquet_package(d, raw=b"PAR1" + os.urandom(200) + b"PAR1"), 2, "resource-unreadable", table="items"),
    csv_case("csv-that-is-parquet", b"PAR1\x15\x04\x15\x00\x00PAR1", 2, "encoding-error"),
    # ---- hostile descriptors ---------------------------------------------------------------
    desc_case("path-dotdot", lambda d: d["resources"][0].update(path="../items.csv"), 2, "path-unsafe", table="items"),
    desc_case("path-dotdot-inside", lambda d: d["resources"][0].update(path="sub/../../etc/passwd"), 2, "path-unsafe", table="items"),
    desc_case("path-absolute", lambda d: d["resources"][0].update(path="/etc/passwd"), 2, "path-unsafe", table="items"),
    desc_case("path-backslash", lambda d: d["resources"][0].update(path="..\\items.csv"), 2, "path-unsafe", table="items"),
    desc_case("path-windows-drive", lambda d: d["resources"][0].update(path="C:\\data\\items.csv"), 2, "path-unsafe", table="items"),
    desc_case("path-nul", lambda d: d["resources"][0].update(path="items.csv\x00.txt"), 2, "path-unsafe", table="items"),
    desc_case("path-http-url", lambda d: d["resources"][0].update(path="https://example.org/items.csv"), 2, "remote-refused", table="items"),
    desc_case("path-file-url", lambda d: d["resources"][0].update(path="file:///etc/passwd"), 2, "remote-refused", table="items"),
    desc_case("path-s3-url", lambda d: d["resources"][0].update(path="s3://bucket/items.csv"), 2, "remote-refused", table="items"),
    desc_case("path-list-multi", lambda d: d["resources"][0].update(path=["items.csv", "items.csv"]), 2, "resource-unreadable", table="items"),
    desc_case("inline-data-missing-columns", lambda d: (d["resources"][0].pop("path"), d["resources"][0].update(data=[{"id": "it-1"}])), 1, "missing-column", table="items"),
    desc_case("format-unsupported", lambda d: d["resources"][0].update(format="xlsx"), 2, "resource-unreadable", table="items"),
    Case("symlink-out-of-package", _symlink_out, 2, "path-unsafe", table="items", posix_only=True),
    Case("symlink-to-device", _symlink_dev_zero, 2, "path-unsafe", table="items", posix_only=True),
    Case("resource-is-fifo", _fifo_resource, 2, "resource-unreadable", table="items", posix_only=True),
    Case("descriptor-is-fifo", _fifo_descriptor, 2, "descriptor-unreadable", posix_only=True),
    Case("resource-is-directory", _dir_resource, 2, "resource-unreadable", table="items"),
    Case("resource-missing", _missing_resource, 2, "resource-unreadable", table="items"),
    Case("validate-path-missing", lambda d: d / "nowhere", 2, "path-not-found"),
    Case("validate-path-url", _cli_url, 2, "remote-refused"),
    Case("folder-without-descriptor", lambda d: (d.mkdir(parents=True), d)[1], 2, "descriptor-unreadable"),
    raw_desc_case("descriptor-not-json", b"name: not json\n"),
    raw_desc_case("descriptor-empty", b""),
    raw_desc_case("descriptor-array", b"[1, 2, 3]"),
    raw_desc_case("descriptor-string", b'"datapackage"'),
    raw_desc_case("descriptor-null", b"null"),
    raw_desc_case("descriptor-nan", b'{"name": "x", "version": NaN, "resources": []}'),
    raw_desc_case("descriptor-duplicate-keys", b'{"name": "x", "name": "y", "resources": []}'),
    raw_desc_case("descriptor-huge-integer", b'{"version": ' + b"9" * 5000 + b', "resources": []}'),
    raw_desc_case("descriptor-deeply-nested", _nested_json(100_000)),
    raw_desc_case("descriptor-nested-65", _nested_json(70)),
    raw_desc_case("descriptor-utf16", json.dumps(base_descriptor()).encode("utf-16")),
    raw_desc_case("descriptor-latin1", '{"name": "caf\u00e9", "resources": []}'.encode("latin-1")),
    Case("descriptor-over-20mb", _huge_descriptor, 2, "descriptor-unreadable"),
    desc_case("resources-not-a-list", lambda d: d.update(resources={"items": 1}), 1, "descriptor-invalid"),
    desc_case("resource-not-an-object", lambda d: d["resources"].append("items.csv"), 1, "descriptor-invalid"),
    desc_case("duplicate-resource-names", lambda d: d["resources"].append(dict(d["resources"][0], path="locations.csv")), 1, "descriptor-invalid", table="items"),
    desc_case("resource-without-schema", lambda d: d["resources"][0].pop("schema"), 1, "schema-unsupported", table="items"),
    desc_case("schema-file-missing", lambda d: d["resources"][0].update(schema="items.schema.json"), 2, "resource-unreadable", table="items"),
    desc_case("schema-path-outside", lambda d: d["resources"][0].update(schema="../items.schema.json"), 2, "path-unsafe", table="items"),
    desc_case("schema-path-url", lambda d: d["resources"][0].update(schema="https://example.org/s.json"), 2, "remote-refused", table="items"),
    desc_case("fields-not-a-list", lambda d: d["resources"][0]["schema"].update(fields={"id": "string"}), 1, "schema-unsupported", table="items"),
    desc_case("field-without-name", lambda d: d["resources"][0]["schema"]["fields"].append({"type": "string"}), 1, "schema-unsupported", table="items"),
    desc_case("field-name-not-string", lambda d: d["resources"][0]["schema"]["fields"].append({"name": 7, "type": "string"}), 1, "schema-unsupported", table="items"),
    desc_case("field-not-an-object", lambda d: d["resources"][0]["schema"]["fields"].append("id"), 1, "schema-unsupported", table="items"),
    desc_case("duplicate-field-names", lambda d: d["resources"][0]["schema"]["fields"].append({"name": "name", "type": "string"}), 1, "schema-unsupported", table="items", field="name"),
    desc_case("field-name-reserved", lambda d: d["resources"][0]["schema"]["fields"].append({"name": "__row__", "type": "integer"}), 1, "schema-unsupported", table="items", field="__row__"),
    desc_case("field-type-not-string", field_edit("name", type=["string"]), 1, "schema-unsupported", table="items", field="name"),
    desc_case("field-type-unknown", field_edit("name", type="geojson"), 1, "schema-unsupported", table="items", field="name"),
    desc_case("constraints-not-object", field_edit("name", constraints="required"), 1, "schema-unsupported", table="items", field="name"),
    desc_case("enum-not-a-list", field_edit("name", constraints={"enum": "Alpha"}), 1, "schema-unsupported", table="items", field="name"),
    desc_case("enum-wrong-type", field_edit("count", constraints={"enum": ["3", "0"]}), 1, "schema-unsupported", table="items", field="count"),
    desc_case("minimum-not-number", field_edit("count", constraints={"minimum": "zero"}), 1, "schema-unsupported", table="items", field="count"),
    desc_case("required-not-boolean", field_edit("name", constraints={"required": "yes"}), 1, "schema-unsupported", table="items", field="name"),
    desc_case("primary-key-unknown-field", lambda d: d["resources"][0]["schema"].update(primaryKey=["nope"]), 1, "schema-unsupported", table="items"),
    desc_case("primary-key-not-names", lambda d: d["resources"][0]["schema"].update(primaryKey=[{"a": 1}]), 1, "schema-unsupported", table="items"),
    desc_case("foreign-keys-not-list", lambda d: d["resources"][0]["schema"].update(foreignKeys={"fields": "id"}), 1, "schema-unsupported", table="items"),
    desc_case("foreign-key-unhashable-target", lambda d: d["resources"][0]["schema"].update(foreignKeys=[{"fields": "id", "reference": {"resource": ["x"], "fields": "id"}}]), 1, "schema-unsupported", table="items"),
    desc_case("constraint-exclusive-minimum", field_edit("count", constraints={"exclusiveMinimum": 0}), 1, "schema-unsupported", table="items", field="count"),
    desc_case("constraint-unknown-keyword", field_edit("name", constraints={"maxLen": 3}), 1, "schema-unsupported", table="items", field="name"),
    desc_case("field-missing-values", field_edit("count", missingValues=["", "NA"]), 1, "schema-unsupported", table="items", field="count"),
    desc_case("string-format-unchecked", field_edit("name", format="hostname"), 1, "schema-unsupported", table="items", field="name"),
    desc_case("number-group-char", field_edit("ratio", groupChar=","), 1, "schema-unsupported", table="items", field="ratio"),
    desc_case("number-bare-number-false", field_edit("count", bareNumber=False), 1, "schema-unsupported", table="items", field="count"),
    desc_case("list-item-type-integer", field_edit("tags", type="list", itemType="integer", delimiter="|"), 1, "schema-unsupported", table="items", field="tags"),
    desc_case("schema-unknown-keyword", lambda d: d["resources"][0]["schema"].update(rowConstraints=["count < 5"]), 1, "schema-unsupported", table="items"),
    desc_case("schema-fields-match-subset", lambda d: d["resources"][0]["schema"].update(fieldsMatch="subset"), 1, "schema-unsupported", table="items"),
    desc_case("field-annotations-accepted", field_edit("name", title="Name", example="Alpha", rdfType="https://schema.org/name"), 0, None),
    desc_case("integer-enum-beyond-int64", field_edit("count", constraints={"enum": [2**70, 3]}), 1, "schema-unsupported", table="items", field="count"),
    desc_case("resource-names-differ-in-case", lambda d: d["resources"].append({**json.loads(json.dumps(d["resources"][0])), "name": "ITEMS"}), 1, "descriptor-invalid", table="ITEMS"),
    desc_case("resource-names-differ-in-normalisation", lambda d: (d["resources"][0].update(name="caf\u00e9"), d["resources"].append({**json.loads(json.dumps(d["resources"][0])), "name": "cafe\u0301"})), 1, "descriptor-invalid", table="cafe\u0301"),
    desc_case("missing-values-unsupported", lambda d: d["resources"][0]["schema"].update(missingValues=["", "NA"]), 1, "schema-unsupported", table="items"),
    desc_case("dialect-no-header", lambda d: d["resources"][0].update(dialect={"header": False}), 1, "schema-unsupported", table="items"),
    desc_case("dialect-bad-delimiter", lambda d: d["resources"][0].update(dialect={"delimiter": ",,"}), 2, "resource-unreadable", table="items"),
    desc_case("encoding-latin1-declared", lambda d: d["resources"][0].update(encoding="latin-1"), 1, "schema-unsupported", table="items"),
    # ---- patterns: linear-time engine, unsupported features refused clearly ----------------
    Case("redos-pattern-long-value", lambda d: write_package(d, _pattern_desc("(a+)+$"), items=items_csv("a" * 50_000 + "!,Alpha,3,0.5,true,2024-01-31,")),
         1, "pattern", table="items", row=1, field="id"),
    Case("redos-nested-alternation", lambda d: write_package(d, _pattern_desc("(a|aa)+"), items=items_csv("a" * 50_000 + "b,Alpha,3,0.5,true,2024-01-31,")),
         1, "pattern", table="items", row=1, field="id"),
    desc_case("pattern-lookahead", pattern_edit("(?=it-)it-[0-9]+"), 1, "schema-unsupported", table="items", field="id"),
    desc_case("pattern-backreference", pattern_edit(r"(it)-\1"), 1, "schema-unsupported", table="items", field="id"),
    desc_case("pattern-invalid", pattern_edit("it-[0-9"), 1, "schema-unsupported", table="items", field="id"),
    desc_case("pattern-not-string", pattern_edit(5), 1, "schema-unsupported", table="items", field="id"),
    desc_case("pattern-huge-repetition", pattern_edit("(a{1000}){1000}"), 1, "schema-unsupported", table="items", field="id"),
    # ---- hostile archives ------------------------------------------------------------------
    Case("zip-slip", _zip_slip, 2, "archive-unreadable"),
    Case("zip-absolute-entry", _zip_absolute, 2, "archive-unreadable"),
    Case("zip-bomb-ratio", _zip_bomb, 2, "archive-unreadable"),
    Case("zip-symlink-entry", _zip_symlink, 2, "archive-unreadable"),
    Case("zip-truncated", _zip_truncated, 2, "archive-unreadable"),
    Case("zip-crc-mismatch", _zip_crc, 2, "archive-unreadable"),
    Case("zip-without-descriptor", _zip_no_descriptor, 2, "archive-unreadable"),
    Case("zip-encrypted-entry", _zip_encrypted, 2, "archive-unreadable"),
    Case("zip-too-many-entries", _zip_many_entries, 2, "archive-unreadable"),
    Case("zip-valid-in-subfolder", lambda d: _zip(d, _good_entries("pkg/")), 0, None),
]


def _pattern_desc(pattern: str) -> dict:
    desc = base_descriptor()
    pattern_edit(pattern)(desc)
    return desc


def _snapshot(folder: Path) -> dict[str, str]:
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_symlink():
            out[str(p)] = "link:" + os.readlink(p)
        elif p.is_file():
            out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
        else:
            out[str(p)] = "dir" if p.is_dir() else "special"
    return out


def _leftover_temp() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("iraq-frontiers-*") if not p.name.startswith("iraq-frontiers-duckdb-")}


def test_corpus_is_large_enough():
    bad = [c for c in CASES if c.exit in (1, 2)]
    assert len(bad) >= 30
    assert len({c.id for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, tmp_path: Path, capsys, monkeypatch):
    if case.posix_only and os.name != "posix":
        pytest.skip("POSIX only")
    private_tmp = tmp_path / "tmp"  # leftovers are looked for here, away from other processes' temporary folders
    private_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private_tmp))
    work = tmp_path / "work"
    path = case.build(work / "pkg")
    before = _snapshot(tmp_path)
    temp_before = _leftover_temp()
    start = time.monotonic()
    report = validate(path)
    elapsed = time.monotonic() - start
    codes = report.codes()
    assert "internal-error" not in codes, report.format_text()
    assert elapsed < MAX_SECONDS
    assert report.exit_code == case.exit, report.format_text()
    if case.code is None:
        assert report.valid, report.format_text()
    else:
        assert case.code in codes, report.format_text()
        hits = [p for p in report.problems if p.code == case.code]
        for attr in ("table", "row", "field"):
            want = getattr(case, attr)
            if want is not None:
                assert any(getattr(p, attr) == want for p in hits), (attr, want, report.format_text())
        if case.table is not None:  # problems about a table name the file they come from
            assert all(p.file for p in hits if p.table == case.table), report.format_text()
        text = report.format_text()
        assert f"[{case.code}]" in text
        json.loads(report.to_json())  # the machine form always serialises
        assert len(report.to_json()) < 5_000_000  # huge cells are clipped in problems
    # nothing written or changed, no temporary folder left behind
    assert _snapshot(tmp_path) == before
    assert _leftover_temp() <= temp_before
    # the CLI: same exit code, no traceback
    rc = main(["validate", str(path), "--quiet"])
    out = capsys.readouterr()
    assert rc == case.exit
    assert "Traceback" not in out.out + out.err
    if case.code:
        assert case.code in out.out


# --------------------------------------------------------------------------------------------
# Values read exactly as written (the reading half of the round trip)


def _read_items(folder: Path):
    from iraq_frontiers.io.package import open_package, read_table

    with open_package(folder) as pkg:
        data, problems = read_table(pkg, pkg.descriptor["resources"][0])
    return data.frame, problems


TRICKY = [
    "بغداد", "هەولێر", "کرمانشاه", "\u200fالقائم\u200f", "e\u0301te\u0301", "a\u200db", "line1\nline2", "line1\r\nline2",
    'he said "no"', "  padded  ", "\ttabbed", "=1+1", "+cmd", "-2", "@SUM(A1)", "\u202eevil\u202c", "😀", "a,b", "x" * 5000,
]


@pytest.mark.parametrize("line_ending", ["\n", "\r\n", "\r"])
def test_tricky_strings_read_back_exactly(tmp_path: Path, line_ending: str):
    import csv

    out = io.StringIO()
    w = csv.writer(out, lineterminator=line_ending, quoting=csv.QUOTE_ALL)
    w.writerow(HEADER.split(","))
    for i, s in enumerate(TRICKY, 1):
        w.writerow([f"it-{i}", s, i, 0.5, "true", "2024-01-31", ""])
    folder = write_package(tmp_path / "pkg", items=out.getvalue().encode("utf-8"))
    frame, problems = _read_items(folder)
    assert problems == []
    assert frame["name"].to_list() == TRICKY
    assert validate(folder).valid


def test_mixed_line_endings_keep_values(tmp_path: Path):
    data = (HEADER + "\r\n" + ROWS[0] + "\r" + ROWS[1] + "\n").encode()
    frame, problems = _read_items(write_package(tmp_path / "pkg", items=data))
    assert problems == []
    assert frame["id"].to_list() == ["it-1", "it-2"] and frame["name"].to_list() == ["Alpha", "بغداد"]


def test_bom_is_dropped_once(tmp_path: Path):
    frame, problems = _read_items(write_package(tmp_path / "pkg", items=b"\xef\xbb\xbf" + items_csv(*ROWS)))
    assert problems == [] and frame["id"].to_list() == ["it-1", "it-2"]


def test_ragged_rows_do_not_shift_row_numbers(tmp_path: Path):
    data = items_csv(ROWS[0], "it-2,short", "", 'it-4,Four,-1,0.5,true,2024-01-31,')
    report = validate(write_package(tmp_path / "pkg", items=data))
    by_code = {p.code: p for p in report.problems}
    assert by_code["ragged-row"].row == 2 and "line 3" in by_code["ragged-row"].message
    assert by_code["blank-row"].row == 3
    assert by_code["minimum"].row == 4  # rows after the bad ones keep their numbers


def test_encoding_messages_name_the_byte(tmp_path: Path):
    data = HEADER.encode() + b"\nit-1,Caf\xe9,3,0.5,true,2024-01-31,\n"
    report = validate(write_package(tmp_path / "pkg", items=data))
    (p,) = report.problems
    offset = data.index(b"\xe9")
    assert p.file == "items.csv" and p.table == "items"
    assert f"byte offset {offset}" in p.message and "line 2" in p.message and "Latin-1" in p.message


def test_type_error_messages_explain(tmp_path: Path):
    data = items_csv('it-1,A,"1,234",0.5,true,12/31/2024,', "it-2,B,99999999999999999999,0.5,true,2024-1-5,")
    msgs = " ".join(p.message for p in validate(write_package(tmp_path / "pkg", items=data)).problems)
    assert "thousands separators" in msgs and "YYYY-MM-DD" in msgs and "64-bit" in msgs


def test_redos_pattern_is_fast(tmp_path: Path):
    value = "a" * 200_000 + "!"
    folder = write_package(tmp_path / "pkg", _pattern_desc("(a+)+$"), items=items_csv(value + ",Alpha,3,0.5,true,2024-01-31,"))
    start = time.monotonic()
    report = validate(folder)
    assert time.monotonic() - start < 10
    assert report.codes() == {"pattern"}
    assert len(report.problems[0].value) < 1000  # the value is clipped in the report


def test_unsupported_pattern_message_is_clear(tmp_path: Path):
    desc = base_descriptor()
    pattern_edit("(?=it-)it-[0-9]+")(desc)
    report = validate(write_package(tmp_path / "pkg", desc))
    (p,) = [p for p in report.problems if p.code == "schema-unsupported"]
    assert p.table == "items" and p.field == "id" and "look-around" in p.message
    assert "items" not in report.tables  # the table is not read with a schema we cannot follow


def test_internal_errors_are_separated_from_user_errors(tmp_path: Path, monkeypatch):
    """A bug in our code is reported as internal-error (exit 3), never as bad input, never raised."""
    import iraq_frontiers.io.csv_reader as pio

    def boom(*a, **k):
        raise ZeroDivisionError("simulated bug")

    monkeypatch.setattr(pio, "_cast_strings", boom)
    report = validate(write_package(tmp_path / "pkg"))
    assert report.codes() == {"internal-error"} and report.exit_code == 3
    assert "ZeroDivisionError" in report.problems[0].message
    monkeypatch.setenv("IRAQ_FRONTIERS_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        validate(write_package(tmp_path / "pkg2"))


def test_cli_subprocess_no_traceback(tmp_path: Path):
    """The installed command on a few hostile inputs: exit code and no traceback."""
    import subprocess

    folder = write_package(tmp_path / "pkg", items=items_csv(ROWS[0], 'it-2,"Beta,1'))
    for args, code in ([str(folder)], 2), ([str(tmp_path / "missing")], 2), ([str(folder), "--json"], 2):
        proc = subprocess.run([sys.executable, "-m", "iraq_frontiers.cli", "validate", *args], capture_output=True, text=True, timeout=120)
        assert proc.returncode == code, proc.stderr
        assert "Traceback" not in proc.stdout + proc.stderr
    proc = subprocess.run([sys.executable, "-m", "iraq_frontiers.cli", "validate", str(folder), "--json"], capture_output=True, text=True, timeout=120)
    assert json.loads(proc.stdout)["problems"][0]["code"] == "csv-malformed"


def test_csv_size_is_bounded(tmp_path: Path, monkeypatch):
    """A CSV table is read whole, so its size is bounded (8 GiB; lowered here) rather than exhausting memory."""
    import iraq_frontiers.io.csv_reader as pio

    monkeypatch.setattr(pio, "MAX_CSV_BYTES", 50)
    report = validate(write_package(tmp_path / "pkg"))
    assert report.exit_code == 2
    assert {(p.code, p.table) for p in report.problems} >= {("resource-unreadable", "items"), ("resource-unreadable", "locations")}
