"""The us-gov layer committed in datapackage/: reproduced byte for byte by its importer, every input row
accounted for, the band rule, the linker's window, statements in our own words, docs/us-gov.md in sync."""
from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from iraq_frontiers.borders import in_band
from iraq_frontiers.importers.layer import merge_layer, split_records
from iraq_frontiers.importers.ucdp_mapping import CORE_TABLES
from iraq_frontiers.importers.usgov import build_layer, import_usgov_into, with_account
from iraq_frontiers.importers.usgov_link import PackageEvent, best_event
from iraq_frontiers.importers.usgov_places import Gazetteer, fold

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "datapackage"
FOLDER = "us-gov-oir-strike-claims"


def _claims_file() -> Path:
    folder = Path(os.environ.get("IRAQ_FRONTIERS_EXTERNAL") or REPO.parent / "shared" / "external")
    if not (folder / FOLDER / "oir_strike_claims.csv").is_file():
        pytest.skip(f"{FOLDER}/ not found (set IRAQ_FRONTIERS_EXTERNAL to the folder holding it, or provide ../shared/external)")
    return folder / FOLDER / "oir_strike_claims.csv"


def _rows(table: str, package: Path = PACKAGE) -> list[dict[str, str]]:
    with (package / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_reimport_reproduces_the_committed_layer_byte_for_byte(tmp_path):
    """Strip the us-gov rows from a copy of datapackage/, import the shared file into it: every CSV equals the committed one."""
    src = _claims_file()
    pkg = tmp_path / "datapackage"
    shutil.copytree(PACKAGE, pkg)
    for table in CORE_TABLES:
        header = split_records((pkg / f"{table}.csv").read_bytes())[0].decode("utf-8")
        assert merge_layer(pkg, table, header, "us-gov")[1] == 0
    assert (pkg / "claims.csv").read_bytes() != (PACKAGE / "claims.csv").read_bytes()  # the strip did remove rows
    result = import_usgov_into(src, pkg)
    assert result.to_dict()["accounted_for"]
    for table in CORE_TABLES:
        assert (pkg / f"{table}.csv").read_bytes() == (PACKAGE / f"{table}.csv").read_bytes(), (
            f"{table}.csv: the import does not reproduce the committed file; rerun `iraq-frontiers import us-gov-claims {src} "
            "--into datapackage --account-md docs/us-gov.md`")


def test_every_row_accounted_for_and_the_done_when_of_issue_23():
    src = _claims_file()
    _tables, result = build_layer(src, PACKAGE, src.parent.parent)
    d = result.to_dict()
    assert d["accounted_for"] and d["rows_read"] == 113
    assert all(o.reason for o in result.outcomes if o.result != "imported")
    claims = [c for c in _rows("claims") if c["origin"] == "us-gov"]
    sources = {s["id"]: s for s in _rows("sources") if s["origin"] == "us-gov"}
    assert len(claims) == d["imported"] >= 30
    assert all(sources[c["source_id"]]["url"].startswith("https://") for c in claims)
    assert all(s["kind"] == "official_statement" and not s["document"] and not s["sha256"] for s in sources.values())
    assert {c["claimant_id"] for c in claims} <= {r["id"] for r in _rows("actors")}
    hosts = [sources[c["source_id"]]["url"].split("/")[2] for c in claims]
    official = sum(h.endswith((".gov", ".mil")) for h in hosts)
    page = (REPO / "docs" / "us-gov.md").read_text(encoding="utf-8")
    assert f"{official} cite defense.gov pages and {len(hosts) - official} the gwot.org copy" in page
    assert all(c["claimant_id"] for c in claims)


def test_kept_claims_lie_in_the_band_and_left_out_ones_do_not():
    src = _claims_file()
    _tables, result = build_layer(src, PACKAGE, src.parent.parent)
    locs = {r["id"]: r for r in _rows("locations")}
    events = {r["id"]: r for r in _rows("events")}
    for c in (c for c in _rows("claims") if c["origin"] == "us-gov"):
        loc = locs[events[c["event_id"]]["location_id"]]
        assert in_band(float(loc["latitude"]), float(loc["longitude"])), c["id"]
    for o in result.outcomes:
        if o.result == "left-out" and o.border_km is not None:
            assert o.border_km > 50, o


def test_events_of_the_layer_follow_the_rules():
    events = [e for e in _rows("events") if e["origin"] == "us-gov"]
    claims = [c for c in _rows("claims") if c["origin"] == "us-gov"]
    assert events and all(e["date_precision"] == "day" and e["location_precision"] == "near" for e in events)
    assert {e["status"] for e in events} == {"confirmed"}  # derived: a party announcing its own strike
    per_event = {}
    for c in claims:
        per_event.setdefault(c["event_id"], []).append(c)
    assert all(e["id"] in per_event for e in events)
    quantities = {q["claim_id"] for q in _rows("claim_quantities") if q["kind"] == "count_strikes"}
    assert {c["id"] for c in claims} <= quantities


def _shingles(text: str, n: int = 8) -> set[tuple[str, ...]]:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def test_statements_share_no_run_of_8_words_with_the_corpus_or_the_seeds():
    shared = Path(os.environ.get("IRAQ_FRONTIERS_SHARED", REPO.parent / "shared"))
    texts = sorted((shared / "sources" / "frontier-corpus" / "texts").glob("*.txt")) + sorted((shared / "seeds").glob("*.txt"))
    if not texts:
        pytest.skip("the corpus texts and seeds are not here (../shared/sources/frontier-corpus/texts, ../shared/seeds)")
    corpus: set[tuple[str, ...]] = set()
    for t in texts:
        corpus |= _shingles(t.read_text(encoding="utf-8", errors="replace"))
    rows = [r for r in _rows("claims") if r["origin"] == "us-gov"] + [r for r in _rows("events") if r["origin"] == "us-gov"]
    for r in rows:
        text = r.get("statement") or r["summary"]
        assert not (_shingles(text) & corpus), (r["id"], sorted(_shingles(text) & corpus)[:2])


def test_docs_page_holds_the_account_of_this_import():
    src = _claims_file()
    _tables, result = build_layer(src, PACKAGE, src.parent.parent)
    page = (REPO / "docs" / "us-gov.md").read_text(encoding="utf-8")
    assert with_account(page, result) == page, "docs/us-gov.md is out of date: rerun the import with --account-md docs/us-gov.md"


def test_places_fold_and_refuse_what_has_no_point():
    assert fold("Al Qā’im") == fold("Qaim") == "qaim" and fold("Ālbū Kamāl") == "albu kamal"
    gaz = Gazetteer([{"id": "loc-x", "name": "Al-Qaim", "aliases": "", "kind": "city", "country": "IQ", "latitude": "34.39",
                      "longitude": "40.99", "coordinate_precision": "settlement"},
                     {"id": "loc-ucdp-y", "name": "Rawah", "aliases": "", "kind": "town", "country": "IQ", "latitude": "34.4",
                      "longitude": "41.9", "coordinate_precision": "settlement"}], [], [])
    place, _ = gaz.locate("Qaim", "Iraq")
    assert place is not None and place.location_id == "loc-x"
    assert gaz.locate("Qaim", "Syria")[0] is None  # the claim's country decides
    assert gaz.locate("Rawah", "Iraq")[0] is None  # an imported layer's row is not reused
    for name, why in (("west of Baghdad", "bearing"), ("Anbar province", "area"), ("(none)", "no place"), ("Kisik", "not in the gazetteers")):
        place, reason = gaz.locate(name, "Iraq")
        assert place is None and why in reason, name


def _event(**kw) -> PackageEvent:
    base = dict(id="evt-ucdp-1", origin="ucdp-ged", type="armed_clash", start=date(2017, 8, 21), end=date(2017, 8, 21), lat=34.45,
                lon=40.92, status="reported", actor_keys=frozenset({"name:coalition", "name:is"}), effects=("supports",))
    base.update(kw)
    return PackageEvent(**base)


def test_link_window_and_the_status_guard():
    roles = {"perpetrator": frozenset({"name:coalition"}), "target": frozenset({"name:is"})}
    day = date(2017, 8, 22)
    curated = _event(id="evt-a", origin="curated", type="airstrike", status="confirmed", effects=("confirms",))
    linked, blocked = best_event([curated], set(), "airstrike", day, day, 34.45, 40.92, roles, "confirms")
    assert linked and linked.event.id == "evt-a" and linked.gap == 1 and blocked is None
    assert best_event([curated], set(), "airstrike", date(2017, 8, 23), date(2017, 8, 23), 34.45, 40.92, roles, "confirms") == (None, None)
    far = _event(id="evt-b", origin="curated", type="airstrike", lat=34.75, status="confirmed", effects=("confirms",))  # 33 km north
    assert best_event([far], set(), "airstrike", day, day, 34.45, 40.92, roles, "confirms") == (None, None)
    other = _event(id="evt-c", origin="curated", type="airstrike", actor_keys=frozenset({"name:is", "state:SY"}), status="confirmed")
    assert best_event([other], set(), "airstrike", day, day, 34.45, 40.92, roles, "confirms") == (None, None)
    ucdp = _event()  # a UCDP event the claim would turn from reported into confirmed: not linked, named instead
    linked, blocked = best_event([ucdp], {"airstrike"}, "airstrike", day, day, 34.45, 40.92, roles, "confirms")
    assert linked is None and blocked.event.id == "evt-ucdp-1"
    assert best_event([ucdp], {"airstrike"}, "airstrike", day, day, 34.45, 40.92, roles, "supports")[0].event.id == "evt-ucdp-1"


def test_cli_reports_an_unreadable_file_with_exit_2(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    run = subprocess.run([sys.executable, "-m", "iraq_frontiers.cli", "import", "us-gov-claims", str(tmp_path / "missing.csv"),
                          "--into", str(tmp_path)], capture_output=True, text=True, env=env)
    assert run.returncode == 2 and "not found" in run.stderr and "Traceback" not in run.stderr
    bad = tmp_path / "oir_strike_claims.csv"
    bad.write_bytes(b"\xff\xfe not utf-8")
    shutil.copytree(PACKAGE, tmp_path / "pkg")
    run = subprocess.run([sys.executable, "-m", "iraq_frontiers.cli", "import", "us-gov-claims", str(bad), "--into", str(tmp_path / "pkg")],
                         capture_output=True, text=True, env=env)
    assert run.returncode == 2 and "cannot be read" in run.stderr and "Traceback" not in run.stderr


def test_a_layer_goes_back_to_its_place_among_the_layers(tmp_path):
    """Re-importing ucdp-ged after us-gov puts its rows before the us-gov rows again (layer.NAMESPACE order)."""
    (tmp_path / "events.csv").write_bytes(b"id,origin\nevt-a,curated\nevt-usgov-1,us-gov\n")
    merge_layer(tmp_path, "events", "id,origin\nevt-ucdp-2,ucdp-ged\n", "ucdp-ged")
    assert (tmp_path / "events.csv").read_bytes() == b"id,origin\nevt-a,curated\nevt-ucdp-2,ucdp-ged\nevt-usgov-1,us-gov\n"
    merge_layer(tmp_path, "events", "id,origin\nevt-usgov-3,us-gov\n", "us-gov")
    assert (tmp_path / "events.csv").read_bytes() == b"id,origin\nevt-a,curated\nevt-ucdp-2,ucdp-ged\nevt-usgov-3,us-gov\n"
