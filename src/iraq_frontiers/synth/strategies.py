"""Hypothesis strategies that draw consistent multi-table iraq-frontiers packages from the schemas.

    from iraq_frontiers.synth.strategies import packages, write_package
    @given(packages())
    def test_something(pkg): folder = write_package(pkg, tmp_path, "csv"); ...

Values come from each field's type and constraints (vocabularies, patterns, ranges, lengths);
tables are drawn parents first (package order) and children sample their parents' keys; then the
domain rules (dates and precision, coordinates, figures, spans, claims per event, derived status)
are applied, so every drawn package validates clean. Requires hypothesis (the `test` extra).
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from iraq_frontiers.schema.compiler import field_type
from iraq_frontiers.schema.metadata import stance_effects, table_names, table_schema
from iraq_frontiers.validation.status import derive_contested, derive_status

Package = dict[str, list[dict[str, Any]]]

# Text as users write it: any script (Arabic, Kurdish, Persian...), combining marks, RTL marks,
# quotes and newlines; no surrogates, NUL or other C0 controls except tab and newline.
TEXT_ALPHABET = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"), include_characters="\t\n\u200f\u200e")
MAX_ROWS = {"sources": 3, "actors": 4, "locations": 4, "events": 4, "claim_quantities": 3,
            "event_actors": 4, "actor_relations": 3, "claim_links": 3}


def text(min_size: int = 1, max_size: int = 40, exclude: str = "") -> st.SearchStrategy[str]:
    alphabet = TEXT_ALPHABET if not exclude else st.characters(
        codec="utf-8", exclude_categories=("Cs", "Cc"), include_characters="\t\n\u200f\u200e", exclude_characters=exclude)
    return st.text(alphabet, min_size=max(1, min_size), max_size=max_size)


def field_values(field: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values satisfying one field's type and constraints (never null; see nullable())."""
    c = field.get("constraints", {})
    ftype = field_type(field)
    if "enum" in c:
        return st.sampled_from(c["enum"])
    if ftype == "string":
        if "pattern" in c:  # short values, but never shorter than the pattern's own fixed length (a SHA-256 is 64)
            return st.from_regex(c["pattern"], fullmatch=True).filter(lambda s: 0 < len(s) <= 64)
        return text(c.get("minLength", 1), min(c.get("maxLength", 40), 40))
    if ftype == "integer":
        return st.integers(c.get("minimum", -(2**63)), c.get("maximum", 2**63 - 1))
    if ftype == "number":
        return st.floats(c.get("minimum"), c.get("maximum"), allow_nan=False, allow_infinity=False)
    if ftype == "boolean":
        return st.booleans()
    if ftype == "date":
        return st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))
    if ftype == "list":
        return st.lists(text(exclude=field.get("listDelimiter", ",")), min_size=1, max_size=3)
    raise ValueError(f"no strategy for field {field['name']!r} of type {ftype!r}")


def nullable(field: dict[str, Any], values: st.SearchStrategy) -> st.SearchStrategy:
    return values if field.get("constraints", {}).get("required") else st.none() | values


_FIELD_STRATEGIES: dict[tuple[str, str], st.SearchStrategy] = {}


def _field_strategy(table: str, field: dict[str, Any]) -> st.SearchStrategy:
    """One strategy per schema field, built once: building a regex strategy costs far more than drawing from it."""
    key = (table, field["name"])
    if key not in _FIELD_STRATEGIES:
        _FIELD_STRATEGIES[key] = nullable(field, field_values(field))
    return _FIELD_STRATEGIES[key]


def _fk_map(schema: dict[str, Any]) -> dict[str, tuple[str | None, str]]:
    """Single-field foreign keys: field -> (target table or None for self, target field)."""
    out = {}
    for fk in schema.get("foreignKeys", []):
        fields = fk["fields"] if isinstance(fk["fields"], list) else [fk["fields"]]
        ref = fk["reference"]
        ref_fields = ref["fields"] if isinstance(ref["fields"], list) else [ref["fields"]]
        if len(fields) == 1:
            out[fields[0]] = (ref.get("resource"), ref_fields[0])
    return out


