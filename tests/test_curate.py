"""The curation workbench end to end: a sixth article is registered, spanned, claimed, checked and validated.

The article below was written for this test (our own text, not news about real events); it is
added to a copy of the curated package with `iraq-frontiers curate` commands, and the package
must then validate. Also: spans fail closed, quotes are anchored only when unambiguous, and the
duplicate-suspect check flags a place recorded twice.
"""
from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from iraq_frontiers.curate.dupes import suspects
from iraq_frontiers.curate.store import insert_curated, read_rows
from iraq_frontiers.curate.texts import TextError, anchor, span_hash
from iraq_frontiers.validation.run import validate

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "sources" / "frontier-corpus" / "texts"  # curated corpus sources point into it
ARTICLE = """Practice dispatch for the workbench test

Border wardens in the fictional province of Qalat said on Monday that they had opened a new watchtower on the river crossing.
A spokeswoman for the wardens, Dana Rezai, said the tower "will let us see both banks at night".
A farmers' union disputed the account, saying the tower stands on grazing land and was never opened.
"""


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "iraq_frontiers.cli", "curate", *args], cwd=cwd, capture_output=True, text=True)


@pytest.fixture()
def workspace(tmp_path):
    """A copy of the curated package (curated rows only need the CSV files) and a sources folder with the new text."""
    data = tmp_path / "datapackage"
    shutil.copytree(ROOT / "datapackage", data)
    sources = tmp_path / "texts"
    sources.mkdir()
    (sources / "practice_dispatch.txt").write_text(ARTICLE, encoding="utf-8")
    return tmp_path, data, sources


def _span(ws, words, **kw) -> dict:
    extra = [a for k, v in kw.items() for a in (f"--{k}", v)]
    out = run("span", "src-practice", words, "--data", str(ws[1]), "--sources", str(ws[2]), *extra, cwd=ws[0])
    assert out.returncode == 0, out.stderr
    return dict(part.split("=") for part in out.stdout.split())


