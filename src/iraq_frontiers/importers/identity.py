"""One real thing, one row: the rows a layer reuses from the rest of the package instead of making its own.

An imported layer names actors and places that the curated core (or another layer) already holds: UCDP's
"IS" is the curated Islamic State, UCDP's "Deir ez Zor Governorate" the curated "Deir ez-Zor Governorate".
Before a layer is built, the rest of the package is read and the layer points at those rows:

* an actor whose `external_ids` lists `ucdp:<UCDP actor id>` stands for that UCDP side (the curated row is
  where a curator records the identity, so the crosswalk is reviewed data, not a rule of thumb);
* a country, governorate or district is the same unit when the country, the kind and the name after
  normalisation agree (`normalised_name`: letters and digits only, accents and the words that only say the
  kind — governorate, province, district, city, town, village — left out), matched against a row's name
  and its aliases;
* a point-like place (a settlement, a site, a crossing, a named area UCDP gives a point: POINT_KINDS) is the
  same place when the country agrees, the kinds agree (city, town and village are one kind here: the
  sources disagree on a settlement's size), a name or alias of one equals a name or alias of the other after
  normalisation, and the two points lie within PLACE_KM (5 km) of each other (`same_place`). A row without a
  point is never matched this way: without points, two places of one name cannot be told apart.

Precedence: curated rows first, then the layers in the order of importers.layer.NAMESPACE (UCDP before
us-gov), then, within the layer being built, the row it made first. A layer matches only rows that come
before it, so re-importing an earlier layer never depends on a later one.

tests/test_identity.py checks the result on the committed package: no two actors share a Wikidata id or a
UCDP actor id, no two locations share a GeoNames id or a (country, kind, normalised name), and no two
locations are the same place by `same_place`.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ADMIN_KINDS = ("country", "governorate", "district")
# Kinds of place a layer matches by name and point (areas, lines and seas are not points; admin units match by name).
POINT_KINDS = ("city", "town", "village", "border_crossing", "military_site", "infrastructure", "region")
_KIND_GROUP = {"city": "settlement", "town": "settlement", "village": "settlement"}
# Two points of one name this close are one place. 5 km: the points two gazetteers give one settlement differ by
# well under a kilometre in this package (GeoNames vs UCDP: 0.0-0.3 km), while a town's extent is a few km; the
# nearest pair of same-named places that are not one (Al-Qaim, GeoNames' point and UCDP's "Al Qa'im town") lie 16 km apart.
PLACE_KM = 5.0
_KIND_WORDS = re.compile(r"\b(governorate|province|muhafazat|muhafazah|district|qada|qadaa|city|town|village)\b")
_ARTICLE = re.compile(r"^(al|as|ad|an|ar|at|az|ash|el)[\s-]+")  # the Arabic article, which transliterations keep or drop


def normalised_name(name: str | None) -> str:
    """A unit's name for comparison: accents folded, the kind word and a leading article dropped, letters and digits only."""
    folded = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode("ascii").lower()
    folded = re.sub(r"[^a-z0-9\s-]+", "", folded)  # apostrophes and hamza marks inside words go, spaces stay
    return re.sub(r"[^a-z0-9]+", "", _ARTICLE.sub("", _KIND_WORDS.sub(" ", folded).strip()))


def ucdp_actor_ids(external_ids: str | None) -> list[int]:
    """The UCDP actor ids an actor row names in external_ids (`ucdp:<id>`, `|`-separated)."""
    out = []
    for part in (external_ids or "").split("|"):
        key, _, value = part.strip().partition(":")
        if key == "ucdp" and value.strip().isdigit():
            out.append(int(value))
    return out


def km_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km between two (latitude, longitude) points (importers.linking.haversine_km)."""
    from iraq_frontiers.importers.linking import haversine_km

    return haversine_km(a[0], a[1], b[0], b[1])


def row_names(row: dict[str, Any]) -> list[str]:
    """A location row's name and aliases (`|`-text as in the CSV, or a list)."""
    aliases = row.get("aliases") or []
    return [row.get("name"), *(aliases.split("|") if isinstance(aliases, str) else aliases)]


def row_point(row: dict[str, Any]) -> tuple[float, float] | None:
    """A location row's (latitude, longitude), or None when it has no point."""
    lat, lon = row.get("latitude"), row.get("longitude")
    return (float(lat), float(lon)) if lat not in (None, "") and lon not in (None, "") else None


def place_keys(country: str | None, kind: str, names) -> set[tuple[str, str, str]]:
    """The (country, kind group, normalised name) keys a point-like place is matched on ({} for another kind)."""
    if kind not in POINT_KINDS:
        return set()
    group = _KIND_GROUP.get(kind, kind)
    return {(country or "", group, n) for n in (normalised_name(name) for name in names if name and name.strip()) if n}


