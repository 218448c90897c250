"""The site's maps, written as SVG by hand (no script, no network): country outlines, Iraq's shared
boundaries with the band around them, labelled places, and events as points that carry a tooltip
(`<title>`: date, type, place, deaths) and link to their event.

The projection is equirectangular with its x axis scaled by cos(latitude) at the window's middle, so
a kilometre is (nearly) as long east-west as north-south on every map: the band of BAND_KM either
side of a boundary is drawn as a stroke 2 × BAND_KM wide along it. Every string that comes from the
data is escaped here (the maps are inlined into pages with `|safe`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from collections import Counter
from itertools import groupby
from html import escape
from typing import Any, Iterable

KM_PER_DEGREE = 111.32
# Colours of the layers (origin) and of the neighbours; a point's colour is its layer's.
LAYER_COLOURS = {"curated": "#c0392b", "ucdp-ged": "#3a6ea5"}
OTHER_LAYER_COLOURS = ("#7b4fa0", "#2e8b57", "#b8860b", "#555555")
NEIGHBOUR_COLOURS = {"SY": "#d95f02", "TR": "#1b9e77", "IR": "#7570b3", "JO": "#e7298a", "SA": "#a6761d", "KW": "#555555"}


def layer_colours(layers: Iterable[str]) -> dict[str, str]:
    """A colour per layer: the known ones fixed, the others in order (stable across builds)."""
    out, spare = {}, list(OTHER_LAYER_COLOURS)
    for name in sorted(set(layers)):
        out[name] = LAYER_COLOURS.get(name) or (spare.pop(0) if spare else "#555555")
    return out


@dataclass(frozen=True)
class Window:
    """A map window in degrees and its width in pixels."""
    west: float
    south: float
    east: float
    north: float
    width: int = 720

    @property
    def kx(self) -> float:
        return math.cos(math.radians((self.south + self.north) / 2))

    @property
    def scale(self) -> float:  # pixels per degree of latitude
        return self.width / ((self.east - self.west) * self.kx)

    @property
    def height(self) -> int:
        return round((self.north - self.south) * self.scale)

    @property
    def px_per_km(self) -> float:
        return self.scale / KM_PER_DEGREE

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.west) * self.kx * self.scale, (self.north - lat) * self.scale

    def holds(self, lon: float, lat: float) -> bool:
        return self.west <= lon <= self.east and self.south <= lat <= self.north

    def around(self, west: float, south: float, east: float, north: float, margin_km: float, min_aspect: float = 0.6,
               width: int | None = None) -> "Window":
        """The window holding a box plus `margin_km` on every side, at least `min_aspect` as high as wide."""
        mid = math.cos(math.radians((south + north) / 2))
        dlat, dlon = margin_km / KM_PER_DEGREE, margin_km / (KM_PER_DEGREE * mid)
        w, s, e, n = west - dlon, south - dlat, east + dlon, north + dlat
        wide, high = (e - w) * mid, n - s
        if high < wide * min_aspect:
            grow = (wide * min_aspect - high) / 2
            s, n = s - grow, n + grow
        elif wide < high / 1.2:  # not taller than wide × 1.2: pages are wider than high
            grow = (high / 1.2 - wide) / 2 / mid
            w, e = w - grow, e + grow
        return Window(round(w, 3), round(s, 3), round(e, 3), round(n, 3), width or self.width)


def _path(window: Window, rings: Iterable[list], close: bool) -> str:
    """Whole pixels (a pixel is 1 to 2 km on these maps), a vertex that rounds onto the one before it left out."""
    parts = []
    for ring in rings:
        pts: list[str] = []
        for lon, lat in ring:
            x, y = window.xy(lon, lat)
            xy = f"{x:.0f} {y:.0f}"
            if not pts or pts[-1] != xy:
                pts.append(xy)
        if len(pts) < 2:
            continue
        parts.append("M" + "L".join(pts) + ("Z" if close else ""))
    return "".join(parts)


def _visible(window: Window, ring: list, margin: float = 1.0) -> bool:
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    return not (max(lons) < window.west - margin or min(lons) > window.east + margin
                or max(lats) < window.south - margin or min(lats) > window.north + margin)


def _countries(window: Window, features: list[dict[str, Any]]) -> str:
    out = []
    for f in features:
        geom = f["geometry"]
        polygons = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        rings = [ring for poly in polygons for ring in poly if _visible(window, ring)]
        d = _path(window, rings, True)
        if d:
            name = escape(str(f["properties"].get("name", "")))
            cls = "iraq" if name == "Iraq" else "country"
            out.append(f'<path class="{cls}" d="{d}"><title>{name}</title></path>')
    return "".join(out)


def map_svg(window: Window, *, countries: list[dict[str, Any]], points: list[dict[str, Any]], caption_id: str,
            colours: dict[str, str], lines: dict[str, list[list[tuple[float, float]]]] | None = None,
            band_km: float | None = None, places: list[dict[str, Any]] | None = None, highlight: str | None = None,
            radius: float = 3.2) -> str:
    """The map as SVG text. points: lon, lat, layer, title, href (and contested: drawn with a ring).
    lines: neighbour code -> polylines of Iraq's shared boundary; `highlight` is drawn with its band.
    places: name, lon, lat (labelled)."""
    w, h = window.width, window.height
    clip = f"{caption_id}-clip"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="map" role="img" aria-labelledby="{caption_id}" '
           f'viewBox="0 0 {w} {h}" width="{w}" height="{h}">',
           f'<defs><clipPath id="{clip}"><rect width="{w}" height="{h}"/></clipPath></defs>',
           f'<rect class="sea" width="{w}" height="{h}"/><g clip-path="url(#{clip})">',
           _countries(window, countries)]
    banded = "".join(_path(window, polylines, False) for code, polylines in sorted((lines or {}).items())
                     if highlight is None or code == highlight)
    if band_km and banded:  # one path: where the bands of two boundaries meet they are not shaded twice
        out.append(f'<path class="band" d="{banded}" stroke-width="{2 * band_km * window.px_per_km:.1f}"><title>{band_km:g} km '
                   f'either side of the boundary</title></path>')
    for code, polylines in sorted((lines or {}).items()):
        d = _path(window, polylines, False)
        if not d:
            continue
        colour = NEIGHBOUR_COLOURS.get(code, "#444")
        out.append(f'<path class="boundary{" focus" if code == highlight else ""}" d="{d}" stroke="{colour}"/>')
    layer_class = {name: f"l{i}" for i, name in enumerate(colours)}  # a class per layer, its fill set once
    out.insert(2, "<style>" + "".join(f".{c} circle{{fill:{colours[n]}}}" for n, c in layer_class.items()) + "</style>")
    # The points of a layer in one group that carries their class; whole pixels. Events of a layer that fall on the same
    # pixel are one mark (UCDP places ~3,100 events at ~460 places): its tooltip counts them, its link is the first.
    # Curated points on top, contested ones above the rest of their layer.
    for (layer, contested), group in groupby(marks(window, points), key=lambda m: (m[0]["layer"], bool(m[0].get("contested")))):
        r = f'{radius * (1.5 if layer == "curated" else 1):.1f}'
        out.append(f'<g class="{layer_class[layer]}{" contested" if contested else ""}">')
        for events in group:
            x, y = window.xy(events[0]["lon"], events[0]["lat"])
            out.append(f'<a href="{escape(events[0]["href"])}"><circle cx="{x:.0f}" cy="{y:.0f}" r="{r}">'
                       f'<title>{escape(mark_title(events))}</title></circle></a>')
        out.append("</g>")
    out.append(_labels(window, places or []))
    out.append("</g>")
    out.append(_scale_bar(window, h))
    out.append("</svg>")
    return "".join(out)


def marks(window: Window, points: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The marks a map draws: the points inside the window grouped by layer, contested and whole pixel, each group
    oldest first; in drawing order (curated on top, contested above the rest of their layer)."""
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for p in points:
        if window.holds(p["lon"], p["lat"]):
            x, y = window.xy(p["lon"], p["lat"])
            groups.setdefault((p["layer"], bool(p.get("contested")), round(x), round(y)), []).append(p)
    drawn = [sorted(g, key=lambda p: p.get("sort") or "") for g in groups.values()]
    return sorted(drawn, key=lambda g: (g[0]["layer"] == "curated", bool(g[0].get("contested")), g[0]["layer"]))


