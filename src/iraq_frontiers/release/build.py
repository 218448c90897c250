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

build_release is the order of the steps; each lives in its own module: tables (the curated package
read, derived tables added), files (the packages, zips, extra formats, checksums), notes (previous
release, CHANGELOG section, RELEASE_NOTES.md), publish (the atomic rename), errors (ReleaseError).
"""
from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from iraq_frontiers.io.disk import write_bytes
from iraq_frontiers.schema.metadata import package_metadata, table_schema
from iraq_frontiers.release.errors import BumpTooSmall, InvalidPackage, ReleaseError, ReleaseExists
from iraq_frontiers.release.tables import foreign_metadata, read_tables, stale_schemas, with_derived
from iraq_frontiers.release.files import release_created, sha256sums, write_csv_package, write_extra_formats, write_parquet_package, write_zip
from iraq_frontiers.release.notes import default_changelog, find_previous, release_notes, release_section
from iraq_frontiers.release.publish import _publish, _refuse_other_content, _remove_stale_partials

Progress = Callable[[str], None]


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
    dist_note: str | None = None  # why the release carries no dist/ (wheel, sdist) although built from the checkout

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "folder": str(self.folder),
            "rows": self.rows,
            "files": self.files,
            "previous": self.previous,
            "required_bump": self.required_bump,
            **({"dist_note": self.dist_note} if self.dist_note else {}),
        }


def _refuse_out_inside(source: Path, out: Path) -> None:
    """A release written inside the package it is built from would become part of that package (and of the
    next build's input): refused (ReleaseError, exit 2). Symlinks are resolved on both sides."""
    folder = source if source.is_dir() else source.parent
    if source.is_file() and zipfile.is_zipfile(source):
        return  # a zip's package is its extracted copy, never written to
    try:
        inside = out.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError):
        return  # the writer will name what is wrong with the path
    if inside:
        raise ReleaseError(f"--out {out} is inside the package folder {folder}: the release would become part of the package "
                           "it is built from; write it elsewhere (e.g. release/ beside the package)")


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
    from iraq_frontiers.release.versioning import VersionError, Version, check_bump

    say = progress or (lambda _m: None)
    version = package_metadata()["version"]
    try:
        Version.parse(version)
    except VersionError as exc:
        raise ReleaseError(f"schemas/package.json: {exc}") from None
    out = Path(out)
    _refuse_out_inside(Path(source), out)
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
            old = read_snapshot(prev_path)  # verified when a release (read_snapshot)
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
        dist_note = _write_dist(source, tmp, say)
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
            write_bytes(tmp / name, data)
        say("writing the site")
        from iraq_frontiers.release.site.build import write_site

        write_site(tables, tmp / "site", meta={**package_metadata(), **({"created": created} if created else {})},
                   release_dir=tmp, diff=diff, progress=say)
        files = {p.relative_to(tmp).as_posix(): p.stat().st_size for p in sorted(tmp.rglob("*")) if p.is_file()}
        notes = release_notes(version, created, rows, files, diff, prev_version, section.body, coverage=coverage)
        write_bytes(tmp / "RELEASE_NOTES.md", notes.encode("utf-8"))
        sums = sha256sums(tmp)
        write_bytes(tmp / "SHA256SUMS", sums.encode("utf-8"))
        files = {p.relative_to(tmp).as_posix(): p.stat().st_size for p in sorted(tmp.rglob("*")) if p.is_file()}
        os.chmod(tmp, 0o755)
        if final.exists():
            _refuse_other_content(final, sums)
        say(f"publishing {final}")
        _publish(tmp, final, force)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return BuildResult(version, final, rows, files, prev_version, diff.required_bump if diff else None, diff, sums, dist_note)


def _write_dist(source, tmp: Path, say: Progress) -> str | None:
    """dist/: the checkout's sdist and wheel, when the release is built from the checkout's datapackage/ (release/dist.py).
    Returns why there is none when there should be one (hatchling missing)."""
    from iraq_frontiers.release.dist import DIST, checkout_of, missing_builder, write_dist

    root = checkout_of(source)
    if root is None:
        return None
    why = missing_builder()
    if why:
        return why
    say("building the wheel and sdist")
    write_dist(root, tmp / DIST)
    return None


def build_parquet_data(source: str | os.PathLike, folder: Path) -> dict[str, Any]:
    """The Parquet package of `source` without validation or notes (used by the wheel build hook)."""
    return write_parquet_package(with_derived(read_tables(source)), Path(folder), release_created())
