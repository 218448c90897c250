"""The check specification, part 4: the domain rules (validation.domain), the status rule
(validation.status) and the coordinates (validation.geo_checks), layer (d)."""
from __future__ import annotations

from typing import Any

from iraq_frontiers.validation.spec import Check, TableSpec, bad_name, lit, q


def rule_checks(tables: dict[str, TableSpec]) -> list[Check]:
    """The domain rules whose tables and fields were read, then the status rule. A row whose needed
    cell the reader reported raises no follow-on problem."""
    from iraq_frontiers.validation.domain import _SOURCE_JOIN as SOURCE_JOIN, _rules as rules

    out = []
    for rule in rules():
        if rule.table not in tables or not tables[rule.table].has(*rule.needs):
            continue
        if not all(tb in tables and tables[tb].has(*fs) for tb, fs in rule.joins):
            continue
        names = {tb: q(tb) for tb, _ in rule.joins}
        joins = rule.join.format(**names) if rule.join else SOURCE_JOIN.format(**names) if "sources" in names else ""
        fresh = " AND ".join(f"NOT t.{q(bad_name(f))}" for f in rule.needs)
        out.append(Check(rule.code, rule.table, rule.field, rule.message, f"({rule.where.format(**names)}) AND {fresh}",
                         rule.value, joins=joins.strip(), key=tables[rule.table].key, layer="domain",
                         collect=rule.columns_read(tables[rule.table].key) if rule.local else ()))
    status, coordinates = status_check(tables), coordinates_check(tables)
    return out + [c for c in (status, coordinates) if c]


def claims_by_event(claims: str, effective: bool) -> str:
    """SQL: claims grouped by event_id, with has_<effect> flags (iraq_frontiers.validation.status).

    effective=True: only claims whose stance has an effect (as the status rule reads them).
    effective=False: every claim with an event_id, and `__effective` (one has an effect)."""
    from iraq_frontiers.schema.metadata import stance_effects
    from iraq_frontiers.validation.status import EFFECTS

    # One bit per effect, OR-ed over the event's claims: one aggregate instead of a flag each, and no
    # join to a table of stances (a quarter of this query's time).
    bits = {e: 1 << i for i, e in enumerate(EFFECTS)}
    effect = "CASE c.stance " + " ".join(f"WHEN {lit(s)} THEN {bits[e]}" for s, e in stance_effects().items()) + " ELSE 0 END"
    flags = ", ".join(f"(g.effects & {b}) <> 0 AS has_{e}" for e, b in bits.items())
    extra, having = ("", f" HAVING bit_or({effect}) <> 0") if effective else ("g.effects <> 0 AS __effective, ", "")
    return (f"SELECT g.event_id, {extra}{flags} FROM (SELECT c.event_id, bit_or({effect}) AS effects FROM {claims} c "
            f"WHERE c.event_id IS NOT NULL GROUP BY c.event_id{having}) g")


def event_claims(claims: str = q("claims")) -> str:
    """Events (t) joined to their claims grouped by event (f: status flags). event-unsupported (a rule
    of validation.domain) and the status rule read this same join, so they are counted in one scan."""
    return f"LEFT JOIN ({claims_by_event(claims, False)}) f ON f.event_id = t.id"


def _status_message(value: Any, _detail: Any) -> str:
    stored, derived = value.split("->")
    return f"status is {stored!r} but its claims give {derived!r} (rule: docs/data-dictionary.md#event-status)"


def status_check(tables: dict[str, TableSpec]) -> Check | None:
    """Each event's status must equal the status derived from its claims. Events without claims are
    reported as event-unsupported; their status is not judged here."""
    from iraq_frontiers.validation.status import status_sql

    if not ("events" in tables and tables["events"].has("id", "status", "withdrawn_reason")
            and "claims" in tables and tables["claims"].has("event_id", "stance")):
        return None
    derived = status_sql("t.withdrawn_reason IS NOT NULL")
    return Check("status-inconsistent", "events", "status", "",
                 f"(coalesce(f.__effective, FALSE) OR t.withdrawn_reason IS NOT NULL) AND t.status IS NOT NULL AND t.status <> ({derived})",
                 f"t.status || '->' || ({derived})", joins=event_claims(),
                 key=tables["events"].key, layer="domain", describe=_status_message)


def coordinates_check(tables: dict[str, TableSpec]) -> Check | None:
    """Locations whose point falls outside their country's box (iraq_frontiers.validation.geo_checks)."""
    from iraq_frontiers.validation.geo_checks import COUNTRY_BOXES, COUNTRY_MARGIN as m

    if "locations" not in tables or not tables["locations"].has("country", "latitude", "longitude"):
        return None
    boxes = ", ".join(f"({lit(c)}, {s - m}, {n + m}, {w - m}, {e + m})" for c, (s, n, w, e) in COUNTRY_BOXES.items())
    shown = "[CAST(t.latitude AS VARCHAR), CAST(t.longitude AS VARCHAR), t.country]"
    return Check("coordinates-outside-country", "locations", "latitude", "",
                 "t.latitude IS NOT NULL AND t.longitude IS NOT NULL AND (t.latitude NOT BETWEEN b.s AND b.n OR t.longitude NOT BETWEEN b.w AND b.e)",
                 shown, joins=f"JOIN (VALUES {boxes}) AS b(country, s, n, w, e) ON b.country = t.country",
                 key=tables["locations"].key, layer="domain", shown=lambda v, _d: v[:2],
                 describe=lambda v, _d: f"point (latitude {v[0]}, longitude {v[1]}) lies outside the bounding box of {v[2]}; "
                                        "are latitude and longitude swapped?")


