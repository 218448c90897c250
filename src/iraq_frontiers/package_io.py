"""Open a data package (descriptor file, folder or zip) and read its tables into typed frames.

Reading never trusts the package (see docs/validation.md, "Bad input"):
- paths must stay inside the package folder and name regular files; URLs are refused, never fetched;
- archives are extracted with bounds on entry count, per-entry and total size and compression ratio;
- descriptors are bounded in size and depth, must be strict JSON objects (no NaN, no duplicate keys);
- CSV files must be UTF-8 (a UTF-8 byte-order mark is dropped); other encodings and NUL bytes are
  refused naming the byte offset and line; a file that cannot be split into cells is refused naming
  the line; rows with the wrong number of cells (still read: missing cells empty, extra cells
  dropped), blank rows (no cells, or every cell empty: not read), control characters and cells over
  1 MiB are invalid data naming the row and line;
- a gzip-compressed CSV file is decompressed within the bounds of a zip entry; inline `data` takes
  the CSV route; a `schema` given as a path is read from inside the package (resolve_schema_files);
- Parquet files are checked for their magic bytes and a bounded uncompressed size before reading;
- every value that cannot be read as its field's type becomes a `type-error` problem (the cell is
  then treated as empty), never a silent coercion.

Unreadable or refused input raises InputError (exit code 2). Errors raised while parsing a user's
file are turned into InputError here, at the boundary; anything else is a bug and is left to the
caller (validation reports it as `internal-error`).
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import stat
import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterator

from iraq_frontiers.compiler import TYPE_MAP, arrow_type, field_type, list_delimiter
from iraq_frontiers.problems import Problem

MAX_DESCRIPTOR_BYTES = 20 * 1024 * 1024
MAX_JSON_DEPTH = 64
MAX_ARCHIVE_TOTAL_BYTES = 4 * 1024**3
MAX_ARCHIVE_MEMBER_BYTES = 2 * 1024**3
MAX_ARCHIVE_ENTRIES = 10_000
MAX_ARCHIVE_RATIO = 200  # uncompressed / compressed, checked for entries over 1 MiB
MAX_CELL_BYTES = 1024 * 1024  # a longer cell is `cell-too-large` (and read as empty)
MAX_PARQUET_UNCOMPRESSED = 8 * 1024**3
MAX_CSV_BYTES = 8 * 1024**3  # a CSV file is read whole: larger ones are refused rather than exhaust memory
MAX_COLUMNS = 10_000
MAX_VALUE_CHARS = 200  # offending values quoted in problems are clipped to this length
CSV_BLOCK_BYTES = 32 * 1024 * 1024
ROW = "__row__"  # 1-based data row number column added to every frame
TRUE_VALUES = ("true", "True", "TRUE", "1")
FALSE_VALUES = ("false", "False", "FALSE", "0")
# C0 controls except tab, LF and CR; DEL; C1 controls (usually text decoded with the wrong code page).
CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x{80}-\x{9f}]"
_URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_ISO_DATETIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:?[0-9]{2})$"


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
    descriptor_name: str = "datapackage.json"  # the descriptor's file name (problems about resource paths name it)
    schema_problems: list[Problem] = field(default_factory=list)  # schema files that could not be read (see resolve_schema_files)


@dataclass
class TableData:
    """A table read into a polars frame with schema types, plus what could not be read."""

    name: str
    frame: Any  # polars.DataFrame, typed per schema, with a ROW column
    file: str
    unusable: set[str] = field(default_factory=set)  # fields missing or of the wrong type: skip their checks
    # Cells the reader already reported (type-error, cell-too-large) and read as empty: {field: rows}.
    # Later checks say nothing more about them (one bad cell, one problem).
    bad_cells: dict[str, set[int]] = field(default_factory=dict)

    def reported(self, fname: str | None, row: int | None) -> bool:
        return row is not None and row in self.bad_cells.get(fname, ())


def clip(value: Any, n: int = MAX_VALUE_CHARS) -> Any:
    """A value short enough to quote in a problem (huge cells must not bloat the report)."""
    if isinstance(value, str) and len(value) > n:
        return value[:n] + f"... ({len(value)} characters)"
    return value


# --------------------------------------------------------------------------------------------
# descriptors and archives


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


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise _DuplicateKey(k)
        out[k] = v
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _regular_file(path: Path, what: str, code: str, **where) -> None:
    """Refuse FIFOs, devices, sockets and folders before opening them (a FIFO would block forever)."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise InputError(Problem(code, f"cannot read {what}: {exc.strerror or exc}", **where)) from None
    if stat.S_ISDIR(mode):
        raise InputError(Problem(code, f"{what} is a folder, not a file", **where))
    if not stat.S_ISREG(mode):
        raise InputError(Problem(code, f"{what} is not a regular file (a FIFO, device or socket is never read)", **where))