def mark_title(events: list[dict[str, Any]]) -> str:
    """A mark's tooltip. One event: its own title (date, type, place, deaths). Several at one pixel: the first and last
    date, how many and of which types, the place (the most frequent name), the deaths added up (and for how many
    events they are not stated)."""
    if len(events) == 1:
        return events[0]["title"]
    first, last = events[0].get("when") or "unknown", events[-1].get("when") or "unknown"
    types = Counter(str(p.get("type") or "event").replace("_", " ") for p in events).most_common()
    kinds = ", ".join(f"{t} {n:,}" for t, n in types[:3]) + (f", other {sum(n for _, n in types[3:]):,}" if types[3:] else "")
    places = Counter(p.get("place") or "no named place" for p in events).most_common()
    place = places[0][0] + (f" and {len(places) - 1} other place{'s' if len(places) > 2 else ''}" if len(places) > 1 else "")
    known = [p["deaths"] for p in events if p.get("deaths") is not None]
    deaths = "deaths not stated" if not known else f"{sum(known):,} dead" + (
        f" (not stated for {len(events) - len(known):,})" if len(known) < len(events) else "")
    return (f"{first}{'' if last == first else ' – ' + last} · {len(events):,} events: {kinds} · {place} · {deaths}"
            + (" · contested" if events[0].get("contested") else ""))


