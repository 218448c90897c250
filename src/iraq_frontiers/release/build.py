"""Build a versioned release of the data package.

    build_release("datapackage", "release")  ->  release/<version>/
        parquet/   datapackage.json + one .parquet per table (locations as GeoParquet 1.1)
        csv/       datapackage.json + one .csv per table
        iraq-frontiers-<version>-parquet.zip, iraq-frontiers-<version>-csv.zip
                   each package at the zip's top level, with the documents below
        README.md, LICENSE-DATA, CITATION.cff, CODEBOOK.md, CHANGELOG.md   (iraq_frontiers.release.release_docs)
        site/      the static site (overview, codebook, events, release; iraq_frontiers.release.site)
        RELEASE_NOTES.md   row counts per table, the diff against the previous release, changelog
        SHA256SUMS         sha256 of every other file (`iraq-frontiers verify` checks them)

The package is validated first and an invalid one is refused, as is a version without a dated
CHANGELOG section. The release is written into a temporary sibling folder and renamed into place,
so a failed build leaves nothing behind. A version is one content: an existing release folder is
rebuilt only with force=True and only when the new build is byte-identical (same SHA256SUMS).
Every byte is a function of the input (the curated tables, schemas/, CHANGELOG.md, and
SOURCE_DATE_EPOCH when set): two builds of the same input give identical SHA256SUMS.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import struct
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from iraq_frontiers.schema.descriptor import build_descriptor, dumps
from iraq_frontiers.schema.metadata import package_metadata, repo_root, table_names, table_schema

Progress = Callable[[str], None]
GEO_TABLE = "locations"
GEOMETRY = "geometry"
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
GEO_NOTE = (" The Parquet file also has a `geometry` column (GeoParquet 1.1: WKB points in OGC:CRS84, "
            "longitude/latitude on WGS84, null where the place has no coordinates), derived from "
            "`longitude` and `latitude`, which it keeps.")


class ReleaseError(Exception):
    """The release cannot be built; `exit_code` is 1 for invalid data or version, 2 for usage/input."""

    exit_code = 2

    def __init__(self, message: str, report=None):
        super().__init__(message)
        self.report = report


class InvalidPackage(ReleaseError):
    exit_code = 1


class BumpTooSmall(ReleaseError):
    exit_code = 1


class ReleaseExists(ReleaseError):
    exit_code = 2


class VersionConflict(ReleaseError):
    """The version already exists in --out with other content: a version is one content."""

    exit_code = 1


class NoChangelogSection(ReleaseError):
    """CHANGELOG.md has no dated section for the version being released."""

    exit_code = 1


@dataclass
class BuildResult:
    version: str
    folder: Path
    rows: dict[str, int]
    files: dict[str, int]  # relative path -> bytes
    previous: str | None = None  # previous release's version
    required_bump: str | None = None
    diff: Any = None  # diff.PackageDiff against the previous release
    sha256sums: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "folder": str(self.folder),
            "rows": self.rows,
            "files": self.files,
            "previous": self.previous,
            "required_bump": self.required_bump,
        }


# --- time -------------------------------------------------------------------------------------

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
    return max(ZIP_EPOCH, (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second - moment.second % 2))


# --- reading the curated package ---------------------------------------------------------------

def read_tables(source: str | os.PathLike) -> dict[str, Any]:
    """The package's tables as Arrow tables typed per the compiled schemas (schemas/), in package order.

    Raises ReleaseError when a table is missing or a value cannot be read as its type.
    """
    from iraq_frontiers.io.core import ROW, InputError
    from iraq_frontiers.io.package import open_package, read_table
    from iraq_frontiers.io.writers import to_arrow

    tables = {}
    try:
        with open_package(source) as pkg:
            resources = {r.get("name"): r for r in pkg.descriptor.get("resources", []) if isinstance(r, dict)}
            for name in table_names():
                if name not in resources:
                    raise ReleaseError(f"{source}: the package has no resource {name!r}")
                schema = table_schema(name)
                data, problems = read_table(pkg, {**resources[name], "schema": schema})
                if problems:
                    first = problems[0]
                    raise InvalidPackage(f"{source}: {len(problems)} value(s) cannot be read as their type, first: "
                                         f"[{first.code}] {first.location()}: {first.message}")
                tables[name] = to_arrow(data.frame.drop(ROW), schema)
    except InputError as exc:
        raise ReleaseError(f"{exc.problem.location()}: {exc.problem.message}") from None
    return tables


def with_derived(tables: dict[str, Any]) -> dict[str, Any]:
    """The curated tables followed by the derived ones (metadata.derived_table_names), in release order."""
    from iraq_frontiers.release.derived import derived_tables

    return {**tables, **derived_tables(tables)}


def stale_schemas(source: str | os.PathLike) -> list[str]:
    """Tables whose schema in the source descriptor differs from the one compiled from schemas/."""
    from iraq_frontiers.io.package import open_package

    with open_package(source) as pkg:
        resources = {r.get("name"): r for r in pkg.descriptor.get("resources", []) if isinstance(r, dict)}
        return [t for t in table_names() if t in resources and resources[t].get("schema") != table_schema(t)]


def foreign_metadata(source: str | os.PathLike) -> list[str]:
    """Package-level keys (name, version, title, licences...) where the source descriptor differs from
    schemas/package.json. A release carries schemas/package.json's metadata, so these must agree."""
    from iraq_frontiers.schema.descriptor import PACKAGE_KEYS
    from iraq_frontiers.io.package import open_package

    meta = package_metadata()
    with open_package(source) as pkg:
        return [k for k in PACKAGE_KEYS if pkg.descriptor.get(k) != meta.get(k)]