def load_descriptor(path: Path, what: str = "descriptor", label: str | None = None) -> dict[str, Any]:
    """A JSON object from a file, strictly parsed and bounded (`what` and `label` name the file in messages)."""
    label = label or str(path)
    _regular_file(path, what, "descriptor-unreadable", file=label)
    size = path.stat().st_size
    if size > MAX_DESCRIPTOR_BYTES:
        raise InputError(Problem("descriptor-unreadable", f"{what} is {size} bytes; the limit is {MAX_DESCRIPTOR_BYTES}", file=label))
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_DESCRIPTOR_BYTES + 1)
    except OSError as exc:
        raise InputError(Problem("descriptor-unreadable", f"cannot read {what}: {exc.strerror or exc}", file=label)) from None
    if len(data) > MAX_DESCRIPTOR_BYTES:
        raise InputError(Problem("descriptor-unreadable", f"{what} is larger than the limit of {MAX_DESCRIPTOR_BYTES} bytes", file=label))
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputError(Problem("descriptor-unreadable", f"{what} is UTF-16 encoded; save it as UTF-8", file=label))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(Problem("descriptor-unreadable", f"{what} is not UTF-8 text (byte offset {exc.start})", file=label)) from None
    try:
        descriptor = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InputError(Problem("descriptor-unreadable", f"{what} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", file=label)) from None
    except RecursionError:
        raise InputError(Problem("descriptor-unreadable", f"{what} JSON is nested deeper than {MAX_JSON_DEPTH} levels", file=label)) from None
    except _DuplicateKey as exc:
        raise InputError(Problem("descriptor-unreadable", f"{what} JSON has the key {clip(str(exc))!r} twice in one object (ambiguous)", file=label)) from None
    except ValueError as exc:  # NaN/Infinity constants; integers with thousands of digits
        raise InputError(Problem("descriptor-unreadable", f"{what} is not valid JSON: {clip(str(exc))}", file=label)) from None
    if not isinstance(descriptor, dict):
        raise InputError(Problem("descriptor-unreadable", f"{what} must be a JSON object, not {type(descriptor).__name__}", file=label))
    if _json_depth(descriptor) > MAX_JSON_DEPTH:
        raise InputError(Problem("descriptor-unreadable", f"{what} JSON is nested deeper than {MAX_JSON_DEPTH} levels", file=label))
    return descriptor


def _archive_error(label: str, message: str) -> InputError:
    return InputError(Problem("archive-unreadable", message, file=label))


