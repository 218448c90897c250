"""Open a data package (descriptor file, folder or zip); find its resources' files safely (no URLs, nothing
outside the package folder); check their bytes and hash; read a table with the reader of its format."""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import zipfile
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

from iraq_frontiers.problems import Problem, quote
from iraq_frontiers.terminal import quoted_path, shown_path
from iraq_frontiers.io.core import MAX_RESOURCES, InputError, OpenedPackage, TableData, clip
from iraq_frontiers.io.json_file import _regular_file, load_descriptor
from iraq_frontiers.io.archive import _safe_extract
from iraq_frontiers.io.csv_reader import _read_csv, _read_inline
from iraq_frontiers.io.parquet_reader import _read_parquet

_URI_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


def checked_path(path: Any) -> str | os.PathLike:
    """A path argument as text or a path object (bytes are decoded), checked before anything reads it: a URL
    is refused as given (quoted before any path normalisation), anything else not a path too."""
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not isinstance(path, (str, os.PathLike)):
        raise InputError(Problem("path-not-found", f"the path must be text or a path object, not {type(path).__name__}"))
    text = os.fspath(path)
    if isinstance(text, str) and ("://" in text or re.match(r"(?i)^(https?|ftps?|s3|gs|file|data):", text)):
        raise InputError(Problem("remote-refused", f"{quoted_path(text)} is a URL; packages are read from local files only "
                                 "(download it first)", file=shown_path(text)))
    return path