def test_sixth_article_end_to_end(workspace):
    tmp, data, sources = workspace
    insert_curated(data, "actors", [{"id": "act-practice-wire", "name": "Practice Wire", "kind": "media_outlet",
                                     "description": "A fictional outlet made up for the workbench test."}])
    out = run("add-source", str(sources / "practice_dispatch.txt"), "--id", "src-practice", "--title", "Practice dispatch",
              "--publisher", "Practice Wire", "--publisher-id", "act-practice-wire", "--date", "2024-03-05",
              "--basis", "inferred_from_content", "--notes", "Our own text, written for the workbench test.", "--data", str(data), cwd=tmp)
    assert out.returncode == 0, out.stderr
    row = next(s for s in read_rows(data, "sources") if s["id"] == "src-practice")
    assert int(row["text_length"]) == len(ARTICLE) and row["publisher_id"] == "act-practice-wire"
    assert ARTICLE.splitlines()[2] not in (data / "sources.csv").read_text(encoding="utf-8")  # the text is not copied

    tower = _span((tmp, data, sources), "they had opened a new watchtower on the river crossing")
    union = _span((tmp, data, sources), "A farmers' union disputed the account, saying the tower stands on grazing land and was never opened.")
    assert ARTICLE[int(tower["span_start"]):int(tower["span_end"])] == "they had opened a new watchtower on the river crossing"
    insert_curated(data, "actors", [
        {"id": "act-practice-wardens", "name": "Qalat border wardens", "kind": "state_armed_force", "description": "Fictional border force."},
        {"id": "act-practice-union", "name": "Qalat farmers' union", "kind": "political_organisation", "description": "Fictional union."}])
    insert_curated(data, "events", [{"id": "evt-practice-watchtower", "origin": "curated", "type": "fortification",
                                     "date_start": "2024-03-04", "date_end": "2024-03-04", "date_precision": "day",
                                     "location_precision": "unknown", "summary": "Wardens opened a watchtower at a river crossing.",
                                     "status": "disputed", "contested": True, "is_background": False,
                                     "notes": "'On Monday' before the 5 March 2024 dateline."}])
    claim = {"origin": "curated", "source_id": "src-practice", "anonymous": False, "event_id": "evt-practice-watchtower",
             "statement_date_precision": "day", "statement_date": "2024-03-04", "direct_quote": False}
    insert_curated(data, "claims", [
        {**claim, "id": "clm-practice-1", "claimant_id": "act-practice-wardens", "stance": "announces",
         "statement": "The wardens say they put a new tower into service.", **tower},
        {**claim, "id": "clm-practice-2", "claimant_id": "act-practice-union", "stance": "disputes",
         "statement": "The union says the tower was never put into service and sits on pasture.", **union}])
    insert_curated(data, "claim_links", [{"claim_id": "clm-practice-2", "relation": "contradicts",
                                          "other_claim_id": "clm-practice-1", "kind": "factual"}])

    checked = run("check", "--data", str(data), "--sources", str(sources / ".." / "texts"), cwd=tmp)
    # only the new document is in this sources folder: the five seed sources' texts are missing, which fails closed
    assert checked.returncode == 1 and "src-000" in checked.stdout
    for seed in [*(ROOT.parent / "shared" / "seeds").glob("*.txt"), *CORPUS.glob("*.txt")]:
        shutil.copy(seed, sources)
    if not any(sources.glob("000_*.txt")):
        pytest.skip("seed articles not found in ../shared/seeds: the full check needs them")
    checked = run("check", "--data", str(data), "--sources", str(sources), cwd=tmp)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    (data / "datapackage.json").unlink()
    shutil.copy(ROOT / "datapackage" / "datapackage.json", data)
    report = validate(data)
    hash_free = [p for p in report.problems if p.code not in ("hash-mismatch", "bytes-mismatch")  # the descriptor pins file hashes
                 and p.severity == "error"]  # warnings (source-before-event in the UCDP layer) leave it valid
    assert not hash_free, report.format_text()

    review = tmp / "review.html"
    out = run("review", "--data", str(data), "--sources", str(sources), "--out", str(review), cwd=tmp)
    assert out.returncode == 0, out.stderr
    html = review.read_text(encoding="utf-8")
    assert "<mark>they had opened a new watchtower on the river crossing</mark>" in html
    assert "contradicts <span class=\"kind\">factual</span>" in html


def test_span_fails_closed_when_the_text_changes(workspace):
    tmp, data, sources = workspace
    text = "One tower. Two towers. One tower again."
    with pytest.raises(TextError, match="occur 2 times"):
        anchor(text, "One tower")
    span = anchor(text, "One tower", suffix=" again")
    assert (span.start, span.end) == (23, 32) and span.sha256 == span_hash(text, 23, 32)
    with pytest.raises(TextError, match="not in the document"):
        anchor(text, "Three towers")
    # a claim whose span no longer hashes to its text is an error, never moved
    rows = read_rows(data, "claims")
    first = next(c for c in rows if c["span_start"])
    (data / "claims.csv").write_text((data / "claims.csv").read_text(encoding="utf-8").replace(first["span_sha256"], "0" * 64), encoding="utf-8")
    seeds = ROOT.parent / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip("seed articles not found in ../shared/seeds")
    out = run("check", "--data", str(data), "--sources", str(seeds), cwd=tmp)
    assert out.returncode == 1 and f"claims {first['id']}: the text at" in out.stdout