def _safe_extract(archive: Path, dest: Path) -> None:
    label = str(archive)
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _archive_error(label, f"not a readable zip archive: {exc}") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ARCHIVE_ENTRIES:
            raise _archive_error(label, f"archive has {len(infos)} entries; the limit is {MAX_ARCHIVE_ENTRIES}")
        total = 0
        root = dest.resolve()
        names: set[str] = set()
        for info in infos:
            name = info.filename
            if "\x00" in name or "\\" in name or re.match(r"^[A-Za-z]:", name):
                raise _archive_error(label, f"archive entry {name!r} has a NUL, a backslash or a drive letter in its name")
            target = (dest / name).resolve()
            if name.startswith("/") or ".." in Path(name).parts or not target.is_relative_to(root):
                raise _archive_error(label, f"archive entry {name!r} would extract outside the package folder")
            key = name.rstrip("/")
            if key in names:
                raise _archive_error(label, f"archive has two entries named {name!r}")
            names.add(key)
            if info.flag_bits & 0x1:
                raise _archive_error(label, f"archive entry {name!r} is encrypted")
            if info.file_size > MAX_ARCHIVE_MEMBER_BYTES:
                raise _archive_error(label, f"archive entry {name!r} is {info.file_size} bytes uncompressed; limit {MAX_ARCHIVE_MEMBER_BYTES}")
            if info.file_size > 1024 * 1024 and info.file_size > MAX_ARCHIVE_RATIO * max(info.compress_size, 1):
                raise _archive_error(label, f"archive entry {name!r} has compression ratio above {MAX_ARCHIVE_RATIO} (zip bomb?)")
            total += info.file_size
            if total > MAX_ARCHIVE_TOTAL_BYTES:
                raise _archive_error(label, f"archive expands beyond {MAX_ARCHIVE_TOTAL_BYTES} bytes")
            ftype = (info.external_attr >> 16) & 0o170000
            if ftype == 0o120000:  # symlink entry
                raise _archive_error(label, f"archive entry {name!r} is a symbolic link")
            if ftype not in (0, 0o100000, 0o040000):
                raise _archive_error(label, f"archive entry {name!r} is not a regular file or folder")
        try:
            for info in infos:
                if info.is_dir():
                    (dest / info.filename).mkdir(parents=True, exist_ok=True)
                    continue
                target = dest / info.filename
                target.parent.mkdir(parents=True, exist_ok=True)
                written = 0
                with zf.open(info) as src, open(target, "xb") as out:
                    while chunk := src.read(1 << 20):
                        written += len(chunk)
                        if written > info.file_size:  # header lied about the size
                            raise _archive_error(label, f"archive entry {info.filename!r} is larger than its header says")
                        out.write(chunk)
        except InputError:
            raise
        except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError, ValueError, OSError) as exc:
            # CRC mismatch, truncated data, unsupported compression, password needed, disk full...
            raise _archive_error(label, f"cannot extract the archive: {type(exc).__name__}: {clip(str(exc))}") from None


@contextmanager
def open_package(path: str | os.PathLike) -> Iterator[OpenedPackage]:
    """Open a datapackage.json, a folder holding one, or a .zip of one."""
    text = os.fspath(path)
    if isinstance(text, str) and ("://" in text or re.match(r"(?i)^(https?|ftps?|s3|gs|file|data):", text)):
        raise InputError(Problem("remote-refused", f"{text!r} is a URL; packages are read from local files only (download it first)", file=text))
    path = Path(path)
    try:
        exists = path.exists()
    except (OSError, ValueError) as exc:
        raise InputError(Problem("path-not-found", f"cannot use the path {clip(str(path))!r}: {exc}", file=clip(str(path)))) from None
    if not exists:
        raise InputError(Problem("path-not-found", f"no such file or folder: {path}", file=str(path)))
    tmp: Path | None = None
    try:
        if path.is_dir():
            descriptor_path = path / "datapackage.json"
            if not descriptor_path.exists():
                raise InputError(Problem("descriptor-unreadable", f"folder {path} holds no datapackage.json", file=str(path)))
        else:
            _regular_file(path, "the package path", "descriptor-unreadable", file=str(path))
            with path.open("rb") as fh:
                magic = fh.read(4)
            if magic in (b"PK\x03\x04", b"PK\x05\x06") and not zipfile.is_zipfile(path):
                raise InputError(Problem("archive-unreadable", "the zip archive is truncated or corrupt (no central directory)", file=str(path)))
            if zipfile.is_zipfile(path):
                tmp = Path(tempfile.mkdtemp(prefix="iraq-frontiers-"))
                _safe_extract(path, tmp)
                found = sorted((p for p in tmp.rglob("datapackage.json") if p.is_file()), key=lambda p: (len(p.parts), str(p)))
                if not found:
                    raise InputError(Problem("archive-unreadable", "archive holds no datapackage.json", file=str(path)))
                descriptor_path = found[0]
            else:
                descriptor_path = path
        descriptor = load_descriptor(descriptor_path)
        pkg = OpenedPackage(descriptor, descriptor_path.parent, str(path), descriptor_path.name)
        pkg.schema_problems = resolve_schema_files(pkg)
        yield pkg
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def is_inline(resource: dict[str, Any]) -> bool:
    """Whether the resource's table is inline `data` in the descriptor (no path)."""
    return "data" in resource and not resource.get("path")


def resource_file(pkg: OpenedPackage, resource: dict[str, Any]) -> Path:
    """The local file of a resource, refusing URLs, non-files and paths that leave the package folder."""
    name = resource.get("name", "?")
    desc = pkg.descriptor_name
    rpath = resource.get("path")
    if isinstance(rpath, list):
        if len(rpath) != 1:
            raise InputError(Problem("resource-unreadable", "multi-file resources are not supported", table=name, file=desc, value=clip(str(rpath))))
        rpath = rpath[0]
    if not isinstance(rpath, str) or not rpath:
        raise InputError(Problem("resource-unreadable", "resource has no path (and no inline data)", table=name, file=desc))
    return package_file(pkg, rpath, "resource", name)