@st.composite
def rows_for(draw, table: str, drawn: Package, min_rows: int = 0, max_rows: int = 4) -> list[dict[str, Any]]:
    """Rows of one table: values per field, foreign keys sampled from already-drawn parents."""
    schema = table_schema(table)
    fks = _fk_map(schema)
    pk = schema.get("primaryKey", [])
    n = draw(st.integers(min_rows, max_rows))
    rows: list[dict[str, Any]] = []
    keys: set[tuple] = set()
    for _ in range(n * 3):  # retries for key collisions
        if len(rows) >= n:
            break
        row: dict[str, Any] = {}
        for f in schema["fields"]:
            name = f["name"]
            if name in fks:
                target, target_field = fks[name]
                parents = [r[target_field] for r in (rows if target is None else drawn.get(target, []))]
                required = f.get("constraints", {}).get("required")
                if not parents:
                    row[name] = None
                    if required:
                        return []
                    continue
                choice = st.sampled_from(parents)
                row[name] = draw(choice if required else st.none() | choice)
            else:
                row[name] = draw(_field_strategy(table, f))
        key = tuple(row[k] for k in pk)
        if key in keys:
            continue
        keys.add(key)
        rows.append(row)
    return rows


# --- domain rules applied after drawing ---------------------------------------------------------

# Events begin before every source is published (rule source-before-event) and sources are dated in the
# plausible range (rule source-date-implausible: 1900 to the day of validation).
EVENT_DATES = (dt.date(1950, 1, 1), dt.date(1999, 12, 31))
SOURCE_DATES = (dt.date(2000, 1, 1), dt.date(2025, 12, 31))


def _single_date(draw, precision: str, bounds: tuple[dt.date, dt.date] = (dt.date(1950, 1, 1), dt.date(2090, 12, 31))) -> dt.date | None:
    if precision == "unknown":
        return None
    d = draw(st.dates(*bounds))
    return {"month": d.replace(day=1), "year": d.replace(month=1, day=1)}.get(precision, d)


