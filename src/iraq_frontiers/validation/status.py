"""The rules that derive an event's status (from its claims' stances) and its contested flag (from its links).

Each stance has an effect (schemas/vocabularies.json, vocabulary "stance"). The rule is data:
RULES is read in order and the first rule whose conditions all hold gives the status. A
condition is a set of effects, satisfied when at least one claim has one of them. An event with
a withdrawn_reason is "withdrawn" whatever its claims say. derive_status() (Python) and
status_sql() (DuckDB, used by the validator) both interpret RULES; a property test proves they agree.

`contested` is kept apart from the status: the status says how well the facts are established, the
flag says whether anyone disagrees with a claim about the event, in any way (vocabulary
disagreement_kind: factual, attribution, partial, legitimacy, framing). A condemnation counts as support for the
status (the act happened) and makes the event contested (its legitimacy is disputed).
CONTESTING_RELATION and CONTESTING_KINDS are the whole rule; derive_contested() and contested_sql()
interpret them.
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


CONTESTING_RELATION = "contradicts"
CONTESTING_KINDS = frozenset({"factual", "attribution", "partial", "legitimacy", "framing"})


def derive_contested(links: Iterable[tuple[str, str | None]]) -> bool:
    """Whether an event is contested, given the (relation, kind) of every link touching one of its claims.

    A disagreement whose kind is missing still contests (the missing kind is reported on its own, as link-kind).
    """
    return any(relation == CONTESTING_RELATION and (kind is None or kind in CONTESTING_KINDS) for relation, kind in links)


def contested_sql(claims: str, claim_links: str) -> str:
    """SQL: the ids of contested events (column event_id), from the claims and claim_links relations named."""
    kinds = ", ".join(f"'{k}'" for k in sorted(CONTESTING_KINDS))
    ends = " UNION ALL ".join(
        f"SELECT l.{end} AS claim_id FROM {claim_links} l WHERE l.relation = '{CONTESTING_RELATION}' AND (l.kind IS NULL OR l.kind IN ({kinds}))"
        for end in ("claim_id", "other_claim_id"))
    return f"SELECT DISTINCT c.event_id FROM {claims} c JOIN ({ends}) x ON x.claim_id = c.id WHERE c.event_id IS NOT NULL"


def contested_markdown() -> str:
    """The contested rule as Markdown, for the data dictionary."""
    kinds = ", ".join(f"`{k}`" for k in sorted(CONTESTING_KINDS))
    return (f"`contested` is true exactly when at least one claim about the event (either end of the link) is in a "
            f"`{CONTESTING_RELATION}` link of kind {kinds}; false otherwise (also for events whose claims have no links). "
            "It does not change `status`: an act that one party justifies and another condemns can be `confirmed` "
            "and contested. The validator reports `contested-inconsistent` when the stored flag differs.")