def package_file(pkg: OpenedPackage, rpath: str, what: str, name: str) -> Path:
    """A file named by the descriptor (`what`: resource, schema), refusing URLs, non-files and paths leaving the package folder."""
    desc = pkg.descriptor_name
    shown = clip(rpath)
    if _URI_SCHEME.match(rpath) and not re.match(r"^[A-Za-z]:[\\/]", rpath):
        raise InputError(Problem("remote-refused", f"{what} path {shown!r} is a URL; remote data is never fetched, only files inside the package are read", table=name, file=desc, value=shown))
    if "\x00" in rpath or "\\" in rpath or re.match(r"^[A-Za-z]:", rpath):
        raise InputError(Problem("path-unsafe", f"{what} path {shown!r} has a NUL, a backslash or a drive letter; use a relative POSIX path", table=name, file=desc, value=shown))
    if os.path.isabs(rpath) or rpath.startswith("/") or ".." in Path(rpath).parts:
        raise InputError(Problem("path-unsafe", f"{what} path {shown!r} must be relative and inside the package folder", table=name, file=desc, value=shown))
    root = pkg.base_dir.resolve()
    try:
        target = (pkg.base_dir / rpath).resolve()
    except (OSError, RuntimeError) as exc:  # symlink loop
        raise InputError(Problem("path-unsafe", f"{what} path {shown!r} cannot be resolved: {exc}", table=name, file=desc, value=shown)) from None
    if not target.is_relative_to(root):
        raise InputError(Problem("path-unsafe", f"{what} path {shown!r} leads outside the package folder (symlink?)", table=name, file=desc, value=shown))
    if not target.exists():
        raise InputError(Problem("resource-unreadable", f"{what} file {shown!r} does not exist", table=name, file=shown))
    _regular_file(target, f"{what} path {shown!r}", "resource-unreadable", table=name, file=shown)
    return target


def resolve_schema_files(pkg: OpenedPackage) -> list[Problem]:
    """Replace each resource's `schema` given as a path by the Table Schema the file holds.

    The file must lie inside the package (as a resource file) and be strict JSON within the
    descriptor's bounds. A schema that cannot be read is reported and left as a path: its table
    is not read.
    """
    problems: list[Problem] = []
    resources = pkg.descriptor.get("resources")
    for r in resources if isinstance(resources, list) else []:
        if not isinstance(r, dict) or not isinstance(r.get("schema"), str):
            continue
        name = r.get("name") if isinstance(r.get("name"), str) else "?"
        try:
            path = package_file(pkg, r["schema"], "schema", name)
            if path.suffix.lower() in (".yaml", ".yml"):
                raise InputError(Problem("descriptor-unreadable", "schema file is YAML; only JSON schema files are read (convert it to JSON)",
                                         table=name, file=clip(r["schema"])))
            r["schema"] = load_descriptor(path, what="schema file", label=clip(r["schema"]))
        except InputError as exc:
            problems.append(replace(exc.problem, table=name))  # name the table whose schema it is
    return problems


HASH_ALGORITHMS = ("md5", "sha1", "sha256", "sha512")


def check_bytes_and_hash(name: str, file: Path, rel: str, resource: dict[str, Any]) -> list[Problem]:
    """The resource's `bytes` and `hash`, when the descriptor gives them, against the file as stored.

    A hash is `algorithm:hex` or bare hex (MD5), as in Data Package v2; the file is read in chunks."""
    import hashlib

    problems: list[Problem] = []
    expected_bytes = resource.get("bytes")
    if isinstance(expected_bytes, int) and not isinstance(expected_bytes, bool):
        size = file.stat().st_size
        if size != expected_bytes:
            problems.append(Problem("bytes-mismatch", f"file is {size} bytes; the descriptor's bytes says {expected_bytes}",
                                    table=name, value=size, file=rel))
    given = resource.get("hash")
    if not isinstance(given, str) or not given:
        return problems
    algorithm, _, digest = given.rpartition(":")
    algorithm = algorithm.lower() or "md5"
    if algorithm not in HASH_ALGORITHMS:
        return problems + [Problem("schema-unsupported", f"hash algorithm {clip(algorithm)!r} is not supported ({', '.join(HASH_ALGORITHMS)})",
                                   table=name, value=clip(given), file=rel)]
    h = hashlib.new(algorithm)
    try:
        with file.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                h.update(chunk)
    except OSError as exc:
        raise InputError(Problem("resource-unreadable", f"cannot read the file: {exc.strerror or exc}", table=name, file=rel)) from None
    if h.hexdigest() != digest.strip().lower():
        problems.append(Problem("hash-mismatch", f"the file's {algorithm} hash is {h.hexdigest()}; the descriptor's hash says {clip(digest)}",
                                table=name, value=h.hexdigest(), file=rel))
    return problems


