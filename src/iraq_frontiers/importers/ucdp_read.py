"""Reading a UCDP GED CSV (plain, .gz or a .zip holding one) and checking its rows: every row is importable,
imported with a stated change (a warning), or rejected with its reasons (never dropped silently)."""
from __future__ import annotations

import csv
import gzip
import io
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iraq_frontiers.io.archive import MAX_ARCHIVE_RATIO
from iraq_frontiers.importers.ucdp_mapping import DATE_PREC, REQUIRED_COLUMNS, TYPE_OF_VIOLENCE, WHERE_PREC


class UcdpImportError(Exception):
    """The input cannot be imported at all (unreadable, not a GED CSV); the CLI exits 2."""


@dataclass
class RowIssue:
    """One input row the importer rejected or changed, with the reasons (1-based data row)."""

    row: int
    ucdp_id: str
    action: str  # "rejected" (not in the package) or "imported" (imported with the stated change)
    reasons: list[str]


def read_ged(path: str | Path, allow_extract: bool = False):
    """The GED CSV (plain, .gz, or a .zip holding one .csv) as a polars frame of strings.

    allow_extract: a file without GED's dates and sources is returned for importers.ucdp_files to check as a
    reduced extract (it says what such a file must hold)."""
    import polars as pl

    path = Path(path)
    if not path.is_file():
        raise UcdpImportError(f"no such file: {path}")
    try:
        with tempfile.TemporaryDirectory(prefix="iraq-frontiers-ged-") as tmp:
            csv_file = _plain_csv(path, Path(tmp) / "ged.csv")
            frame = pl.read_csv(csv_file, infer_schema=False, encoding="utf8")
    except UcdpImportError:
        raise
    except (OSError, EOFError, zipfile.BadZipFile, gzip.BadGzipFile, zlib.error, pl.exceptions.PolarsError, UnicodeDecodeError) as exc:
        raise UcdpImportError(f"{path}: cannot be read as a UCDP GED CSV: {str(exc).splitlines()[0][:200]}") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing and not (allow_extract and "date_start" not in frame.columns and "year" in frame.columns):
        raise UcdpImportError(f"{path}: not a UCDP GED CSV (19.1 or later): missing column(s) {', '.join(missing)}")
    return frame


MAX_GED_BYTES = 2 * 1024**3  # decompressed CSV; the whole global GED is a few hundred MB


# decompressed / compressed bytes, past the first MiB: the bound of every archive the toolkit opens (a GED CSV compresses ~10:1)
MAX_RATIO = MAX_ARCHIVE_RATIO


def _plain_csv(path: Path, dest: Path) -> Path:
    """The GED CSV as a plain file: path itself, or a .gz / one-.csv .zip decompressed into dest, streamed in
    chunks and refused as soon as it expands beyond MAX_RATIO times the compressed bytes read so far (a small
    archive can expand enormously: a bomb is refused after a few MiB, not after MAX_GED_BYTES) or beyond MAX_GED_BYTES."""
    with path.open("rb") as fh:
        magic = fh.read(2)
    raw = path.open("rb")
    try:
        if zipfile.is_zipfile(path):
            zf = zipfile.ZipFile(raw)
            names = [n for n in zf.namelist() if n.lower().endswith(".csv")]
            if len(names) != 1:
                raise UcdpImportError(f"{path}: expected one .csv in the zip archive, found {len(names)}")
            info = zf.getinfo(names[0])
            opened = zf.open(info)

            def consumed() -> int:  # the member's compressed size bounds what its output may come from
                return info.compress_size
        elif magic == b"\x1f\x8b":
            opened = gzip.GzipFile(fileobj=raw, mode="rb")

            def consumed() -> int:
                return raw.tell()
        else:
            return path
        written = 0
        with opened as src, dest.open("wb") as out:
            while chunk := src.read(1 << 20):
                written += len(chunk)
                if written > MAX_GED_BYTES:
                    raise UcdpImportError(f"{path}: expands to more than {MAX_GED_BYTES:,} bytes; refused (the limit for a GED CSV)")
                if written > (1 << 20) and written > MAX_RATIO * max(consumed(), 1):
                    raise UcdpImportError(f"{path}: expands to more than {MAX_RATIO} times its compressed size ({written:,} bytes "
                                          f"from {consumed():,}); refused as a decompression bomb")
                out.write(chunk)
        return dest
    finally:
        raw.close()