def _month_end(d: dt.date) -> dt.date:
    nxt = (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


def _date_range(draw, precision: str) -> tuple[dt.date | None, dt.date | None]:
    start = _single_date(draw, precision, EVENT_DATES)
    if start is None:
        return None, None
    if precision == "month":
        return start, _month_end(start.replace(month=draw(st.integers(start.month, 12))))
    if precision == "year":
        return start, dt.date(start.year + draw(st.integers(0, 2)), 12, 31)
    return start, start + dt.timedelta(days=draw(st.integers(0, 6 if precision == "week" else 3)))


def _apply_sources(draw, rows):
    for r in rows:
        r["published_date"] = _single_date(draw, r["published_date_precision"], SOURCE_DATES)


def _apply_locations(draw, rows):
    from iraq_frontiers.validation.geo_checks import COUNTRY_BOXES

    for r in rows:
        if r["coordinate_precision"] == "none" or r["latitude"] is None or r["longitude"] is None:
            r["coordinate_precision"] = "none"
            r["latitude"] = r["longitude"] = None
        elif r["country"] in COUNTRY_BOXES:  # a point must lie in its country's box
            south, north, west, east = COUNTRY_BOXES[r["country"]]
            r["latitude"] = draw(st.floats(south, north))
            r["longitude"] = draw(st.floats(west, east))
        if r["parent_id"] == r["id"]:
            r["parent_id"] = None


def _apply_events(draw, rows):
    for r in rows:
        r["date_start"], r["date_end"] = _date_range(draw, r["date_precision"])
        present = sorted(v for v in (r["fatalities_low"], r["fatalities_best"], r["fatalities_high"]) if v is not None)
        slots = [k for k in ("fatalities_low", "fatalities_best", "fatalities_high") if r[k] is not None]
        for k, v in zip(slots, present):
            r[k] = v


SHA256 = st.from_regex("^[0-9a-f]{64}$", fullmatch=True)


@st.composite
def _claims(draw, drawn: Package) -> list[dict[str, Any]]:
    """Claims: the first ones support one event each (so every event is supported), then a few more."""
    events = drawn["events"]
    rows = draw(rows_for("claims", drawn, len(events), len(events) + 3))
    for ev, claim in zip(events, rows):
        claim["event_id"] = ev["id"]
    # Key collisions can leave fewer claims than events: drop the events left unsupported.
    supported = {c["event_id"] for c in rows}
    drawn["events"] = [e for e in events if e["id"] in supported]
    sources = {s["id"]: s for s in drawn["sources"]}
    for r in rows:
        r["statement_date"] = _single_date(draw, r["statement_date_precision"])
        if r["event_id"] is None and r["about_actor_id"] is None and r["about_location_id"] is None:
            r["about_actor_id"] = drawn["actors"][0]["id"]  # packages() always draws at least one actor
        length = sources[r["source_id"]]["text_length"]
        if length is None or length == 0 or r["span_start"] is None:
            r["span_start"] = r["span_end"] = r["span_sha256"] = None
        else:
            r["span_start"] = draw(st.integers(0, length - 1))
            r["span_end"] = draw(st.integers(r["span_start"] + 1, length))
            r["span_sha256"] = draw(SHA256)
    actor_kind = {a["id"]: a["kind"] for a in drawn["actors"]}
    for r in rows:  # anonymous exactly when the claimant is unnamed (rule anonymous-inconsistent)
        if r["claimant_id"] is not None:
            r["anonymous"] = actor_kind[r["claimant_id"]] == "unnamed_person"
        elif r["claimant_description"] is None:
            r["anonymous"] = False
    return rows


def _apply_figures_backing(drawn: Package) -> None:
    """Give each event with a figure a claim that backs it (rule figures-unbacked): a count_killed quantity."""
    fat = ("fatalities_low", "fatalities_best", "fatalities_high", "fatalities_civilians")
    killed = {q["claim_id"] for q in drawn["claim_quantities"] if q["kind"] == "count_killed"}
    used: dict[str, set[int]] = {}
    for q in drawn["claim_quantities"]:
        used.setdefault(q["claim_id"], set()).add(q["seq"])
    for e in drawn["events"]:
        if all(e[k] is None for k in fat):
            continue
        claims = [c for c in drawn["claims"] if c["event_id"] == e["id"]]
        if any(c["id"] in killed for c in claims):  # (a dataset-record source would also do; not relied on here)
            continue
        cid = claims[0]["id"]
        taken = used.setdefault(cid, set())
        seq = next(n for n in range(1, len(taken) + 2) if n not in taken)
        taken.add(seq)
        drawn["claim_quantities"].append({"claim_id": cid, "seq": seq, "kind": "count_killed", "value": 1.0,
                                          "unit": "people", "qualifier": "exact", "subject": "people killed"})


def _apply_contested(drawn: Package) -> None:
    """Kinds only on contradicts links; each event's contested flag derived from its claims' links."""
    for link in drawn["claim_links"]:
        if (link["relation"] == "contradicts") != (link["kind"] is not None):
            link["kind"] = "factual" if link["relation"] == "contradicts" else None
    event_of = {c["id"]: c["event_id"] for c in drawn["claims"]}
    touching: dict[str, list[tuple[str, str | None]]] = {}
    for link in drawn["claim_links"]:
        for end in {link["claim_id"], link["other_claim_id"]}:
            if event_of.get(end) is not None:
                touching.setdefault(event_of[end], []).append((link["relation"], link["kind"]))
    for e in drawn["events"]:
        e["contested"] = derive_contested(touching.get(e["id"], ()))


def _apply_status(events, claims):
    effects = stance_effects()
    by_event: dict[str, set[str]] = {}
    for c in claims:
        if c["event_id"] is not None:
            by_event.setdefault(c["event_id"], set()).add(effects[c["stance"]])
    for e in events:
        e["status"] = derive_status(by_event.get(e["id"], ()), e["withdrawn_reason"] is not None)


@st.composite
def packages(draw, max_rows: dict[str, int] | None = None) -> Package:
    """A consistent package: table name -> list of rows (Python values), valid under every rule."""
    limits = {**MAX_ROWS, **(max_rows or {})}
    drawn: Package = {}
    for table in table_names():
        if table == "claims":
            drawn[table] = draw(_claims(drawn))
            _apply_status(drawn["events"], drawn["claims"])
            continue
        minimum = 1 if table in ("sources", "actors") else 0
        drawn[table] = draw(rows_for(table, drawn, minimum, limits.get(table, 3)))
        if table == "sources":
            _apply_sources(draw, drawn[table])
        elif table == "locations":
            _apply_locations(draw, drawn[table])
        elif table == "events":
            _apply_events(draw, drawn[table])
        elif table == "actor_relations":
            drawn[table] = [r for r in drawn[table] if r["subject_id"] != r["object_id"]]
        elif table == "claim_links":
            drawn[table] = [r for r in drawn[table] if r["claim_id"] != r["other_claim_id"]]
    _apply_figures_backing(drawn)
    _apply_contested(drawn)
    return drawn


def write_package(pkg: Package, folder: Path, fmt: str = "csv", allow_invalid: bool = False) -> Path:
    """Write a drawn package as a Data Package (descriptor + one file per table); returns the folder.

    allow_invalid: write Parquet columns as nullable even where the schema requires a value, so a
    deliberately broken package (a null in a required field) can be written for the validator to find.
    """
    from iraq_frontiers.schema.descriptor import build_descriptor, dumps
    from iraq_frontiers.io.writers import to_arrow, write_csv, write_parquet

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for table in table_names():
        schema = table_schema(table)
        arrow = to_arrow(pkg.get(table, []), schema, all_nullable=allow_invalid)
        if fmt == "csv":
            write_csv(arrow, schema, folder / f"{table}.csv", table)
        else:
            write_parquet(arrow, schema, folder / f"{table}.parquet")
    (folder / "datapackage.json").write_text(dumps(build_descriptor(fmt)), encoding="utf-8")
    return folder