def resource_format(resource: dict[str, Any], file: Path) -> str:
    """The table's format: the descriptor's `format`, else the file's extension (before a `.gz`)."""
    fmt = resource.get("format")
    if not isinstance(fmt, str) or not fmt:
        suffixes = [x.lower() for x in file.suffixes]
        fmt = suffixes[-2] if len(suffixes) >= 2 and suffixes[-1] == ".gz" else file.suffix
        fmt = fmt.lstrip(".")
    return fmt.lower()


def resource_compression(resource: dict[str, Any], file: Path, rel: str) -> str | None:
    """"gz" for a gzip-compressed CSV file (`compression: "gz"` or a `.gz` extension), else None;
    other compressions are refused."""
    name = resource.get("name", "?")
    given = resource.get("compression")
    if given is None:
        suffix = file.suffix.lower()
        if suffix == ".gz":
            return "gz"
        if suffix in (".zip", ".bz2", ".xz", ".zst") and resource_format(resource, file) == "csv":
            raise InputError(Problem("resource-unreadable", f"a CSV file compressed as {suffix[1:]!r} is not supported (gzip is)", table=name, file=rel))
        return None
    if given in ("gz", "gzip"):
        return "gz"
    raise InputError(Problem("resource-unreadable", f"compression {clip(str(given))!r} is not supported (only 'gz', for CSV files)", table=name, file=rel))


def _key_of(frame, row_index: int, primary_key: list[str]) -> dict[str, Any] | None:
    if not primary_key or any(k not in frame.columns for k in primary_key):
        return None
    return {k: frame[k][row_index] for k in primary_key}


def read_table(pkg: OpenedPackage, resource: dict[str, Any]) -> tuple[TableData, list[Problem]]:
    """Read one resource into a typed polars frame; problems for header, row and type errors."""
    from iraq_frontiers.compiler import primary_key

    name = resource.get("name", "?")
    schema = resource.get("schema") or {}
    fields = schema.get("fields", [])
    pk = primary_key(schema)
    if is_inline(resource):
        return _mark_bad_cells(*_read_inline(name, pkg.descriptor_name, fields, pk, resource))
    file = resource_file(pkg, resource)
    rel = os.path.relpath(file, pkg.base_dir.resolve())
    fmt = resource_format(resource, file)
    gz = resource_compression(resource, file, rel) == "gz"
    if gz and fmt != "csv":
        raise InputError(Problem("resource-unreadable", f"a gzip-compressed {clip(fmt)!r} file is not supported (only CSV may be compressed)", table=name, file=rel))
    if fmt not in ("csv", "parquet"):
        raise InputError(Problem("resource-unreadable", f"format {clip(fmt)!r} is not supported (csv or parquet)", table=name, file=rel))
    data, problems = _read_csv(name, file, rel, fields, pk, resource, gz) if fmt == "csv" else _read_parquet(name, file, rel, fields, pk)
    return _mark_bad_cells(data, problems)


def _mark_bad_cells(data: TableData, problems: list[Problem]) -> tuple[TableData, list[Problem]]:
    """Remember the cells that could not be read, so that later checks do not report them again."""
    for p in problems:
        if p.code in ("type-error", "cell-too-large") and p.row is not None:
            data.bad_cells.setdefault(p.field, set()).add(p.row)
    return data, problems


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
                hint = f" (it is {stripped!r} with extra spaces or a byte-order mark)"
            problems.append(Problem("extra-column", f"column {clip(col)!r} is not defined by the schema{hint}", table=name, field=clip(col), file=rel))
    missing = {c for c in expected if c not in seen}
    for col in expected:
        if col in missing:
            problems.append(Problem("missing-column", f"schema field {col!r} is absent from the data", table=name, field=col, file=rel))
    return problems, missing


