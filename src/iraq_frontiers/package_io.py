"""Open a data package (descriptor file, folder or zip) and read its tables into typed frames.

Reading never trusts the package: paths must stay inside the package folder, URLs are refused,
archives are extracted with size bounds, and every value that cannot be read as its field's type
becomes a `type-error` problem (the cell is then treated as empty), never a silent coercion.
"""
from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from iraq_frontiers.compiler import TYPE_MAP, arrow_type, field_type, list_delimiter
from iraq_frontiers.problems import Problem

MAX_DESCRIPTOR_BYTES = 20 * 1024 * 1024
MAX_JSON_DEPTH = 64
MAX_ARCHIVE_TOTAL_BYTES = 4 * 1024**3
MAX_ARCHIVE_MEMBER_BYTES = 2 * 1024**3
MAX_ARCHIVE_RATIO = 200
ROW = "__row__"  # 1-based data row number column added to every frame
TRUE_VALUES = ("true", "True", "TRUE", "1")
FALSE_VALUES = ("false", "False", "FALSE", "0")


class InputError(Exception):
    """The package cannot be read or is refused; carries the problem to report (exit code 2)."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


@dataclass
class OpenedPackage:
    descriptor: dict[str, Any]
    base_dir: Path
    label: str  # how the package is named in messages


@dataclass
class TableData:
    """A table read into a polars frame with schema types, plus what could not be read."""

    name: str
    frame: Any  # polars.DataFrame, typed per schema, with a ROW column
    file: str
    unusable: set[str] = field(default_factory=set)  # fields missing or of the wrong type: skip their checks


def _json_depth(value: Any) -> int:
    depth, stack = 0, [(value, 1)]
    while stack:
        item, d = stack.pop()
        depth = max(depth, d)
        if depth > MAX_JSON_DEPTH:
            return depth
        if isinstance(item, dict):
            stack.extend((v, d + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, d + 1) for v in item)
    return depth


def load_descriptor(path: Path) -> dict[str, Any]:
    label = str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(Problem("descriptor-unreadable", f"cannot read descriptor: {exc.strerror}", file=label)) from None
    if size > MAX_DESCRIPTOR_BYTES:
        raise InputError(Problem("descriptor-unreadable", f"descriptor is {size} bytes; the limit is {MAX_DESCRIPTOR_BYTES}", file=label))
    try:
        text = path.read_text(encoding="utf-8-sig")
        descriptor = json.loads(text)
    except UnicodeDecodeError as exc:
        raise InputError(Problem("descriptor-unreadable", f"descriptor is not UTF-8 text (byte {exc.start})", file=label)) from None
    except json.JSONDecodeError as exc:
        raise InputError(Problem("descriptor-unreadable", f"descriptor is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", file=label)) from None
    except RecursionError:
        raise InputError(Problem("descriptor-unreadable", f"descriptor JSON is nested deeper than {MAX_JSON_DEPTH} levels", file=label)) from None
    except OSError as exc:
        raise InputError(Problem("descriptor-unreadable", f"cannot read descriptor: {exc.strerror}", file=label)) from None
    if not isinstance(descriptor, dict):
        raise InputError(Problem("descriptor-unreadable", f"descriptor must be a JSON object, not {type(descriptor).__name__}", file=label))
    if _json_depth(descriptor) > MAX_JSON_DEPTH:
        raise InputError(Problem("descriptor-unreadable", f"descriptor JSON is nested deeper than {MAX_JSON_DEPTH} levels", file=label))
    return descriptor


def _safe_extract(archive: Path, dest: Path) -> None:
    label = str(archive)
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(Problem("archive-unreadable", f"not a readable zip archive: {exc}", file=label)) from None
    with zf:
        total = 0
        root = dest.resolve()
        for info in zf.infolist():
            name = info.filename
            target = (dest / name).resolve()
            if name.startswith(("/", "\\")) or ".." in Path(name).parts or not target.is_relative_to(root):
                raise InputError(Problem("archive-unreadable", f"archive entry {name!r} would extract outside the package folder", file=label))
            if info.file_size > MAX_ARCHIVE_MEMBER_BYTES:
                raise InputError(Problem("archive-unreadable", f"archive entry {name!r} is {info.file_size} bytes uncompressed; limit {MAX_ARCHIVE_MEMBER_BYTES}", file=label))
            if info.compress_size and info.file_size / info.compress_size > MAX_ARCHIVE_RATIO and info.file_size > 1024 * 1024:
                raise InputError(Problem("archive-unreadable", f"archive entry {name!r} has compression ratio above {MAX_ARCHIVE_RATIO} (zip bomb?)", file=label))
            total += info.file_size
            if total > MAX_ARCHIVE_TOTAL_BYTES:
                raise InputError(Problem("archive-unreadable", f"archive expands beyond {MAX_ARCHIVE_TOTAL_BYTES} bytes", file=label))
            mode = (info.external_attr >> 16) & 0o170000
            if mode == 0o120000:  # symlink entry
                raise InputError(Problem("archive-unreadable", f"archive entry {name!r} is a symbolic link", file=label))
        for info in zf.infolist():
            if info.is_dir():
                continue
            target = dest / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            written = 0
            with zf.open(info) as src, open(target, "wb") as out:
                while chunk := src.read(1 << 20):
                    written += len(chunk)
                    if written > info.file_size:  # header lied about the size
                        raise InputError(Problem("archive-unreadable", f"archive entry {info.filename!r} is larger than its header says", file=label))
                    out.write(chunk)


@contextmanager
def open_package(path: str | os.PathLike) -> Iterator[OpenedPackage]:
    """Open a datapackage.json, a folder holding one, or a .zip of one."""
    path = Path(path)
    if not path.exists():
        raise InputError(Problem("path-not-found", f"no such file or folder: {path}", file=str(path)))
    tmp: Path | None = None
    try:
        if path.is_dir():
            descriptor_path = path / "datapackage.json"
            if not descriptor_path.is_file():
                raise InputError(Problem("descriptor-unreadable", f"folder {path} holds no datapackage.json", file=str(path)))
        elif zipfile.is_zipfile(path):
            tmp = Path(tempfile.mkdtemp(prefix="iraq-frontiers-"))
            _safe_extract(path, tmp)
            found = sorted(tmp.rglob("datapackage.json"), key=lambda p: len(p.parts))
            if not found:
                raise InputError(Problem("archive-unreadable", "archive holds no datapackage.json", file=str(path)))
            descriptor_path = found[0]
        else:
            descriptor_path = path
        descriptor = load_descriptor(descriptor_path)
        yield OpenedPackage(descriptor, descriptor_path.parent, str(path))
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def resource_file(pkg: OpenedPackage, resource: dict[str, Any]) -> Path:
    """The local file of a resource, refusing URLs and paths that leave the package folder."""
    name = resource.get("name", "?")
    rpath = resource.get("path")
    if isinstance(rpath, list):
        if len(rpath) != 1:
            raise InputError(Problem("resource-unreadable", "multi-file resources are not supported", table=name, value=rpath))
        rpath = rpath[0]
    if not isinstance(rpath, str) or not rpath:
        raise InputError(Problem("resource-unreadable", "resource has no path (inline data is not supported)", table=name))
    if "://" in rpath or rpath.startswith("file:"):
        raise InputError(Problem("remote-refused", f"resource path {rpath!r} is a URL; only files inside the package are read", table=name, value=rpath))
    if os.path.isabs(rpath) or rpath.startswith(("/", "\\")) or ".." in Path(rpath).parts:
        raise InputError(Problem("path-unsafe", f"resource path {rpath!r} must be relative and inside the package folder", table=name, value=rpath))
    root = pkg.base_dir.resolve()
    target = (pkg.base_dir / rpath).resolve()
    if not target.is_relative_to(root):
        raise InputError(Problem("path-unsafe", f"resource path {rpath!r} leads outside the package folder (symlink?)", table=name, value=rpath))
    if not target.is_file():
        raise InputError(Problem("resource-unreadable", f"resource file {rpath!r} does not exist", table=name, file=rpath))
    return target


def resource_format(resource: dict[str, Any], file: Path) -> str:
    fmt = (resource.get("format") or file.suffix.lstrip(".")).lower()
    return fmt


def _key_of(frame, row_index: int, primary_key: list[str]) -> dict[str, Any] | None:
    if not primary_key or any(k not in frame.columns for k in primary_key):
        return None
    return {k: frame[k][row_index] for k in primary_key}


def read_table(pkg: OpenedPackage, resource: dict[str, Any]) -> tuple[TableData, list[Problem]]:
    """Read one resource into a typed polars frame; problems for header and type errors."""
    import polars as pl

    name = resource.get("name", "?")
    file = resource_file(pkg, resource)
    rel = os.path.relpath(file, pkg.base_dir.resolve())
    fmt = resource_format(resource, file)
    schema = resource.get("schema") or {}
    fields = schema.get("fields", [])
    pk = schema.get("primaryKey") or []
    pk = [pk] if isinstance(pk, str) else list(pk)
    if fmt == "csv":
        return _read_csv(name, file, rel, fields, pk, resource)
    if fmt == "parquet":
        return _read_parquet(name, file, rel, fields, pk)
    raise InputError(Problem("resource-unreadable", f"format {fmt!r} is not supported (csv or parquet)", table=name, file=rel))


def _header_problems(name: str, rel: str, header: list[str], fields: list[dict]) -> tuple[list[Problem], set[str]]:
    problems: list[Problem] = []
    expected = [f["name"] for f in fields]
    seen: set[str] = set()
    for col in header:
        if col in seen:
            problems.append(Problem("duplicate-column", f"column {col!r} appears more than once in the header", table=name, field=col, file=rel))
        seen.add(col)
        if col not in expected:
            problems.append(Problem("extra-column", f"column {col!r} is not defined by the schema", table=name, field=col, file=rel))
    missing = {c for c in expected if c not in seen}
    for col in expected:
        if col in missing:
            problems.append(Problem("missing-column", f"schema field {col!r} is absent from the data", table=name, field=col, file=rel))
    return problems, missing


def _read_csv(name, file: Path, rel: str, fields, pk, resource) -> tuple[TableData, list[Problem]]:
    import polars as pl

    dialect = resource.get("dialect") or {}
    delimiter = dialect.get("delimiter", ",") if isinstance(dialect, dict) else ","
    try:
        with file.open(encoding="utf-8", newline="") as fh:
            header = next(csv.reader(fh, delimiter=delimiter), [])
    except UnicodeDecodeError as exc:
        raise InputError(Problem("resource-unreadable", f"file is not UTF-8 text (byte {exc.start}); save it as UTF-8", table=name, file=rel)) from None
    except (csv.Error, OSError) as exc:
        raise InputError(Problem("resource-unreadable", f"cannot read the CSV header: {exc}", table=name, file=rel)) from None
    problems, missing = _header_problems(name, rel, header, fields)
    if not header:
        raise InputError(Problem("resource-unreadable", "file is empty (no header row)", table=name, file=rel))
    try:
        raw = pl.read_csv(
            file,
            infer_schema=False,
            has_header=True,
            separator=delimiter,
            empty_string_is_null=True,  # empty = null, quoted or not (as frictionless's missingValues [""])
            raise_if_empty=False,
            new_columns=[f"__col{i}" for i in range(len(header))],
        )
    except (pl.exceptions.PolarsError, OSError) as exc:  # malformed CSV (ragged rows, bad quoting, bad UTF-8)
        raise InputError(Problem("resource-unreadable", f"cannot parse the CSV: {str(exc).splitlines()[0]}", table=name, file=rel)) from None
    # Map header names to columns (first occurrence wins for duplicates).
    by_name: dict[str, str] = {}
    for i, col in enumerate(header):
        by_name.setdefault(col, f"__col{i}")
    frame, type_problems, unusable = _cast_strings(name, rel, raw, by_name, fields, pk)
    return TableData(name, frame, rel, unusable | missing), problems + type_problems


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
        mapping = {**{v: True for v in field.get("trueValues", TRUE_VALUES)}, **{v: False for v in field.get("falseValues", FALSE_VALUES)}}
        return col.replace_strict(mapping, default=None, return_dtype=pl.Boolean)
    if ftype == "date":
        return col.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    if ftype == "datetime":
        return col.str.to_datetime(time_zone="UTC", strict=False, time_unit="us")
    if ftype == "list":
        return col.str.split(list_delimiter(field))
    raise AssertionError(ftype)


def _cast_strings(name, rel, raw, by_name, fields, pk):
    """Cast raw string columns to schema types; report cells that do not parse."""
    import polars as pl

    exprs = [pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(ROW)]
    bad_exprs = []
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
            bad_exprs.append((fname, (src.is_not_null() & typed.is_null()).alias(fname)))
    frame = raw.select(exprs)
    problems: list[Problem] = []
    if bad_exprs:
        flags = raw.select([e for _, e in bad_exprs])
        for fname, _ in bad_exprs:
            idx = flags[fname].arg_true()
            if len(idx) == 0:
                continue
            ftype = next(f["type"] for f in fields if f["name"] == fname)
            values = raw[by_name[fname]].gather(idx).to_list()
            for i, value in zip(idx.to_list(), values):
                problems.append(Problem(
                    "type-error", f"{value!r} is not a valid {ftype}" + (" (finite number expected)" if ftype == "number" else ""),
                    table=name, field=fname, row=i + 1, key=_raw_key(raw, by_name, i, pk), value=value, file=rel))
    return frame, problems, unusable


def _raw_key(raw, by_name, i, pk):
    if not pk or any(k not in by_name for k in pk):
        return None
    return {k: raw[by_name[k]][i] for k in pk}


def _dtype(field):
    from iraq_frontiers.compiler import polars_dtype

    return polars_dtype(field)


def _read_parquet(name, file: Path, rel: str, fields, pk) -> tuple[TableData, list[Problem]]:
    import polars as pl
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(file)
    except (pa.ArrowException, OSError) as exc:  # truncated footer, not Parquet at all
        raise InputError(Problem("resource-unreadable", f"cannot read as Parquet: {str(exc).splitlines()[0]}", table=name, file=rel)) from None
    header = [c for c in table.column_names if not c.startswith("__index_level_")]
    problems, missing = _header_problems(name, rel, [c for c in header if c != "geometry"], fields)
    unusable = set(missing)
    columns = {ROW: pa.array(range(1, table.num_rows + 1), pa.int64())}
    for f in fields:
        fname = f["name"]
        if field_type(f) not in TYPE_MAP:
            unusable.add(fname)
            continue
        want = arrow_type(f)
        if fname not in header:
            columns[fname] = pa.nulls(table.num_rows, want)
            continue
        col = table.column(fname)
        if col.type != want:
            try:
                if not _safe_widening(col.type, want):
                    raise pa.ArrowInvalid("incompatible")
                col = col.cast(want)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                problems.append(Problem("type-error", f"column has Parquet type {col.type}; the schema's type {f.get('type')} needs {want}",
                                        table=name, field=fname, value=str(col.type), file=rel))
                unusable.add(fname)
                col = pa.nulls(table.num_rows, want)
        columns[fname] = col
    frame = pl.from_arrow(pa.table(columns))
    # Non-finite floats are not valid numbers in this dataset (same rule as for CSV).
    for f in fields:
        if f.get("type") == "number" and f["name"] not in unusable:
            bad = frame.select((pl.col(f["name"]).is_nan() | pl.col(f["name"]).is_infinite()).fill_null(False)).to_series().arg_true()
            for i in bad.to_list():
                problems.append(Problem("type-error", "not a finite number", table=name, field=f["name"], row=i + 1,
                                        key=_key_of(frame, i, pk), value=frame[f["name"]][i], file=rel))
            if len(bad):
                frame = frame.with_columns(pl.when(pl.col(f["name"]).is_finite()).then(pl.col(f["name"])).otherwise(None).alias(f["name"]))
    return TableData(name, frame, rel, unusable), problems


def _safe_widening(have, want) -> bool:
    """Casts that cannot change a value: narrower ints to int64, float32 to float64, string flavours, dictionary strings."""
    import pyarrow as pa
    import pyarrow.types as t

    if t.is_dictionary(have):
        return _safe_widening(have.value_type, want)
    if want == pa.int64():
        return t.is_integer(have)
    if want == pa.float64():
        return t.is_floating(have) or t.is_integer(have)
    if want == pa.string():
        return t.is_string(have) or t.is_large_string(have) or t.is_string_view(have)
    if want == pa.date32():
        return t.is_date(have)
    if t.is_list(want):
        return (t.is_list(have) or t.is_large_list(have)) and _safe_widening(have.value_type, want.value_type)
    if want == pa.bool_():
        return t.is_boolean(have)
    if t.is_timestamp(want):
        return t.is_timestamp(have)
    return False
