"""The rows of the us-gov layer: actors, sources, locations, events, claims and their links.

Everything here is in our own words: a statement restates the row's facts (who said, how many strikes,
where, when, what they say was hit); no page text is held (sources.document empty). See importers.usgov.
"""
from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlparse

from iraq_frontiers.importers.ucdp_mapping import slug

ORIGIN = "us-gov"
PREFIX = "usgov"  # every id of the layer: <kind>-usgov-...
LICENCE = "US Government work, public domain in the United States (17 U.S.C. 105)."
# the bodies that issue the claims: found among the package's curated actors by these names, else added
CLAIMANTS = {
    "CJTF-OIR": {"id": "act-usgov-cjtf-oir", "name": "Combined Joint Task Force - Operation Inherent Resolve", "kind": "state_armed_force",
                 "country": "US", "aliases": ["CJTF-OIR", "CJTFOIR", "Operation Inherent Resolve", "Combined Joint Task Force"],
                 "description": "The US-led multinational military headquarters, under US Central Command, that directs the coalition's "
                                "campaign against the Islamic State in Iraq and Syria and publishes its strike reports."},
    "CENTCOM": {"id": "act-usgov-centcom", "name": "United States Central Command", "kind": "state_armed_force", "country": "US",
                "aliases": ["CENTCOM", "US Central Command"], "description": "The US unified combatant command for the Middle East."},
    "US State Dept": {"id": "act-usgov-state-department", "name": "United States Department of State", "kind": "government_body",
                      "country": "US", "aliases": ["US State Dept", "State Department", "U.S. Department of State"],
                      "description": "The US foreign ministry; its spokesperson's statements are issued in its name."},
    "White House": {"id": "act-usgov-white-house", "name": "The White House", "kind": "government_body", "country": "US",
                    "aliases": ["White House", "National Security Council"],
                    "description": "The office of the US President, including the National Security Advisor who speaks for it."},
}
# the parties to the strikes the releases report (perpetrator, target), found or added the same way
PARTIES = {
    "coalition": {"id": "act-usgov-coalition", "name": "US-led coalition against the Islamic State", "kind": "coalition", "country": None,
                  "aliases": ["coalition"], "description": "The multinational coalition led by the United States against the Islamic State."},
    "Islamic State": {"id": "act-usgov-islamic-state", "name": "Islamic State", "kind": "armed_group", "country": None, "aliases": ["ISIS"],
                      "description": "The jihadist armed group that held territory in Iraq and Syria."},
    "Iran": {"id": "act-usgov-iran", "name": "Iran", "kind": "state", "country": "IR", "aliases": None, "description": "The Iranian state."},
    "Turkey": {"id": "act-usgov-turkey", "name": "Turkey", "kind": "state", "country": "TR", "aliases": None, "description": "The Turkish state."},
}
CASE = {"isis": "ISIS", "isil": "ISIL", "us": "US", "syria": "Syria", "iraq": "Iraq", "inherent": "Inherent", "resolve": "Resolve",
        "cjtf": "CJTF", "oir": "OIR", "iran": "Iran", "kurdistan": "Kurdistan", "iraqi": "Iraqi", "dohuk": "Dohuk", "sept": "Sept.",
        "september": "September", "oct": "Oct."}  # words a title spells with capitals (the address is lower case)
MIRROR_OF = {"CJTF-OIR release": "Combined Joint Task Force - Operation Inherent Resolve", "State Dept": "U.S. Department of State",
             "White House": "The White House"}


def nice_date(d: date) -> str:
    return f"{d.day} {d.strftime('%B')} {d.year}"


def publisher_of(publisher: str, url: str) -> tuple[str, str | None, str]:
    """(publisher: the site that carried the page, original publisher of a copy, a note)."""
    host = (urlparse(url).hostname or "").removeprefix("www.")
    if publisher.startswith("third-party mirror of"):
        original = next((v for k, v in MIRROR_OF.items() if k in publisher), None)
        return host, original, f"A third-party copy ({host}) of a US Government statement: the official page was not in the store."
    if publisher.startswith("DoD News"):
        return "DoD News (U.S. Department of Defense)", None, ""
    if publisher.startswith("CENTCOM"):
        return "U.S. Central Command", None, ""
    if publisher.startswith("US Embassy"):
        return "U.S. Embassy in Iraq", "U.S. Department of State", "The embassy's copy of a State Department spokesperson's statement."
    return host or publisher, None, ""