# --------------------------------------------------------------------------------------------
# CSV


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


@contextmanager
def _csv_field_limit(limit: int):
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, limit))
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _re2_search(data: bytes, pattern: str) -> bool:
    """Whether a RE2 pattern (linear time) occurs anywhere in the bytes."""
    import pyarrow as pa
    import pyarrow.compute as pc

    offsets = pa.array([0, len(data)], pa.int64()).buffers()[1]
    arr = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(data)])
    return bool(pc.match_substring_regex(arr, pattern)[0].as_py())


def _unusual(data: bytes, delimiter: str) -> bool:
    """Whether the bytes show anything Arrow's parser would read leniently, or control characters.

    Arrow is lenient in places (a quote inside an unquoted cell, text after a closing quote, blank
    lines read as empty rows); files showing these patterns go to the exact reader, which reports
    them with line numbers. Control characters (C0 but tab/LF/CR, DEL, UTF-8 encoded C1) are looked
    for in the same pass, so clean files skip the per-cell control check. One RE2 scan: linear time.
    """
    d = re.escape(delimiter) if delimiter != "\t" else r"\t"
    return _re2_search(data, rf'[^{d}\r\n"]"[^{d}\r\n"]|\n\n|\n\r|\r\r|^[\r\n]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]')


def _fast_csv(data: bytes, text: str, delimiter: str):
    """(header, raw frame) via Arrow's multithreaded parser, or None when the file needs the exact reader
    (a header the strict reader rejects, too many columns, a row with the wrong number of cells)."""
    import polars as pl
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        with _csv_field_limit(CSV_BLOCK_BYTES):
            header = next(csv.reader(io.StringIO(text[: CSV_BLOCK_BYTES], newline=""), delimiter=delimiter, strict=True), [])
    except csv.Error:
        return None
    n = len(header)
    if n == 0 or n > MAX_COLUMNS:
        return None
    invalid = []

    def on_invalid(row):
        invalid.append(row)
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(autogenerate_column_names=True, block_size=CSV_BLOCK_BYTES, use_threads=True),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False,
                                             invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types={f"f{i}": pa.string() for i in range(n)}, strings_can_be_null=False,
                                                 quoted_strings_can_be_null=False, check_utf8=False),
        )
    except (pa.ArrowException, ValueError):
        return None
    if invalid or table.num_columns != n or table.num_rows == 0:
        return None
    first = [table.column(i)[0].as_py() for i in range(n)]
    if first != header:
        return None
    table = table.slice(1).rename_columns([f"__col{i}" for i in range(n)])
    raw = pl.from_arrow(table)
    if not isinstance(raw, pl.DataFrame):  # pragma: no cover - defensive
        return None
    maybe_blank = raw.filter(pl.col(raw.columns[0]) == "")  # a blank row starts with an empty cell: few rows to look at
    if maybe_blank.height and maybe_blank.select(pl.all_horizontal(pl.all() == "").any()).item():
        return None  # a row of empty cells (`,,`) is a blank row: the exact reader reports it with its line
    raw = raw.with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias(ROW))
    return header, raw


