"""Which UCDP GED events are "frontier" events: the rule the release's UCDP layer is cut with.

An event is on the frontier when UCDP places it

1. in one of the Syrian governorates that border Iraq along the Euphrates and the Khabur
   (UCDP adm_1 "Deir ez Zor Governorate" or "Al Hasakah Governorate"), or
2. in Homs Governorate within TANF_RADIUS_KM (great-circle) of the al-Tanf point: the
   garrison and border crossing on the Damascus-Baghdad road, where Homs meets Iraq and Jordan.

docs/frontier.md says why, what the rule leaves out and how many events it keeps.
"""
from __future__ import annotations

import math

FRONTIER_GOVERNORATES = ("Deir ez Zor Governorate", "Al Hasakah Governorate")  # UCDP's adm_1 spellings
TANF_GOVERNORATE = "Homs Governorate"
# UCDP GED's point for "At Tanf village" (GED Syria 19.1), the point of the curated location
# loc-al-tanf; GeoNames' cities500 extract has no al-Tanf row (geonames-iq-sy/seed_places_crosswalk.csv).
TANF_POINT = (33.48952, 38.65698)
TANF_RADIUS_KM = 50.0
EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG), as in iraq_frontiers.importers.linking
RULE = (f"UCDP adm_1 is {' or '.join(FRONTIER_GOVERNORATES)}, or adm_1 is {TANF_GOVERNORATE} and the event lies within "
        f"{TANF_RADIUS_KM:g} km of al-Tanf ({TANF_POINT[0]}, {TANF_POINT[1]})")


def km_from_tanf(lat: float | None, lon: float | None) -> float | None:
    """Great-circle distance in km from the al-Tanf point (None without coordinates)."""
    if lat is None or lon is None:
        return None
    p = math.pi / 180
    a = (math.sin((lat - TANF_POINT[0]) * p / 2) ** 2
         + math.cos(lat * p) * math.cos(TANF_POINT[0] * p) * math.sin((lon - TANF_POINT[1]) * p / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def is_frontier(adm_1: str | None, lat: float | None, lon: float | None) -> bool:
    """The rule for one event (UCDP adm_1 and coordinates)."""
    adm_1 = (adm_1 or "").strip()
    if adm_1 in FRONTIER_GOVERNORATES:
        return True
    if adm_1 == TANF_GOVERNORATE:
        km = km_from_tanf(lat, lon)
        return km is not None and km <= TANF_RADIUS_KM
    return False


def frontier_rows(ok):
    """The rows of a checked GED frame (importers.ucdp_read.normalise) that the rule keeps, in their order."""
    import polars as pl

    keep = [is_frontier(a, lat, lon) for a, lat, lon in ok.select("adm_1", "latitude", "longitude").iter_rows()]
    return ok.filter(pl.Series(keep, dtype=pl.Boolean))
