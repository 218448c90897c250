"""Coordinates that cannot belong to their country: the usual sign of swapped latitude/longitude.

Range constraints alone cannot catch a swap in this region (Mosul at 36.3 N 43.1 E swapped is
43.1 N 36.3 E: both in range). Each point of `locations` with a `country` listed below must lie in
that country's bounding box (rounded outward, plus a margin of COUNTRY_MARGIN degrees), or it is a
`coordinates-outside-country` problem. For Iraq and Iran a swap can never pass (their longitudes
all exceed their latitudes' range); for Syria and Turkey most swaps are caught. Countries not
listed (or locations without a country, such as borders) are not checked.
"""
from __future__ import annotations

from iraq_frontiers.problems import Problem, ProblemList

COUNTRY_MARGIN = 0.5
# ISO 3166-1 alpha-2 -> (south, north, west, east) in degrees, WGS84.
COUNTRY_BOXES: dict[str, tuple[float, float, float, float]] = {
    "IQ": (29.0, 37.4, 38.7, 48.7),
    "SY": (32.3, 37.4, 35.7, 42.4),
    "TR": (35.8, 42.2, 25.6, 44.9),
    "IR": (25.0, 39.8, 44.0, 63.4),
    "JO": (29.1, 33.4, 34.9, 39.4),
    "LB": (33.0, 34.7, 35.1, 36.7),
    "KW": (28.5, 30.1, 46.5, 48.5),
    "SA": (16.3, 32.2, 34.5, 55.7),
    "IL": (29.4, 33.4, 34.2, 35.9),
    "PS": (31.2, 32.6, 34.2, 35.6),
    "EG": (21.9, 31.7, 24.6, 37.0),
    "AM": (38.8, 41.3, 43.4, 46.7),
    "AZ": (38.3, 42.0, 44.7, 50.7),
    "GE": (41.0, 43.6, 40.0, 46.8),
    "CY": (34.5, 35.7, 32.2, 34.6),
    "GB": (49.8, 60.9, -8.7, 1.8),
}


def check_coordinates(t) -> list[Problem]:
    """Locations whose point falls outside their country's box (integrity.Tables `t`)."""
    if not t.usable("locations", "country", "latitude", "longitude"):
        return []
    m = COUNTRY_MARGIN
    boxes = ", ".join(f"('{c}', {s - m}, {n + m}, {w - m}, {e + m})" for c, (s, n, w, e) in COUNTRY_BOXES.items())
    extra = f"JOIN (VALUES {boxes}) AS b(country, s, n, w, e) ON b.country = t.country"
    where = "t.latitude IS NOT NULL AND t.longitude IS NOT NULL AND (t.latitude NOT BETWEEN b.s AND b.n OR t.longitude NOT BETWEEN b.w AND b.e)"
    data = t.tables["locations"]
    select = "[CAST(t.latitude AS VARCHAR), CAST(t.longitude AS VARCHAR), t.country]"
    problems = ProblemList()
    for row, key, (lat, lon, country) in t.rows("locations", select, where, extra, count=(problems, "coordinates-outside-country", "latitude")):
        problems.append(Problem("coordinates-outside-country",
                                f"point (latitude {lat}, longitude {lon}) lies outside the bounding box of {country}; are latitude and longitude swapped?",
                                table="locations", field="latitude", row=row, key=key, value=[lat, lon], file=getattr(data, "file", None)))
    return problems
