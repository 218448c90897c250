"""Checks of the curated CSV tables against the seed articles they were curated from.

These tests read the CSVs with the csv module only (no project code), so they pin the data
independently of the validator. The seed texts are not redistributed: the tests look for them in
$IRAQ_FRONTIERS_SEEDS or ../shared/seeds (relative to the repository root) and skip otherwise.
"""
from __future__ import annotations

import csv
import hashlib
import json
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "datapackage"
SCHEMAS = ROOT / "schemas"
N = 8  # shared-run length flagged as copied text (same as the project's before-stop check)
WORD = re.compile(r"[a-z0-9]+")


def _seeds_dir() -> Path | None:
    env = os.environ.get("IRAQ_FRONTIERS_SEEDS")
    cand = Path(env) if env else ROOT.parent / "shared" / "seeds"  # an explicit setting wins
    return cand if cand.is_dir() and any(cand.glob("*.txt")) else None


SEEDS = _seeds_dir()


def _corpus_dir() -> Path | None:
    """The frontier corpus's texts (IRAQ_FRONTIERS_CORPUS, else ../shared/sources/frontier-corpus/texts)."""
    env = os.environ.get("IRAQ_FRONTIERS_CORPUS")
    cand = Path(env) if env else ROOT.parent / "shared" / "sources" / "frontier-corpus" / "texts"
    return cand if cand.is_dir() and any(cand.glob("*.txt")) else None


CORPUS = _corpus_dir()
needs_seeds = pytest.mark.skipif(
    SEEDS is None,
    reason="seed articles not found: set IRAQ_FRONTIERS_SEEDS or place them in ../shared/seeds",
)


def _schema(table: str) -> dict:
    return json.loads((SCHEMAS / f"{table}.json").read_text(encoding="utf-8"))


TABLES = json.loads((SCHEMAS / "package.json").read_text(encoding="utf-8"))["resources"]


def _rows(table: str) -> list[dict[str, str]]:
    path = DATA / f"{table}.csv"
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _grams(text: str) -> set[tuple[str, ...]]:
    words = WORD.findall(text.lower())
    return {tuple(words[i:i + N]) for i in range(len(words) - N + 1)}


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    if SEEDS is None:
        pytest.skip("seed articles not found: set IRAQ_FRONTIERS_SEEDS or place them in ../shared/seeds")
    paths = sorted(SEEDS.glob("*.txt")) + (sorted(CORPUS.glob("*.txt")) if CORPUS else [])
    return {p.name: p.read_text(encoding="utf-8") for p in paths}


def _text_path(name: str) -> Path:
    return SEEDS / name if (SEEDS / name).is_file() or CORPUS is None else CORPUS / name


def _require_text(texts: dict[str, str], name: str) -> None:
    if name not in texts and name.startswith("fc-") and CORPUS is None:
        pytest.skip("frontier corpus not found: set IRAQ_FRONTIERS_CORPUS or place it in ../shared/sources/frontier-corpus")


@pytest.fixture(scope="module")
def seed_grams(texts) -> dict[tuple[str, ...], str]:
    out: dict[tuple[str, ...], str] = {}
    for name, text in texts.items():
        for g in _grams(text):
            out.setdefault(g, name)
    return out


# ---- format checks (need no seeds) -------------------------------------------------------------

@pytest.mark.parametrize("table", TABLES)
def test_csv_header_is_schema_order_and_file_is_clean(table):
    path = DATA / f"{table}.csv"
    assert path.exists(), f"{path} is missing"
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), "CSV must not start with a BOM"
    assert b"\r" not in raw, "CSV must use LF line endings"
    header = raw.decode("utf-8").split("\n", 1)[0]
    assert next(csv.reader([header])) == [f["name"] for f in _schema(table)["fields"]]


@pytest.mark.parametrize("table", TABLES)
def test_primary_keys_unique_and_present(table):
    pk = _schema(table)["primaryKey"]
    seen = set()
    for i, row in enumerate(_rows(table), start=2):
        key = tuple(row[k] for k in pk)
        assert all(key), f"{table}.csv line {i}: empty primary key {key}"
        assert key not in seen, f"{table}.csv line {i}: duplicate primary key {key}"
        seen.add(key)


