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
constants below agree with them. Rows that cannot be mapped are returned one by one with the
reason (never dropped silently); docs/ucdp.md explains what the schema cannot hold.
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
import tempfile
import time
import unicodedata
import zipfile
import zlib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# --- the mapping (must agree with datapackage/crosswalk_*.csv; tests/test_ucdp_import.py checks) ---
TYPE_OF_VIOLENCE = {1: "armed_clash", 2: "armed_clash", 3: "one_sided_violence"}
TYPE_LABEL = {1: "state-based armed conflict", 2: "non-state conflict", 3: "one-sided violence"}
DATE_PREC = {1: "day", 2: "week", 3: "week", 4: "month", 5: "year"}
WHERE_PREC = {1: "exact", 2: "near", 3: "district", 4: "governorate", 5: "region", 6: "country", 7: "region"}

# Columns the importer needs; every other GED column is optional (kept in notes when present).
REQUIRED_COLUMNS = (
    "id", "type_of_violence", "side_a_new_id", "side_a", "side_b_new_id", "side_b",
    "source_article", "source_office", "source_date", "source_headline",
    "where_prec", "where_coordinates", "adm_1", "adm_2", "latitude", "longitude", "country",
    "date_prec", "date_start", "date_end",
    "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "low", "best", "high",
)
ORIGIN = "ucdp-ged"  # the value of `origin` (schemas/vocabularies.json) on every imported row
CORE_TABLES = ("sources", "actors", "locations", "events", "claims", "claim_quantities", "event_actors", "actor_relations", "claim_links")

# UCDP country names -> ISO 3166-1 alpha-2 for the region this dataset is about and its neighbours
# and intervening states. Names not listed get an empty country and a note (never a guess).
COUNTRY_ISO = {
    "Syria": "SY", "Iraq": "IQ", "Turkey": "TR", "Iran": "IR", "Israel": "IL", "Jordan": "JO", "Lebanon": "LB",
    "Saudi Arabia": "SA", "Kuwait": "KW", "Egypt": "EG", "Yemen": "YE", "Yemen (North Yemen)": "YE", "Russia": "RU",
    "Russia (Soviet Union)": "RU", "United States of America": "US", "USA": "US", "United Kingdom": "GB", "France": "FR",
    "Australia": "AU", "Canada": "CA", "Germany": "DE", "Netherlands": "NL", "Belgium": "BE", "Denmark": "DK",
    "Qatar": "QA", "United Arab Emirates": "AE", "Bahrain": "BH", "Oman": "OM", "Azerbaijan": "AZ", "Armenia": "AM",
    "Georgia": "GE", "Afghanistan": "AF", "Pakistan": "PK", "Libya": "LY", "Palestine": "PS", "Cyprus": "CY",
}
CIVILIANS_ID = 1  # UCDP's actor id of "Civilians" (side B of one-sided violence)
UCDP_ACTOR = {  # the claimant of every imported claim: UCDP codes the event from the sources it cites
    "id": "act-ucdp-program", "name": "Uppsala Conflict Data Program (UCDP)", "kind": "research_organisation", "country": "SE",
    "aliases": "UCDP", "description": "The research programme at Uppsala University that codes the UCDP GED events; the claimant of "
    "every imported UCDP claim (its coding of what the cited source reported).", "wikidata_id": None, "external_ids": None,
    "notes": "Added by the UCDP GED importer as the claimant of the imported claims.",
}
DATASET_CITATION = (
    "Sundberg, Ralph and Erik Melander (2013) Introducing the UCDP Georeferenced Event Dataset, Journal of "
    "Peace Research 50(4): 523-532; Hoegbladh, Stina (2019) UCDP GED Codebook version 19.1, Department of "
    "Peace and Conflict Research, Uppsala University."
)


class UcdpImportError(Exception):
    """The input cannot be imported at all (unreadable, not a GED CSV); the CLI exits 2."""


@dataclass
class RowIssue:
    """One input row the importer rejected or changed, with the reasons (1-based data row)."""

    row: int
    ucdp_id: str
    action: str  # "rejected" (not in the package) or "imported" (imported with the stated change)
    reasons: list[str]


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
    outside_frontier: int = 0  # importable rows left out by the frontier rule (importers.frontier)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["accounted_for"] = self.events_written + len(self.rejected) + self.outside_frontier == self.rows_read
        return d


# ----------------------------------------------------------------------------------------------
# reading and checking


