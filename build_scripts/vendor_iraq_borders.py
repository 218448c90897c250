"""Regenerate src/iraq_frontiers/borders/iraq-land-borders.geojson (run by hand, rarely).

Input: countries-50m.json from the npm package world-atlas 2.0.2 (Natural Earth 4.1.0 Admin 0
countries, 1:50m, as TopoJSON; `npm pack world-atlas@2.0.2`). In a topology two countries that share a
boundary share its arcs, so Iraq's boundary with each neighbour is exactly the arcs Iraq's outline
shares with that neighbour's: no tolerance, no clipping. Output: one LineString per neighbour (ISO
3166-1 alpha-2 code, name) and Iraq's outline, coordinates at the topology's own quantisation.

    python build_scripts/vendor_iraq_borders.py package/countries-50m.json [package/countries-10m.json]

With the 1:10m file beside it, it also prints how far the 1:10m boundary strays from the 1:50m one
(the figure docs/frontier.md quotes as the line's error).
"""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from vendor_boundaries import decode_arcs  # the same TopoJSON decoding (beside this script)

OUT = Path(__file__).resolve().parents[1] / "src" / "iraq_frontiers" / "borders" / "iraq-land-borders.geojson"
IRAQ = "368"
# ISO 3166-1 numeric (the topology's ids) -> alpha-2, name
NEIGHBOURS = {"760": ("SY", "Syria"), "792": ("TR", "Turkey"), "364": ("IR", "Iran"),
              "400": ("JO", "Jordan"), "682": ("SA", "Saudi Arabia"), "414": ("KW", "Kuwait")}


def arc_ids(geometry: dict) -> list[int]:
    out: list[int] = []

    def walk(x):
        if isinstance(x, int):
            out.append(x)
        else:
            for y in x:
                walk(y)
    walk(geometry["arcs"])
    return out


def shared_lines(path: Path) -> tuple[dict[str, list[list[tuple[float, float]]]], list[list[tuple[float, float]]]]:
    topology = json.loads(path.read_text(encoding="utf-8"))
    arcs = [[(round(x, 6), round(y, 6)) for x, y in arc] for arc in decode_arcs(topology)]  # micro-degrees: a stable file
    geometries = {g.get("id"): g for g in topology["objects"]["countries"]["geometries"]}
    iraq_arcs = arc_ids(geometries[IRAQ])
    lines = {}
    for numeric, (code, _name) in NEIGHBOURS.items():
        theirs = {a if a >= 0 else ~a for a in arc_ids(geometries[numeric])}
        # in Iraq's own ring order, so that consecutive shared arcs join into one line
        lines[code] = [arcs[a] if a >= 0 else arcs[~a][::-1] for a in iraq_arcs if (a if a >= 0 else ~a) in theirs]
    outline = [arcs[a] if a >= 0 else arcs[~a][::-1] for a in iraq_arcs]
    return lines, outline


def joined(parts: list[list[tuple[float, float]]]) -> list[list[tuple[float, float]]]:
    out: list[list[tuple[float, float]]] = []
    for part in parts:
        if out and out[-1][-1] == part[0]:
            out[-1] = out[-1] + part[1:]
        else:
            out.append(list(part))
    return out


def main(argv: list[str]) -> int:
    lines, outline = shared_lines(Path(argv[1]))
    features = []
    for numeric, (code, name) in NEIGHBOURS.items():
        parts = joined(lines[code])
        geometry = ({"type": "LineString", "coordinates": parts[0]} if len(parts) == 1
                    else {"type": "MultiLineString", "coordinates": parts})
        features.append({"type": "Feature", "properties": {"border": code, "neighbour": name}, "geometry": geometry})
    ring = [p for part in joined(outline) for p in part]
    features.append({"type": "Feature", "properties": {"border": None, "neighbour": None, "outline": "Iraq"},
                     "geometry": {"type": "Polygon", "coordinates": [ring]}})
    collection = {"type": "FeatureCollection", "name": "iraq-land-borders",
                  "source": "Natural Earth 4.1.0 Admin 0 countries 1:50m (public domain), via world-atlas 2.0.2 (ISC); "
                            "build_scripts/vendor_iraq_borders.py",
                  "features": features}
    OUT.write_text(json.dumps(collection, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")
    if len(argv) > 2:  # the line's error: 1:10m vertices measured against the 1:50m line
        sys.path.insert(0, str(OUT.parents[2]))
        from iraq_frontiers.borders import km_to_line

        fine, _ = shared_lines(Path(argv[2]))
        for code, parts in fine.items():
            coarse = joined(lines[code])
            d = sorted(km_to_line(lat, lon, coarse) for part in parts for lon, lat in part)
            print(f"{code}: 1:10m vertices from the 1:50m line: median {d[len(d) // 2]:.2f} km, "
                  f"95th {d[int(len(d) * 0.95)]:.2f} km, max {d[-1]:.2f} km ({len(d)} vertices)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
