"""The generated coverage summary: in the README (kept current by test_metadata's generated-docs test)
and the release notes, and its counts agree with the tables counted independently."""
from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path

from iraq_frontiers.release.coverage import COVERAGE_END, COVERAGE_START, coverage_markdown
from iraq_frontiers.release.tables import read_tables
from iraq_frontiers.release.notes import release_notes

REPO = Path(__file__).resolve().parents[1]


def _section(md: str, title: str) -> list[list[str]]:
    block = md.split(f"# {title}\n", 1)[1].split("\n#", 1)[0]
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in block.splitlines() if line.startswith("|")]
    return rows[2:]  # without header and rule


def test_counts_agree_with_the_tables():
    md = coverage_markdown(read_tables(REPO / "datapackage"))
    with (REPO / "datapackage" / "events.csv").open(encoding="utf-8", newline="") as fh:
        events = list(csv.DictReader(fh))
    by_origin = Counter(e["origin"] for e in events)
    layer = {r[0]: int(r[1].replace(",", "")) for r in _section(md, "By layer")}
    assert layer == dict(by_origin)
    deaths = {r[0]: int(r[3].replace(",", "")) for r in _section(md, "By layer")}
    assert deaths == {o: sum(int(e["fatalities_best"] or 0) for e in events if e["origin"] == o) for o in by_origin}
    for title in ("By area", "By year", "By type", "By status"):
        assert sum(int(r[-1].replace(",", "")) for r in _section(md, title)) == len(events), title
    years = {r[0]: int(r[-1].replace(",", "")) for r in _section(md, "By year")}
    assert years == dict(Counter(e["date_start"][:4] or "—" for e in events))
    statuses = {r[0]: int(r[-1].replace(",", "")) for r in _section(md, "By status")}
    assert statuses == dict(Counter(e["status"] for e in events))
    ucdp_years = sorted(int(e["date_start"][:4]) for e in events if e["origin"].startswith("ucdp-"))
    assert "Not covered" in md and f"{ucdp_years[0]}–{ucdp_years[-1]}" in md


def test_readme_and_release_notes_carry_it():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start, end = readme.index(COVERAGE_START), readme.index(COVERAGE_END)
    assert readme.index("## The data") < start < end and "### Coverage" in readme[start:end]
    notes = release_notes("9.9.9", None, {"events": 1}, {}, coverage=coverage_markdown(read_tables(REPO / "datapackage"), heading_level=2))
    assert re.search(r"^## Coverage$", notes, re.M) and notes.index("## Coverage") < notes.index("## Tables")
    assert "## Sources and attribution" in notes and "Sundberg and Melander (2013)" in notes  # CC BY 4.0 attribution