def _exact_csv(text: str, delimiter: str, name: str, rel: str, skip_initial_space: bool = False):
    """(header, raw frame, row problems) with Python's strict CSV reader, tracking physical lines.

    skip_initial_space: the dialect's skipInitialSpace (spaces right after a delimiter are not data)."""
    import polars as pl

    problems: list[Problem] = []
    header: list[str] | None = None
    rows: list[list[str]] = []
    numbers: list[int] = []
    recno = 0
    prev_line = 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True, skipinitialspace=skip_initial_space)
    with _csv_field_limit(len(text) + 1):
        try:
            for rec in reader:
                start, end = prev_line + 1, reader.line_num
                prev_line = end
                lines = f"line {start}" if start == end else f"lines {start}-{end}"
                if header is None:
                    if not rec:
                        raise InputError(Problem("csv-malformed", "the first line is blank; the header row must come first", table=name, file=rel))
                    header = rec
                    if len(header) > MAX_COLUMNS:
                        raise InputError(Problem("csv-malformed", f"the header has {len(header)} columns; the limit is {MAX_COLUMNS}", table=name, file=rel))
                    continue
                recno += 1
                if not any(rec):  # an empty line, or a row of empty cells (`,,`): Table Schema's blank row
                    what = "is blank" if not rec else "is blank (every cell is empty)"
                    problems.append(Problem("blank-row", f"row {recno} ({lines}) {what}", table=name, row=recno, file=rel))
                    continue
                if len(rec) != len(header):
                    problems.append(_ragged_row(name, rel, recno, lines, rec, len(header), delimiter, joined=start != end))
                    rec = (rec + [""] * len(header))[: len(header)]  # still read: its cells are checked too
                rows.append(rec)
                numbers.append(recno)
        except csv.Error as exc:
            msg = str(exc)
            if "unexpected end of data" in msg:
                detail = f"a quoted cell opened in the record starting on line {prev_line + 1} is never closed"
            else:
                detail = f"{msg} (record starting on line {prev_line + 1}, near line {reader.line_num})"
            raise InputError(Problem("csv-malformed", f"cannot split the file into cells: {detail}", table=name, file=rel)) from None
    if header is None:
        raise InputError(Problem("resource-unreadable", "file is empty (no header row)", table=name, file=rel))
    columns = {f"__col{i}": [r[i] for r in rows] for i in range(len(header))}
    raw = pl.DataFrame(columns, schema={c: pl.String for c in columns}) if columns else pl.DataFrame()
    raw = raw.with_columns(pl.Series(ROW, numbers, dtype=pl.Int64)) if columns else pl.DataFrame({ROW: pl.Series(numbers, dtype=pl.Int64)})
    return header, raw, problems


def _ragged_row(name: str, rel: str, recno: int, lines: str | None, rec: list[str], width: int, delimiter: str, joined: bool) -> Problem:
    """A row with the wrong number of cells: reported, then read padded with empty cells or cut to the header's width."""
    hint = " (an unclosed quote may have joined lines)" if joined else ""
    read = "the missing cells are read as empty" if len(rec) < width else "the extra cells are not read"
    where = f" ({lines})" if lines else ""
    return Problem("ragged-row", f"row {recno}{where} has {len(rec)} cells; the header has {width}{hint}; {read}",
                   table=name, row=recno, value=clip(delimiter.join(rec)), file=rel)


def _read_csv(name, file: Path, rel: str, fields, pk, resource, gz: bool = False) -> tuple[TableData, list[Problem]]:
    delimiter = _delimiter(resource, name, rel)
    try:
        size = file.stat().st_size
        if size > MAX_CSV_BYTES:
            raise InputError(Problem("resource-unreadable", f"file is {size} bytes; the limit for a CSV table is {MAX_CSV_BYTES} (use Parquet)", table=name, file=rel))
        data = _gunzip(file, size, name, rel) if gz else file.read_bytes()
    except (OSError, MemoryError) as exc:
        raise InputError(Problem("resource-unreadable", f"cannot read the file: {getattr(exc, 'strerror', None) or exc}", table=name, file=rel)) from None
    data, text = _decode_csv(data, name, rel)
    if not data.strip(b" \t\r\n"):
        raise InputError(Problem("resource-unreadable", "file is empty (no header row)", table=name, file=rel))
    unusual = _unusual(data, delimiter)
    dialect = resource.get("dialect")
    skip = isinstance(dialect, dict) and dialect.get("skipInitialSpace") is True  # Arrow's parser has no such option
    fast = None if unusual or skip else _fast_csv(data, text, delimiter)
    if fast is not None:
        header, raw = fast
        row_problems: list[Problem] = []
    else:
        header, raw, row_problems = _exact_csv(text, delimiter, name, rel, skip)
    return _typed_table(name, rel, header, raw, row_problems, fields, pk, control=unusual, size=len(data) > MAX_CELL_BYTES)


def _gunzip(file: Path, size: int, name: str, rel: str) -> bytes:
    """A gzip file's content, within the bounds of a zip entry (size and compression ratio)."""
    import gzip
    import zlib

    limit = min(MAX_ARCHIVE_MEMBER_BYTES, max(MAX_ARCHIVE_RATIO * size, 1024 * 1024))
    out = io.BytesIO()
    try:
        with gzip.open(file, "rb") as fh:
            while chunk := fh.read(1 << 20):
                out.write(chunk)
                if out.tell() > limit:
                    cause = (f"the limit is {limit} bytes" if limit == MAX_ARCHIVE_MEMBER_BYTES
                             else f"a compression ratio above {MAX_ARCHIVE_RATIO}: a zip bomb?")
                    raise InputError(Problem("resource-unreadable", f"the gzip-compressed file expands beyond {limit} bytes ({cause})",
                                             table=name, file=rel))
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
    raw, cell_problems = _cell_checks(name, rel, raw, by_name, pk, control=control, size=size)
    frame, type_problems, unusable = _cast_strings(name, rel, raw, by_name, fields, pk)
    return TableData(name, frame, rel, unusable | missing), problems + row_problems + cell_problems + type_problems


