"""The UCDP GED importer: constructed rows (every mapping rule, rejected rows reported) and the
real GED Syria 19.1 extract (every row accounted for, deaths preserved, package valid)."""
from __future__ import annotations

import csv
import gzip
import json
import os
from pathlib import Path

import pytest

from iraq_frontiers import validate
from iraq_frontiers.cli.app import main
from iraq_frontiers.importers.ucdp_mapping import REQUIRED_COLUMNS
from iraq_frontiers.importers.ucdp_read import parse_source_entries
from iraq_frontiers.importers.ucdp import import_ged

REPO = Path(__file__).resolve().parents[1]
GED_SYRIA = "ucdp-ged-syria-652-1601-1911"
COLUMNS = ["id", "year", "active_year", "type_of_violence", "conflict_new_id", "conflict_name", "dyad_new_id", "dyad_name",
           "side_a_new_id", "side_a", "side_b_new_id", "gwnob", "side_b", "number_of_sources", "source_article", "source_office",
           "source_date", "source_headline", "source_original", "where_prec", "where_coordinates", "adm_1", "adm_2", "latitude",
           "longitude", "geom_wkt", "priogrid_gid", "country", "country_id", "region", "event_clarity", "date_prec", "date_start",
           "date_end", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "low", "best", "high"]


def ged_row(**kw) -> dict[str, str]:
    row = {c: "" for c in COLUMNS}
    row.update(id="1", year="2017", active_year="1", type_of_violence="1", conflict_new_id="299", conflict_name="Syria: Government",
               dyad_new_id="11973", dyad_name="Government of Syria - IS", side_a_new_id="118", side_a="Government of Syria",
               side_b_new_id="234", side_b="IS", number_of_sources="1", source_article='"SOHR,2017-05-02,Clashes near a town"',
               source_office="SOHR", source_date="2017-05-02", source_headline="Clashes near a town", source_original="SOHR",
               where_prec="1", where_coordinates="Deir ez Zor town", adm_1="Deir ez Zor Governorate", adm_2="Deir ez Zor district",
               latitude="35.33588", longitude="40.14084", country="Syria", country_id="652", region="Middle East", event_clarity="1",
               date_prec="1", date_start="2017-05-02", date_end="2017-05-02", deaths_a="2", deaths_b="3", deaths_civilians="1",
               deaths_unknown="0", low="6", best="6", high="8")
    row.update({k: str(v) for k, v in kw.items()})
    return row