@contextmanager
def open_package(path: str | os.PathLike) -> Iterator[OpenedPackage]:
    """Open a datapackage.json, a folder holding one, or a .zip of one."""
    path = checked_path(path)
    path = Path(path)
    try:
        exists = path.exists()
    except (OSError, ValueError) as exc:
        raise InputError(Problem("path-not-found", f"cannot use the path {quoted_path(path)}: {getattr(exc, 'strerror', None) or exc}",
                                 file=clip(shown_path(path)))) from None
    if not exists:
        raise InputError(Problem("path-not-found", f"no such file or folder: {quoted_path(path)}", file=clip(shown_path(path))))
    tmp: Path | None = None
    try:
        if path.is_dir():
            descriptor_path = path / "datapackage.json"
            try:
                listed = descriptor_path.exists()
            except OSError as exc:  # a folder without permission to look inside: unreadable input, exit 2
                raise InputError(Problem("descriptor-unreadable", f"cannot read the folder {quoted_path(path)}: "
                                         f"{exc.strerror or exc}", file=clip(shown_path(path)))) from None
            if not listed:
                raise InputError(Problem("descriptor-unreadable", f"folder {path} holds no datapackage.json", file=str(path)))
        else:
            _regular_file(path, "the package path", "descriptor-unreadable", file=str(path))
            try:
                with path.open("rb") as fh:
                    magic = fh.read(4)
            except OSError as exc:
                raise InputError(Problem("descriptor-unreadable", f"cannot read {quoted_path(path)}: {exc.strerror or exc}",
                                         file=clip(shown_path(path)))) from None
            if magic in (b"PK\x03\x04", b"PK\x05\x06") and not zipfile.is_zipfile(path):
                raise InputError(Problem("archive-unreadable", "the zip archive is truncated or corrupt (no central directory)", file=str(path)))
            if zipfile.is_zipfile(path):
                tmp = Path(tempfile.mkdtemp(prefix="iraq-frontiers-"))
                _safe_extract(path, tmp)
                found = sorted((p for p in tmp.rglob("datapackage.json") if p.is_file()), key=lambda p: (len(p.parts), str(p)))
                if not found:
                    raise InputError(Problem("archive-unreadable", "archive holds no datapackage.json", file=str(path)))
                if len(found) > 1:  # which package was meant is not ours to guess
                    names = ", ".join(quote(p.relative_to(tmp).as_posix()) for p in found[:5]) + (", ..." if len(found) > 5 else "")
                    raise InputError(Problem("archive-unreadable", f"archive holds {len(found)} descriptors ({names}): it is ambiguous "
                                             "which package to read; zip one package, its datapackage.json at the top", file=str(path)))
                descriptor_path = found[0]
            else:
                descriptor_path = path
        descriptor = load_descriptor(descriptor_path)
        resources = descriptor.get("resources")
        if isinstance(resources, list) and len(resources) > MAX_RESOURCES:
            raise InputError(Problem("descriptor-unreadable", f"the descriptor lists {len(resources)} resources; the limit is "
                                     f"{MAX_RESOURCES} (split the package)", file=clip(shown_path(descriptor_path))))
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
        raise InputError(Problem("remote-refused", f"{what} path {quote(rpath)} is a URL; remote data is never fetched, only files inside the package are read", table=name, file=desc, value=shown))
    if "\x00" in rpath or "\\" in rpath or re.match(r"^[A-Za-z]:", rpath):
        raise InputError(Problem("path-unsafe", f"{what} path {quote(rpath)} has a NUL, a backslash or a drive letter; use a relative POSIX path", table=name, file=desc, value=shown))
    if os.path.isabs(rpath) or rpath.startswith("/") or ".." in Path(rpath).parts:
        raise InputError(Problem("path-unsafe", f"{what} path {quote(rpath)} must be relative and inside the package folder", table=name, file=desc, value=shown))
    root = pkg.base_dir.resolve()
    try:
        target = (pkg.base_dir / rpath).resolve()
    except (OSError, RuntimeError) as exc:  # symlink loop
        raise InputError(Problem("path-unsafe", f"{what} path {quote(rpath)} cannot be resolved: {exc}", table=name, file=desc, value=shown)) from None
    if not target.is_relative_to(root):
        raise InputError(Problem("path-unsafe", f"{what} path {quote(rpath)} leads outside the package folder (symlink?)", table=name, file=desc, value=shown))
    try:
        if not target.exists():
            raise InputError(Problem("resource-unreadable", f"{what} file {quote(rpath)} does not exist", table=name, file=shown))
        _regular_file(target, f"{what} path {quote(rpath)}", "resource-unreadable", table=name, file=shown)
    except OSError as exc:  # a name too long for the file system, a folder without permission...
        raise InputError(Problem("resource-unreadable", f"{what} path {quote(rpath)} cannot be used: {exc.strerror or exc}",
                                 table=name, file=shown)) from None
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


def read_table(pkg: OpenedPackage, resource: dict[str, Any]) -> tuple[TableData, list[Problem]]:
    """Read one resource into a typed polars frame; problems for header, row and type errors."""
    from iraq_frontiers.schema.compiler import primary_key

    name = resource.get("name", "?")
    schema = resource.get("schema") or {}
    fields = schema.get("fields", [])
    pk = primary_key(schema)
    if is_inline(resource):
        return _read_inline(name, pkg.descriptor_name, fields, pk, resource)
    file = resource_file(pkg, resource)
    rel = os.path.relpath(file, pkg.base_dir.resolve())
    fmt = resource_format(resource, file)
    gz = resource_compression(resource, file, rel) == "gz"
    if gz and fmt != "csv":
        raise InputError(Problem("resource-unreadable", f"a gzip-compressed {clip(fmt)!r} file is not supported (only CSV may be compressed)", table=name, file=rel))
    if fmt not in ("csv", "parquet"):
        raise InputError(Problem("resource-unreadable", f"format {clip(fmt)!r} is not supported (csv or parquet)", table=name, file=rel))
    if fmt == "parquet":
        return _read_parquet(name, file, rel, fields, pk)
    data, problems = _read_csv(name, file, rel, fields, pk, resource, gz)
    pkg.lines[name] = data.lines  # so that every problem about a row of it can name the line (validation.run)
    return data, problems
