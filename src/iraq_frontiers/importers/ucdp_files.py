"""Several UCDP files as one set of GED rows: the layouts UCDP's data comes in, and which file wins an id.

* GED 19.1 and later, full schema (GED Syria, HDX's country files, the Candidate releases): read as they are;
  HDX's files carry a second header row of HXL hashtags (`#date+year`, ...), which is dropped and counted.
* A reduced GED extract (the 18 columns of the GED 20.1 extract in ../shared/external/ucdp-ged201-...: year,
  sides, deaths, coordinates; no dates, place names, sources, low/high or type of violence): completed only
  with what UCDP's own definitions give — dates as the whole year (precision year), type of violence 1 when a
  side is a government and 2 otherwise (UCDP's definition of state-based and non-state conflict; one-sided
  violence is not in the extract), best as the sum of the four deaths counts (UCDP's definition of best).
  Place names, sources, low and high stay empty; nothing else is filled in.

Every row carries the file it came from (`ged_file`), the release label (`release`) and its layer (`origin`).
Files are given fullest first: a GED id already read from an earlier file is left out of a later one and
counted (`superseded`), so a year-only row never replaces a day-level one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iraq_frontiers.importers.ucdp_read import RowIssue, UcdpImportError, _as_int, normalise, read_ged

# the columns of the reduced extract that mark it (and that a full GED file also has)
EXTRACT_COLUMNS = ("id", "year", "side_a_new_id", "side_a", "side_b_new_id", "side_b", "latitude", "longitude", "where_prec",
                   "country", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown")
# warnings that hold for every row of a reduced extract: said once for the file, not once per row
EXTRACT_WARNINGS = ("no source cited", "where_coordinates is empty")


@dataclass
class FileRead:
    """One input file's account: rows read, rejected, left out as already read from an earlier file."""

    path: str
    origin: str
    release: str
    layout: str  # "ged" (full schema) or "extract" (year only)
    rows_read: int = 0
    hxl_rows: int = 0
    rejected: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    superseded: int = 0
    best_read: int = 0  # sum of best over the file's rows (exact: a non-integer best is a rejected row)
    notes: list[str] = field(default_factory=list)


def _drop_hxl(raw) -> tuple[Any, int]:
    """HDX's second header row (every non-empty cell a #hashtag) is not an event."""
    if raw.height == 0:
        return raw, 0
    first = [v for v in raw.row(0) if v not in (None, "")]
    if first and all(str(v).startswith("#") for v in first):
        return raw.slice(1), 1
    return raw, 0


def _complete_extract(raw):
    """A reduced extract in the full GED columns: what UCDP's definitions give, the rest empty (module docstring)."""
    import polars as pl

    year = pl.col("year").str.strip_chars()
    government = pl.col("side_a").str.starts_with("Government of") | pl.col("side_b").str.starts_with("Government of")
    deaths = [pl.col(c).str.strip_chars().cast(pl.Int64, strict=False) for c in ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown")]
    empty = pl.lit("", pl.String)
    return raw.with_columns(
        pl.format("{}-01-01", year).alias("date_start"), pl.format("{}-12-31", year).alias("date_end"), pl.lit("5").alias("date_prec"),
        pl.when(government).then(pl.lit("1")).otherwise(pl.lit("2")).alias("type_of_violence"),
        pl.sum_horizontal(deaths).cast(pl.String).alias("best"), empty.alias("low"), empty.alias("high"),
        *[empty.alias(c) for c in ("source_article", "source_office", "source_date", "source_headline", "where_coordinates", "adm_1", "adm_2")
          if c not in raw.columns],
    )


def read_file(path: str | Path, origin: str, release: str):
    """(importable rows with ged_file, release and origin columns, the file's account)."""
    import polars as pl

    path = Path(path)
    raw = read_ged(path, allow_extract=True)
    raw, hxl = _drop_hxl(raw)
    layout = "ged" if "date_start" in raw.columns else "extract"
    account = FileRead(str(path), origin, release, layout, rows_read=raw.height, hxl_rows=hxl)
    if hxl:
        account.notes.append("HDX's HXL hashtag row (the second header row) was left out")
    if layout == "extract":
        missing = [c for c in EXTRACT_COLUMNS if c not in raw.columns]
        if missing:
            raise UcdpImportError(f"{path}: neither a UCDP GED CSV nor a GED extract with year and coordinates: missing column(s) {', '.join(missing)}")
        raw = _complete_extract(raw)
        account.notes.append("a reduced GED extract (year only): dates are the whole year, type of violence from the sides, best the sum "
                             "of the deaths counts; no place names, sources, low or high")
    account.best_read = int(raw.select(_as_int("best").sum()).item() or 0)
    ok, rejected, warnings = normalise(raw, low_high_given=layout == "ged")
    if layout == "extract":
        warnings = [w for w in ([RowIssue(w.row, w.ucdp_id, w.action, [r for r in w.reasons if not r.startswith(EXTRACT_WARNINGS)])
                                 for w in warnings]) if w.reasons]
    if hxl:  # data rows are numbered as in the file, after the hashtag row
        rejected = [RowIssue(r.row + hxl, r.ucdp_id, r.action, r.reasons) for r in rejected]
        warnings = [RowIssue(w.row + hxl, w.ucdp_id, w.action, w.reasons) for w in warnings]
    account.rejected, account.warnings = rejected, warnings
    ok = ok.with_columns(pl.lit(path.name).alias("ged_file"), pl.lit(release).alias("release"), pl.lit(origin).alias("origin"),
                         pl.lit(layout).alias("layout"))
    return ok, account


def combine(frames: list, accounts: list[FileRead]):
    """The rows of every file, fullest first; a GED id read from an earlier file is left out of later ones."""
    import polars as pl

    seen: set[int] = set()
    kept = []
    for frame, account in zip(frames, accounts):
        fresh = frame.filter(~pl.col("id").is_in(list(seen)))
        account.superseded = frame.height - fresh.height
        seen.update(fresh["id"].to_list())
        kept.append(fresh)
    columns: list[str] = []
    for f in kept:
        columns += [c for c in f.columns if c not in columns]
    aligned = [f.with_columns(pl.lit(None, pl.String).alias(c) for c in columns if c not in f.columns).select(columns) for f in kept]
    return pl.concat(aligned, how="vertical_relaxed")
