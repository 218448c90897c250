"""The ACLED type of an imported UCDP event whose record shows an air strike (events_flat.acled_*).

UCDP codes fighting by dyad: a coalition air strike on IS in support of the SDF is a day of "IS - SDF"
fighting, our type `armed_clash`, which the type crosswalk sends to ACLED "Battles". ACLED codes the
strike as "Explosions/Remote violence: Air/drone strike". So, for an event of a UCDP layer (origin
`ucdp-…`; curated events carry our own type, `airstrike` among them, and keep the crosswalk's), read
what the record shows (docs/events-flat.md#acled-type-of-ucdp-events):

- the evidence of an air strike: a side of the event (any actor linked to it) is an air force or an air
  coalition (its name or an alias names an air force, the US-led / Global / International Coalition or
  CJTF-OIR), or a source of the event is Airwars (publisher `Airwars` in any case or spacing), the monitor
  of air strikes by international forces in Iraq and Syria, which UCDP cites for a strike;
- with that evidence, an event of one day (date_end = date_start) is that strike: ACLED
  "Explosions/Remote violence", "Air/drone strike";
- with that evidence, an event spanning several days (UCDP folds a run of days' reports into one event) may
  hold strikes and clashes together, which ACLED would code as separate events: undetermined (ACLED type and
  sub-type empty);
- without it, the crosswalk of our type, and no note. (A source headline naming air strikes is not taken as
  evidence: UCDP's sources include daily round-ups of strikes and clashes across a province.)

The note (`acled_mapping_note`) says which rule applied and on what evidence; it is empty exactly when the
crosswalk's type is given unchanged.
"""
from __future__ import annotations

import re
from typing import Any

AIR_STRIKE = ("Explosions/Remote violence", "Air/drone strike")
AIR_SIDE = re.compile(r"air ?force|air ?wing|(?:us-led|global|international|anti-is|anti-isis) coalition|\bcjtf\b|"
                      r"combined joint task force|operation inherent resolve", re.I)
AIR_MONITOR = "airwars"  # a publisher folded to letters and digits


def _fold(name: str | None) -> str:
    return re.sub(r"[\W_]+", "", (name or "").casefold())


def acled_mapping(event: dict[str, Any], sides: list[dict[str, Any]], cited: list[dict[str, Any]],
                  crosswalk: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(ACLED event type, ACLED sub-event type, note) of one event.

    sides: the actors linked to the event (rows of actors); cited: the sources its claims cite (rows of
    sources); crosswalk: the crosswalk_event_types row of its type (empty when none)."""
    given = (crosswalk.get("acled_event_type"), crosswalk.get("acled_sub_event_type"))
    if not str(event.get("origin") or "").startswith("ucdp"):
        return (*given, None)
    was = f"the type crosswalk would say {given[0]!r}" if given[0] else "the type crosswalk gives no ACLED type"
    evidence = next((f"side {a.get('name')!r} is an air force or air coalition" for a in sides
                     if any(n and AIR_SIDE.search(n) for n in [a.get("name"), *(a.get("aliases") or [])])), None)
    if evidence is None:
        monitors = sorted({s["id"] for s in cited if _fold(s.get("publisher")) == AIR_MONITOR})
        if monitors:
            evidence = f"a source is Airwars, a monitor of air strikes ({', '.join(monitors[:3])}{', ...' if len(monitors) > 3 else ''})"
    if evidence is None:
        return (*given, None)
    start, end = event.get("date_start"), event.get("date_end")
    if start is not None and end is not None and end > start:
        days = (end - start).days + 1
        return (None, None, f"undetermined: {evidence}, but the event spans {days} days and may hold strikes and clashes "
                            f"together; {was}")
    return (*AIR_STRIKE, f"air strike: {evidence}; {was}")