def _labels(window: Window, places: list[dict[str, Any]], limit: int = 14) -> str:
    """Place names, most important first, skipping a label that would overlap one already placed."""
    placed: list[tuple[float, float, float]] = []
    out = []
    for p in places:
        if not window.holds(p["lon"], p["lat"]):
            continue
        x, y = window.xy(p["lon"], p["lat"])
        name = str(p["name"])
        width = 7.0 * len(name) + 8
        left = x + width + 4 > window.width
        x0 = x - width - 4 if left else x + 4
        if any(abs((x0 + width / 2) - (px + pw / 2)) < (width + pw) / 2 and abs(y - py) < 16 for px, py, pw in placed):
            continue
        placed.append((x0, y, width))
        anchor = ' text-anchor="end"' if left else ""
        out.append(f'<g class="place"><rect x="{x - 2:.1f}" y="{y - 2:.1f}" width="4" height="4"/>'
                   f'<text x="{x - 5 if left else x + 5:.1f}" y="{y + 4:.1f}"{anchor}>{escape(name)}</text></g>')
        if len(placed) == limit:
            break
    return "".join(out)


def _scale_bar(window: Window, h: int) -> str:
    km = next(k for k in (10, 20, 25, 50, 100, 200, 250, 500) if k * window.px_per_km >= 60)
    length = km * window.px_per_km
    return (f'<g class="scale" transform="translate(12 {h - 14})"><path d="M0 -4V0H{length:.1f}V-4"/>'
            f'<text x="{length + 6:.1f}" y="0">{km} km</text></g>')


def legend_items(colours: dict[str, str], labels: dict[str, str]) -> list[dict[str, str]]:
    """What the HTML legend under a map lists: a swatch colour and its meaning per layer."""
    return [{"colour": c, "label": labels.get(name, name), "layer": name} for name, c in colours.items()]
