"""The validator's contract: status rule, composite keys, exit codes and machine-readable reports."""
from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys

import duckdb
from hypothesis import given
from hypothesis import strategies as st

from iraq_frontiers.schema.metadata import vocabularies
from iraq_frontiers.validation.status import EFFECTS, contested_sql, derive_contested, derive_status, status_sql
from iraq_frontiers.validation.run import validate


@given(st.sets(st.sampled_from(EFFECTS)), st.booleans())
def test_python_and_sql_status_rules_agree(effects, withdrawn):
    """derive_status (used to draw packages) and status_sql (used by the validator) interpret the same RULES."""
    cols = ", ".join(f"{str(e in effects).upper()} AS has_{e}" for e in EFFECTS)
    sql = f"SELECT {status_sql(str(withdrawn).upper())} FROM (SELECT {cols})"
    assert duckdb.connect().execute(sql).fetchone()[0] == derive_status(effects, withdrawn)


def test_status_rule_cases():
    assert derive_status({"refutes", "supports"}) == "false"
    assert derive_status({"denies", "supports"}) == "disputed"
    assert derive_status({"denies"}) == "denied"
    assert derive_status({"confirms", "supports"}) == "confirmed"
    assert derive_status({"alleges"}) == "alleged"
    assert derive_status({"alleges", "supports"}) == "reported"
    assert derive_status(set()) == "reported"
    assert derive_status({"refutes"}, withdrawn=True) == "withdrawn"


RELATIONS = list(vocabularies()["claim_link_relation"]["values"])
KINDS = [*vocabularies()["disagreement_kind"]["values"], None]


@given(st.lists(st.tuples(st.sampled_from(RELATIONS), st.sampled_from(KINDS), st.sampled_from(["c1", "c2", "c3"]),
                          st.sampled_from(["c1", "c2", "c3"])), max_size=5))
def test_python_and_sql_contested_rules_agree(links):
    """derive_contested (used to draw and curate) and contested_sql (used by the validator) agree, for every event."""
    con = duckdb.connect()
    con.execute("CREATE TABLE claims AS SELECT * FROM (VALUES ('c1', 'e1'), ('c2', 'e1'), ('c3', 'e2')) v(id, event_id)")
    con.execute("CREATE TABLE claim_links (claim_id VARCHAR, relation VARCHAR, other_claim_id VARCHAR, kind VARCHAR)")
    for relation, kind, a, b in links:
        con.execute("INSERT INTO claim_links VALUES (?, ?, ?, ?)", [a, relation, b, kind])
    contested = {r[0] for r in con.execute(contested_sql("claims", "claim_links")).fetchall()}
    event_of = {"c1": "e1", "c2": "e1", "c3": "e2"}
    for event in ("e1", "e2"):
        touching = [(r, k) for r, k, a, b in links if event in (event_of[a], event_of[b])]
        assert (event in contested) == derive_contested(touching)


def test_contested_rule_cases():
    """Every kind of disagreement contests; agreement does not (a condemnation is support for status, yet contests)."""
    for kind in ("factual", "partial", "legitimacy", "framing"):
        assert derive_contested([("contradicts", kind)])
    assert not derive_contested([("supports", None), ("repeats", None)])
    assert not derive_contested([])
    assert derive_status({"supports", "confirms"}) == "confirmed"  # a condemned strike stays confirmed...
    assert derive_contested([("contradicts", "legitimacy")])  # ...and is contested


def _write(folder, name, rows):
    with open(folder / name, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def test_composite_foreign_key_orphans_are_found(tmp_path):
    """A two-field reference is matched as a pair: each half existing separately is not enough."""
    s = {"type": "string", "description": "x"}
    descriptor = {"name": "t", "resources": [
        {"name": "parent", "path": "parent.csv", "format": "csv",
         "schema": {"fields": [{"name": "a", **s}, {"name": "b", **s}], "primaryKey": ["a", "b"]}},
        {"name": "child", "path": "child.csv", "format": "csv",
         "schema": {"fields": [{"name": "id", **s}, {"name": "a", **s}, {"name": "b", **s}], "primaryKey": ["id"],
                    "foreignKeys": [{"fields": ["a", "b"], "reference": {"resource": "parent", "fields": ["a", "b"]}}]}},
    ]}
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor))
    _write(tmp_path, "parent.csv", [["a", "b"], ["x", "1"], ["y", "2"]])
    _write(tmp_path, "child.csv", [["id", "a", "b"], ["c1", "x", "1"], ["c2", "x", "2"], ["c3", "", "9"], ["c4", "y", "2"]])
    report = validate(tmp_path)
    assert [(p.code, p.key) for p in report.problems] == [("foreign-key-orphan", {"id": "c2"})]


def _broken_copy(repo, tmp_path):
    """The curated package with one known error of several classes planted."""
    dst = tmp_path / "pkg"
    shutil.copytree(repo / "datapackage", dst)
    with open(dst / "events.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    fields = list(rows[0])
    rows[0]["type"] = "picnic"  # enum
    rows[1]["summary"] = ""  # required
    rows[2]["location_id"] = "loc-atlantis"  # foreign-key-orphan
    rows.append(dict(rows[3]))  # primary-key-duplicate
    with open(dst / "events.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fields, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    expected = {("enum", rows[0]["id"]), ("required", rows[1]["id"]), ("foreign-key-orphan", rows[2]["id"]),
                ("primary-key-duplicate", rows[3]["id"])}
    return dst, expected


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "iraq_frontiers.cli", *args], capture_output=True, text=True, timeout=300)


