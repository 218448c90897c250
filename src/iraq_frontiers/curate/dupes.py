"""Duplicate suspects: places or events whose names and descriptions suggest they are one thing.

A curator who meets the same site or campaign in a second document may record it again under other
words. Each pair of rows of one table is scored by the overlap of the content words of its names,
aliases and descriptions (a Jaccard index over lightly stemmed words); pairs of events must also be
of compatible kinds and dates. A suspect is not an error: the curator merges the two rows, or links
them (a location's parent, a note) and records the pair as distinct with a reason in the notes of
either row ("distinct from loc-…").
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import combinations

WORD = re.compile(r"[a-z0-9]+")
STOP = frozenset("""a an and are as at be by for from has have in into is it its of on or that the their this to
was were with which who near not no more most other some such than then there these they those under up
us u s also been being per had his her one two three al el
district governorate province region area""".split())
THRESHOLD = {"locations": 0.33, "events": 0.5}


def _stem(word: str) -> str:
    for suffix in ("ies", "es", "s", "ing", "ed"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def words(*cells: str | None) -> frozenset[str]:
    return frozenset(_stem(w) for c in cells if c for w in WORD.findall(c.lower()) if w not in STOP)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


@dataclass(frozen=True)
class Suspect:
    table: str
    first: str
    second: str
    score: float
    shared: tuple[str, ...]

    def describe(self) -> str:
        return (f"{self.table}: {self.first} and {self.second} may be the same ({self.score:.2f} of their words shared: "
                f"{', '.join(self.shared[:8])})")


def _declared_distinct(a: dict, b: dict) -> bool:
    """The curator has looked at the pair: one row's notes name the other (distinct from it, or part of it)."""
    return any(other["id"] in (row.get("notes") or "") for row, other in ((a, b), (b, a)))


def _dates_overlap(a: dict, b: dict) -> bool:
    if not a["date_start"] or not b["date_start"]:
        return True  # an undated event may be the dated one
    return a["date_start"] <= b["date_end"] and b["date_start"] <= a["date_end"]


# A campaign or operation may be recorded as the strikes or clashes it is made of.
VIOLENT = frozenset({"airstrike", "missile_strike", "shelling", "armed_clash", "attack", "ied_or_bombing", "military_operation"})


def _compatible(a: str, b: str) -> bool:
    return a == b or ("military_operation" in (a, b) and a in VIOLENT and b in VIOLENT)


def _actor_sets(tables: dict[str, list[dict]]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Actors of each event and of each location (the events there), each with what it is part of or
    leads, so that a unit and its force, or a leader and the coalition, count as one party."""
    kin: dict[str, set[str]] = {}
    for r in tables.get("actor_relations", []):
        if r["relation"] in ("part_of", "leads"):
            kin.setdefault(r["subject_id"], set()).add(r["object_id"])
    by_event: dict[str, set[str]] = {}
    for r in tables.get("event_actors", []):
        by_event.setdefault(r["event_id"], set()).update({r["actor_id"], *kin.get(r["actor_id"], ())})
    by_location: dict[str, set[str]] = {}
    for e in tables.get("events", []):
        if e.get("location_id"):
            by_location.setdefault(e["location_id"], set()).update(by_event.get(e["id"], ()))
    return by_event, by_location


def _ancestors(rows: list[dict]) -> dict[str, set[str]]:
    parent = {r["id"]: r.get("parent_id") or None for r in rows}
    out = {}
    for rid in parent:
        seen, cur = set(), parent[rid]
        while cur and cur not in seen:
            seen.add(cur)
            cur = parent.get(cur)
        out[rid] = seen
    return out


def _scan(table: str, rows: list[dict], bags: dict, parties: dict, comparable) -> list[Suspect]:
    """Score every comparable pair of rows by shared words or shared parties, whichever is higher."""
    out = []
    for a, b in combinations(rows, 2):
        if not comparable(a, b) or _declared_distinct(a, b):
            continue
        bag_a, bag_b = bags[a["id"]], bags[b["id"]]
        party_a, party_b = parties.get(a["id"], set()), parties.get(b["id"], set())
        shared_parties = party_a & party_b
        # parties count only when both rows have several (two sea areas where one navy drilled are not one place)
        enough = len(shared_parties) >= 2 and min(len(party_a), len(party_b)) >= 3
        by_parties = len(shared_parties) / len(party_a | party_b) if enough else 0.0
        by_words = _jaccard(bag_a, bag_b)
        score = max(by_words, by_parties)
        if score >= THRESHOLD[table]:
            shared = bag_a & bag_b if by_words >= by_parties else shared_parties
            out.append(Suspect(table, a["id"], b["id"], score, tuple(sorted(shared))))
    return out


def location_suspects(tables: dict[str, list[dict]]) -> list[Suspect]:
    """Pairs of places of one kind and country, neither inside the other."""
    rows = tables.get("locations", [])
    _, parties = _actor_sets(tables)
    up = _ancestors(rows)
    bags = {r["id"]: words(r["name"], (r.get("aliases") or "").replace("|", " ")) for r in rows}
    return _scan("locations", rows, bags, parties, lambda a, b: (
        a["kind"] == b["kind"] and a.get("country") == b.get("country") and a["id"] not in up[b["id"]] and b["id"] not in up[a["id"]]))


def event_suspects(tables: dict[str, list[dict]]) -> list[Suspect]:
    """Pairs of events of compatible types and dates told by different documents (where a duplicate arises)."""
    rows = tables.get("events", [])
    parties, _ = _actor_sets(tables)
    sources: dict[str, set[str]] = {}
    for c in tables.get("claims", []):
        if c.get("event_id"):
            sources.setdefault(c["event_id"], set()).add(c["source_id"])
    bags = {r["id"]: words(r["summary"]) for r in rows}
    return _scan("events", rows, bags, parties, lambda a, b: (
        _compatible(a["type"], b["type"]) and _dates_overlap(a, b) and not sources.get(a["id"], set()) & sources.get(b["id"], set())))


def suspects(tables: dict[str, list[dict]]) -> list[Suspect]:
    """Suspected duplicates among the curated locations and events, best first.

    Rows of an imported layer (ids in its namespace, e.g. loc-ucdp-…) are left out: the layer is kept
    apart from the curated rows on purpose, and its identities are its source's (UCDP's) to keep.
    """
    from iraq_frontiers.importers.layer import LAYER_KEY, NAMESPACE, in_layer

    curated = {t: [r for r in rows if not any(in_layer(t, r, layer) for layer in NAMESPACE)] if t in LAYER_KEY else rows
               for t, rows in tables.items()}
    return sorted(location_suspects(curated) + event_suspects(curated), key=lambda s: (-s.score, s.table, s.first, s.second))