def same_place(a: dict[str, Any], b: dict[str, Any], km: float = PLACE_KM) -> bool:
    """The rule (module docstring) for two location rows (name, aliases as `|`-text or a list, kind, country, latitude, longitude)."""
    pa, pb = row_point(a), row_point(b)
    if pa is None or pb is None:
        return False
    return bool(place_keys(a.get("country"), a["kind"], row_names(a)) & place_keys(b.get("country"), b["kind"], row_names(b))) \
        and km_between(pa, pb) <= km


@dataclass
class Known:
    """Rows of the package outside the layer being imported, by the keys a layer matches on."""

    actors_by_ucdp: dict[int, str] = field(default_factory=dict)
    units: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)  # (country, kind, normalised name) -> row
    ids: set[str] = field(default_factory=set)  # every id outside the layer (a layer row must not take one)
    # place_keys -> [(rank, order, {"id", "point"})]: rank 0 curated, then the layers in NAMESPACE order, then the layer's own rows
    places: dict[tuple[str, str, str], list[tuple[int, int, dict[str, Any]]]] = field(default_factory=dict)
    held: int = 0  # places held so far (their order: the first made wins a tie)

    def unit(self, country: str | None, kind: str, name: str | None) -> dict[str, Any] | None:
        return self.units.get((country or "", kind, normalised_name(name))) if name else None

    def add_place(self, row_id: str, country: str | None, kind: str, names, point, rank: int) -> None:
        """Hold a point-like place for matching (a row without a point is not held: it cannot be matched)."""
        if point is None or point[0] is None or point[1] is None:
            return
        entry = {"id": row_id, "point": (float(point[0]), float(point[1]))}
        order, self.held = self.held, self.held + 1
        for key in place_keys(country, kind, names):
            self.places.setdefault(key, []).append((rank, order, entry))

    def place(self, country: str | None, kind: str, names, point, km: float = PLACE_KM) -> dict[str, Any] | None:
        """The row a point-like place is (same_place), by precedence then distance; None when there is none."""
        if point is None or point[0] is None or point[1] is None:
            return None
        here = (float(point[0]), float(point[1]))
        best = None
        for key in place_keys(country, kind, names):
            for rank, order, entry in self.places.get(key, ()):
                d = km_between(here, entry["point"])
                if d <= km and (best is None or (rank, d, order) < best[0]):
                    best = ((rank, d, order), entry)
        return best[1] if best else None


def _rows(package: Path, table: str) -> list[dict[str, str]]:
    from iraq_frontiers.importers.layer import record_values, split_records

    records = split_records((package / f"{table}.csv").read_bytes())
    if not records:
        return []
    header = record_values(records[0])
    return [dict(zip(header, record_values(r))) for r in records[1:]]


def layer_rank(table: str, row: dict[str, str]) -> int:
    """A row's precedence: 0 for a curated row, then 1, 2, ... for the layers in importers.layer.NAMESPACE order."""
    from iraq_frontiers.importers.layer import NAMESPACE, in_layer

    for number, name in enumerate(NAMESPACE, start=1):
        if in_layer(table, row, name):
            return number
    return 0


def known_rows(package: str | Path, layer: str) -> Known:
    """The package's rows that the layer `layer` (an importers.layer.NAMESPACE key) may point at: its actors,
    administrative units and point-like places, from the curated rows and the layers before it. Every id
    outside the layer is in `ids`."""
    from iraq_frontiers.importers.layer import NAMESPACE

    package = Path(package)
    mine = list(NAMESPACE).index(layer) + 1
    known = Known()
    for row in _rows(package, "actors"):
        rank = layer_rank("actors", row)
        if rank == mine:
            continue
        known.ids.add(row["id"])
        if rank > mine:
            continue
        for uid in ucdp_actor_ids(row.get("external_ids")):
            known.actors_by_ucdp.setdefault(uid, row["id"])
    for row in _rows(package, "locations"):
        rank = layer_rank("locations", row)
        if rank == mine:
            continue
        known.ids.add(row["id"])
        if rank > mine:
            continue
        point, names = row_point(row), row_names(row)
        if row["kind"] in POINT_KINDS:
            known.add_place(row["id"], row.get("country"), row["kind"], names, point, rank)
        if row["kind"] not in ADMIN_KINDS:
            continue
        entry = {"id": row["id"], "point": point}
        for name in names:
            if name.strip():
                known.units.setdefault((row.get("country") or "", row["kind"], normalised_name(name)), entry)
    return known