@pytest.mark.parametrize("table", TABLES)
def test_foreign_keys_resolve(table):
    schema = _schema(table)
    rows = _rows(table)
    for fk in schema.get("foreignKeys", []):
        target = fk["reference"].get("resource") or table  # no resource = self-reference
        keys = {tuple(r[f] for f in fk["reference"]["fields"]) for r in _rows(target)}
        for i, row in enumerate(rows, start=2):
            value = tuple(row[f] for f in fk["fields"])
            if all(v == "" for v in value):
                continue  # null reference
            assert value in keys, f"{table}.csv line {i}: {fk['fields']}={value} not found in {target}"


@pytest.mark.parametrize("table", TABLES)
def test_list_cells_have_no_empty_items(table):
    # list fields: a string with "listDelimiter" (or, in older schemas, type "list" with "delimiter")
    fields = [f for f in _schema(table)["fields"] if "listDelimiter" in f or f["type"] == "list"]
    for i, row in enumerate(_rows(table), start=2):
        for f in fields:
            cell = row[f["name"]]
            if cell:
                items = cell.split(f.get("listDelimiter") or f.get("delimiter", ","))
                assert all(x.strip() for x in items), f"{table}.csv line {i}: empty item in {f['name']}={cell!r}"
                assert all(x == x.strip() for x in items), f"{table}.csv line {i}: padded item in {f['name']}"


def test_every_event_has_a_claim():
    claimed = {c["event_id"] for c in _rows("claims")}
    missing = [e["id"] for e in _rows("events") if e["id"] not in claimed]
    assert not missing, f"events without any claim: {missing}"


def test_origin_separates_the_layers():
    sources = {s["id"]: s for s in _rows("sources")}
    for s in sources.values():  # a document held as text is curated; a dataset record is imported
        assert (s["origin"] == "curated") == bool(s["document"]), f"{s['id']}: origin {s['origin']!r}"
    for c in _rows("claims"):  # a curated claim cites a curated document, an imported one its dataset
        assert c["origin"] == sources[c["source_id"]]["origin"], f"{c['id']}: origin differs from its source's"
    claims_of: dict[str, set[str]] = {}
    for c in _rows("claims"):
        claims_of.setdefault(c["event_id"], set()).add(c["origin"])
    for e in _rows("events"):  # an event is in the layer of (one of) the claims that support it
        assert e["origin"] in claims_of.get(e["id"], set()), f"{e['id']}: no {e['origin']} claim supports it"


# ---- checks against the seed texts ---------------------------------------------------------------

@needs_seeds
def test_sources_pin_the_exact_texts(texts):
    sources = [s for s in _rows("sources") if s["document"]]
    assert sources, "no source rows with a document"
    for s in sources:
        _require_text(texts, s["document"])
        assert s["document"] in texts, f"{s['id']}: document {s['document']} not among the seeds or the corpus"
        text = texts[s["document"]]
        digest = hashlib.sha256(_text_path(s["document"]).read_bytes()).hexdigest()
        assert s["sha256"] == digest, f"{s['id']}: sha256 differs from the seed file"
        assert int(s["text_length"]) == len(text), f"{s['id']}: text_length differs from the seed text"


@needs_seeds
def test_every_seed_is_curated(texts):
    documents = {s["document"] for s in _rows("sources")}
    seeds = {p.name for p in SEEDS.glob("*.txt")}
    assert seeds <= documents, f"seeds without a source row: {sorted(seeds - documents)}"


@needs_seeds
def test_claim_spans_lie_inside_their_texts(texts):
    docs = {s["id"]: s["document"] for s in _rows("sources")}
    for c in _rows("claims"):
        if c["span_start"] == "" and c["span_end"] == "":
            continue
        start, end = int(c["span_start"]), int(c["span_end"])
        _require_text(texts, docs[c["source_id"]])
        text = texts[docs[c["source_id"]]]
        assert 0 <= start < end <= len(text), f"{c['id']}: span [{start}, {end}) outside 0..{len(text)}"
        assert text[start:end].strip(), f"{c['id']}: span covers only whitespace"


@needs_seeds
@pytest.mark.parametrize("table", TABLES)
def test_no_cell_copies_a_seed(table, seed_grams):
    path = DATA / f"{table}.csv"
    hits = []
    for i, row in enumerate(_rows(table), start=2):
        for field, cell in row.items():
            if field == "url":  # an address, not prose: a page's slug often repeats its headline
                continue
            shared = [g for g in _grams(cell) if g in seed_grams]
            if shared:
                hits.append(f"line {i} {field}: '{' '.join(shared[0])}' (from {seed_grams[shared[0]]})")
    # runs that straddle cells count too (the project's pre-stop hook reads whole files)
    if path.exists():
        prose = "\n".join(" ".join(v for k, v in row.items() if k != "url") for row in _rows(table))
        shared = [g for g in _grams(prose) if g in seed_grams]
        if shared and not hits:
            hits.append(f"across cells: '{' '.join(shared[0])}'")
    assert not hits, f"{table}.csv shares runs of {N}+ words with a seed; paraphrase: " + "; ".join(hits[:5])


