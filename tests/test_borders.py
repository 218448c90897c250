"""Iraq's land boundary as data (iraq_frontiers.borders): the lines, and distances measured from them."""
from __future__ import annotations

import csv
import math

from hypothesis import given
from hypothesis import strategies as st

from iraq_frontiers import borders


def _haversine(lat1, lon1, lat2, lon2):
    p = math.pi / 180
    a = math.sin((lat2 - lat1) * p / 2) ** 2 + math.cos(lat1 * p) * math.cos(lat2 * p) * math.sin((lon2 - lon1) * p / 2) ** 2
    return 2 * borders.EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def _densified(code, step=0.01):
    """Points every `step` degrees along a border's segments (a brute-force stand-in for the line)."""
    for line in borders.border_lines()[code]:
        for (x0, y0), (x1, y1) in zip(line, line[1:]):
            n = max(1, int(max(abs(x1 - x0), abs(y1 - y0)) / step))
            for i in range(n + 1):
                yield y0 + (y1 - y0) * i / n, x0 + (x1 - x0) * i / n


def test_every_neighbour_has_a_line_and_the_lines_meet_at_the_tripoints():
    lines = borders.border_lines()
    assert set(lines) == set(borders.NEIGHBOURS)
    ends = {code: {p for part in parts for p in (part[0], part[-1])} for code, parts in lines.items()}
    # Iraq's land boundary is one chain from the Gulf coast at Kuwait round to the Shatt al-Arab at Iran
    for a, b in (("TR", "SY"), ("TR", "IR"), ("SY", "JO"), ("JO", "SA"), ("SA", "KW")):
        assert ends[a] & ends[b], (a, b)


def test_a_point_on_a_line_is_at_distance_zero():
    for code, parts in borders.border_lines().items():
        for lon, lat in parts[0][:: max(1, len(parts[0]) // 5)]:
            assert borders.km_to_border(lat, lon, code) < 1e-6


@given(st.floats(28.0, 39.0), st.floats(37.0, 50.0))
def test_distance_is_the_nearest_point_of_the_line(lat, lon):
    found = borders.nearest_border(lat, lon)
    assert found is not None
    code, km = found
    for other in borders.NEIGHBOURS:  # nearest of all six
        assert km <= borders.km_to_border(lat, lon, other) + 1e-9
    # never farther than the nearest densified point, and not nearer than that point less the 0.01-degree step;
    # 0.05 km of slack: the densified points follow straight lines in degrees, the segments are great-circle arcs
    brute = min(_haversine(lat, lon, y, x) for y, x in _densified(code))
    assert km <= brute + 0.05 and brute - km < 1.2


def test_points_from_the_gazetteer_fall_where_the_map_says(repo):
    """Curated places with GeoNames points: border towns are near their border, Baghdad is far from every one."""
    rows = {r["id"]: r for r in csv.DictReader((repo / "datapackage" / "locations.csv").open(encoding="utf-8"))}

    def at(lid):
        return borders.nearest_border(float(rows[lid]["latitude"]), float(rows[lid]["longitude"]))

    assert at("loc-abu-kamal")[0] == "SY" and at("loc-abu-kamal")[1] < 15
    assert at("loc-al-qaim")[0] == "SY" and at("loc-al-qaim")[1] < 15
    assert at("loc-baghdad")[1] > borders.BAND_KM
    assert not borders.in_band(float(rows["loc-baghdad"]["latitude"]), float(rows["loc-baghdad"]["longitude"]))
    assert borders.nearest_border(None, 44.0) is None and borders.nearest_border(float("nan"), 44.0) is None
