"""The frontier band: which events an imported layer keeps.

An event is on Iraq's frontiers when the point it is drawn at lies within `band_km` (BAND_KM, 50 km) of
Iraq's land border, on either side of it: great-circle distance to the nearest of Iraq's boundaries with
Syria, Turkey, Iran, Jordan, Saudi Arabia and Kuwait (iraq_frontiers.borders, Natural Earth 1:50m). The same
rule, with the same parameter, cuts every imported layer; `events_flat.border_km` lets a user narrow it.

The point measured is the one the release will draw the event at: UCDP's coordinates, except where UCDP
places an event only at an administrative unit that the package already holds, or at a point-like place that
a curated row or an earlier layer already holds (importers.identity: same country, kind and name, points within
PLACE_KM), where the event takes that row and so its point (or none). An event without a point is not in the band.
docs/frontier.md says why this rule, what it keeps and what it leaves out.
"""
from __future__ import annotations

import math

from iraq_frontiers.borders import BAND_KM, iraq_outline, nearest_border

RULE = (f"the event's point lies within {BAND_KM:g} km (great-circle) of Iraq's land border with Syria, Turkey, Iran, Jordan, "
        "Saudi Arabia or Kuwait, on either side (Natural Earth 1:50m; iraq_frontiers.borders)")


def _box(band_km: float) -> tuple[float, float, float, float]:
    """Iraq's outline widened by the band (with room to spare): a point outside it cannot be in the band."""
    ring = iraq_outline()
    dlat = band_km / 111.0 + 0.05
    dlon = band_km / (111.0 * math.cos(math.radians(38.0))) + 0.05  # Iraq lies south of 38 N: a degree of longitude is longer there
    return (min(y for _, y in ring) - dlat, max(y for _, y in ring) + dlat, min(x for x, _ in ring) - dlon, max(x for x, _ in ring) + dlon)


def in_band(lat: float | None, lon: float | None, band_km: float = BAND_KM, box=None) -> bool:
    """The rule for one point."""
    if lat is None or lon is None:
        return False
    lat0, lat1, lon0, lon1 = box or _box(band_km)
    if not (lat0 <= lat <= lat1 and lon0 <= lon <= lon1):
        return False
    found = nearest_border(lat, lon)
    return found is not None and found[1] <= band_km


def drawn_point(row: dict, known) -> tuple[float | None, float | None]:
    """The point a GED row's event is drawn at once imported (the module docstring)."""
    from iraq_frontiers.importers.ucdp_places import _country_iso, known_place

    name, iso = row.get("where_coordinates") or "", _country_iso(row.get("country"))
    if known is not None and name:
        for kind, unit in (("district", row.get("adm_2")), ("governorate", row.get("adm_1")), ("country", row.get("country"))):
            if unit and name == unit:
                match = known.unit(iso, kind, unit)
                if match is not None:
                    return match["point"] if match["point"] else (None, None)
        place = known_place(known, row.get("country"), row.get("adm_1"), row.get("adm_2"), name, row.get("latitude"), row.get("longitude"))
        if place is not None:
            return place["point"]
    return row.get("latitude"), row.get("longitude")


def frontier_rows(ok, band_km: float = BAND_KM, known=None):
    """The rows of a checked GED frame (importers.ucdp_read.normalise) whose event lies in the band, in their order."""
    import polars as pl

    box = _box(band_km)
    cols = ["where_coordinates", "country", "adm_1", "adm_2", "latitude", "longitude"]
    keep = [in_band(*drawn_point(dict(zip(cols, values)), known), band_km=band_km, box=box) for values in ok.select(cols).iter_rows()]
    return ok.filter(pl.Series(keep, dtype=pl.Boolean))


# The committed UCDP layers of datapackage/: the files they are imported from (paths inside ../shared/external/),
# fullest first, and the UCDP Candidate files. docs/frontier.md gives the command; tests/test_frontier_layer.py
# re-imports them and compares byte for byte.
LAYER_FILES = (
    "ucdp-ged-syria-652-1601-1911/ged_syria_652_1601_1911.csv.gz",  # GED 19.1, Syria, 2016-2019, full schema
    "ucdp-ged191-iraq-hdx/conflict_data_irq.csv.gz",  # GED 19.1, every event located in Iraq, 1989-2018, full schema (HDX)
    "ucdp-ged201-syria-iraq-csif/ged201_csif_all.csv.gz",  # GED 20.1 extract: year only, for what the 19.1 files lack
)
CANDIDATE_FILES = (
    "ucdp-candidate-2026-iraq/GEDEvent_v26_01_26_06__iraq_rows.csv",  # Candidate 26.0.1-26.0.6, rows located in Iraq
    "ucdp-candidate-2026-iraq/GEDEvent_v26_0_7__iraq_rows.csv",  # Candidate 26.0.7, rows located in Iraq
)
