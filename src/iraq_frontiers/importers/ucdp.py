"""Import a UCDP Georeferenced Event Dataset (GED) CSV into the iraq-frontiers schema.

Reads the columns of GED 19.1 and later (GED Global, GED country extracts such as GED Syria, the
candidate releases), one row per event, and writes a data package that validates clean:

* events      one per GED row: `evt-ucdp-<id>`; type from type_of_violence (1, 2 -> armed_clash,
               3 -> one_sided_violence); dates and precision from date_start/date_end/date_prec
               (month and year windows widened to whole months/years, UCDP's dates kept in notes);
               deaths as low/best/high, civilians in fatalities_civilians.
* locations   one per distinct place (where_coordinates + latitude/longitude), under its second-
               and first-order administrative divisions (adm_2, adm_1) and the country; the event's
               location_precision comes from where_prec.
* actors      one per UCDP side (`act-ucdp-<side id>`); a side made of several groups
               ("A, B, C") is a coalition whose members are actors of their own, linked to the
               event one by one and to the coalition by `part_of` relations.
* sources     one per cited source entry of source_article (`src-ucdp-<hash>`), no text held;
               plus one source for the GED release itself (actor-membership claims cite it).
* claims      one per cited source of each event (stance `reports`), so every event is supported
               and its status derives to `reported`.

The mapping tables are the shipped crosswalks (datapackage/crosswalk_*.csv); tests prove that the
constants of ucdp_mapping agree with them. Rows that cannot be mapped are returned one by one with
the reason (never dropped silently; ucdp_read); docs/ucdp.md explains what the schema cannot hold.
Steps: ucdp_read (read and check the rows), ucdp_places and ucdp_tables (build the tables), this
module (write the package or the layer, and account for every row).
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from iraq_frontiers.io.disk import write_bytes, writing
from iraq_frontiers.borders import BAND_KM
from iraq_frontiers.importers.ucdp_mapping import CANDIDATE_ORIGIN, CORE_TABLES, DATASET_CITATION, ORIGIN, UCDP_TABLES, slug
from iraq_frontiers.importers.ucdp_read import RowIssue, UcdpImportError
from iraq_frontiers.importers.ucdp_tables import build_tables


@dataclass
class ImportResult:
    rows_read: int
    events_written: int
    rejected: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)
    best_deaths_read: int = 0
    best_deaths_written: int = 0
    seconds: float = 0.0
    out_dir: str = ""
    release: str = ""
    outside_frontier: int = 0  # importable rows left out by the frontier band (importers.frontier)
    superseded: int = 0  # rows whose GED id an earlier (fuller) file already gave (importers.ucdp_files)
    band_km: float | None = None
    files: list[dict[str, Any]] = field(default_factory=list)  # each input file's own account

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["accounted_for"] = self.events_written + len(self.rejected) + self.outside_frontier + self.superseded == self.rows_read
        return d


def write_package(tables: dict[str, Any], out_dir: Path, release: str, source_name: str) -> Path:
    """Write the tables as CSV (the conventions of datapackage/) and a generated datapackage.json."""
    import polars as pl

    from iraq_frontiers.schema.descriptor import build_descriptor, resource_descriptor, write_descriptor

    out_dir.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame = frame.with_columns(pl.col(c).cast(pl.String) for c, t in frame.schema.items() if t == pl.Null)
        with writing(out_dir / f"{name}.csv"):
            frame.write_csv(out_dir / f"{name}.csv", line_terminator="\n", include_header=True, null_value="", quote_style="necessary")
    descriptor = build_descriptor("csv", extra={
        "name": f"iraq-frontiers-ucdp-{slug(release, 40)}",
        "title": f"UCDP GED ({release}) in the iraq-frontiers schema",
        "description": f"UCDP Georeferenced Event Dataset records from {source_name}, converted by `iraq-frontiers import ucdp-ged` "
                       "into the iraq-frontiers tables (events, actors, locations, sources, claims). " + DATASET_CITATION,
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/", "title": "Creative Commons Attribution 4.0"}],
        "sources": [{"title": f"UCDP Georeferenced Event Dataset ({release})", "path": "https://ucdp.uu.se/downloads/", "description": DATASET_CITATION}],
    })
    descriptor["resources"] = [resource_descriptor(t, "csv", out_dir / f"{t}.csv") for t in UCDP_TABLES]
    write_descriptor(out_dir / "datapackage.json", descriptor)
    return out_dir / "datapackage.json"


def default_release(path: str | Path) -> str:
    name = Path(path).name
    for suffix in (".gz", ".zip", ".csv"):
        name = name.removesuffix(suffix)
    return slug(name, 60)


def _inputs(path, candidates=()) -> list[tuple[Path, str]]:
    """(file, origin) of every input, fullest first: GED files as given, then the Candidate files."""
    paths = [path] if isinstance(path, (str, Path)) else list(path)
    return [(Path(p), ORIGIN) for p in paths] + [(Path(p), CANDIDATE_ORIGIN) for p in candidates]


def _convert(files: list[tuple[Path, str]], release: str | None, frontier: bool, band_km: float, known=None):
    """Read and check the files: (release label, importable rows, every file's account, rows left out by the band)."""
    from iraq_frontiers.importers.ucdp_files import combine, read_file

    label = release or "+".join(default_release(p) for p, _ in files)
    frames, accounts = [], []
    for p, origin in files:
        frame, account = read_file(p, origin, release if (release and len(files) == 1) else default_release(p))
        frames.append(frame)
        accounts.append(account)
    ok = combine(frames, accounts)
    outside = 0
    if frontier:
        from iraq_frontiers.importers.frontier import frontier_rows

        kept = frontier_rows(ok, band_km, known)
        outside, ok = ok.height - kept.height, kept
    ids = {str(i) for i in ok["id"].to_list()}
    for account in accounts:  # changes to rows left out do not concern the layer
        account.warnings = [w for w in account.warnings if w.ucdp_id in ids]
    return label, ok, accounts, outside


def _result(accounts, tables, outside, t0: float, out: Path, release: str, band_km) -> ImportResult:
    """The import's account (tables None: nothing was built)."""
    events = tables["events"] if tables else None
    rejected = [r for a in accounts for r in a.rejected]
    superseded = sum(a.superseded for a in accounts)
    best_read = sum(a.best_read for a in accounts)
    return ImportResult(
        rows_read=sum(a.rows_read for a in accounts), events_written=events.height if events is not None else 0, rejected=rejected,
        warnings=[w for a in accounts for w in a.warnings],
        tables={k: v.height for k, v in tables.items()} if tables else {},
        best_deaths_read=best_read,
        best_deaths_written=int(events["fatalities_best"].sum() or 0) if events is not None else 0,
        seconds=round(time.perf_counter() - t0, 3), out_dir=str(out), release=release, outside_frontier=outside,
        superseded=superseded, band_km=band_km,
        files=[{"path": a.path, "origin": a.origin, "release": a.release, "layout": a.layout, "rows_read": a.rows_read,
                "rejected": len(a.rejected), "superseded": a.superseded, "notes": a.notes} for a in accounts],
    )


def _nothing_to_import(files, accounts, frontier: bool, where: str) -> UcdpImportError:
    names = ", ".join(str(p) for p, _ in files)
    read = sum(a.rows_read for a in accounts)
    if read == 0:
        why = "it has a header but no rows" if len(files) == 1 else "the files have headers but no rows"
    elif frontier and sum(len(a.rejected) for a in accounts) < read:
        why = "no importable row is a frontier event (docs/frontier.md)"
    else:
        why = f"all {read} rows were rejected (reasons in {where})"
    return UcdpImportError(f"{names}: nothing to import: {why}; nothing was written")


def import_ged(path, out_dir: str | Path, release: str | None = None, report_path: str | Path | None = None,
               frontier: bool = False, band_km: float = BAND_KM, candidates=()) -> ImportResult:
    """Import one GED CSV, or several (fullest first), into a new package in out_dir; returns counts, rejected rows
    and warnings.

    frontier: keep only the events in the frontier band (importers.frontier), band_km wide.
    candidates: UCDP Candidate files, imported with origin ucdp-candidate.
    """
    t0 = time.perf_counter()
    files = _inputs(path, candidates)
    release, ok, accounts, outside = _convert(files, release, frontier, band_km)
    out = Path(out_dir)
    target = Path(report_path) if report_path else out / "import-report.json"
    if ok.height == 0:  # nothing to build: say why, and keep the report of rejected rows
        result = _result(accounts, None, outside, t0, out, release, band_km if frontier else None)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(target, (json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
        raise _nothing_to_import(files, accounts, frontier, str(target))
    tables = build_tables(ok, release)
    write_package(tables, out, release, ", ".join(p.name for p, _ in files))
    result = _result(accounts, tables, outside, t0, out, release, band_km if frontier else None)
    write_bytes(target, (json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return result


def import_ged_into(path, package: str | Path, release: str | None = None, frontier: bool = True, band_km: float = BAND_KM,
                    candidates=()) -> ImportResult:
    """Import GED CSVs (fullest first) and Candidate files as the UCDP layer of an existing package (datapackage/):
    its UCDP rows are replaced, every other row keeps its bytes (importers.layer); actors and administrative units
    the package already holds are pointed at, not repeated (importers.identity). Writes no report file."""
    from iraq_frontiers.importers.identity import known_rows
    from iraq_frontiers.importers.layer import layer_csv, merged
    from iraq_frontiers.io.disk import replace_file

    t0 = time.perf_counter()
    package = Path(package)
    missing = [t for t in UCDP_TABLES if not (package / f"{t}.csv").is_file()]
    if missing:
        raise UcdpImportError(f"{package}: not a package folder with the core tables (missing {', '.join(m + '.csv' for m in missing)})")
    files = _inputs(path, candidates)
    known = known_rows(package, ORIGIN)
    release, ok, accounts, outside = _convert(files, release, frontier, band_km, known)
    if ok.height == 0:  # an empty layer would delete the committed one: refuse
        raise _nothing_to_import(files, accounts, frontier, "the --json report")
    tables = build_tables(ok, release, known)
    # every table merged (and every refusal raised) before any file is touched; then each file replaced atomically
    new = {name: merged(package, name, layer_csv(tables[name], name), ORIGIN)[0] for name in UCDP_TABLES}
    for name, data in new.items():
        replace_file(package / f"{name}.csv", data)
    return _result(accounts, tables, outside, t0, package, release, band_km if frontier else None)