def slug(text: str, max_len: int = 60) -> str:
    """A stable id fragment: ASCII-folded, lowercase, runs of other characters as '-'."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    s = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:max_len].strip("-")
    return s or "x" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]


def read_ged(path: str | Path):
    """The GED CSV (plain, .gz, or a .zip holding one .csv) as a polars frame of strings."""
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
    if missing:
        raise UcdpImportError(f"{path}: not a UCDP GED CSV (19.1 or later): missing column(s) {', '.join(missing)}")
    return frame


MAX_GED_BYTES = 2 * 1024**3  # decompressed CSV; the whole global GED is a few hundred MB


def _plain_csv(path: Path, dest: Path) -> Path:
    """The GED CSV as a plain file: path itself, or a .gz / one-.csv .zip decompressed into dest,
    streamed in chunks and refused beyond MAX_GED_BYTES (a small archive can expand enormously)."""
    with path.open("rb") as fh:
        magic = fh.read(2)
    if zipfile.is_zipfile(path):
        zf = zipfile.ZipFile(path)
        names = [n for n in zf.namelist() if n.lower().endswith(".csv")]
        if len(names) != 1:
            raise UcdpImportError(f"{path}: expected one .csv in the zip archive, found {len(names)}")
        opened = zf.open(names[0])
    elif magic == b"\x1f\x8b":
        opened = gzip.open(path, "rb")
    else:
        return path
    written = 0
    with opened as src, dest.open("wb") as out:
        while chunk := src.read(1 << 20):
            written += len(chunk)
            if written > MAX_GED_BYTES:
                raise UcdpImportError(f"{path}: expands to more than {MAX_GED_BYTES:,} bytes; refused (the limit for a GED CSV)")
            out.write(chunk)
    return dest


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


def normalise(raw) -> tuple[Any, list[RowIssue], list[RowIssue]]:
    """Typed, checked GED rows: (frame of importable rows, rejected rows, rows imported with a change)."""
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
         "low, best or high is missing or negative"),
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
        pl.min_horizontal("low", "best").alias("low"), pl.max_horizontal("high", "best").alias("high"),
    )
    assert ok.height + len(rejected) == n
    return ok, rejected, warnings


# ----------------------------------------------------------------------------------------------
# building the tables


def _hash(text: str, n: int = 12) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:n]


def _country_iso(name: str | None) -> str | None:
    return COUNTRY_ISO.get((name or "").strip())


def _government_iso(side: str) -> str | None:
    m = re.fullmatch(r"Government of (.+)", side.strip())
    return _country_iso(m.group(1)) if m else None


def _optional_id(frame, col: str):
    """An optional GED id column as integers (null where absent, empty or not a positive integer)."""
    import polars as pl

    if col not in frame.columns:
        return pl.lit(None, pl.Int64)
    value = pl.col(col).cast(pl.Float64, strict=False).cast(pl.Int64, strict=False)
    return pl.when(value >= 1).then(value).otherwise(None)


def _place_kind(name: str, is_country: bool) -> str:
    if is_country:
        return "country"
    last = name.rsplit(" ", 1)[-1].lower().strip("()")
    lowered = name.lower()
    if last in ("town", "suburb"):
        return "town"
    if last in ("village", "farm", "farms"):
        return "village"
    if last == "city":
        return "city"
    if last == "governorate":
        return "governorate"
    if last == "district":
        return "district"
    if any(w in lowered for w in ("airbase", "air base", " base", "military", "(t4)", "barracks", "academy")):
        return "military_site"
    if any(w in lowered for w in ("airport", " dam", "field", "station", "prison", "hospital", "bridge", "factory", "complex", "plant")):
        return "infrastructure"
    if "border" in lowered or "crossing" in lowered:
        return "border_segment" if "crossing" not in lowered else "border_crossing"
    if last in ("river",):
        return "river"
    return "region"


_SETTLEMENT = {"town", "village", "city"}
_AREAL = {"country", "governorate", "district", "region", "border_segment", "zone", "river"}


def _coordinate_precision(kind: str) -> str:
    if kind in _SETTLEMENT:
        return "settlement"
    if kind in _AREAL:
        return "representative_point"
    return "exact"


def build_tables(ok, release: str) -> dict[str, Any]:
    """The nine core tables (polars frames, schema column order) for the checked GED rows."""
    import polars as pl

    from iraq_frontiers.schema.metadata import table_schema

    dataset_source_id = f"src-ucdp-release-{slug(release, 40)}"

    # ---------------- locations
    countries = ok.select("country").unique().drop_nulls().filter(pl.col("country") != "")["country"].to_list()
    loc_rows: dict[str, dict[str, Any]] = {}
    used: dict[str, str] = {}  # id -> natural key, to detect id collisions

    def new_id(base: str, key: str) -> str:
        cand = base
        if cand in used and used[cand] != key:
            cand = f"{base}-{_hash(key, 6)}"
        used[cand] = key
        return cand

    def add_loc(lid: str, name: str, kind: str, country: str | None, parent: str | None, lat=None, lon=None, note="", point_id=None):
        loc_rows[lid] = {"id": lid, "name": name, "aliases": None, "kind": kind, "country": country, "parent_id": parent,
                         "latitude": lat, "longitude": lon,
                         "coordinate_precision": "none" if lat is None else _coordinate_precision(kind),
                         "geonames_id": None, "wikidata_id": None,
                         "notes": note or f"Place as named by UCDP GED ({release}); kind inferred from the name.",
                         # the point's gazetteer row: the first GED event coded there
                         "coordinate_source": None if lat is None else ORIGIN, "coordinate_source_id": None if lat is None else point_id}

    country_id: dict[str, str] = {}
    for c in sorted(countries):
        lid = new_id(f"loc-ucdp-{slug(c)}", f"country:{c}")
        country_id[c] = lid
        iso = _country_iso(c)
        add_loc(lid, c, "country", iso, None, note=f"Country as named by UCDP GED ({release})." + ("" if iso else " No ISO code known to the importer for this name."))
    adm1 = ok.select("country", "adm_1").unique().filter(pl.col("adm_1").fill_null("") != "").sort("country", "adm_1")
    adm1_id: dict[tuple[str, str], str] = {}
    for c, a in adm1.iter_rows():
        lid = new_id(f"loc-ucdp-{slug(a)}", f"adm1:{c}:{a}")
        adm1_id[(c, a)] = lid
        add_loc(lid, a, "governorate", _country_iso(c), country_id.get(c), note=f"First-order administrative division (UCDP adm_1, {release}).")
    adm2 = ok.select("country", "adm_1", "adm_2").unique().filter(pl.col("adm_2").fill_null("") != "").sort("country", "adm_1", "adm_2")
    adm2_id: dict[tuple[str, str, str], str] = {}
    for c, a1, a2 in adm2.iter_rows():
        lid = new_id(f"loc-ucdp-{slug(a2)}", f"adm2:{c}:{a1}:{a2}")
        adm2_id[(c, a1, a2)] = lid
        parent = adm1_id.get((c, a1)) or country_id.get(c)
        add_loc(lid, a2, "district", _country_iso(c), parent, note=f"Second-order administrative division (UCDP adm_2, {release}).")

    places = (ok.group_by("country", "adm_1", "adm_2", "where_coordinates", "latitude", "longitude").agg(pl.col("id").min().alias("first_id"))
              .sort("country", "adm_1", "adm_2", "where_coordinates", "latitude", "longitude", nulls_last=True))
    name_coords = places.group_by("where_coordinates").agg(pl.struct("latitude", "longitude").n_unique().alias("n"))
    multi = set(name_coords.filter(pl.col("n") > 1)["where_coordinates"].to_list())
    place_map: list[dict[str, Any]] = []
    for c, a1, a2, name, lat, lon, first_id in places.iter_rows():
        c, a1, a2 = c or "", a1 or "", a2 or ""
        label = name or (f"{lat:.5f}, {lon:.5f}" if lat is not None else "unnamed place")
        coords_key = "none" if lat is None else f"{lat:.6f},{lon:.6f}"
        admin = None  # the place is itself one of the administrative units
        if name and name == c:
            admin = country_id.get(c)
        elif name and name == a1:
            admin = adm1_id.get((c, a1))
        elif name and name == a2:
            admin = adm2_id.get((c, a1, a2))
        if admin is not None and name not in multi:
            lid = admin
            row = loc_rows[lid]
            if lat is not None and row["latitude"] is None:
                row.update(latitude=lat, longitude=lon, coordinate_precision="representative_point",
                           coordinate_source=ORIGIN, coordinate_source_id=first_id)
                row["notes"] += " Coordinates: the representative point UCDP codes for events placed only at this level."
        else:
            parent = adm2_id.get((c, a1, a2)) or adm1_id.get((c, a1)) or country_id.get(c)
            base = f"loc-ucdp-{slug(label)}" + (f"-{_hash(coords_key, 6)}" if name in multi else "")
            lid = new_id(base, f"place:{c}:{a1}:{a2}:{label}:{coords_key}")
            if lid not in loc_rows:
                kind = _place_kind(label, False)
                if kind in ("governorate", "district"):  # e.g. "Eastern Deir ez Zor Governorate": a part of a unit, not one
                    kind = "region"
                add_loc(lid, label, kind, _country_iso(c), parent if parent != lid else None, lat, lon,
                        note=f"Place as named by UCDP GED where_coordinates ({release}); kind inferred from the name; "
                        "coordinates as UCDP codes them." + (" UCDP uses this name for more than one place; the id carries a hash of the coordinates." if name in multi else ""),
                        point_id=first_id)
        place_map.append({"country": c, "adm_1": a1, "adm_2": a2, "where_coordinates": name, "latitude": lat, "longitude": lon, "location_id": lid})
    pm = pl.DataFrame(place_map, schema={"country": pl.String, "adm_1": pl.String, "adm_2": pl.String, "where_coordinates": pl.String,
                                         "latitude": pl.Float64, "longitude": pl.Float64, "location_id": pl.String})
    ev = ok.with_columns(pl.col(c).fill_null("") for c in ("country", "adm_1", "adm_2")).join(
        pm, on=["country", "adm_1", "adm_2", "where_coordinates", "latitude", "longitude"], how="left", nulls_equal=True)
    assert ev["location_id"].null_count() == 0 and ev.height == ok.height

    # ---------------- actors
    sides = pl.concat([
        ev.select(pl.col("side_a_new_id").alias("aid"), pl.col("side_a").alias("name")),
        ev.select(pl.col("side_b_new_id").alias("aid"), pl.col("side_b").alias("name")),
    ]).unique().sort("aid", "name")
    side_name: dict[int, str] = {}
    for aid, name in sides.iter_rows():
        side_name.setdefault(aid, name)  # one name per id (GED names are stable per id within a release)
    single_by_name = {name: aid for aid, name in side_name.items() if ", " not in name}
    actor_rows: dict[str, dict[str, Any]] = {UCDP_ACTOR["id"]: dict(UCDP_ACTOR)}
    members: dict[int, list[str]] = {}
    for aid, name in sorted(side_name.items()):
        aid_s = f"act-ucdp-{aid}"
        if aid == CIVILIANS_ID and name == "Civilians":
            kind, iso, desc = "civilians", None, "Civilians as UCDP GED codes them: the victims (side B) of one-sided violence."
        elif _government_iso(name) or name.startswith("Government of "):
            kind, iso, desc = "state", _government_iso(name), f"The state as a party to organised violence, coded by UCDP GED as '{name}'."
        elif ", " in name:
            kind, iso, desc = "coalition", None, f"A side made of several groups fighting together, coded by UCDP GED as one actor ('{name}')."
        else:
            kind, iso, desc = "armed_group", None, f"An organised actor coded by UCDP GED as '{name}'."
        actor_rows[aid_s] = {"id": aid_s, "name": name, "kind": kind, "country": iso, "aliases": None, "description": desc,
                             "wikidata_id": None, "external_ids": f"ucdp:{aid}",
                             "notes": f"Imported from UCDP GED ({release}); kind assigned by the importer from the side's name, not curated."}
        if kind == "coalition":
            ids = []
            for member in [m.strip() for m in name.split(", ") if m.strip()]:
                if member in single_by_name:
                    mid = f"act-ucdp-{single_by_name[member]}"
                else:
                    mid = f"act-ucdp-name-{slug(member)}"
                    if mid not in actor_rows:
                        actor_rows[mid] = {"id": mid, "name": member, "kind": "armed_group", "country": None, "aliases": None,
                                           "description": f"A group named by UCDP GED only as a member of multi-group sides (such as '{name}').",
                                           "wikidata_id": None, "external_ids": None,
                                           "notes": f"Imported from UCDP GED ({release}); UCDP gives no id of its own for this group in the file imported."}
                if mid not in ids:
                    ids.append(mid)
            members[aid] = ids

    # ---------------- sources and claims
    parsed = ev.select(
        "id",
        pl.struct("source_article", "source_office", "source_date", "source_headline").map_elements(
            lambda s: [list(x) for x in parse_source_entries(s["source_article"], s["source_office"], s["source_date"], s["source_headline"])],
            return_dtype=pl.List(pl.List(pl.String))).alias("entries"),
    )
    cl = (parsed.with_columns(pl.col("entries").list.len().alias("n_src"))
          .explode("entries")
          .with_columns(pl.int_range(1, pl.len() + 1).over("id").alias("seq"))
          .with_columns(
              pl.col("entries").list.get(0, null_on_oob=True).alias("entry"),
              pl.col("entries").list.get(1, null_on_oob=True).alias("office"),
              pl.col("entries").list.get(2, null_on_oob=True).str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False).alias("sdate"),
              pl.col("entries").list.get(3, null_on_oob=True).alias("headline"),
          ))
    cl = cl.with_columns(
        pl.when(pl.col("entry").is_null()).then(pl.lit(dataset_source_id))
        .otherwise(pl.lit("src-ucdp-") + pl.col("entry").map_elements(_hash, return_dtype=pl.String)).alias("source_id"))
    src = (cl.filter(pl.col("entry").is_not_null()).group_by("source_id").agg(pl.first("office"), pl.first("sdate"), pl.first("headline"), pl.len().alias("cited"))
           .sort("source_id"))
    sources = src.select(
        pl.col("source_id").alias("id"),
        pl.lit(None, pl.String).alias("document"),
        pl.when(pl.col("headline").fill_null("") != "").then(pl.col("headline")).otherwise(pl.lit("(no headline given by UCDP)")).alias("title"),
        pl.when(pl.col("office").fill_null("") != "").then(pl.col("office")).otherwise(pl.lit("(not given by UCDP)")).alias("publisher"),
        pl.lit(None, pl.String).alias("original_publisher"),
        pl.lit(None, pl.String).alias("byline"),
        pl.col("sdate").alias("published_date"),
        pl.when(pl.col("sdate").is_null()).then(pl.lit("unknown")).otherwise(pl.lit("day")).alias("published_date_precision"),
        pl.when(pl.col("sdate").is_null()).then(pl.lit("unknown")).otherwise(pl.lit("external_metadata")).alias("published_date_basis"),
        pl.lit(None, pl.String).alias("url"),
        pl.lit("und").alias("language"),
        pl.lit("dataset_record").alias("kind"),
        pl.lit(None, pl.String).alias("sha256"),
        pl.lit(None, pl.Int64).alias("text_length"),
        pl.format("A source cited by UCDP GED ({}) as office, date and headline (UCDP source_article); cited by {} event(s). "
                  "No text is held; the headline is UCDP's record of it and the language of the original is not given.",
                  pl.lit(release), pl.col("cited")).alias("notes"),
    )
    dataset_source = pl.DataFrame([{
        "id": dataset_source_id, "document": None, "title": f"UCDP Georeferenced Event Dataset ({release})",
        "publisher": "Uppsala Conflict Data Program (UCDP)", "original_publisher": None, "byline": None, "published_date": None,
        "published_date_precision": "unknown", "published_date_basis": "unknown", "url": "https://ucdp.uu.se/downloads/",
        "language": "en", "kind": "dataset_record", "sha256": None, "text_length": None,
        "notes": "The GED release itself (CC BY 4.0). Cited by claims that come from UCDP's coding rather than from a source it cites "
                 "(membership of multi-group sides; events without a cited source). " + DATASET_CITATION,
    }], schema=sources.schema)
    sources = pl.concat([dataset_source, sources])

    ev = ev.with_columns(pl.format("evt-ucdp-{}", pl.col("id")).alias("event_id"))
    place_expr = pl.when(pl.col("where_coordinates").fill_null("") != "").then(pl.col("where_coordinates")).otherwise(pl.lit("an unnamed place"))
    day_text = pl.when(pl.col("date_start") == pl.col("date_end")).then(pl.col("date_start").cast(pl.String)).otherwise(
        pl.format("{} to {}", pl.col("date_start"), pl.col("date_end")))
    tov_label = pl.col("type_of_violence").replace_strict(TYPE_LABEL, return_dtype=pl.String)
    claims = cl.join(ev.select("id", "event_id", "side_a", "side_b", "where_coordinates", "date_start", "date_end", "best", "type_of_violence"), on="id").select(
        pl.format("clm-ucdp-{}-{}", pl.col("id"), pl.col("seq")).alias("id"),
        "source_id",
        pl.lit(UCDP_ACTOR["id"]).alias("claimant_id"),
        pl.when(pl.col("entry").is_null()).then(pl.lit("UCDP GED coders (no source cited in the record)"))
        .otherwise(pl.lit("UCDP GED coders, coding what the cited source reported")).alias("claimant_description"),
        pl.lit(False).alias("anonymous"),
        pl.lit(None, pl.String).alias("relayed_via_id"),
        "event_id",
        pl.lit(None, pl.String).alias("about_actor_id"),
        pl.lit(None, pl.String).alias("about_location_id"),
        pl.lit("reports").alias("stance"),
        pl.format("Reports what UCDP GED codes as event {}: {} between {} and {} at {}, {}; UCDP's best estimate for the event is {} killed.",
                  pl.col("id"), tov_label, pl.col("side_a"), pl.col("side_b"),
                  pl.when(pl.col("where_coordinates").fill_null("") != "").then(pl.col("where_coordinates")).otherwise(pl.lit("an unnamed place")),
                  pl.when(pl.col("date_start") == pl.col("date_end")).then(pl.col("date_start").cast(pl.String)).otherwise(
                      pl.format("{} to {}", pl.col("date_start"), pl.col("date_end"))),
                  pl.col("best")).str.slice(0, 2000).alias("statement"),
        pl.col("sdate").alias("statement_date"),
        pl.when(pl.col("sdate").is_null()).then(pl.lit("unknown")).otherwise(pl.lit("day")).alias("statement_date_precision"),
        pl.lit(False).alias("direct_quote"),
        pl.lit(None, pl.Int64).alias("span_start"),
        pl.lit(None, pl.Int64).alias("span_end"),
        pl.lit(None, pl.String).alias("notes"),
    )

    # ---------------- events
    ds, de, p = pl.col("date_start"), pl.col("date_end"), pl.col("date_prec")
    start = (pl.when(p == 4).then(ds.dt.month_start()).when(p == 5).then(pl.date(ds.dt.year(), 1, 1)).otherwise(ds))
    end = (pl.when(p == 4).then(de.dt.month_end()).when(p == 5).then(pl.date(de.dt.year(), 12, 31)).otherwise(de))

    def opt(col: str, label: str) -> pl.Expr:
        if col not in ev.columns:
            return pl.lit("")
        return pl.when(pl.col(col).fill_null("") != "").then(pl.format(f" {label}: {{}}.", pl.col(col))).otherwise(pl.lit(""))

    def n(col: str) -> pl.Expr:
        return pl.col(col).cast(pl.String).fill_null("?")

    notes = pl.concat_str([
        pl.format("UCDP GED event {} ({}). UCDP dates {} to {} (date_prec {}); place '{}' (where_prec {}, adm_1 '{}', adm_2 '{}'). "
                  "Deaths by UCDP: side A {}, side B {}, civilians {}, unknown {} (best {}).",
                  pl.col("id"), pl.lit(release), ds, de, p, pl.col("where_coordinates").fill_null(""), pl.col("where_prec"),
                  pl.col("adm_1"), pl.col("adm_2"), n("deaths_a"), n("deaths_b"), n("deaths_civilians"), n("deaths_unknown"), pl.col("best")),
        pl.when((pl.col("ucdp_low") != pl.col("low")) | (pl.col("ucdp_high") != pl.col("high")))
        .then(pl.format(" UCDP gives low {} and high {}, which do not bracket best {}; widened here to {}-{}.",
                        pl.col("ucdp_low"), pl.col("ucdp_high"), pl.col("best"), pl.col("low"), pl.col("high")))
        .otherwise(pl.lit("")),
        opt("conflict_name", "conflict"), opt("dyad_name", "dyad"),  # the ids are fields (ucdp_conflict_id, ucdp_dyad_id)
        opt("event_clarity", "event_clarity (1 high, 2 low)"), opt("active_year", "active_year"), opt("priogrid_gid", "priogrid_gid"),
        opt("source_original", "source_original"), opt("where_description", "where_description"), opt("code_status", "code_status"),
        opt("relid", "relid"),
    ])
    events = ev.select(
        pl.col("event_id").alias("id"),
        pl.col("type_of_violence").replace_strict(TYPE_OF_VIOLENCE, return_dtype=pl.String).alias("type"),
        start.alias("date_start"),
        end.alias("date_end"),
        p.replace_strict(DATE_PREC, return_dtype=pl.String).alias("date_precision"),
        "location_id",
        pl.col("where_prec").replace_strict(WHERE_PREC, return_dtype=pl.String).alias("location_precision"),
        pl.format("{} ({}): {} and {} at {}, {}. UCDP counts {} killed (low {}, high {}).",
                  pl.when(pl.col("type_of_violence") == 3).then(pl.lit("One-sided violence")).otherwise(pl.lit("Fighting")),
                  tov_label, pl.col("side_a"), pl.col("side_b"), place_expr, day_text, pl.col("best"), pl.col("low"), pl.col("high"))
        .str.slice(0, 2000).alias("summary"),
        pl.lit("reported").alias("status"),
        pl.lit(None, pl.String).alias("withdrawn_reason"),
        pl.lit(False).alias("is_background"),
        pl.col("low").alias("fatalities_low"),
        pl.col("best").alias("fatalities_best"),
        pl.col("high").alias("fatalities_high"),
        pl.col("deaths_civilians").alias("fatalities_civilians"),
        notes.alias("notes"),
        _optional_id(ev, "conflict_new_id").alias("ucdp_conflict_id"),
        _optional_id(ev, "dyad_new_id").alias("ucdp_dyad_id"),
    )

    # ---------------- event_actors and actor_relations
    role_a = pl.when(pl.col("type_of_violence") == 3).then(pl.lit("perpetrator")).otherwise(pl.lit("participant"))
    role_b = pl.when(pl.col("type_of_violence") == 3).then(pl.lit("target")).otherwise(pl.lit("participant"))
    first_claim = pl.format("clm-ucdp-{}-1", pl.col("id"))
    side_rows = pl.concat([
        ev.select("event_id", pl.format("act-ucdp-{}", pl.col("side_a_new_id")).alias("actor_id"), role_a.alias("role"), first_claim.alias("claim_id"),
                  pl.col("deaths_a").alias("fatalities"), pl.lit("UCDP side A; fatalities are UCDP's deaths_a.").alias("notes"),
                  pl.col("side_a_new_id").alias("side")),
        ev.select("event_id", pl.format("act-ucdp-{}", pl.col("side_b_new_id")).alias("actor_id"), role_b.alias("role"), first_claim.alias("claim_id"),
                  pl.col("deaths_b").alias("fatalities"), pl.lit("UCDP side B; fatalities are UCDP's deaths_b.").alias("notes"),
                  pl.col("side_b_new_id").alias("side")),
    ])
    member_map = pl.DataFrame([{"side": k, "member_id": m} for k, ms in members.items() for m in ms],
                              schema={"side": pl.Int64, "member_id": pl.String})
    member_rows = side_rows.join(member_map, on="side", how="inner").select(
        "event_id", pl.col("member_id").alias("actor_id"), "role", "claim_id", pl.lit(None, pl.Int64).alias("fatalities"),
        pl.format("Member of the multi-group UCDP side {} (its deaths are on the side's row).", pl.col("actor_id")).alias("notes"))
    event_actors = (pl.concat([side_rows.drop("side"), member_rows])
                    .unique(subset=["event_id", "actor_id", "role"], keep="first", maintain_order=True))

    rel_rows, rel_claims = [], []
    for aid, ms in sorted(members.items()):
        coalition = f"act-ucdp-{aid}"
        for m in ms:
            cid = f"clm-ucdp-actor-{aid}-{slug(m.removeprefix('act-ucdp-'), 40)}"
            rel_rows.append({"subject_id": m, "relation": "part_of", "object_id": coalition, "claim_id": cid,
                             "notes": "From the UCDP side name, which lists the groups that make up the side."})
            rel_claims.append({"id": cid, "source_id": dataset_source_id, "claimant_id": UCDP_ACTOR["id"],
                               "claimant_description": "UCDP GED coders", "anonymous": False, "relayed_via_id": None, "event_id": None,
                               "about_actor_id": m, "about_location_id": None, "stance": "describes",
                               "statement": f"UCDP GED codes {actor_rows[m]['name']} as one of the groups making up the side '{actor_rows[coalition]['name']}' (UCDP actor {aid}).",
                               "statement_date": None, "statement_date_precision": "unknown", "direct_quote": False,
                               "span_start": None, "span_end": None, "notes": None})
    claims = pl.concat([claims, pl.DataFrame(rel_claims, schema=claims.schema)]) if rel_claims else claims

    tables = {
        "sources": sources,
        "actors": pl.DataFrame(list(actor_rows.values())),
        "locations": pl.DataFrame(list(loc_rows.values()), infer_schema_length=None),
        "events": events,
        "claims": claims,
        "claim_quantities": None,
        "event_actors": event_actors,
        "actor_relations": pl.DataFrame(rel_rows) if rel_rows else None,
        "claim_links": None,
    }
    out = {}
    for name, frame in tables.items():
        fields = table_schema(name)["fields"]
        cols = [f["name"] for f in fields]
        if frame is None:
            frame = pl.DataFrame({c: [] for c in cols}, schema={c: pl.String for c in cols})
        if "origin" in cols and "origin" not in frame.columns:  # every imported row names its layer
            frame = frame.with_columns(pl.lit(ORIGIN, pl.String).alias("origin"))
        if name == "events" and "contested" not in frame.columns:  # no claim links are imported: nothing is contested
            frame = frame.with_columns(pl.lit(False).alias("contested"))
        # fields UCDP does not give (span hashes, publisher actors) stay empty
        frame = frame.with_columns([pl.lit(None, pl.String).alias(c) for c in cols if c not in frame.columns])
        out[name] = frame.select(cols)
    return out


# ----------------------------------------------------------------------------------------------
# writing


def write_package(tables: dict[str, Any], out_dir: Path, release: str, source_name: str) -> Path:
    """Write the tables as CSV (the conventions of datapackage/) and a generated datapackage.json."""
    import polars as pl

    from iraq_frontiers.schema.descriptor import build_descriptor, resource_descriptor, write_descriptor

    out_dir.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame = frame.with_columns(pl.col(c).cast(pl.String) for c, t in frame.schema.items() if t == pl.Null)
        frame.write_csv(out_dir / f"{name}.csv", line_terminator="\n", include_header=True, null_value="", quote_style="necessary")
    descriptor = build_descriptor("csv", extra={
        "name": f"iraq-frontiers-ucdp-{slug(release, 40)}",
        "title": f"UCDP GED ({release}) in the iraq-frontiers schema",
        "description": f"UCDP Georeferenced Event Dataset records from {source_name}, converted by `iraq-frontiers import ucdp-ged` "
                       "into the iraq-frontiers tables (events, actors, locations, sources, claims). " + DATASET_CITATION,
        "licenses": [{"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/", "title": "Creative Commons Attribution 4.0"}],
        "sources": [{"title": f"UCDP Georeferenced Event Dataset ({release})", "path": "https://ucdp.uu.se/downloads/", "description": DATASET_CITATION}],
    })
    descriptor["resources"] = [resource_descriptor(t, "csv", out_dir / f"{t}.csv") for t in CORE_TABLES]
    write_descriptor(out_dir / "datapackage.json", descriptor)
    return out_dir / "datapackage.json"


def default_release(path: str | Path) -> str:
    name = Path(path).name
    for suffix in (".gz", ".zip", ".csv"):
        name = name.removesuffix(suffix)
    return slug(name, 60)


def _convert(path: str | Path, release: str | None, frontier: bool):
    """Read and check a GED file: (release, raw frame, importable rows, rejected, warnings, rows outside the frontier)."""
    release = release or default_release(path)
    raw = read_ged(path)
    ok, rejected, warnings = normalise(raw)
    outside = 0
    if frontier:
        from iraq_frontiers.importers.frontier import frontier_rows

        kept = frontier_rows(ok)
        outside, ok = ok.height - kept.height, kept
        ids = {str(i) for i in ok["id_raw"].to_list()}
        warnings = [w for w in warnings if w.ucdp_id in ids]  # changes to rows left out do not concern the layer
    return release, raw, ok, rejected, warnings, outside


def _result(raw, tables, rejected, warnings, outside, t0: float, out: Path, release: str) -> ImportResult:
    """The import's account (tables None: nothing was built)."""
    events = tables["events"] if tables else None
    return ImportResult(
        rows_read=raw.height, events_written=events.height if events is not None else 0, rejected=rejected, warnings=warnings,
        tables={k: v.height for k, v in tables.items()} if tables else {},
        best_deaths_read=int(raw.select(_as_int("best").sum()).item() or 0),  # exact: non-integers are rejected rows, not truncated
        best_deaths_written=int(events["fatalities_best"].sum() or 0) if events is not None else 0,
        seconds=round(time.perf_counter() - t0, 3), out_dir=str(out), release=release, outside_frontier=outside,
    )