# ---- the curation rules of docs/curation.md -------------------------------------------------------

def _curated(table: str) -> list[dict[str, str]]:
    return [r for r in _rows(table) if r.get("origin", "curated") == "curated"]


def test_every_condemnation_is_linked_as_a_legitimacy_dispute():
    """A condemnation supports the act's status; the dispute it carries is a legitimacy link (so the event is contested)."""
    links = _rows("claim_links")
    for c in _curated("claims"):
        if c["stance"] == "condemns":
            kinds = {l["kind"] for l in links if c["id"] in (l["claim_id"], l["other_claim_id"]) and l["relation"] == "contradicts"}
            assert "legitimacy" in kinds, f"{c['id']} condemns but no legitimacy link records the dispute"


def _vocab_kinds() -> list[str]:
    return list(json.loads((ROOT / "schemas" / "vocabularies.json").read_text(encoding="utf-8"))["disagreement_kind"]["values"])


def test_disagreements_are_linked_with_every_kind():
    links = [l for l in _rows("claim_links") if l["relation"] == "contradicts"]
    assert all(l["kind"] for l in links)
    kinds = {l["kind"] for l in links}
    assert {"factual", "partial", "legitimacy", "framing"} <= kinds <= set(_vocab_kinds())
    claims = {c["id"]: c for c in _curated("claims")}
    contested = {claims[end]["event_id"] for l in links for end in (l["claim_id"], l["other_claim_id"]) if end in claims}
    for e in _curated("events"):
        assert (e["contested"] == "true") == (e["id"] in contested), f"{e['id']}: contested flag"


def test_unnamed_claimants_are_actors_named_with_the_texts_phrase(texts):
    actors = {a["id"]: a for a in _rows("actors")}
    docs = {s["id"]: s["document"] for s in _rows("sources")}
    for c in _curated("claims"):
        actor = actors.get(c["claimant_id"])
        assert (c["anonymous"] == "true") == bool(actor and actor["kind"] == "unnamed_person"), f"{c['id']}: anonymous flag"
        if actor and actor["kind"] == "unnamed_person":
            aliases = [a for a in actor["aliases"].split("|") if a]
            _require_text(texts, docs[c["source_id"]])
            text = texts[docs[c["source_id"]]].lower()
            assert any(a.lower() in text for a in aliases), f"{c['id']}: {actor['id']} has no alias in its text's own words"
        assert c["claimant_id"] or not c["anonymous"] == "true", f"{c['id']}: an unnamed claimant must be an actor"


def test_publishers_are_media_outlet_actors():
    actors = {a["id"]: a for a in _rows("actors")}
    for s in _curated("sources"):
        assert actors[s["publisher_id"]]["kind"] == "media_outlet", s["id"]
        if s["original_publisher"]:
            assert actors[s["original_publisher_id"]]["kind"] == "media_outlet", s["id"]


def test_event_figures_are_backed_by_a_stated_count():
    backed = {c["event_id"] for c in _curated("claims") for q in _rows("claim_quantities")
              if q["claim_id"] == c["id"] and q["kind"] == "count_killed"}
    for e in _curated("events"):
        if any(e[k] for k in ("fatalities_low", "fatalities_best", "fatalities_high", "fatalities_civilians")):
            assert e["id"] in backed, f"{e['id']}: a figure no claim about the event states"


@needs_seeds
def test_every_curated_claim_points_at_its_evidence_by_hash(texts):
    docs = {s["id"]: s["document"] for s in _rows("sources")}
    for c in _curated("claims"):
        assert c["span_start"] and c["span_sha256"], f"{c['id']}: no evidence span"
        _require_text(texts, docs[c["source_id"]])
        piece = texts[docs[c["source_id"]]][int(c["span_start"]):int(c["span_end"])]
        assert hashlib.sha256(piece.encode("utf-8")).hexdigest() == c["span_sha256"], f"{c['id']}: span text changed"


def test_no_unreviewed_duplicate_suspects():
    from iraq_frontiers.curate.dupes import suspects

    tables = {t: _curated(t) for t in ("locations", "events", "event_actors", "actor_relations", "claims")}
    found = suspects(tables)
    assert not found, "; ".join(s.describe() for s in found)
