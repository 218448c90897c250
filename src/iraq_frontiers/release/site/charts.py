"""The site's charts, drawn with Vega-Lite (through Altair) and rendered to SVG when the site is built.

SVG made at build time needs no script in the browser: the charts show with JavaScript off, from
file://, offline. Each SVG is inlined into its page (so map points can be links); its ids are
prefixed so two charts on one page cannot collide.
"""
from __future__ import annotations

import json
import math
import re
from functools import cache
from pathlib import Path
from typing import Any

VENDOR = Path(__file__).resolve().parent / "vendor"
# The map window (degrees) and its width in pixels. The projection is fixed (equirectangular with
# explicit scale and translate, not fitted to the data) so every map, and the small map of each
# event page, shares one basemap and the same point positions.
WEST, SOUTH, EAST, NORTH = 30.0, 26.0, 56.0, 42.5
MAP_WIDTH = 640
SCALE = MAP_WIDTH / math.radians(EAST - WEST)
MAP_HEIGHT = round(SCALE * math.radians(NORTH - SOUTH))
TRANSLATE = (-SCALE * math.radians(WEST), SCALE * math.radians(NORTH))
PROJECTION = {"type": "equirectangular", "scale": SCALE, "translate": list(TRANSLATE)}
# Vega resolves hrefs against its loader's base URL; the converter's default base is prefixed to each link.
_LOADER_BASE = re.compile(r'(xlink:href|href)="https?://vega\.github\.io/vega-datasets/')


def project(lon: float, lat: float) -> tuple[float, float]:
    """Pixel position of a point on the map (the same formula Vega applies to PROJECTION)."""
    return SCALE * math.radians(lon) + TRANSLATE[0], -SCALE * math.radians(lat) + TRANSLATE[1]


@cache
def countries() -> dict[str, Any]:
    """Natural Earth country outlines of the map window (vendor/README.md says where they come from)."""
    return json.loads((VENDOR / "countries-region.geojson").read_text(encoding="utf-8"))


def to_svg(chart, prefix: str) -> str:
    """Render an Altair chart to SVG text, ids prefixed, links relative to the page."""
    import vl_convert

    from iraq_frontiers.release.site.visible import visible_values

    svg = vl_convert.vegalite_to_svg(visible_values(chart.to_dict()))  # a control character in the data aborts vl-convert
    svg = _LOADER_BASE.sub(r'\1="', svg)
    # The converter numbers clip paths across calls: renumber them per chart so builds are byte-identical.
    ids = {old: f"{prefix}-{i}" for i, old in enumerate(dict.fromkeys(re.findall(r'\bid="([^"]+)"', svg)), 1)}
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{ids[m.group(1)]}"', svg)
    svg = re.sub(r'url\(#([^)]+)\)', lambda m: f"url(#{ids.get(m.group(1), m.group(1))})", svg)
    svg = re.sub(r"(-?\d+\.\d{2})\d+", r"\1", svg)  # two decimals of a pixel are plenty, and halve the file
    svg = svg.replace(' opacity="1"', "")  # the default, written on every mark and label by the converter
    svg = svg.replace("<svg ", f'<svg role="img" aria-labelledby="{prefix}-caption" ', 1)
    return svg[svg.index("<svg"):]


def _base_layer():
    import altair as alt

    return alt.Chart(alt.Data(values=countries()["features"])).mark_geoshape(
        fill="#eeeae2", stroke="#8a8172", strokeWidth=0.6).encode(tooltip=alt.Tooltip("properties.name:N", title="country"))


def _geo_chart(layers):
    import altair as alt

    return alt.layer(*layers).project(**PROJECTION).properties(width=MAP_WIDTH, height=MAP_HEIGHT).configure_view(stroke="#8a8172")


def basemap_svg() -> str:
    """The country outlines alone, without padding, so `project` gives pixel positions on it
    (the background of each event's small map)."""
    return to_svg(_geo_chart([_base_layer()]).properties(padding=0), "basemap")


def timeline_svg(months: list[dict[str, Any]], by_origin: bool, colour: str = "frontier", colour_title: str = "frontier") -> str:
    """Events per month, stacked by `colour`; with origins, one chart per origin, each with its own y scale (the
    curated events stay visible beside the imported layer's hundreds)."""
    import altair as alt

    # Bars are not described one by one (hundreds of them): the table under the chart holds the same numbers.
    chart = alt.Chart(alt.Data(values=months)).mark_bar(aria=False).encode(
        x=alt.X("month:T", title="month (event start)", timeUnit="yearmonth"),
        y=alt.Y("events:Q", title="events", stack="zero", axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color(f"{colour}:N", title=colour_title, scale=alt.Scale(scheme="tableau10")),
    ).properties(width=MAP_WIDTH, height=130)
    if by_origin:
        chart = chart.encode(row=alt.Row("origin:N", title="layer (origin)", header=alt.Header(labelAngle=0, labelAlign="left")))
        chart = chart.resolve_scale(y="independent")
    return to_svg(chart, "timeline")


def years_svg(rows: list[dict[str, Any]], value: str, title: str, prefix: str, colour: str | None = None,
              colours: dict[str, str] | None = None) -> str:
    """A bar per year (stacked by `colour` when given): the border pages' events by year and layer, deaths by year."""
    import altair as alt

    known = sorted(int(r["year"]) for r in rows if str(r["year"]).isdigit())
    domain = [str(y) for y in range(known[0], known[-1] + 1)] if known else []
    domain += sorted({str(r["year"]) for r in rows} - set(domain))  # "unknown" last; every year between shown, empty or not
    enc = {"x": alt.X("year:O", title="year (event start)", scale=alt.Scale(domain=domain), axis=alt.Axis(labelAngle=0)),
           "y": alt.Y(f"{value}:Q", title=title, stack="zero", axis=alt.Axis(tickMinStep=1, format="d"))}
    if colour:
        scale = alt.Scale(domain=list(colours), range=list(colours.values())) if colours else alt.Scale(scheme="tableau10")
        enc["color"] = alt.Color(f"{colour}:N", title="layer (origin)", scale=scale)
    chart = alt.Chart(alt.Data(values=rows)).mark_bar(aria=False, color="#8c2d04").encode(**enc).properties(width=520, height=160)
    return to_svg(chart, prefix)
