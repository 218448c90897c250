"""Iraq's land boundary, split by neighbour, and the distance of a point from it.

The boundary is Natural Earth's 1:50m Admin 0 outlines (public domain), cut into the lines Iraq shares
with each neighbour (build_scripts/vendor_iraq_borders.py writes iraq-land-borders.geojson beside this
module). Every event's `border` and `border_km` (events_flat) and every imported layer's frontier band
(importers/frontier.py) come from here, so the release, the importers and the site measure alike.
Distances are great-circle distances on a sphere of the mean Earth radius, to the nearest point of the
line (not only its vertices). docs/frontier.md gives the line's error against Natural Earth's 1:10m.
"""
from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path

BAND_KM = 50.0  # the frontier band: an imported event is kept when it lies this close to Iraq's land border
EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG), as in importers.linking
NEIGHBOURS = {"SY": "Syria", "TR": "Turkey", "IR": "Iran", "JO": "Jordan", "SA": "Saudi Arabia", "KW": "Kuwait"}
SOURCE = "Natural Earth 4.1.0 Admin 0 countries, 1:50m (public domain)"
DATA = Path(__file__).with_name("iraq-land-borders.geojson")

Line = list[tuple[float, float]]  # (lon, lat) vertices


@lru_cache(maxsize=1)
def _collection() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def border_lines() -> dict[str, list[Line]]:
    """Iraq's boundary with each neighbour (ISO 3166-1 alpha-2 code -> its lines of (lon, lat) vertices)."""
    out: dict[str, list[Line]] = {}
    for feature in _collection()["features"]:
        code, geometry = feature["properties"]["border"], feature["geometry"]
        if code is None:
            continue
        parts = [geometry["coordinates"]] if geometry["type"] == "LineString" else geometry["coordinates"]
        out[code] = [[(float(x), float(y)) for x, y in part] for part in parts]
    return out


def iraq_outline() -> Line:
    """Iraq's outline at the same scale (the ring of (lon, lat) vertices; the sea coast included)."""
    for feature in _collection()["features"]:
        if feature["properties"].get("outline") == "Iraq":
            return [(float(x), float(y)) for x, y in feature["geometry"]["coordinates"][0]]
    raise LookupError(f"{DATA.name}: no Iraq outline")


def _unit(lat: float, lon: float) -> tuple[float, float, float]:
    p, q = math.radians(lat), math.radians(lon)
    return (math.cos(p) * math.cos(q), math.cos(p) * math.sin(q), math.sin(p))


def _cross(a, b):
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def _dot(a, b) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def _angle(a, b) -> float:
    """The angle between two unit vectors (radians), stable for small angles."""
    c = _cross(a, b)
    return math.atan2(math.sqrt(_dot(c, c)), _dot(a, b))


def _unit_segments(lines: list[Line]) -> list[tuple]:
    """Each segment of the lines as its end points' unit vectors and its great circle's unit normal (None: zero length)."""
    out = []
    for line in lines:
        for (x0, y0), (x1, y1) in zip(line, line[1:]):
            a, b = _unit(y0, x0), _unit(y1, x1)
            n = _cross(a, b)
            size = math.sqrt(_dot(n, n))
            out.append((a, b, tuple(v / size for v in n) if size > 0 else None))
    return out


@lru_cache(maxsize=8)
def _segments(key: str) -> tuple:
    """A border's segments as unit vectors, with each segment's normal and a latitude/longitude box."""
    lines = border_lines()[key]
    out = _unit_segments(lines)
    lats = [y for line in lines for _, y in line]
    lons = [x for line in lines for x, _ in line]
    return tuple(out), (min(lats), max(lats), min(lons), max(lons))


def _km_to_segments(p, segments) -> float:
    best = math.inf
    for a, b, n in segments:
        d = min(_angle(p, a), _angle(p, b))
        if n is not None:
            # the point's foot on the segment's great circle lies between its ends: the cross-track distance
            side = _dot(p, n)
            foot = tuple(p[i] - side * n[i] for i in range(3))
            if _dot(_cross(a, foot), n) >= 0 and _dot(_cross(foot, b), n) >= 0:
                d = min(d, abs(math.asin(max(-1.0, min(1.0, side)))))
        best = min(best, d)
    return best * EARTH_RADIUS_KM


def _lower_bound_km(lat: float, lon: float, box) -> float:
    """A distance the point cannot be nearer than to anything inside the box (latitude alone bounds it)."""
    lat0, lat1, _lon0, _lon1 = box
    return max(lat0 - lat, lat - lat1, 0.0) * math.pi / 180 * EARTH_RADIUS_KM


def km_to_border(lat: float, lon: float, code: str) -> float:
    """Great-circle distance (km) from a point to Iraq's boundary with one neighbour."""
    segments, _ = _segments(code)
    return _km_to_segments(_unit(lat, lon), segments)


def km_to_line(lat: float, lon: float, lines: list[Line]) -> float:
    """Great-circle distance (km) from a point to any lines of (lon, lat) vertices."""
    return _km_to_segments(_unit(lat, lon), _unit_segments(lines))


def nearest_border(lat: float | None, lon: float | None) -> tuple[str, float] | None:
    """(the neighbour whose boundary with Iraq is nearest, the distance in km); None without a point."""
    if lat is None or lon is None or not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    p = _unit(lat, lon)
    order = sorted(NEIGHBOURS, key=lambda c: _lower_bound_km(lat, lon, _segments(c)[1]))
    best: tuple[str, float] | None = None
    for code in order:
        segments, box = _segments(code)
        if best is not None and _lower_bound_km(lat, lon, box) >= best[1]:
            continue
        km = _km_to_segments(p, segments)
        if best is None or km < best[1]:
            best = (code, km)
    return best


def in_band(lat: float | None, lon: float | None, band_km: float = BAND_KM) -> bool:
    """The frontier rule for one point: within band_km of Iraq's land border, on either side."""
    found = nearest_border(lat, lon)
    return found is not None and found[1] <= band_km