def test_duplicate_suspects_flag_a_place_recorded_twice():
    """Source 004's 'rebel camp near the Jordanian border' was once recorded apart from source 003's al-Tanf
    garrison; rebuilt here, the check flags the pair through the parties of the events placed at each."""
    data = ROOT / "datapackage"
    tables = {t: [r for r in read_rows(data, t) if r.get("origin", "curated") == "curated"]
              for t in ("locations", "events", "event_actors", "actor_relations", "claims")}
    before = {(s.first, s.second) for s in suspects(tables)}
    base = next(r for r in tables["locations"] if r["id"] == "loc-al-tanf-training-base")
    tables["locations"].append({**base, "id": "loc-rebel-camp-again", "name": "US-backed rebel camp near the Jordanian border",
                                "aliases": "", "notes": ""})
    for e in tables["events"]:
        if e["id"] in ("evt-us-strike-pro-government-forces-al-tanf", "evt-us-advisers-at-rebel-camp", "evt-pro-government-advance-on-rebel-camp"):
            e["location_id"] = "loc-rebel-camp-again"
    after = {(s.first, s.second) for s in suspects(tables)} - before
    assert ("loc-al-tanf-training-base", "loc-rebel-camp-again") in after
    assert all("loc-rebel-camp-again" in pair for pair in after)


def test_curated_rows_go_before_imported_rows(tmp_path):
    data = tmp_path / "pkg"
    shutil.copytree(ROOT / "datapackage", data)
    path = data / "sources.csv"
    imported = "src-ucdp-x,ucdp-ged,,A record,UCDP,,,,,,unknown,unknown,,und,dataset_record,,,\n"
    path.write_text(path.read_text(encoding="utf-8") + imported, encoding="utf-8")
    insert_curated(data, "sources", [{"id": "src-new", "origin": "curated", "title": "New", "publisher": "P",
                                      "published_date_precision": "unknown", "published_date_basis": "unknown",
                                      "language": "en", "kind": "news_article"}])
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[-1] == imported.strip()
    with open(path, encoding="utf-8", newline="") as fh:
        ids = [r["id"] for r in csv.DictReader(fh)]
    first_imported = next(i for i, x in enumerate(ids) if x.startswith("src-ucdp-"))
    assert ids[first_imported - 1] == "src-new", "the new curated row ends the curated block"
    assert not any(x.startswith("src-ucdp-") for x in ids[:first_imported]) and ids[-1] == "src-ucdp-x"