def title_of(url: str, publisher: str, release: date | None) -> str:
    """The page's title as its address spells it (the text is not held); a described title when it has none."""
    parts = [p for p in urlparse(url).path.split("/") if p]
    last = parts[-1] if parts else ""
    if re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+){2,}", last):
        words = [CASE.get(w, w) for w in last.split("-")]
        return " ".join([words[0][0].upper() + words[0][1:]] + words[1:])
    return f"[{publisher}, {release.isoformat() if release else 'undated'}]"


def source_row(page_key: str, url: str, publisher_text: str, release: date | None, coverage: str) -> dict:
    publisher, original, note = publisher_of(publisher_text, url)
    notes = [f"As catalogued: {publisher_text}.", note, f"Excerpt read: {coverage}." if coverage else "",
             "Release date from the shared claims table (../shared/external/us-gov-oir-strike-claims)." if release else "Release date unknown.",
             LICENCE]
    return {"id": f"src-{PREFIX}-{slug(page_key, 40)}", "origin": ORIGIN, "document": None, "title": title_of(url, publisher_text, release),
            "publisher": publisher, "publisher_id": None, "original_publisher": original, "original_publisher_id": None, "byline": None,
            "published_date": release, "published_date_precision": "day" if release else "unknown",
            "published_date_basis": "external_metadata" if release else "unknown", "url": url, "language": "en",
            "kind": "official_statement", "sha256": None, "text_length": None, "notes": " ".join(n for n in notes if n)}


def actor_row(spec: dict, why: str) -> dict:
    return {"id": spec["id"], "name": spec["name"], "kind": spec["kind"], "country": spec["country"], "aliases": spec["aliases"],
            "description": spec["description"], "wikidata_id": None, "external_ids": None,
            "notes": f"Added by the us-gov importer ({why}); not in the curated actors."}


def settlement_kind(place) -> str:
    """The kind of a located place's row: a city from 100,000 people (the gazetteer's population), else a town."""
    return "city" if place.population >= 100_000 else "town"


def location_row(loc_id: str, names: list[str], place, parent_id: str | None) -> dict:
    aliases = sorted({n for n in names[1:] + [place.gazetteer_name] if n and n != names[0]})
    source = {"geonames": "geonames"}.get(place.gazetteer)
    return {"id": loc_id, "name": names[0], "aliases": aliases or None, "kind": settlement_kind(place),
            "country": place.country, "parent_id": parent_id, "latitude": place.lat, "longitude": place.lon,
            "coordinate_precision": "settlement", "geonames_id": int(place.gazetteer_id) if source == "geonames" else None,
            "wikidata_id": None, "coordinate_source": source, "coordinate_source_id": int(place.gazetteer_id) if source else None,
            "notes": f"Added by the us-gov importer for the places the US Government releases name; point of {place.gazetteer} row "
                     f"{place.gazetteer_id} ('{place.gazetteer_name}')."}


def statement_type(text: str) -> str:
    """The event type a statement's wording implies (the statements concern attacks on the Kurdistan Region)."""
    t = text.lower()
    if "missile" in t:
        return "missile_strike"
    if "drone" in t or "air strike" in t or "airstrike" in t:
        return "airstrike"
    if any(w in t for w in ("rocket", "mortar", "shell", "artillery")):
        return "shelling"
    return "attack"


def statement_perpetrator(text: str) -> str | None:
    t = text.lower()
    if "no perpetrator" in t or "not named" in t or "names no" in t:
        return None
    return "Iran" if "iran" in t else ("Turkey" if "turk" in t else None)


def when(day: date, last: date) -> str:
    return nice_date(day) if day == last else f"between {nice_date(day)} and {nice_date(last)}"


def strike_statement(claimant: str, n: int | None, day: date, last: date, place: str, country: str, effects: str) -> str:
    count = "an unstated number of strikes" if n is None else (f"{n} strike" + ("" if n == 1 else "s"))
    hit = ("the excerpt held here lists no result" if not effects or "cut off" in effects
           else f"its first assessment lists: {effects}")
    return f"{claimant} reported that coalition forces carried out {count} near {place}, {country}, on {when(day, last)} against the Islamic State; {hit}."


def event_summary(type_: str, day: date, last: date, place: str, country: str, perpetrator: str | None) -> str:
    if type_ == "airstrike" and perpetrator == "coalition":
        return f"Coalition air strikes on Islamic State targets near {place}, {country}, on {when(day, last)}, as the coalition itself reported them."
    who = {"Iran": "Iranian", "Turkey": "Turkish"}.get(perpetrator or "", "")
    what = {"missile_strike": "missile strike", "airstrike": "air or drone strike", "shelling": "shelling"}.get(type_, "attack")
    return f"{(who + ' ' + what).strip().capitalize()} near {place}, {country}, on {when(day, last)}, as a US Government statement describes it."
