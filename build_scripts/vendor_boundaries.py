"""Regenerate src/iraq_frontiers/release/site/vendor/countries-region.geojson (run by hand, rarely).

Input: countries-50m.json from the npm package world-atlas 2.0.2 (Natural Earth 4.1.0 Admin 0
countries, 1:50m, as TopoJSON; `npm pack world-atlas@2.0.2`). Output: the countries whose outline
touches the site's map window, clipped to it, as GeoJSON with coordinates rounded to 0.01 degree, `name` only.

    python build_scripts/vendor_boundaries.py package/countries-50m.json
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

# The map window: Iraq's frontiers and the theatres beside them (lon_min, lat_min, lon_max, lat_max).
WINDOW = (30.0, 26.0, 56.0, 42.5)
OUT = Path(__file__).resolve().parents[1] / "src" / "iraq_frontiers" / "release" / "site" / "vendor" / "countries-region.geojson"


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Absolute lon/lat arcs from a quantized, delta-encoded TopoJSON topology."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(indices: list[int], arcs) -> list[list[float]]:
    points: list[tuple[float, float]] = []
    for i in indices:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        points.extend(arc[1:] if points else arc)  # consecutive arcs share their end point
    out: list[list[float]] = []
    for lon, lat in points:
        p = [round(lon, 2), round(lat, 2)]
        if not out or out[-1] != p:
            out.append(p)
    return out


def clip(points: list[list[float]]) -> list[list[float]]:
    """Sutherland-Hodgman clip of a closed ring to WINDOW (small file: nothing drawn off the map)."""
    x0, y0, x1, y1 = WINDOW
    edges = [(lambda p: p[0] >= x0, 0, x0), (lambda p: p[0] <= x1, 0, x1), (lambda p: p[1] >= y0, 1, y0), (lambda p: p[1] <= y1, 1, y1)]
    for inside, axis, value in edges:
        if not points:
            break
        out = []
        for a, b in zip(points, points[1:] + points[:1]):
            if inside(b):
                if not inside(a):
                    out.append(_cross(a, b, axis, value))
                out.append(b)
            elif inside(a):
                out.append(_cross(a, b, axis, value))
        points = out
    if points and points[0] != points[-1]:
        points.append(points[0])
    return points


def _cross(a, b, axis: int, value: float) -> list[float]:
    t = (value - a[axis]) / (b[axis] - a[axis])
    return [round(a[0] + t * (b[0] - a[0]), 2), round(a[1] + t * (b[1] - a[1]), 2)]


def touches_window(polygons) -> bool:
    x0, y0, x1, y1 = WINDOW
    return any(x0 <= lon <= x1 and y0 <= lat <= y1 for poly in polygons for r in poly for lon, lat in r)


def main(path: str) -> None:
    topology = json.loads(Path(path).read_text(encoding="utf-8"))
    arcs = decode_arcs(topology)
    features = []
    for geom in topology["objects"]["countries"]["geometries"]:
        if geom.get("type") == "Polygon":
            polygons = [geom["arcs"]]
        elif geom.get("type") == "MultiPolygon":
            polygons = geom["arcs"]
        else:
            continue
        rings = [[ring(r, arcs) for r in poly] for poly in polygons]
        if not touches_window(rings):
            continue
        rings = [[clip(r[:-1]) for r in poly] for poly in rings]
        rings = [[r for r in poly if len(r) >= 4] for poly in rings]
        rings = [poly for poly in rings if poly and len(poly[0]) >= 4]
        if not rings:
            continue
        features.append({"type": "Feature", "properties": {"name": geom["properties"]["name"]},
                         "geometry": {"type": "MultiPolygon", "coordinates": rings}})
    features.sort(key=lambda f: f["properties"]["name"])
    OUT.write_text(json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(features)} countries, {OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main(sys.argv[1])
