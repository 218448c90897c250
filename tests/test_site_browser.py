"""The release site in a real browser: Debian's chromium, headless, opened from file://
with the network off. DOM assertions on the overview, the codebook and the al-Tanf strike's page; the
event list's filters driven with the keyboard; no console error. Saves the screenshots that README.md
shows into a temporary folder (IRAQ_FRONTIERS_SCREENSHOTS=DIR keeps them); README.md's pictures are made by
build_scripts/screenshots.py. The user's paths tier: .ci/run runs it every time (`pytest --run-paths`).
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from iraq_frontiers.cli.app import main
from iraq_frontiers.release.tables import read_tables

pytestmark = pytest.mark.paths
REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("IRAQ_FRONTIERS_CHROMIUM", "/usr/bin/chromium")
# Headless, and no background traffic: this machine's network is closed (see docs/site.md).
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AL_TANF_STRIKE = "evt-us-strike-pro-government-forces-al-tanf"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser") / "site"
    assert main(["site", str(REPO / "datapackage"), "--out", str(out), "--quiet"]) == 0
    return out


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)  # network off
    pg = context.new_page()
    pg.errors = []
    pg.on("console", lambda m: m.type == "error" and pg.errors.append(m.text))
    pg.on("pageerror", lambda e: pg.errors.append(str(e)))
    pg.on("requestfailed", lambda r: pg.errors.append(f"request failed: {r.url}"))
    yield pg
    context.close()


_SHOTS: list[Path] = []


@pytest.fixture(scope="module", autouse=True)
def _shots_folder(tmp_path_factory):
    _SHOTS[:] = [Path(os.environ.get("IRAQ_FRONTIERS_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))]


def shots() -> Path:
    folder = _SHOTS[0]
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_overview_timeline_and_map(site, page):
    events = read_tables(REPO / "datapackage")["events"]
    page.goto((site / "index.html").as_uri())
    assert page.locator("h1").count() == 1
    assert page.locator("#timeline-caption").is_visible()
    timeline_bars = page.locator("figure.chart svg .mark-rect path")
    assert timeline_bars.count() > 0
    caption = page.locator("#map-caption").inner_text()
    assert f"of {events.num_rows:,} events" in caption
    drawn = int(caption.split("; the ")[1].split(" ")[0].replace(",", ""))
    points = page.locator("#map svg.map a circle")
    titles = points.evaluate_all("cs => cs.map(c => c.querySelector('title') ? c.querySelector('title').textContent : '')")
    # events of a layer at the same pixel share one point, whose tooltip counts them
    counts = [int(m.group(1).replace(",", "")) if (m := re.search(r" · ([\d,]+) events: ", t)) else 1 for t in titles]
    assert sum(counts) == drawn > 0 and f"{len(titles):,} points" in caption
    assert sum(1 for t in titles if t) >= 0.9 * len(titles)
    box = page.locator("#map svg.map").bounding_box()
    assert box["width"] > 300 and box["height"] > 300
    assert page.locator("#map svg.map .band").count() == 1 and page.locator("#map svg.map .boundary").count() >= 3
    page.screenshot(path=str(shots() / "overview.png"))
    page.locator("#map").screenshot(path=str(shots() / "map.png"))
    page.locator("#map svg.map a").first.focus()  # a point is a link to its event, reached by keyboard
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/events" in page.url and page.locator("h1").count() == 1  # an event page, or an imported event's row
    assert page.errors == []


def test_event_list_counts_filters_and_sorts_with_the_keyboard(site, page):
    events = read_tables(REPO / "datapackage")["events"].to_pylist()
    page.goto((site / "events.html").as_uri())
    rows = page.locator("#event-list tbody tr")
    assert rows.count() == len(events)
    assert page.locator("#filters").is_visible()  # the script showed the filters
    wanted = "airstrike"
    page.locator("select[name=type]").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")  # focus is back on the select, reached by keyboard
    page.select_option("select[name=type]", wanted)
    expected = sum(e["type"] == wanted for e in events)
    assert page.locator("#event-list tbody tr:visible").count() == expected
    assert page.locator("#shown").inner_text().startswith(f"{expected} of {len(events)}")
    page.select_option("select[name=year]", "2017")  # the year is on the row, the others in their column
    both = sum(e["type"] == wanted and e["date_start"] is not None and e["date_start"].year == 2017 for e in events)
    assert page.locator("#event-list tbody tr:visible").count() == both
    page.select_option("select[name=year]", "")
    page.locator("input[name=q]").focus()
    page.keyboard.type("Tanf")
    visible = page.locator("#event-list tbody tr:visible")
    found = visible.evaluate_all("rows => rows.map(r => (r.id + ' ' + r.textContent).toLowerCase())")
    assert 0 < len(found) < expected and all("tanf" in t for t in found)
    page.locator("button[type=reset]").focus()
    page.keyboard.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('#event-list tbody tr:not([hidden])').length === {len(events)}")
    header = page.get_by_role("button", name="claims", exact=True)
    header.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # descending
    first = page.locator("#event-list tbody tr").first.get_attribute("id")
    claims = read_tables(REPO / "datapackage")["claims"].to_pylist()
    counts = {e["id"]: sum(c["event_id"] == e["id"] for c in claims) for e in events}
    assert counts[first] == max(counts.values()), first
    assert page.errors == []


def test_al_tanf_strike_page_lists_all_claims_and_links(site, page):
    tables = read_tables(REPO / "datapackage")
    claims = [c for c in tables["claims"].to_pylist() if c["event_id"] == AL_TANF_STRIKE]
    ids = {c["id"] for c in claims}
    links = [link for link in tables["claim_links"].to_pylist() if link["claim_id"] in ids or link["other_claim_id"] in ids]
    page.goto((site / "events" / f"{AL_TANF_STRIKE}.html").as_uri())
    shown = page.locator("table.claims tbody tr.claim")
    assert sorted(shown.evaluate_all("rows => rows.map(r => r.id)")) == sorted(ids)
    sources = {c["source_id"] for c in claims}
    text = page.locator("table.claims").inner_text()
    assert len(sources) >= 2 and all(s in text for s in sources)
    assert page.locator("tr.link").count() == len(links) > 0
    assert page.locator("table.rule tr.applied").count() == 1
    page.screenshot(path=str(shots() / "event.png"), full_page=True)
    assert page.errors == []


def test_border_pages_draw_their_map_and_charts(site, page):
    """Every border page (sy, tr, ir at least): the map (boundary, band, labelled places, points with tooltips that
    open their event), the two charts and the CSV link, no console error. Screenshots of the Syrian border."""
    import csv
    import io
    import zipfile

    pages = sorted((site / "borders").glob("*.html"))
    assert {"sy.html", "tr.html", "ir.html"} <= {p.name for p in pages}
    for p in pages:
        page.goto(p.as_uri())
        assert page.locator("#map svg.map .boundary.focus").count() == 1 and page.locator("#map svg.map .band").count() == 1
        assert page.locator("#map svg.map .place text").count() >= 1
        assert page.locator("#map svg.map a circle title").count() >= 1
        assert page.locator("#years-caption").is_visible() and page.locator("#deaths-caption").is_visible()
        assert page.locator("figure.chart svg .mark-rect path").count() > 0  # the bars are drawn
        box = page.locator("#map svg.map").bounding_box()
        assert box["width"] > 300 and box["height"] > 150
        href = page.locator("p.lead a[download]").get_attribute("href")
        with zipfile.ZipFile(p.parent / href) as z:  # the border's rows of events_flat: one CSV file, zipped
            text = z.read(z.namelist()[0]).decode("utf-8")
            assert len(list(csv.DictReader(io.StringIO(text, newline="")))) > 0
        if p.name == "sy.html":
            page.locator("#map").screenshot(path=str(shots() / "border-sy.png"))
    assert page.errors == []
    page.goto((site / "borders" / "sy.html").as_uri())
    page.locator("#map svg.map a").first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "events" in page.url and page.errors == []


def test_disagreements_page_and_contested_filter(site, page):
    events = read_tables(REPO / "datapackage")["events"].to_pylist()
    contested = [e for e in events if e["contested"]]
    page.goto((site / "disagreements.html").as_uri())
    assert page.locator("section.disagreement").count() == len(contested)
    assert page.locator(".versus").count() >= len(contested)
    page.screenshot(path=str(shots() / "disagreements.png"))
    page.goto((site / "events.html").as_uri())
    page.select_option("select[name=contested]", "yes")
    assert page.locator("#event-list tbody tr:visible").count() == len(contested)
    page.goto((site / "events" / f"{AL_TANF_STRIKE}.html").as_uri())
    assert page.locator("#contested-why").is_visible() == bool(next(e for e in events if e["id"] == AL_TANF_STRIKE)["contested"])
    assert page.errors == []


def test_codebook_renders_without_javascript(site, browser):
    context = browser.new_context(java_script_enabled=False, offline=True)
    pg = context.new_page()
    pg.goto((site / "codebook.html").as_uri())
    assert pg.locator("#table-events").is_visible()
    assert pg.locator("table.fields tbody tr").count() > 100
    assert pg.locator("#status-rule").is_visible()
    context.close()
