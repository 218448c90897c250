"""Write the static site of a package: overview, codebook, events (list and pages), sources, release.

    write_site(tables, out)              # from typed Arrow tables (the release build passes its own)
    build_site("datapackage", "site/")   # from a package on disk (the `site` command)

Every page is HTML generated from Jinja templates with autoescaping on (the data may come from a
package a user hands us); charts are SVG rendered at build time (charts.py). Nothing is fetched
from the network when the site is opened: styles, script and map outlines ship inside it.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from iraq_frontiers.io.disk import write_bytes
from iraq_frontiers.release.site import charts, maps
from iraq_frontiers.release.site.border_pages import prepare_downloads, write_border_pages
from iraq_frontiers.release.site.frontiers import borders_of
from iraq_frontiers.release.site.evidence import excerpt, external_url, read_source_texts, segments, where_in_text
from iraq_frontiers.release.site.names import page_path, safe_name
from iraq_frontiers.release.site.visible import visible
from iraq_frontiers.release.site.model import CURATED, SiteData, build_model, explain_status

HERE = Path(__file__).resolve().parent
# Rows listed per table and kind of change on the release page: 469 changed events (release 2.0.0) took 270 kB of the
# site's 5 MB; `iraq-frontiers diff OLD NEW` lists every one (RELEASE_NOTES.md shows as many).
CHANGES_SHOWN = 50
Progress = Callable[[str], None]
EXAMPLES = 3  # example values per field in the codebook
# What the overview lists for download: every file at the top of the release (zips, SQLite, Croissant, README,
# citation...) written before the site, and the two package descriptors. SHA256SUMS comes after the site.
RELEASE_DOWNLOADS = ("*", "parquet/datapackage.json", "csv/datapackage.json")


@dataclass
class SiteResult:
    folder: Path
    pages: int
    files: int
    bytes: int
    event_pages: int
    events: int
    mappable: int
    texts_matched: int


def _environment():
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["n"] = lambda v: "" if v is None else f"{v:,}" if isinstance(v, int) and not isinstance(v, bool) else str(v)
    env.filters["name"] = safe_name
    env.filters["external"] = external_url
    env.globals["has_page"] = has_page
    env.filters["short"] = lambda v, k=48: "" if v is None else (str(v) if len(str(v)) <= k else str(v)[:k - 1] + "…")
    return env


def _examples(table, limit: int = EXAMPLES) -> dict[str, list[str]]:
    """Up to `limit` distinct non-empty values per column, in row order."""
    out = {}
    for name in table.column_names:
        seen: list[str] = []
        for value in table.column(name).to_pylist():
            if value is None or value == "" or value == []:
                continue
            text = "|".join(value) if isinstance(value, list) else str(value)
            if text not in seen:
                seen.append(text)
                if len(seen) == limit:
                    break
        out[name] = seen
    return out


def _when(row: dict[str, Any], start: str = "date_start", end: str = "date_end", precision: str = "date_precision") -> str:
    """A date or interval written no finer than it is known: "2014" for a year, "2017-05" for a month."""
    a, b, p = row.get(start), row.get(end), row.get(precision)
    if a is None:
        return "unknown"
    fmt = {"year": "%Y", "month": "%Y-%m"}.get(p, "%Y-%m-%d")
    first, last = a.strftime(fmt), b.strftime(fmt) if b else None
    return first if last in (None, first) else f"{first} – {last}"


def _date(row: dict[str, Any], start: str = "date_start", end: str = "date_end", precision: str = "date_precision") -> str:
    """_when with the precision named, for the pages that show one date at a time."""
    text = _when(row, start, end, precision)
    return text if text == "unknown" else f"{text} (precision: {row.get(precision) or 'unknown'})"


def _downloads(release_dir: Path | None) -> list[dict[str, Any]]:
    if release_dir is None:
        return []
    files = sorted({p for pattern in RELEASE_DOWNLOADS for p in release_dir.glob(pattern) if p.is_file()})
    return [{"path": p.relative_to(release_dir).as_posix(), "bytes": p.stat().st_size,
             "sha256": hashlib.sha256(p.read_bytes()).hexdigest()} for p in files]


def _changes(diff) -> list[dict[str, Any]]:
    """Per changed table: counts and rows; withdrawn rows (a withdrawal reason set) with their reason."""
    if diff is None:
        return []
    out = []
    for t in diff.tables:
        if t.status == "same":
            continue
        withdrawn = [{"key": c["key"], "reason": c["fields"]["withdrawn_reason"]["new"]} for c in t.changed
                     if "withdrawn_reason" in c.get("fields", {}) and c["fields"]["withdrawn_reason"].get("new")]
        out.append({"t": t, "withdrawn": withdrawn})
    return out


# Outside <pre> and the source text (whose spaces are the text's), a page drops its indentation and the end tags HTML
# lets it omit (</td>, </th>, </tr>: a cell ends at the next cell or row, a row at the next row or its table's end).
# Printed data never holds them (it is escaped). Some 0.3 MB of the site's event, source and list pages.
_VERBATIM = re.compile(r'(<pre\b.*?</pre>|<div class="document">.*?</div>)', re.S)


def compact(html: str) -> str:
    parts = _VERBATIM.split(html)
    for i in range(0, len(parts), 2):
        parts[i] = re.sub(r"</t[dhr]>", "", re.sub(r"\n[ \t]+(?=<)", "\n", parts[i]))
    return "".join(parts)


class SiteWriter:
    def __init__(self, data: SiteData, out: Path, texts: dict[str, str], meta: dict[str, Any]):
        self.data, self.out, self.texts, self.meta = data, out, texts, meta
        self.env = _environment()
        self.pages = 0
        self._segments: dict[str, list | None] = {}
        self._anchored: dict[str, set[str]] = {}

    def page(self, template: str, path: str, **context) -> None:
        depth = path.count("/")
        html = self.env.get_template(template).render(root="../" * depth, path=path, meta=self.meta, data=self.data,
                                                        date=_date, when=_when, texts=self.texts, **context)
        target = self.out / path
        if not target.resolve().is_relative_to(self.out.resolve()):  # page paths come from names.page_path: never
            raise ValueError(f"site page {path!r} would be written outside {self.out}")
        target.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(target, visible(compact(html)).encode("utf-8"))  # control and bidi characters shown, not obeyed
        self.pages += 1

    def text_of(self, source: dict[str, Any]) -> str | None:
        return self.texts.get(source.get("sha256") or "")

    def source_segments(self, source: dict[str, Any]) -> list | None:
        """The text on `source`'s page cut at its claims' spans (evidence.segments); None when the page shows no text."""
        key = source.get("id")
        if key not in self._segments:
            text = self.text_of(source)
            spans = [(c["id"], c.get("span_start"), c.get("span_end")) for c in self.data.claims.values()
                     if c["source_id"] == key]
            self._segments[key] = segments(text, spans) if text is not None and has_page(source) else None
        return self._segments[key]

    def anchored(self, source: dict[str, Any]) -> set[str]:
        """The claims whose evidence has an anchor in the text on `source`'s page: the only ones a link may point to
        (a claim without a span, or whose span lies outside the text, has none). Asked once per claim shown: kept."""
        key = source.get("id")
        if key not in self._anchored:
            self._anchored[key] = {cid for seg in self.source_segments(source) or [] for cid in seg.starts}
        return self._anchored[key]

    def where_in(self, claim: dict[str, Any]) -> str | None:
        source = claim["_source"]
        return where_in_text(claim.get("span_start"), claim.get("span_end"), self.text_of(source), source.get("text_length"))

    def evidence(self, claim: dict[str, Any]):
        text = self.text_of(claim["_source"])
        if text is None or claim.get("span_start") is None or claim.get("span_end") is None:
            return None
        return excerpt(text, claim["span_start"], claim["span_end"])


def has_page(source: dict[str, Any]) -> bool:
    """Whether a source has a page: it records its text's sha256 and is curated (imported records have no text to point
    into). write_site writes the pages and the templates link them by this one rule."""
    return bool(source.get("sha256")) and source.get("origin", CURATED) == CURATED


def _month_counts(data: SiteData) -> list[dict[str, Any]]:
    """Events per month, by frontier (the nearest neighbour's name when events_flat says it) and origin."""
    names = {b.code: b.name for b in borders_of(data)}
    where = (lambda e: names.get(str(e.border).upper(), "no own point") if e.border else "no own point") if names else (lambda e: e.frontier)
    c = Counter((e.month, where(e), e.origin or "") for e in data.events if e.month)
    return [{"month": f"{m}-01", "frontier": f, "origin": o, "events": n} for (m, f, o), n in sorted(c.items())]


def map_points(events, root: str = "") -> list[dict[str, Any]]:
    """Each mappable event as a map point: where, its layer, its tooltip (date, type, place, deaths) and its link."""
    out = []
    for e in events:
        if not e.mappable:
            continue
        deaths = e.row.get("fatalities_best")
        place = e.place["name"] if e.place else "no named place"
        title = (f"{_when(e.row)} · {e.row['type'].replace('_', ' ')} · {place} · "
                 + ("deaths not stated" if deaths is None else f"{deaths:,} dead") + (" · contested" if e.contested else ""))
        out.append({"lon": e.longitude, "lat": e.latitude, "layer": e.origin or "events", "contested": e.contested, "title": title,
                    "when": _when(e.row), "sort": str(e.row.get("date_start") or ""), "type": e.row["type"], "place": place,
                    "deaths": deaths, "href": root + e.href})
    return out


LAYER_LABELS = {"curated": "curated here, claim by claim (larger points)", "ucdp-ged": "imported from UCDP GED",
                "events": "events"}


def overview_map(data: SiteData, points: list[dict[str, Any]]) -> dict[str, Any]:
    """The overview map: the frontier region (Iraq and the band around its borders), every border with its band."""
    from iraq_frontiers.release.site.frontiers import borders_module, iraq_box, ranked_places

    module = borders_module()
    lines = module.border_lines() if module and data.has_borders else {}
    band = float(module.BAND_KM) if module and data.has_borders else None
    window = maps.Window(0, 0, 1, 1, 760).around(*iraq_box(charts.countries()["features"]), margin_km=(band or 50) + 60)
    colours = maps.layer_colours(p["layer"] for p in points)
    svg = maps.map_svg(window, countries=charts.countries()["features"], points=points, caption_id="map-caption", colours=colours,
                       lines=lines, band_km=band, places=ranked_places(data)[:40])
    inside = sum(window.holds(p["lon"], p["lat"]) for p in points)
    return {"svg": svg, "marks": len(maps.marks(window, points)), "legend": maps.legend_items(colours, LAYER_LABELS), "drawn": inside, "outside": len(points) - inside,
            "band": band, "neighbours": maps.NEIGHBOUR_COLOURS if lines else {}}


def write_site(tables: dict[str, Any], out: str | os.PathLike, *, meta: dict[str, Any] | None = None,
               release_dir: str | os.PathLike | None = None, diff=None,
               sources_dir: str | os.PathLike | None = None, progress: Progress | None = None) -> SiteResult:
    """Write the site for these typed tables into `out` (created; must not hold anything else)."""
    from iraq_frontiers.release.citation import cite
    from iraq_frontiers.schema.metadata import package_metadata, release_table_names, source_schema, vocabularies

    say = progress or (lambda _m: None)
    out = Path(out)
    meta = meta or dict(package_metadata())
    say("site: joining tables")
    data = build_model(tables)
    wanted = {s.get("sha256") for s in data.by_id["sources"].values() if s.get("sha256")}
    texts = read_source_texts(sources_dir, wanted) if sources_dir is not None else {}
    out.mkdir(parents=True, exist_ok=True)
    (out / "assets").mkdir(exist_ok=True)
    for name in ("site.css", "site.js"):
        write_bytes(out / "assets" / name, (HERE / "static" / name).read_bytes())
    write_bytes(out / "assets" / "LICENSES.md", (HERE / "vendor" / "LICENSES.md").read_bytes())
    w = SiteWriter(data, out, texts, meta)

    say("site: drawing the charts")
    basemap = charts.basemap_svg()
    write_bytes(out / "assets" / "basemap.svg", basemap.encode("utf-8"))
    minimap = {k: int(float(re.search(rf'\b{k}="([0-9.]+)"', basemap).group(1))) for k in ("width", "height")}
    points = map_points(data.events)
    borders = borders_of(data)
    prepare_downloads(borders, tables)
    # The codebook documents the tables of a release that this package has; a link to a table's section (from the
    # overview, a foreign key, the `dictionary` table) is written only when that section is.
    schemas = {t: source_schema(t) for t in release_table_names() if t in tables}
    overview = {
        "by": [("origin", data.counts(lambda e: e.origin or "")) if data.has_origin else None,
               ("frontier", data.counts(lambda e: e.frontier)), ("year", data.counts(lambda e: e.year)),
               ("type", data.counts(lambda e: e.row["type"])), ("status", data.counts(lambda e: e.row["status"]))],
        "timeline": charts.timeline_svg(_month_counts(data), data.has_origin, "frontier",
                                        "nearest border" if borders else "frontier"),
        "months": _month_counts(data),
        "map": overview_map(data, points),
        "mappable": len(points),
        "borders": borders,
        "tables": [(t, tables[t].num_rows) for t in tables],
        "documented": set(schemas),
        "downloads": _downloads(Path(release_dir) if release_dir else None),
    }
    overview["by"] = [b for b in overview["by"] if b]
    say("site: overview and codebook")
    w.page("index.html", "index.html", o=overview)
    w.page("codebook.html", "codebook.html", schemas=schemas, examples={t: _examples(tables[t]) for t in schemas},
           vocabularies=vocabularies(), crosswalks=[t for t in schemas if t.startswith("crosswalk_")],
           rule=explain_status([], {}, False)[0])
    say("site: events")
    w.page("events.html", "events.html", facets=data.facets())
    with_pages = [e for e in data.events if e.has_page]
    for i, e in enumerate(with_pages, 1):
        if i % 200 == 0:
            say(f"site: event pages {i}/{len(with_pages)}")
        w.page("event.html", e.page, e=e, evidence=w.evidence, where_in=w.where_in, anchored=w.anchored, project=charts.project,
               minimap=minimap)
    events = {e.id: e for e in data.events}
    for s in data.by_id["sources"].values():
        if has_page(s):
            w.page("source.html", page_path("sources", s["id"]), s=s, segments=w.source_segments(s), anchored=w.anchored(s),
                   events=events, claims=sorted((c for c in data.claims.values() if c["source_id"] == s["id"]), key=lambda c: c["id"]))
    say("site: borders and disagreements")
    write_border_pages(w, borders)
    w.page("disagreements.html", "disagreements.html", events=[e for e in data.events if e.contested], kinds=vocabularies().get("disagreement_kind", {}))
    w.page("release.html", "release.html", apa=cite("apa"), bibtex=cite("bibtex"), changes=_changes(diff), diff=diff,
           shown=CHANGES_SHOWN)
    w.page("licences.html", "licences.html", licences=(HERE / "vendor" / "LICENSES.md").read_text(encoding="utf-8"))
    files = [p for p in out.rglob("*") if p.is_file()]
    return SiteResult(out, w.pages, len(files), sum(p.stat().st_size for p in files), len(with_pages), len(data.events),
                      len(points), len(texts))


def build_site(package: str | os.PathLike, out: str | os.PathLike, *, sources_dir=None, previous=None,
               progress: Progress | None = None) -> SiteResult:
    """The site of a package on disk (validated by the caller), with changes since `previous` if given."""
    from iraq_frontiers.release.tables import read_tables, with_derived

    tables = with_derived(read_tables(package))
    diff = None
    if previous is not None:  # compared as the release build compares: derived tables included
        from iraq_frontiers.release.diff import diff_snapshots, read_snapshot, snapshot_from_arrow
        from iraq_frontiers.schema.metadata import package_metadata, table_schema

        new = snapshot_from_arrow(str(package), package_metadata()["version"], tables, {t: table_schema(t) for t in tables})
        diff = diff_snapshots(read_snapshot(previous), new)
    return write_site(tables, out, diff=diff, sources_dir=sources_dir, progress=progress)