def _cell_checks(name, rel, raw, by_name: dict[str, str], pk, lists: set[str] = frozenset(), key_cols: dict[str, str] | None = None,
                 control: bool = True, size: bool = True):
    """Cells over MAX_CELL_BYTES (reported, then read as empty) and control characters (reported).

    by_name maps field names to the columns of `raw` to check; key_cols maps primary-key fields to
    columns of `raw` (defaults to by_name).
    """
    import polars as pl

    problems: list[Problem] = []
    if raw.height == 0 or not by_name or not (control or size):
        return raw, problems
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
        return raw, problems
    nulls = []
    for fname, col in by_name.items():
        for kind in ("big", "ctl"):
            idx = flags[f"{kind}:{fname}"].arg_true().to_list()
            for i in idx:
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
            if kind == "big" and idx:
                nulls.append(pl.when(flags[f"big:{fname}"]).then(None).otherwise(pl.col(col)).alias(col))
    if nulls:
        raw = raw.with_columns(nulls)
    return raw, problems


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
    if ftype == "date":  # strictly YYYY-MM-DD (chrono alone accepts 2024-3-5 and leading spaces)
        return pl.when(col.str.contains(_ISO_DATE)).then(col.str.strptime(pl.Date, "%Y-%m-%d", strict=False)).otherwise(None)
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
            ftype = next(field_type(f) for f in fields if f["name"] == fname)
            values = raw[by_name[fname]].gather(idx).to_list()
            rows = raw[ROW].gather(idx).to_list()
            for i, row, value in zip(idx.to_list(), rows, values):
                problems.append(Problem(
                    "type-error", _type_message(value, ftype),
                    table=name, field=fname, row=row, key=_raw_key(raw, by_name, i, pk), value=clip(value), file=rel))
    return frame, problems, unusable


def _raw_key(raw, by_name, i, pk):
    if not pk or any(k not in by_name for k in pk):
        return None
    return {k: clip(raw[by_name[k]][i]) for k in pk}


def _dtype(field):
    from iraq_frontiers.compiler import polars_dtype

    return polars_dtype(field)


# --------------------------------------------------------------------------------------------
# Parquet


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


def vet_parquet(name: str, file: Path, rel: str):
    """Open a Parquet file's metadata after checking it is safe to read (magic bytes, column count,
    expanded size); returns a pyarrow ParquetFile or raises InputError. Both engines call this."""
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
    expanded = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if expanded > MAX_PARQUET_UNCOMPRESSED:
        raise refuse(f"the Parquet file expands to {expanded} bytes; the limit is {MAX_PARQUET_UNCOMPRESSED}")
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
                problems.append(Problem("type-error", f"column has Parquet type {col.type}; the schema's type {f.get('type')} needs {want}",
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
    frame, cell_problems = _cell_checks(name, rel, frame, {c: c for c in [*strings, *sorted(lists)]}, pk, lists,
                                        key_cols={k: k for k in pk if k in frame.columns})
    problems += cell_problems
    # Non-finite floats are not valid numbers in this dataset (same rule as for CSV).
    for f in fields:
        if field_type(f) == "number" and f["name"] not in unusable:
            bad = frame.select((pl.col(f["name"]).is_nan() | pl.col(f["name"]).is_infinite()).fill_null(False)).to_series().arg_true()
            for i in bad.to_list():
                problems.append(Problem("type-error", "not a finite number", table=name, field=f["name"], row=i + 1,
                                        key=_key_of(frame, i, pk), value=frame[f["name"]][i], file=rel))
            if len(bad):
                frame = frame.with_columns(pl.when(pl.col(f["name"]).is_finite()).then(pl.col(f["name"])).otherwise(None).alias(f["name"]))
    return TableData(name, frame, rel, unusable), problems


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
        return t.is_timestamp(have) and have.tz is not None
    return False
