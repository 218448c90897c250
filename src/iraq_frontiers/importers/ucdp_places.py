"""UCDP GED places as locations: countries, first- and second-order divisions (adm_1, adm_2) and the places
UCDP names, each under its administrative parent, with the kind inferred from the name and UCDP's coordinates."""
from __future__ import annotations

import hashlib
from typing import Any

from iraq_frontiers.importers.identity import Known, normalised_name
from iraq_frontiers.importers.ucdp_mapping import COUNTRY_ISO, ORIGIN, slug


def _hash(text: str, n: int = 12) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:n]


def _country_iso(name: str | None) -> str | None:
    return COUNTRY_ISO.get((name or "").strip())


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


def point_kind(label: str) -> str:
    """The kind of a place UCDP names in where_coordinates (not one of the units it codes as adm_1 or adm_2)."""
    kind = _place_kind(label, False)
    return "region" if kind in ("governorate", "district") else kind  # e.g. "Eastern Deir ez Zor Governorate": a part of a unit


def known_place(known, country: str | None, adm_1: str | None, adm_2: str | None, name: str | None, lat, lon) -> dict[str, Any] | None:
    """The row of the package (importers.identity.Known.place: curated, then earlier layers) that a GED row's named
    place is, or None. A name that is the row's country, adm_1 or adm_2 is a unit, matched as one (Known.unit)."""
    if known is None or not name or name in (country, adm_1, adm_2) or lat is None:
        return None
    return known.place(_country_iso(country), point_kind(name), [name], (lat, lon))


_SETTLEMENT = {"town", "village", "city"}
_AREAL = {"country", "governorate", "district", "region", "border_segment", "zone", "river"}


def _coordinate_precision(kind: str) -> str:
    if kind in _SETTLEMENT:
        return "settlement"
    if kind in _AREAL:
        return "representative_point"
    return "exact"


def locations(ok, release: str, known=None):
    """(location rows by id, the GED rows with the location_id of their place).

    known (importers.identity.Known): the package's own countries, governorates and districts, and the point-like
    places of the curated rows and earlier layers, which the layer points at instead of making rows of its own;
    a place the layer names twice (same name within PLACE_KM) is the row it made first."""
    import polars as pl

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

    def reused(kind: str, country: str | None, name: str) -> str | None:
        match = known.unit(_country_iso(country), kind, name) if known is not None else None
        return match["id"] if match else None

    country_id: dict[str, str] = {}
    for c in sorted(countries):
        if (same := reused("country", c, c)) is not None:
            country_id[c] = same
            continue
        lid = new_id(f"loc-ucdp-{slug(c)}", f"country:{c}")
        country_id[c] = lid
        iso = _country_iso(c)
        add_loc(lid, c, "country", iso, None, note=f"Country as named by UCDP GED ({release})." + ("" if iso else " No ISO code known to the importer for this name."))
    adm1 = ok.select("country", "adm_1").unique().filter(pl.col("adm_1").fill_null("") != "").sort("country", "adm_1")
    adm1_id: dict[tuple[str, str], str] = {}
    spelled: dict[tuple, str] = {}  # (country, [parent,] normalised name) -> id: UCDP's spellings of one unit are one row
    for c, a in adm1.iter_rows():
        if (same := reused("governorate", c, a) or spelled.get((c, normalised_name(a)))) is not None:
            adm1_id[(c, a)] = same
            continue
        lid = new_id(f"loc-ucdp-{slug(a)}", f"adm1:{c}:{a}")
        adm1_id[(c, a)] = spelled[(c, normalised_name(a))] = lid
        add_loc(lid, a, "governorate", _country_iso(c), country_id.get(c), note=f"First-order administrative division (UCDP adm_1, {release}).")
    adm2 = ok.select("country", "adm_1", "adm_2").unique().filter(pl.col("adm_2").fill_null("") != "").sort("country", "adm_1", "adm_2")
    adm2_id: dict[tuple[str, str, str], str] = {}
    for c, a1, a2 in adm2.iter_rows():
        if (same := reused("district", c, a2) or spelled.get((c, adm1_id.get((c, a1)), normalised_name(a2)))) is not None:
            adm2_id[(c, a1, a2)] = same
            continue
        lid = new_id(f"loc-ucdp-{slug(a2)}", f"adm2:{c}:{a1}:{a2}")
        adm2_id[(c, a1, a2)] = spelled[(c, adm1_id.get((c, a1)), normalised_name(a2))] = lid
        parent = adm1_id.get((c, a1)) or country_id.get(c)
        add_loc(lid, a2, "district", _country_iso(c), parent, note=f"Second-order administrative division (UCDP adm_2, {release}).")

    places = (ok.group_by("country", "adm_1", "adm_2", "where_coordinates", "latitude", "longitude").agg(pl.col("id").min().alias("first_id"))
              .sort("country", "adm_1", "adm_2", "where_coordinates", "latitude", "longitude", nulls_last=True))
    name_coords = places.group_by("where_coordinates").agg(pl.struct("latitude", "longitude").n_unique().alias("n"))
    multi = set(name_coords.filter(pl.col("n") > 1)["where_coordinates"].to_list())
    place_map: list[dict[str, Any]] = []
    own = Known()  # the layer's own point-like places, to match a later row of the same place
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
            row = loc_rows.get(lid)  # None: the package's own unit, whose point is its own
            if row is not None and lat is not None and row["latitude"] is None:
                row.update(latitude=lat, longitude=lon, coordinate_precision="representative_point",
                           coordinate_source=ORIGIN, coordinate_source_id=first_id)
                row["notes"] += " Coordinates: the representative point UCDP codes for events placed only at this level."
        elif (same := known_place(known, c, a1, a2, name, lat, lon) or known_place(own, c, a1, a2, label, lat, lon)) is not None:
            lid = same["id"]  # one place, one row (importers.identity.same_place): the first holder's row and point
        else:
            parent = adm2_id.get((c, a1, a2)) or adm1_id.get((c, a1)) or country_id.get(c)
            base = f"loc-ucdp-{slug(label)}" + (f"-{_hash(coords_key, 6)}" if name in multi else "")
            lid = new_id(base, f"place:{c}:{a1}:{a2}:{label}:{coords_key}")
            if lid not in loc_rows:
                kind = point_kind(label)
                own.add_place(lid, _country_iso(c), kind, [label], (lat, lon), rank=0)
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
    return loc_rows, ev