def write_ged(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    return path


def read(out: Path, table: str) -> list[dict[str, str]]:
    with (out / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def constructed(tmp_path) -> tuple[Path, object]:
    rows = [
        ged_row(),  # 1: plain state-based, exact day and place
        ged_row(id="2", type_of_violence="3", side_a_new_id="234", side_a="IS", side_b_new_id="1", side_b="Civilians",
                deaths_a="0", deaths_b="0", deaths_civilians="5", low="5", best="5", high="5", where_prec="4",
                where_coordinates="Deir ez Zor Governorate", adm_2="", latitude="35.0", longitude="40.5",
                date_prec="4", date_start="2017-05-10", date_end="2017-06-03"),  # one-sided, month window, governorate
        ged_row(id="3", type_of_violence="2", side_a_new_id="7056", side_a="Ahrar al-Sham, HTS, Southern Front",
                side_b_new_id="234", side_b="IS", number_of_sources="2",
                source_article='"SOHR,2017-05-03,First report";"Reuters,2017-05-04,Second; with a semicolon"',
                source_office="SOHR;Reuters", source_date="2017-05-03;2017-05-04", source_headline="First report;Second; with a semicolon",
                date_prec="2", date_start="2017-05-01", date_end="2017-05-04", where_prec="2"),  # multi-group side, two sources, week
        ged_row(id="4", side_b_new_id="6815", side_b="HTS", low="9", best="4", high="3"),  # low/high do not bracket best
        ged_row(id="5", date_start="not a date"),  # rejected
        ged_row(id="1"),  # duplicate id: both rows with id 1 are rejected
        ged_row(id="6", date_prec="5", date_start="2016-11-20", date_end="2017-01-15", where_prec="6", where_coordinates="Syria",
                adm_1="", adm_2="", latitude="35", longitude="38"),  # year window across two years, country
    ]
    src = write_ged(tmp_path / "ged_test.csv", rows)
    out = tmp_path / "out"
    return out, import_ged(src, out)


def test_constructed_rows_are_accounted_for_and_valid(constructed):
    out, result = constructed
    assert result.rows_read == 7
    rejected = {(r.row, r.ucdp_id): r.reasons for r in result.rejected}
    assert set(rejected) == {(1, "1"), (5, "5"), (6, "1")}
    assert any("date" in reason for reason in rejected[(5, "5")])
    assert all("repeats" in " ".join(rejected[k]) for k in ((1, "1"), (6, "1")))
    assert result.events_written + len(result.rejected) == result.rows_read
    assert [w.ucdp_id for w in result.warnings] == ["4"]
    report = validate(out)
    assert report.valid, report.format_text()
    assert json.loads((out / "import-report.json").read_text())["accounted_for"] is True


def test_constructed_mapping(constructed):
    out, _ = constructed
    ev = {r["id"]: r for r in read(out, "events")}
    assert ev["evt-ucdp-2"]["type"] == "one_sided_violence" and ev["evt-ucdp-2"]["fatalities_civilians"] == "5"
    assert (ev["evt-ucdp-2"]["date_start"], ev["evt-ucdp-2"]["date_end"], ev["evt-ucdp-2"]["date_precision"]) == ("2017-05-01", "2017-06-30", "month")
    assert "2017-05-10 to 2017-06-03" in ev["evt-ucdp-2"]["notes"]
    assert ev["evt-ucdp-2"]["location_precision"] == "governorate"
    assert (ev["evt-ucdp-3"]["date_start"], ev["evt-ucdp-3"]["date_end"], ev["evt-ucdp-3"]["date_precision"]) == ("2017-05-01", "2017-05-04", "week")
    assert ev["evt-ucdp-3"]["type"] == "armed_clash" and ev["evt-ucdp-3"]["location_precision"] == "near"
    assert (ev["evt-ucdp-4"]["fatalities_low"], ev["evt-ucdp-4"]["fatalities_best"], ev["evt-ucdp-4"]["fatalities_high"]) == ("4", "4", "4")
    assert "low 9 and high 3" in ev["evt-ucdp-4"]["notes"]
    assert (ev["evt-ucdp-6"]["date_start"], ev["evt-ucdp-6"]["date_end"], ev["evt-ucdp-6"]["date_precision"]) == ("2016-01-01", "2017-12-31", "year")
    assert ev["evt-ucdp-6"]["location_precision"] == "country" and ev["evt-ucdp-6"]["location_id"] == "loc-ucdp-syria"
    assert all(e["status"] == "reported" for e in ev.values())
    for table in ("sources", "events", "claims"):  # every imported row names its layer
        assert {r["origin"] for r in read(out, table)} == {"ucdp-ged"}, table

    ea = {(r["event_id"], r["actor_id"]): r for r in read(out, "event_actors")}
    assert ea[("evt-ucdp-2", "act-ucdp-234")]["role"] == "perpetrator" and ea[("evt-ucdp-2", "act-ucdp-1")]["role"] == "target"
    # the multi-group side: the coalition row carries deaths_a; each member has its own row
    assert ea[("evt-ucdp-3", "act-ucdp-7056")]["fatalities"] == "2"
    members = {a for (e, a) in ea if e == "evt-ucdp-3"} - {"act-ucdp-7056", "act-ucdp-234"}
    assert members == {"act-ucdp-6815", "act-ucdp-name-ahrar-al-sham", "act-ucdp-name-southern-front"}  # HTS has its own id (event 4)
    actors = {r["id"]: r for r in read(out, "actors")}
    assert actors["act-ucdp-7056"]["kind"] == "coalition" and actors["act-ucdp-1"]["kind"] == "civilians"
    assert actors["act-ucdp-118"]["kind"] == "state" and actors["act-ucdp-118"]["country"] == "SY"
    assert actors["act-ucdp-234"]["external_ids"] == "ucdp:234"
    rel = {(r["subject_id"], r["object_id"]) for r in read(out, "actor_relations")}
    assert ("act-ucdp-6815", "act-ucdp-7056") in rel and len(rel) == 3

    claims = [c for c in read(out, "claims") if c["event_id"] == "evt-ucdp-3"]
    assert len(claims) == 2 and {c["stance"] for c in claims} == {"reports"}
    sources = {r["id"]: r for r in read(out, "sources")}
    second = sources[claims[1]["source_id"]]
    assert (second["publisher"], second["published_date"], second["title"]) == ("Reuters", "2017-05-04", "Second; with a semicolon")
    assert second["kind"] == "dataset_record" and second["sha256"] == "" and second["text_length"] == ""

    locs = {r["id"]: r for r in read(out, "locations")}
    town = locs[ev["evt-ucdp-3"]["location_id"]]
    assert town["kind"] == "town" and town["coordinate_precision"] == "settlement"
    assert locs[town["parent_id"]]["kind"] == "district"
    assert locs[locs[town["parent_id"]]["parent_id"]]["kind"] == "governorate"


def test_parse_source_entries_keeps_semicolons_inside_quotes():
    got = parse_source_entries('"A,2017-01-01,x; y";"B,2017-01-02,z"', "A;B", "2017-01-01;2017-01-02", "x; y;z")
    assert [(o, d, h) for _, o, d, h in got] == [("A", "2017-01-01", "x; y"), ("B", "2017-01-02", "z")]


def test_cli_import_and_errors(tmp_path, capsys):
    src = write_ged(tmp_path / "g.csv", [ged_row()])
    assert main(["import", "ucdp-ged", str(src), "--out", str(tmp_path / "o"), "--validate"]) == 0
    assert "valid:" in capsys.readouterr().out
    assert main(["import", "ucdp-ged", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o2")]) == 2
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    assert main(["import", "ucdp-ged", str(tmp_path / "bad.csv"), "--out", str(tmp_path / "o3")]) == 2
    assert "missing column" in capsys.readouterr().err
    assert main(["import", "ucdp-ged", str(src), "--out", str(tmp_path / "o")]) == 2  # not empty without --force


def external_dir() -> Path | None:
    if os.environ.get("IRAQ_FRONTIERS_EXTERNAL"):
        p = Path(os.environ["IRAQ_FRONTIERS_EXTERNAL"]) / GED_SYRIA
    else:
        p = REPO.parent / "shared" / "external" / GED_SYRIA
    return p if (p / "ged_syria_652_1601_1911.csv.gz").is_file() else None


def test_real_ged_syria_import(tmp_path):
    """GED Syria 2016-01..2019-11 (16,566 events, CC BY 4.0): every row accounted for, deaths kept, valid."""
    folder = external_dir()
    if folder is None:
        pytest.skip(f"{GED_SYRIA} not found (set IRAQ_FRONTIERS_EXTERNAL to the folder holding it, or provide ../shared/external)")
    src = folder / "ged_syria_652_1601_1911.csv.gz"
    with gzip.open(src, "rt", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert set(REQUIRED_COLUMNS) <= set(header)
    out = tmp_path / "ged"
    result = import_ged(src, out)
    assert result.rows_read == 16566
    assert result.events_written + len(result.rejected) == 16566 and not result.rejected
    assert result.best_deaths_read == result.best_deaths_written == 112337
    assert result.seconds < 30
    report = validate(out)
    assert report.valid, report.format_text(limit=20)
    assert report.tables["events"] == 16566