# --- GeoParquet -------------------------------------------------------------------------------

def wkb_point(lon: float, lat: float) -> bytes:
    """ISO WKB of a 2D point, little-endian."""
    return struct.pack("<BIdd", 1, 1, float(lon), float(lat))


def geometry_column(table):
    """WKB points from longitude/latitude (null where either is null)."""
    import pyarrow as pa

    lons = table.column("longitude").to_pylist()
    lats = table.column("latitude").to_pylist()
    return pa.array([None if x is None or y is None else wkb_point(x, y) for x, y in zip(lons, lats)], pa.binary())


def geo_metadata(table) -> bytes:
    """GeoParquet 1.1 file metadata for the `geometry` column (no `crs` key: OGC:CRS84 by the spec)."""
    lons = [x for x, y in zip(table.column("longitude").to_pylist(), table.column("latitude").to_pylist()) if x is not None and y is not None]
    lats = [y for x, y in zip(table.column("longitude").to_pylist(), table.column("latitude").to_pylist()) if x is not None and y is not None]
    column: dict[str, Any] = {"encoding": "WKB", "geometry_types": ["Point"]}
    if lons:
        column["bbox"] = [min(lons), min(lats), max(lons), max(lats)]
    meta = {"version": "1.1.0", "primary_column": GEOMETRY, "columns": {GEOMETRY: column}}
    return json.dumps(meta, separators=(",", ":")).encode("utf-8")


# --- writing ----------------------------------------------------------------------------------

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
    (folder / "datapackage.json").write_bytes(dumps(descriptor).encode("utf-8"))
    return descriptor


def write_csv_package(tables: dict[str, Any], folder: Path, created: str | None = None) -> dict[str, Any]:
    """Write one .csv per table (docs/csv-policy.md) and a self-contained descriptor into folder."""
    from iraq_frontiers.io.writers import write_csv

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in tables:
        write_csv(tables[name], table_schema(name), folder / f"{name}.csv", name)
    descriptor = build_descriptor("csv", folder, extra={"created": created} if created else None, tables=list(tables))
    (folder / "datapackage.json").write_bytes(dumps(descriptor).encode("utf-8"))
    return descriptor