def parse_source_entries(article: str, office: str, date: str, headline: str) -> list[tuple[str, str, str, str]]:
    """Split a GED row's cited sources: [(entry text, office, date, headline), ...].

    source_article holds one quoted entry per source ("OFFICE,DATE,HEADLINE"), separated by ';';
    source_office, source_date and source_headline hold the same parts, ';'-separated, in order.
    """
    article = (article or "").strip()
    if not article:
        return []
    try:
        entries = [e.strip() for e in next(csv.reader(io.StringIO(article), delimiter=";", quotechar='"')) if e.strip()]
    except (csv.Error, StopIteration):
        entries = [e.strip().strip('"') for e in article.split(";") if e.strip()]
    offices = (office or "").split(";")
    dates = (date or "").split(";")
    aligned = len(offices) == len(entries) and len(dates) == len(entries)
    headlines = (headline or "").split(";")
    out = []
    for i, entry in enumerate(entries):
        parts = entry.split(",", 2)
        off = offices[i].strip() if aligned else (parts[0].strip() if len(parts) == 3 else "")
        dat = dates[i].strip() if aligned else (parts[1].strip() if len(parts) == 3 else "")
        head = parts[2].strip() if len(parts) == 3 else (headlines[i].strip() if i < len(headlines) and aligned else "")
        out.append((entry, off, dat, head))
    return out


_INTEGER = r"^[+-]?[0-9]+(\.0*)?$"  # "3", or "3.0" as some exports write whole numbers; "3.7" is not an integer


def _as_int(c: str):
    """Column c as Int64: null when empty or not a whole number (never truncated or rounded)."""
    import polars as pl

    s = pl.col(c).str.strip_chars()
    return pl.when(s.str.contains(_INTEGER)).then(s.str.replace(r"\.0*$", "").cast(pl.Int64, strict=False)).otherwise(None)


def _not_integer(c: str):
    """True where column c holds something (not empty) that is not a whole number within int64."""
    import polars as pl

    return pl.col(c).str.strip_chars().fill_null("").ne("") & _as_int(c).is_null()


