"""The page per border (borders/<code>.html) and its download (borders/<code>.csv.zip: exactly that border's
rows of events_flat, every column, written by the release's own CSV writer into a deterministic zip)."""
from __future__ import annotations

from typing import Any

from iraq_frontiers.release.site import charts, maps
from iraq_frontiers.release.site.frontiers import Border, border_rows, borders_module, ranked_places


def _csv_schema(table) -> dict[str, Any]:
    """events_flat's Table Schema, in the table's column order (a column the schema does not know is a string)."""
    from iraq_frontiers.schema.metadata import table_schema

    known = {f["name"]: f for f in table_schema("events_flat")["fields"]}
    return {"fields": [known.get(name, {"name": name, "type": "string"}) for name in table.column_names]}


def _window(b: Border, lines: dict[str, list], band_km: float) -> maps.Window:
    # The boundary and the events of the border within twice the band (a curated event in a capital far away is not
    # worth zooming out for: the caption counts what the window leaves out)
    pts = [(e.longitude, e.latitude) for e in b.events if e.mappable and (e.border_km or 0) <= 2 * band_km]
    pts += [p for line in lines.get(b.code, []) for p in line]
    pts = pts or [(44.0, 33.0)]
    box = (min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts), max(p[1] for p in pts))
    return maps.Window(0, 0, 1, 1, 720).around(*box, margin_km=band_km + 35)


def prepare_downloads(borders: list[Border], tables: dict[str, Any]) -> None:
    """Each border's CSV, or why it has none: a value the CSV form cannot carry (a list item of events_flat holding the
    delimiter `|`, e.g. a source id of a package whose descriptor drops the ids' patterns) leaves the border without a
    download, which its page and the overview then say, rather than a link to a file never written."""
    from iraq_frontiers.io.writers import UnrepresentableValue, csv_text

    for b in borders:
        rows = border_rows(tables, b.code)
        b.rows = rows.num_rows
        try:
            b.download = csv_text(rows, _csv_schema(rows), f"events_flat ({b.code})").encode("utf-8")
        except UnrepresentableValue as exc:
            b.download, b.no_download = None, str(exc)


def write_border_pages(w, borders: list[Border]) -> None:
    """One page and one CSV per border (nothing when the package has no border column); prepare_downloads first."""
    from iraq_frontiers.release.files import write_zip
    from iraq_frontiers.release.site.build import LAYER_LABELS, map_points

    if not borders:
        return
    module = borders_module()
    lines = module.border_lines() if module else {}
    band = float(getattr(module, "BAND_KM", 50.0))
    outlines = charts.countries()["features"]
    (w.out / "borders").mkdir(exist_ok=True)
    for b in borders:
        if b.download is not None:
            write_zip({b.csv_name: b.download}, w.out / b.csv)  # zipped: the Syrian border's 1 MB of CSV is 60 kB
        points = map_points(b.events, "../")
        window = _window(b, lines, band)
        colours = maps.layer_colours(p["layer"] for p in points)
        svg = maps.map_svg(window, countries=outlines, points=points, caption_id="map-caption", colours=colours, lines=lines,
                           band_km=band, places=ranked_places(w.data, b.events), highlight=b.code)
        layer_colours = maps.layer_colours(e.origin or "events" for e in b.events)
        years = b.by_year_and_layer()
        deaths = b.deaths_by_year()
        w.page("border.html", b.page, b=b, borders=borders, band=band,
               map={"svg": svg, "legend": maps.legend_items(colours, LAYER_LABELS),
                    "drawn": sum(window.holds(p["lon"], p["lat"]) for p in points), "points": len(points),
                    "marks": len(maps.marks(window, points))},
               years=years, deaths=deaths, actors=b.actors(),
               years_svg=charts.years_svg([{**r, "origin": r["origin"] or "events"} for r in years], "events", "events", "years",
                                          "origin", layer_colours),
               deaths_svg=charts.years_svg(deaths, "deaths", "deaths (best estimate)", "deaths"),
               csv={"path": b.csv.split("/")[-1], "name": b.csv_name, "rows": b.rows, "bytes": len(b.download or b""),
                    "zipped": (w.out / b.csv).stat().st_size if b.download is not None else None, "problem": b.no_download})