def write_zip(entries: dict[str, bytes], archive: Path, created: str | None = None) -> None:
    """A deterministic zip of `entries` (name -> bytes) at its top level (fixed order, times and permissions).

    Top level, not under a folder: frictionless-py's Package("….zip") reads datapackage.json there.
    """
    when = _zip_time(created)
    with zipfile.ZipFile(archive, "w") as zf:
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
    (folder / DATASETTE_METADATA).write_bytes(dumps(meta).encode("utf-8"))
    files = {t: folder / "parquet" / f"{t}.parquet" for t in tables}
    (folder / CROISSANT_FILE).write_bytes(dumps(croissant(files, schemas, version, released)).encode("utf-8"))


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


# --- previous release and notes ---------------------------------------------------------------

def find_previous(out: Path, version: str) -> Path | None:
    """The newest release folder in `out` older than `version` (a folder named by its version with parquet/)."""
    from iraq_frontiers.release.versioning import Version, is_semver

    current = Version.parse(version)
    found = []
    if Path(out).is_dir():
        for child in Path(out).iterdir():
            if child.is_dir() and is_semver(child.name) and (child / "parquet" / "datapackage.json").is_file():
                v = Version.parse(child.name)
                if v < current:
                    found.append((v.sort_key(), child))
    return max(found)[1] if found else None


@dataclass
class ChangelogSection:
    version: str
    date: str | None  # YYYY-MM-DD from the heading `## [version] - date`
    body: str


def default_changelog(source: str | os.PathLike | None = None) -> Path | None:
    """CHANGELOG.md of the source checkout, else beside the source package, else in the current folder, else the
    one bundled in the installed wheel."""
    root = repo_root()
    candidates = [root / "CHANGELOG.md"] if root else []
    if source is not None:
        candidates.append(Path(source).resolve().parent / "CHANGELOG.md")
    candidates.append(Path.cwd() / "CHANGELOG.md")
    candidates.append(Path(__file__).resolve().parents[1] / "_data" / "CHANGELOG.md")  # bundled in the wheel
    return next((c for c in candidates if c.is_file()), None)


