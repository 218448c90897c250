"""Where a US Government claim's place is: a gazetteer row with a point, or no point (and why).

The releases name a town ("near Abu Kamal"); the band rule (iraq_frontiers.borders.in_band) needs a point.
A place is looked up, in this order, by its name after folding (accents, case, punctuation and a leading
Arabic article dropped: "Al Qaim" = "Qaim" = "Al Qā'im"), in the claim's country:

1. a curated location row of the package (not an imported layer's) with a point of its own
   (coordinate_precision settlement, exact or approximate; a representative point stands for an area);
2. a GeoNames cities500 row (../geonames-iq-sy/geonames_cities500_frontier.csv: name or alternate names;
   the most populous, then the lowest geonameid, when several agree);
3. a Natural Earth 1:50m populated place (../naturalearth-50m-places-frontier/).

A name that is an area (a province, region or governorate), a bearing from a town without a distance
("west of Baghdad") or no place at all gets no point, and the claim is left out with that reason: the
band cannot be measured from a point the text does not give.
"""
from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

OWN_POINT = ("settlement", "exact", "approximate")
ARTICLE = re.compile(r"^(al|ar|as|at|ad|an|ash|az|el|ad) ")
AREA_WORDS = re.compile(r"\b(province|governorate|region|district)\b", re.I)
BEARING = re.compile(r"^(north|south|east|west|northeast|northwest|southeast|southwest)(ern)? of\b", re.I)
COUNTRY = {"Iraq": "IQ", "Syria": "SY", "Turkey": "TR", "Iran": "IR"}
NE_COUNTRY = {"IRQ": "IQ", "SYR": "SY", "TUR": "TR", "IRN": "IR", "JOR": "JO", "KWT": "KW", "SAU": "SA"}


def is_layer_row(row_id: str) -> bool:
    """Whether an id is an imported layer's (importers.layer.NAMESPACE): such rows change on re-import, so they are not reused."""
    from iraq_frontiers.importers.layer import NAMESPACE

    return any(p.match(row_id) for p in NAMESPACE.values())


def fold(name: str) -> str:
    """A place name compared across spellings: ASCII, lower case, runs of other characters as one space,
    a leading Arabic article dropped."""
    s = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    s = re.sub(r"[^a-z0-9]+", " ", s).strip()
    return ARTICLE.sub("", s)


@dataclass(frozen=True)
class Place:
    """A located place: a package location (location_id) or a gazetteer row to add as one."""
    name: str  # as the claim writes it
    country: str
    lat: float
    lon: float
    location_id: str | None  # an existing curated location, reused
    gazetteer: str  # "package", "geonames" or "naturalearth"
    gazetteer_id: str  # the row's id in that gazetteer
    gazetteer_name: str
    population: int = 0


@dataclass
class Gazetteer:
    package_rows: list[dict[str, str]]
    geonames_rows: list[dict[str, str]]
    ne_rows: list[dict[str, str]]

    @classmethod
    def read(cls, package: Path, external: Path | None) -> "Gazetteer":
        def rows(path: Path) -> list[dict[str, str]]:
            if not path.is_file():
                return []
            with path.open(encoding="utf-8", newline="") as fh:
                return list(csv.DictReader(fh))

        ext = external or Path("/nonexistent")
        return cls(rows(Path(package) / "locations.csv"),
                   rows(ext / "geonames-iq-sy" / "geonames_cities500_frontier.csv"),
                   rows(ext / "naturalearth-50m-places-frontier" / "ne_50m_populated_places_frontier.csv"))

    def governorate(self, name: str, country: str) -> str | None:
        """The id of a curated governorate row of the package that carries this name (for a new place's parent)."""
        key = fold(re.sub(r"^\(.*?\)\s*", "", name))
        for r in self.package_rows:
            if r["kind"] == "governorate" and r["country"] == country and not is_layer_row(r["id"]):
                names = [r["name"]] + (r.get("aliases") or "").split("|")
                if key and key in {fold(re.sub(r" Governorate$", "", n)) for n in names if n}:
                    return r["id"]
        return None

    def locate(self, name: str, country_name: str) -> tuple[Place | None, str]:
        """The place's point, or None and the reason it has none."""
        name = name.strip()
        country = COUNTRY.get(country_name, "")
        if not name or name.startswith("("):
            return None, "names no place"
        if BEARING.match(name):
            return None, f"'{name}' is a bearing from a town without a distance: no point to measure from"
        if AREA_WORDS.search(name):
            return None, f"'{name}' is an area (province, region or district), not a point"
        key = fold(name)
        for r in sorted(self.package_rows, key=lambda r: r["id"]):
            if is_layer_row(r["id"]) or r["country"] != country or r["coordinate_precision"] not in OWN_POINT:
                continue
            if key in {fold(n) for n in [r["name"]] + (r.get("aliases") or "").split("|") if n}:
                return Place(name, country, float(r["latitude"]), float(r["longitude"]), r["id"], "package", r["id"], r["name"]), ""
        hits = [r for r in self.geonames_rows if r["countrycode"] == country
                and key in {fold(n) for n in [r["name"]] + r["alternatenames"].split("|") if n}]
        if hits:
            r = min(hits, key=lambda r: (-int(r["population"] or 0), int(r["geonameid"])))
            return Place(name, country, float(r["latitude"]), float(r["longitude"]), None, "geonames", r["geonameid"], r["name"],
                         int(r["population"] or 0)), ""
        for r in sorted(self.ne_rows, key=lambda r: r["NE_ID"]):
            if NE_COUNTRY.get(r["ADM0_A3"]) == country and key in {fold(r["NAME"]), fold(r["NAME_EN"])}:
                return Place(name, country, float(r["latitude"]), float(r["longitude"]), None, "naturalearth", r["NE_ID"], r["NAME"],
                             int(float(r["POP_MAX"] or 0))), ""
        if country and self.governorate(name, country):
            return None, f"'{name}' is a governorate, not a point"
        return None, f"'{name}' is not in the gazetteers (curated locations with a point, GeoNames cities500, Natural Earth places)"
