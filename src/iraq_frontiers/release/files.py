"""Writing a release's files byte-reproducibly: the Parquet and CSV packages, the zips (fixed timestamps),
SQLite and Croissant, and SHA256SUMS. The `created` time comes from SOURCE_DATE_EPOCH or the release date."""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import zipfile
from pathlib import Path
from typing import Any

from iraq_frontiers.io.disk import write_bytes, writing
from iraq_frontiers.schema.descriptor import build_descriptor, dumps
from iraq_frontiers.schema.metadata import package_metadata, table_schema
from iraq_frontiers.release.errors import ReleaseError
from iraq_frontiers.release.geoparquet import GEOMETRY, GEO_NOTE, GEO_TABLE, geo_metadata, geometry_column

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
ZIP_LAST = (2107, 12, 31, 23, 59, 58)  # a zip entry's MS-DOS time holds years 1980-2107


def release_created(released: str | None = None) -> str | None:
    """The `created` timestamp of the release: SOURCE_DATE_EPOCH when set, else the release date
    (`released`, else citation.date-released in schemas/package.json) at midnight UTC, else None (omitted)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            moment = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise ReleaseError(f"SOURCE_DATE_EPOCH={epoch!r} is not a Unix time in seconds") from None
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    released = released or (package_metadata().get("citation") or {}).get("date-released")
    if released:
        return f"{released}T00:00:00Z"
    return None


def _zip_time(created: str | None) -> tuple[int, ...]:
    if not created:
        return ZIP_EPOCH
    moment = dt.datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ")
    return min(ZIP_LAST, max(ZIP_EPOCH, (moment.year, moment.month, moment.day, moment.hour, moment.minute,
                                         moment.second - moment.second % 2)))


def write_parquet_package(tables: dict[str, Any], folder: Path, created: str | None = None) -> dict[str, Any]:
    """Write one .parquet per table and a self-contained descriptor (bytes, sha256) into folder."""
    from iraq_frontiers.io.writers import write_parquet

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in tables:
        table, schema, extra = tables[name], table_schema(name), None
        if name == GEO_TABLE:
            extra = {b"geo": geo_metadata(table)}
            table = table.append_column(GEOMETRY, geometry_column(table))
        write_parquet(table, schema, folder / f"{name}.parquet", extra_metadata=extra)
    descriptor = build_descriptor("parquet", folder, extra={"created": created} if created else None, tables=list(tables))
    for resource in descriptor["resources"]:
        if resource["name"] == GEO_TABLE:
            resource["description"] = (resource.get("description") or "").rstrip() + GEO_NOTE
    write_bytes(folder / "datapackage.json", dumps(descriptor).encode("utf-8"))
    return descriptor


def write_csv_package(tables: dict[str, Any], folder: Path, created: str | None = None) -> dict[str, Any]:
    """Write one .csv per table (docs/csv-policy.md) and a self-contained descriptor into folder."""
    from iraq_frontiers.io.writers import write_csv

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in tables:
        write_csv(tables[name], table_schema(name), folder / f"{name}.csv", name)
    descriptor = build_descriptor("csv", folder, extra={"created": created} if created else None, tables=list(tables))
    write_bytes(folder / "datapackage.json", dumps(descriptor).encode("utf-8"))
    return descriptor


def write_zip(entries: dict[str, bytes], archive: Path, created: str | None = None) -> None:
    """A deterministic zip of `entries` (name -> bytes) at its top level (fixed order, times and permissions).

    Top level, not under a folder: frictionless-py's Package("….zip") reads datapackage.json there.
    """
    when = _zip_time(created)
    with writing(archive), zipfile.ZipFile(archive, "w") as zf:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            zf.writestr(info, entries[name], compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)


def write_extra_formats(tables: dict[str, Any], folder: Path, version: str, released: str | None) -> None:
    """The SQLite database with its Datasette metadata, and croissant.json, for every table of the release."""
    from iraq_frontiers.release.croissant import croissant
    from iraq_frontiers.extras import MissingExtra
    from iraq_frontiers.release.release_docs import CROISSANT_FILE, DATASETTE_METADATA, SQLITE_FILE
    from iraq_frontiers.release.sqlite_export import SQLiteExportError, database_name, datasette_metadata, write_sqlite

    schemas = {t: table_schema(t) for t in tables}
    try:
        write_sqlite(tables, folder / SQLITE_FILE, schemas)
    except (MissingExtra, SQLiteExportError) as exc:
        raise ReleaseError(str(exc)) from None
    meta = datasette_metadata(list(tables), database_name(folder / SQLITE_FILE), version)
    write_bytes(folder / DATASETTE_METADATA, dumps(meta).encode("utf-8"))
    files = {t: folder / "parquet" / f"{t}.parquet" for t in tables}
    write_bytes(folder / CROISSANT_FILE, dumps(croissant(files, schemas, version, released)).encode("utf-8"))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def sha256sums(folder: Path) -> str:
    """`sha256sum` format: one `HASH  relative/path` line per file, sorted by path."""
    folder = Path(folder)
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "SHA256SUMS")
    return "".join(f"{sha256_file(p)}  {p.relative_to(folder).as_posix()}\n" for p in files)