def changelog_section(version: str, changelog: Path | None) -> ChangelogSection | None:
    """CHANGELOG.md's section `## [version] - YYYY-MM-DD` (Keep a Changelog), or None when absent or empty."""
    if changelog is None or not Path(changelog).is_file():
        return None
    text = Path(changelog).read_text(encoding="utf-8")
    m = re.search(rf"^## \[{re.escape(version)}\]([^\n]*)\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    if not m or not m.group(2).strip():
        return None
    date = re.search(r"\b(\d{4}-\d{2}-\d{2})\b", m.group(1))
    return ChangelogSection(version, date.group(1) if date else None, m.group(2).strip())


def release_section(version: str, changelog: Path | None) -> ChangelogSection:
    """The CHANGELOG section a release needs: present, not empty, dated, and agreeing with package.json's date."""
    where = changelog or "CHANGELOG.md"
    section = changelog_section(version, changelog)
    if section is None:
        raise NoChangelogSection(
            f"{where} has no section `## [{version}] - YYYY-MM-DD` (or it is empty): a release needs the changes of its "
            f"version. Rename `## [Unreleased]` to `## [{version}] - <date>` and start a new `## [Unreleased]` above it "
            "(docs/versioning.md); outside a source checkout pass --changelog PATH")
    declared = (package_metadata().get("citation") or {}).get("date-released")
    if section.date is None:
        raise NoChangelogSection(f"{where}: the heading of section [{version}] has no release date (`## [{version}] - YYYY-MM-DD`)")
    if declared and str(declared) != section.date:
        raise NoChangelogSection(f"{where} dates {version} {section.date}, but citation.date-released in schemas/package.json "
                                 f"says {declared}: make them agree")
    return section


def release_notes(version: str, created: str | None, rows: dict[str, int], files: dict[str, int],
                  diff=None, previous_version: str | None = None, changelog: str | None = None, limit: int = 100,
                  coverage: str | None = None) -> str:
    meta = package_metadata()
    out = [f"# {meta.get('title', meta['name'])} — {version}", ""]
    if created:
        out += [f"Released {created[:10]}.", ""]
    if coverage:  # what is in the data (iraq_frontiers.release.coverage), before the table-by-table counts
        out += [coverage.rstrip("\n"), ""]
    out += ["## Tables", "", "| table | rows | Parquet bytes | CSV bytes |", "|---|---:|---:|---:|"]
    for name in rows:
        out.append(f"| {name} | {rows[name]} | {files.get(f'parquet/{name}.parquet', 0)} | {files.get(f'csv/{name}.csv', 0)} |")
    out.append(f"| **total** | {sum(rows.values())} | | |")
    out += ["", "## Changes since the previous release", ""]
    if diff is None:
        out.append("First release: there is no previous release to compare with.")
    elif diff.identical:
        out.append(f"No differences in the data or the schemas since {previous_version}.")
    else:
        out.append(f"Compared with {previous_version}. The changes need a **{diff.required_bump or 'no'}** version bump.")
        out.append("")
        out += ["| table | status | rows added | rows removed | rows changed | fields added | fields removed | fields retyped |",
                "|---|---|---:|---:|---:|---|---|---|"]
        for t in diff.tables:
            if t.status == "same":
                continue
            retyped = ", ".join(f"{r['field']} ({r['old']} → {r['new']})" for r in t.fields_retyped)
            out.append(f"| {t.table} | {t.status} | {len(t.added)} | {len(t.removed)} | {len(t.changed)} | "
                       f"{', '.join(t.fields_added)} | {', '.join(t.fields_removed)} | {retyped} |")
        for t in diff.tables:
            if t.status == "same" or not (t.added or t.removed or t.changed):
                continue
            out += ["", f"### {t.table}", ""]
            for label, keys in (("Added", t.added), ("Removed", t.removed)):
                if keys:
                    shown = ", ".join(f"`{_key(k)}`" for k in keys[:limit])
                    more = f" and {len(keys) - limit} more" if len(keys) > limit else ""
                    out.append(f"- {label}: {shown}{more}")
            if t.changed:
                out.append(f"- Changed ({len(t.changed)}):")
                for c in t.changed[:limit]:
                    out.append(f"  - `{_key(c['key'])}`: {', '.join(c['fields'])}")
                if len(t.changed) > limit:
                    out.append(f"  - … and {len(t.changed) - limit} more (`iraq-frontiers diff` lists all)")
    sources = [x for x in meta.get("sources", []) if x.get("description")]
    if sources:  # CC BY 4.0 asks for attribution: the package's sources, as in the descriptor
        out += ["", "## Sources and attribution", ""] + [f"- **{x['title']}**: {x['description']}" for x in sources]
    if changelog:
        out += ["", "## Changelog", "", changelog]
    out += ["", "## Files", "",
            "- `parquet/`: typed Parquet (zstd), `locations` as GeoParquet 1.1; `csv/`: CSV (see the CSV policy); "
            "each with a self-contained `datapackage.json` (Data Package v2).",
            f"- `iraq-frontiers-{version}-parquet.zip`, `iraq-frontiers-{version}-csv.zip`: the same folders zipped.",
            "- `site/`: the release's static site; open `site/index.html` from disk (no server, no network).",
            "- `SHA256SUMS`: check with `sha256sum -c SHA256SUMS`.", ""]
    return "\n".join(out)


def _key(key: dict[str, Any]) -> str:
    return " / ".join(str(v) for v in key.values())


# --- the build --------------------------------------------------------------------------------

def build_release(source: str | os.PathLike = "datapackage", out: str | os.PathLike = "release", *,
                  force: bool = False, previous: str | os.PathLike | None = None,
                  changelog: str | os.PathLike | None = None, progress: Progress | None = None) -> BuildResult:
    """Validate `source` and write release `out/<version>/` atomically. Raises ReleaseError (see its subclasses).

    force: rebuild an existing release of the same version, which is accepted only when the new build
    has exactly the same content (SHA256SUMS); other content under the same version is VersionConflict.
    changelog: the CHANGELOG.md holding the version's section (default: default_changelog(source)).
    """
    from iraq_frontiers.release.diff import diff_snapshots, read_snapshot, snapshot_from_arrow
    from iraq_frontiers.io.core import InputError
    from iraq_frontiers.release.release_docs import release_documents
    from iraq_frontiers.validation.run import validate
    from iraq_frontiers.io.verify import release_package
    from iraq_frontiers.release.versioning import VersionError, Version, check_bump

    say = progress or (lambda _m: None)
    version = package_metadata()["version"]
    try:
        Version.parse(version)
    except VersionError as exc:
        raise ReleaseError(f"schemas/package.json: {exc}") from None
    out = Path(out)
    final = out / version
    if final.exists() and not force:
        raise ReleaseExists(f"release folder {final} already exists: pass --force to rebuild it (only identical content "
                            "is accepted), or set a new version in schemas/package.json")
    section = release_section(version, Path(changelog) if changelog is not None else default_changelog(source))
    created = release_created(section.date)

    say(f"validating {source}")
    report = validate(source, progress=say)
    if not report.valid:
        if report.exit_code == 1:
            raise InvalidPackage(f"{source} is not valid ({len(report.problems)} problem(s)): "
                                 f"run `iraq-frontiers validate {source}`", report)
        first = report.problems[0]
        raise ReleaseError(f"{source} cannot be read: {first.message}", report)
    stale = stale_schemas(source)
    if stale:
        raise InvalidPackage(f"{source}/datapackage.json is out of date with schemas/ for {', '.join(stale)}: "
                             "run `iraq-frontiers descriptor`")
    foreign = foreign_metadata(source)
    if foreign:
        raise InvalidPackage(f"{source}: the descriptor's {', '.join(foreign)} differ from schemas/package.json. A release "
                             "carries the metadata of schemas/package.json: run `iraq-frontiers descriptor` for the curated "
                             "package; a synthetic or other package cannot be released under this dataset's name")
    say("reading tables")
    tables = with_derived(read_tables(source))
    schemas = {t: table_schema(t) for t in tables}

    prev_path = Path(previous) if previous is not None else find_previous(out, version)
    diff = prev_version = None
    if prev_path is not None:
        say(f"comparing with the previous release {prev_path}")
        try:
            old = read_snapshot(release_package(prev_path))
        except InputError as exc:
            raise ReleaseError(f"previous release {prev_path}: {exc.problem.message}") from None
        prev_version = old.version
        diff = diff_snapshots(old, snapshot_from_arrow(str(source), version, tables, schemas))
        if prev_version is None:
            raise ReleaseError(f"previous release {prev_path} has no version in its descriptor")
        why = check_bump(prev_version, version, diff.required_bump)
        if why:
            raise BumpTooSmall(why)

    out.mkdir(parents=True, exist_ok=True)
    _remove_stale_partials(out)
    tmp = Path(tempfile.mkdtemp(prefix=f".{version}.partial-{os.getpid()}-", dir=out))
    try:
        say("writing Parquet")
        write_parquet_package(tables, tmp / "parquet", created)
        say("writing CSV")
        write_csv_package(tables, tmp / "csv", created)
        say("validating the built package (derived tables included)")
        built = validate(tmp / "parquet")
        if not built.valid:  # a derived table that breaks its own schema is a bug in its derivation
            raise InvalidPackage(f"the built package is not valid ({len(built.problems)} problem(s)), first: "
                                 f"{built.problems[0].location()}: {built.problems[0].message}", built)
        say("writing SQLite and Croissant")
        write_extra_formats(tables, tmp, version, section.date)
        rows = {t: tables[t].num_rows for t in tables}
        extras = frozenset(p.name for p in tmp.iterdir())
        from iraq_frontiers.release.coverage import coverage_markdown

        coverage = coverage_markdown(tables, heading_level=2)  # heads the notes and every README

        def documents(layout: str) -> dict[str, bytes]:
            return release_documents(version, section.date, section.body, rows, layout, extras, coverage)

        say("zipping")
        for fmt in ("parquet", "csv"):
            entries = {p.name: p.read_bytes() for p in (tmp / fmt).iterdir()}
            write_zip({**entries, **documents(fmt)}, tmp / f"iraq-frontiers-{version}-{fmt}.zip", created)
        for name, data in documents("release").items():
            (tmp / name).write_bytes(data)
        say("writing the site")
        from iraq_frontiers.release.site.build import write_site

        write_site(tables, tmp / "site", meta={**package_metadata(), **({"created": created} if created else {})},
                   release_dir=tmp, diff=diff, progress=say)
        files = {p.relative_to(tmp).as_posix(): p.stat().st_size for p in sorted(tmp.rglob("*")) if p.is_file()}
        notes = release_notes(version, created, rows, files, diff, prev_version, section.body, coverage=coverage)
        (tmp / "RELEASE_NOTES.md").write_bytes(notes.encode("utf-8"))
        sums = sha256sums(tmp)
        (tmp / "SHA256SUMS").write_bytes(sums.encode("utf-8"))
        files = {p.relative_to(tmp).as_posix(): p.stat().st_size for p in sorted(tmp.rglob("*")) if p.is_file()}
        os.chmod(tmp, 0o755)
        if final.exists():
            _refuse_other_content(final, sums)
        say(f"publishing {final}")
        _publish(tmp, final, force)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return BuildResult(version, final, rows, files, prev_version, diff.required_bump if diff else None, diff, sums)


_LEFTOVER = re.compile(r"^\..+\.(partial|old)-(\d+)(-.*)?$")


def _remove_stale_partials(out: Path) -> None:
    """Remove hidden work folders (`.<version>.partial-<pid>-…`, `.<version>.old-<pid>`) of builds that
    were killed: their process is gone. A build still running (its process alive) is left alone."""
    for p in out.iterdir():
        m = _LEFTOVER.match(p.name)
        if not m or not p.is_dir() or p.is_symlink():
            continue
        try:
            os.kill(int(m.group(2)), 0)
            continue  # still running
        except ProcessLookupError:
            shutil.rmtree(p, ignore_errors=True)
        except (PermissionError, OverflowError, ValueError):
            continue  # another user's live process, or not a pid of ours


def _sums_map(text: str) -> dict[str, str]:
    return {line[66:]: line[:64] for line in text.splitlines() if len(line) > 66}


def _refuse_other_content(final: Path, sums: str) -> None:
    """A version is one content: an existing release may only be rebuilt with identical files."""
    existing = final / "SHA256SUMS"
    old = _sums_map(existing.read_text(encoding="utf-8", errors="replace")) if existing.is_file() else {}
    new = _sums_map(sums)
    if old == new:
        return
    differ = sorted(f for f in set(old) | set(new) if old.get(f) != new.get(f))
    shown = ", ".join(differ[:8]) + (f" and {len(differ) - 8} more" if len(differ) > 8 else "")
    raise VersionConflict(f"release {final.name} already exists in {final.parent} with other content ({shown} differ): "
                          "a version is one content, and --force only rebuilds identical bytes. Set a new version in "
                          "schemas/package.json (docs/versioning.md); delete the folder only if it was never published")


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two folders (Linux renameat2 RENAME_EXCHANGE); False where the system cannot."""
    import ctypes
    import errno
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EPERM, errno.EOPNOTSUPP):
        return False  # kernel or file system without RENAME_EXCHANGE: fall back to two renames
    raise OSError(err, os.strerror(err), str(b))


def _publish(tmp: Path, final: Path, force: bool) -> None:
    """Move the finished build into place; an existing release is replaced only with force."""
    if not final.exists():
        try:
            os.rename(tmp, final)
            return
        except OSError:
            if not final.exists():
                raise
    if not force:
        raise ReleaseExists(f"release folder {final} already exists: pass --force to replace it")
    if _exchange(tmp, final):  # one atomic step: a kill at any moment leaves a whole release under its name
        shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the previous release
        return
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    os.rename(final, old)
    try:
        os.rename(tmp, final)
    except BaseException:
        os.rename(old, final)  # put the previous release back
        raise
    shutil.rmtree(old, ignore_errors=True)


def build_parquet_data(source: str | os.PathLike, folder: Path) -> dict[str, Any]:
    """The Parquet package of `source` without validation or notes (used by the wheel build hook)."""
    return write_parquet_package(with_derived(read_tables(source)), Path(folder), release_created())
