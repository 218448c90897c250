"""The rule that derives an event's status from the stances of the claims about it.

Each stance has an effect (schemas/vocabularies.json, vocabulary "stance"). The rule is data:
RULES is read in order and the first rule whose conditions all hold gives the status. A
condition is a set of effects, satisfied when at least one claim has one of them. An event with
a withdrawn_reason is "withdrawn" whatever its claims say. derive_status() (Python) and
status_sql() (DuckDB, used by the validator) both interpret RULES; a property test proves they agree.
"""
from __future__ import annotations

from typing import Iterable

EFFECTS = ("supports", "confirms", "alleges", "denies", "disputes", "refutes", "none")
WITHDRAWN = "withdrawn"
DEFAULT = "reported"
RULES: tuple[tuple[str, tuple[frozenset[str], ...]], ...] = (
    ("false", (frozenset({"refutes"}),)),
    ("disputed", (frozenset({"denies"}), frozenset({"supports", "confirms", "alleges"}))),
    ("disputed", (frozenset({"disputes"}),)),
    ("denied", (frozenset({"denies"}),)),
    ("confirmed", (frozenset({"confirms"}),)),
    ("reported", (frozenset({"supports"}),)),
    ("alleged", (frozenset({"alleges"}),)),
)


def derive_status(effects: Iterable[str], withdrawn: bool = False) -> str:
    """The status of an event whose claims have these effects."""
    if withdrawn:
        return WITHDRAWN
    present = set(effects)
    for status, conditions in RULES:
        if all(present & condition for condition in conditions):
            return status
    return DEFAULT


def status_sql(withdrawn_expr: str) -> str:
    """A SQL CASE expression over boolean columns has_<effect>, giving the derived status."""
    parts = [f"WHEN {withdrawn_expr} THEN '{WITHDRAWN}'"]
    for status, conditions in RULES:
        cond = " AND ".join("(" + " OR ".join(f"coalesce(has_{e}, false)" for e in sorted(c)) + ")" for c in conditions)
        parts.append(f"WHEN {cond} THEN '{status}'")
    return "CASE " + " ".join(parts) + f" ELSE '{DEFAULT}' END"


def rules_markdown() -> str:
    """The rule as a Markdown list, for the data dictionary."""
    lines = [f"1. `withdrawn_reason` is set → **{WITHDRAWN}**"]
    for status, conditions in RULES:
        cond = " and ".join("a claim with effect " + " or ".join(f"`{e}`" for e in sorted(c)) for c in conditions)
        lines.append(f"1. {cond} → **{status}**")
    lines.append(f"1. otherwise → **{DEFAULT}**")
    return "\n".join(lines)