def test_review_page_renders_in_a_headless_browser(tmp_path):
    """The review page of the curated package, opened in headless Chromium: every claim is shown, spans highlighted."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    seeds = ROOT.parent / "shared" / "seeds"
    if chromium is None or not seeds.is_dir():
        pytest.skip("needs Debian's chromium (/usr/bin/chromium) and the seed articles in ../shared/seeds")
    page = tmp_path / "review.html"
    corpus = ["--sources", str(CORPUS)] if CORPUS.is_dir() else []
    out = run("review", "--data", str(ROOT / "datapackage"), "--sources", str(seeds), *corpus, "--out", str(page), cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    dom = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                          "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
                          "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120).stdout
    claims = [c for c in read_rows(ROOT / "datapackage", "claims") if c["origin"] == "curated"]
    assert dom.count('class="claim"') == len(claims)
    if corpus:  # without the corpus, claims on its texts are shown without evidence
        assert dom.count("<mark>") == len(claims)  # every curated claim has its evidence highlighted
    assert 'class="kind">legitimacy</span>' in dom


def test_attribution_is_a_disagreement_kind_that_contests():
    """Who did it is a kind of its own: an event whose claims disagree on the perpetrator is contested."""
    import json

    from iraq_frontiers.validation.status import CONTESTING_KINDS, derive_contested
    kinds = json.loads((ROOT / "schemas" / "vocabularies.json").read_text(encoding="utf-8"))["disagreement_kind"]["values"]
    assert "attribution" in kinds and "who did it" in kinds["attribution"]
    assert "attribution" in CONTESTING_KINDS and set(kinds) == set(CONTESTING_KINDS)
    assert derive_contested([("contradicts", "attribution")])
    assert not derive_contested([("supports", None)])


def test_a_corpus_manifest_is_registered_in_one_command_and_checked(workspace):
    """add-manifest registers each text (wire agency as original publisher, title cut to seven words);
    check then fails on a text without claims and on a manifest text not registered; review --only shows one incident."""
    import hashlib

    tmp, data, sources = workspace
    text = (sources / "practice_dispatch.txt").read_bytes()
    (sources / "fc-practice-1.txt").write_bytes(text)
    (sources / "fc-other-1.txt").write_bytes(text)
    manifest = tmp / "MANIFEST.csv"
    fields = ["doc_id", "incident_id", "url", "outlet", "published", "published_precision", "title", "chars",
              "syndicated_copies", "notes", "sha256"]
    with manifest.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fields, lineterminator="\n")
        w.writeheader()
        for doc, incident in (("fc-practice-1", "practice"), ("fc-other-1", "other")):
            w.writerow({"doc_id": doc, "incident_id": incident, "url": f"https://example.org/{doc}",
                        "outlet": "Practice Wire (Reuters wire text)", "published": "2030-03", "published_precision": "month",
                        "title": "Wardens open a new watchtower on the river crossing at night", "chars": len(text),
                        "syndicated_copies": "", "notes": "", "sha256": hashlib.sha256(text).hexdigest()})
    out = run("add-manifest", str(manifest), "--texts", str(sources), "--incident", "practice", "--data", str(data), cwd=tmp)
    assert out.returncode == 2 and "Practice Wire" in out.stderr  # no outlet actor yet: nothing written
    insert_curated(data, "actors", [{"id": "act-practice-wire", "name": "Practice Wire", "kind": "media_outlet",
                                     "description": "A fictional outlet made up for the workbench test."}])
    out = run("add-manifest", str(manifest), "--texts", str(sources), "--incident", "practice", "--data", str(data), cwd=tmp)
    assert out.returncode == 0, out.stderr
    row = next(s for s in read_rows(data, "sources") if s["id"] == "src-fc-practice-1")
    assert row["document"] == "fc-practice-1.txt" and row["publisher_id"] == "act-practice-wire"
    assert row["original_publisher_id"] == "act-reuters" and row["kind"] == "wire_story"
    assert row["published_date"] == "2030-03-01" and row["published_date_precision"] == "month"
    assert row["title"] == "Wardens open a new watchtower on the [...]" and row["url"] == "https://example.org/fc-practice-1"
    seeds = ROOT.parent / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip("seed articles not found in ../shared/seeds")
    corpus = ["--sources", str(CORPUS)] if CORPUS.is_dir() else []
    checked = run("check", "--data", str(data), "--sources", str(seeds), "--sources", str(sources), *corpus,
                  "--manifest", str(manifest), cwd=tmp)
    assert checked.returncode == 1
    assert "sources src-fc-practice-1: no claim points into fc-practice-1.txt" in checked.stdout
    assert "manifest fc-other-1: not registered" in checked.stdout
    found = anchor(ARTICLE, "they had opened a new watchtower on the river crossing")
    span = {"span_start": found.start, "span_end": found.end, "span_sha256": found.sha256}
    out = run("span", "src-fc-practice-1", "they had opened a new watchtower on the river crossing", "--data", str(data),
              "--sources", str(seeds), "--sources", str(sources), cwd=tmp)
    assert out.returncode == 0 and out.stdout.split()[0] == f"span_start={span['span_start']}"
    insert_curated(data, "claims", [{"id": "clm-fc-practice-1-1", "origin": "curated", "source_id": "src-fc-practice-1",
                                     "anonymous": False, "stance": "reports", "statement": "Wardens opened a tower.",
                                     "statement_date_precision": "unknown", "direct_quote": False,
                                     "about_actor_id": "act-practice-wire", **dict(span)}])
    checked = run("check", "--data", str(data), "--sources", str(seeds), "--sources", str(sources), *corpus, cwd=tmp)
    assert checked.returncode == 0, checked.stdout
    review = tmp / "one.html"
    out = run("review", "--data", str(data), "--sources", str(seeds), "--sources", str(sources), *corpus, "--only", "fc-practice-*",
              "--out", str(review), cwd=tmp)
    assert out.returncode == 0 and out.stdout.startswith(f"wrote {review}: 1 claims")