def test_cli_valid_invalid_and_unreadable(repo, tmp_path):
    ok = _cli("validate", str(repo / "datapackage"), "--json")
    assert ok.returncode == 0, ok.stdout[-2000:] + ok.stderr[-2000:]
    assert json.loads(ok.stdout)["valid"] is True

    broken, expected = _broken_copy(repo, tmp_path)
    bad = _cli("validate", str(broken), "--json")
    assert bad.returncode == 1, bad.stderr
    report = json.loads(bad.stdout)
    found = {(p["code"], (p["key"] or {}).get("id")) for p in report["problems"] if p["severity"] == "error"}
    assert found == expected
    for p in report["problems"]:
        if p["severity"] == "error":  # the committed data's warnings (source-before-event) come along
            assert p["table"] == "events" and p["file"] == "events.csv" and p["field"] and p["row"] and p["message"]

    text = _cli("validate", str(broken))
    assert text.returncode == 1 and re.search(r"\[enum\] events\.csv line \d+, table events row \d+", text.stdout) and "Traceback" not in text.stderr

    missing = _cli("validate", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "Traceback" not in missing.stderr + missing.stdout

    usage = _cli("validate", "--no-such-flag")
    assert usage.returncode == 2 and "Traceback" not in usage.stderr


def test_help_explains_every_command():
    top = _cli("--help")
    assert top.returncode == 0 and "Exit codes" in top.stdout
    for command in ("validate", "descriptor", "docs", "build", "diff", "synth"):
        out = _cli(command, "--help")
        assert out.returncode == 0 and len(out.stdout) > 200, command


# --- source dates (issue 23): source-date-implausible (an error), source-before-event (a warning) -------------

def _rows(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _rewrite(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def test_a_source_dated_out_of_range_is_an_error(repo, tmp_path):
    """Before 1900 (UCDP's 1753 placeholder) or after the day of validation: source-date-implausible, exit 1."""
    import datetime as dt

    dst = tmp_path / "pkg"
    shutil.copytree(repo / "datapackage", dst)
    sources = _rows(dst / "sources.csv")
    future = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    for row, date in zip(sources[:2], ("1753-01-01", future)):
        row.update(published_date=date, published_date_precision="day")
    _rewrite(dst / "sources.csv", sources)
    report = validate(dst)
    flagged = {(p.key or {}).get("id"): p for p in report.problems if p.code == "source-date-implausible"}
    assert set(flagged) == {sources[0]["id"], sources[1]["id"]}, report.format_text()
    assert {p.value for p in flagged.values()} == {"1753-01-01", future}
    assert all(p.table == "sources" and p.field == "published_date" and p.severity == "error" for p in flagged.values())
    assert not report.valid and report.exit_code == 1


def test_a_claim_citing_a_source_older_than_its_event_is_a_warning(repo, tmp_path):
    """Every claim about a dated event citing the source (redated to 1900-01-01) is warned about; the package stays valid."""
    dst = tmp_path / "pkg"
    shutil.copytree(repo / "datapackage", dst)
    before = {(p.key or {}).get("id") for p in validate(dst).problems if p.code == "source-before-event"}
    sources, claims = _rows(dst / "sources.csv"), _rows(dst / "claims.csv")
    dated = {e["id"] for e in _rows(dst / "events.csv") if e["date_start"]}
    source = next(s for s in sources if s["origin"] == "curated")
    source.update(published_date="1900-01-01", published_date_precision="day")
    _rewrite(dst / "sources.csv", sources)
    expected = {c["id"] for c in claims if c["source_id"] == source["id"] and c["event_id"] in dated}
    assert expected
    report = validate(dst)
    warned = [p for p in report.problems if p.code == "source-before-event"]
    assert {(p.key or {}).get("id") for p in warned} == before | expected, report.format_text()
    assert all(p.severity == "warning" and p.table == "claims" and p.field == "source_id" for p in warned)
    assert report.valid and report.exit_code == 0 and report.warnings == len(before | expected)
    assert "with" in report.format_text() and "warning" in report.format_text()


def test_source_before_event_reads_the_source_date_window():
    """The source predates the event only when its whole window (day, 7-day week, month, year) ends before date_start."""
    from iraq_frontiers.validation.domain import _rules

    rule = next(r for r in _rules() if r.code == "source-before-event")
    cases = [  # (source date, precision, event start, flagged)
        ("2020-05-09", "day", "2020-05-10", True), ("2020-05-10", "day", "2020-05-10", False),
        ("2020-05-01", "week", "2020-05-07", False), ("2020-05-01", "week", "2020-05-08", True),
        ("2020-05-01", "month", "2020-05-31", False), ("2020-05-01", "month", "2020-06-01", True),
        ("2020-01-01", "year", "2020-12-31", False), ("2020-01-01", "year", "2021-01-01", True),
        ("2019-12-01", "month", "2020-01-01", True), (None, "unknown", "2020-01-01", False), ("2020-01-01", "day", None, False),
    ]
    con = duckdb.connect()
    con.execute("CREATE TABLE sources (id VARCHAR, published_date DATE, published_date_precision VARCHAR)")
    con.execute("CREATE TABLE events (id VARCHAR, date_start DATE)")
    con.execute("CREATE TABLE claims (id VARCHAR, source_id VARCHAR, event_id VARCHAR)")
    for i, (date, precision, start, _) in enumerate(cases):
        con.execute("INSERT INTO sources VALUES (?, ?, ?)", [f"s{i}", date, precision])
        con.execute("INSERT INTO events VALUES (?, ?)", [f"e{i}", start])
        con.execute("INSERT INTO claims VALUES (?, ?, ?)", [f"c{i}", f"s{i}", f"e{i}"])
    names = {"sources": "sources", "events": "events"}
    hits = {r[0] for r in con.execute(f"SELECT t.id FROM claims t {rule.join.format(**names)} WHERE {rule.where.format(**names)}").fetchall()}
    assert hits == {f"c{i}" for i, case in enumerate(cases) if case[3]}