def normalise(raw, low_high_given: bool = True) -> tuple[Any, list[RowIssue], list[RowIssue]]:
    """Typed, checked GED rows: (frame of importable rows, rejected rows, rows imported with a change).

    low_high_given=False: the file has no low and high (a reduced extract): they stay empty, only best is required."""
    import polars as pl

    n = raw.height
    f = raw.with_row_index("row", offset=1).with_columns(pl.col("row").cast(pl.Int64))
    opt = [c for c in ("conflict_new_id", "conflict_name", "dyad_new_id", "dyad_name", "source_original", "priogrid_gid",
                       "event_clarity", "active_year", "where_description", "code_status", "relid") if c in f.columns]

    def as_date(c: str) -> pl.Expr:  # GED writes "2016-01-01" or "2016-01-01 00:00:00.000"
        return pl.col(c).str.strip_chars().str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)

    ints = ["id", "type_of_violence", "side_a_new_id", "side_b_new_id", "where_prec", "date_prec",
            "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "low", "best", "high"]
    t = f.select(
        "row",
        pl.col("id").alias("id_raw"),
        *[_as_int(c).alias(c) for c in ints],
        *[_not_integer(c).alias(f"__not_integer_{c}") for c in ints],
        as_date("date_start").alias("date_start"),
        as_date("date_end").alias("date_end"),
        pl.col("latitude").str.strip_chars().cast(pl.Float64, strict=False).alias("latitude"),
        pl.col("longitude").str.strip_chars().cast(pl.Float64, strict=False).alias("longitude"),
        *[pl.col(c).str.strip_chars().alias(c) for c in ("side_a", "side_b", "where_coordinates", "adm_1", "adm_2", "country",
                                                           "source_article", "source_office", "source_date", "source_headline")],
        *[pl.col(c).str.strip_chars().alias(c) for c in opt],
    )
    checks: list[tuple[pl.Expr, str]] = [
        *[(pl.col(f"__not_integer_{c}"), f"{c} is not an integer (never rounded)") for c in ints],
        ((pl.col("id").is_null() & ~pl.col("__not_integer_id")) | (pl.col("id") < 1), "id is not a positive integer"),
        (pl.col("id").is_duplicated() & pl.col("id").is_not_null(), "id repeats another row's id"),
        (~pl.col("type_of_violence").is_in(list(TYPE_OF_VIOLENCE)).fill_null(False), "type_of_violence is not 1, 2 or 3"),
        (pl.col("date_start").is_null() | pl.col("date_end").is_null(), "date_start or date_end is not a date"),
        (pl.col("date_end") < pl.col("date_start"), "date_end is before date_start"),
        (~pl.col("date_prec").is_in(list(DATE_PREC)).fill_null(False), "date_prec is not 1-5"),
        (~pl.col("where_prec").is_in(list(WHERE_PREC)).fill_null(False), "where_prec is not 1-7"),
        (pl.col("side_a").fill_null("").eq("") | pl.col("side_b").fill_null("").eq(""), "side_a or side_b is empty"),
        (pl.col("side_a_new_id").is_null() | pl.col("side_b_new_id").is_null() | (pl.col("side_a_new_id") < 1) | (pl.col("side_b_new_id") < 1),
         "side_a_new_id or side_b_new_id is not a positive integer"),
        (pl.col("side_a_new_id") == pl.col("side_b_new_id"), "side A and side B are the same actor"),
        (pl.any_horizontal(*[(pl.col(c).is_null() & ~pl.col(f"__not_integer_{c}")) | (pl.col(c) < 0) for c in ("low", "best", "high")]),
         "low, best or high is missing or negative") if low_high_given else
        ((pl.col("best").is_null() & ~pl.col("__not_integer_best")) | (pl.col("best") < 0) | (pl.col("low") < 0) | (pl.col("high") < 0),
         "best is missing or negative"),
        (pl.any_horizontal(*[pl.col(c) < 0 for c in ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown")]), "a deaths_* count is negative"),
        (pl.col("where_coordinates").fill_null("").eq("") & pl.col("latitude").is_null(), "no place: where_coordinates and coordinates are empty"),
    ]
    warns: list[tuple[pl.Expr, str]] = [
        ((pl.col("low") > pl.col("best")) | (pl.col("best") > pl.col("high")),
         "deaths are not ordered low <= best <= high: low and high are widened to include best (UCDP's values kept in the event notes)"),
        (pl.col("latitude").is_null() | pl.col("longitude").is_null() | ~pl.col("latitude").is_between(-90, 90) | ~pl.col("longitude").is_between(-180, 180),
         "coordinates missing or out of range: the place is kept without coordinates"),
        (pl.col("source_article").fill_null("").eq(""), "no source cited: the event is supported by a claim citing the GED release itself"),
        (pl.any_horizontal(*[pl.col(c).is_null() for c in ("deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown")]),
         "a deaths_* count is missing: that figure is left empty"),
        (pl.col("where_coordinates").fill_null("").eq(""), "where_coordinates is empty: the place is named after its coordinates"),
    ]
    flagged = t.select(
        "row", "id_raw",
        pl.concat_list([pl.when(cond.fill_null(False)).then(pl.lit(msg)).otherwise(None) for cond, msg in checks]).list.drop_nulls().alias("errors"),
        pl.concat_list([pl.when(cond.fill_null(False)).then(pl.lit(msg)).otherwise(None) for cond, msg in warns]).list.drop_nulls().alias("warnings"),
    )
    bad = flagged.filter(pl.col("errors").list.len() > 0)
    rejected = [RowIssue(r["row"], r["id_raw"] or "", "rejected", list(r["errors"])) for r in bad.iter_rows(named=True)]
    warn_rows = flagged.filter((pl.col("errors").list.len() == 0) & (pl.col("warnings").list.len() > 0))
    warnings = [RowIssue(r["row"], r["id_raw"] or "", "imported", list(r["warnings"])) for r in warn_rows.iter_rows(named=True)]
    ok = t.join(bad.select("row"), on="row", how="anti").drop([f"__not_integer_{c}" for c in ints])
    ok = ok.with_columns(
        pl.when(pl.col("latitude").is_between(-90, 90) & pl.col("longitude").is_between(-180, 180)).then(pl.col("latitude")).otherwise(None).alias("latitude"),
        pl.when(pl.col("latitude").is_between(-90, 90) & pl.col("longitude").is_between(-180, 180)).then(pl.col("longitude")).otherwise(None).alias("longitude"),
    )
    ok = ok.with_columns(
        pl.col("low").alias("ucdp_low"), pl.col("high").alias("ucdp_high"),
        # widened to bracket best; a low or high the file does not give stays empty
        pl.when(pl.col("low").is_null()).then(None).otherwise(pl.min_horizontal("low", "best")).alias("low"),
        pl.when(pl.col("high").is_null()).then(None).otherwise(pl.max_horizontal("high", "best")).alias("high"),
    )
    assert ok.height + len(rejected) == n
    return ok, rejected, warnings