def _nothing_to_import(path, raw, frontier: bool, where: str) -> UcdpImportError:
    if raw.height == 0:
        why = "it has a header but no rows"
    elif frontier:
        why = "no importable row is a frontier event (docs/frontier.md)"
    else:
        why = f"all {raw.height} rows were rejected (reasons in {where})"
    return UcdpImportError(f"{path}: nothing to import: {why}; nothing was written")


def import_ged(path: str | Path, out_dir: str | Path, release: str | None = None, report_path: str | Path | None = None,
               frontier: bool = False) -> ImportResult:
    """Import a GED CSV into a new package in out_dir; returns counts, rejected rows and warnings.

    frontier: keep only the events of the frontier rule (importers.frontier).
    """
    t0 = time.perf_counter()
    release, raw, ok, rejected, warnings, outside = _convert(path, release, frontier)
    out = Path(out_dir)
    target = Path(report_path) if report_path else out / "import-report.json"
    if ok.height == 0:  # nothing to build: say why, and keep the report of rejected rows
        result = _result(raw, None, rejected, warnings, outside, t0, out, release)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        raise _nothing_to_import(path, raw, frontier, str(target))
    tables = build_tables(ok, release)
    write_package(tables, out, release, Path(path).name)
    result = _result(raw, tables, rejected, warnings, outside, t0, out, release)
    target.write_text(json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return result


def import_ged_into(path: str | Path, package: str | Path, release: str | None = None, frontier: bool = True) -> ImportResult:
    """Import a GED CSV as the `ucdp-ged` layer of an existing package (datapackage/): its ucdp-ged
    rows are replaced, every other row keeps its bytes (importers.layer). Writes no report file."""
    from iraq_frontiers.importers.layer import layer_csv, merged, replace_file

    t0 = time.perf_counter()
    package = Path(package)
    missing = [t for t in CORE_TABLES if not (package / f"{t}.csv").is_file()]
    if missing:
        raise UcdpImportError(f"{package}: not a package folder with the core tables (missing {', '.join(m + '.csv' for m in missing)})")
    release, raw, ok, rejected, warnings, outside = _convert(path, release, frontier)
    if ok.height == 0:  # an empty layer would delete the committed one: refuse
        raise _nothing_to_import(path, raw, frontier, "the --json report")
    tables = build_tables(ok, release)
    # every table merged (and every refusal raised) before any file is touched; then each file replaced atomically
    new = {name: merged(package, name, layer_csv(tables[name], name), ORIGIN)[0] for name in CORE_TABLES}
    for name, data in new.items():
        replace_file(package / f"{name}.csv", data)
    return _result(raw, tables, rejected, warnings, outside, t0, package, release)
