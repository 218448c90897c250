"""Import US Government claims about strikes on Iraq's frontiers as the `us-gov` layer of a package.

Input: ../shared/external/us-gov-oir-strike-claims/oir_strike_claims.csv (one row per "near <town>, N strikes"
line of a coalition strike release, or per statement), with pages_index.csv beside it (one row per page).
Every row is accounted for: imported, left out by the frontier band, or rejected with the reason.

* A row's place is located from a gazetteer (importers.usgov_places); a place a row of the UCDP layer already
  holds (importers.identity: same country, kind and name, points within PLACE_KM) is that row, with its point.
  The row is kept when the point lies in the frontier band (iraq_frontiers.borders.in_band: BAND_KM of Iraq's
  land border, on either side).
* Each kept row is a claim (stance `announces` for a strike release: a party reporting its own action;
  `condemns` for a statement) whose claimant is the body that issued it, citing its page as a source
  (kind official_statement, the URL, the release date; no text held).
* The claim is linked to the event of the package it reports when one fits the linker's window
  (importers.usgov_link); otherwise it supports an event of this layer, one per (type, day, place): the
  same day's strikes near the same town in two releases are one event. Status is derived from the
  claims by the rule (validation.status), never set by hand.
* The number of strikes is a claim_quantities row (count_strikes).

Ids: src-usgov-<page key>, clm-usgov-<claim id>, evt-usgov-<day>-<place>, loc-usgov-<place>, act-usgov-<body>.
docs/us-gov.md says what is left out and why.
"""
from __future__ import annotations

import csv
import re
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from iraq_frontiers.importers import usgov_tables as T
from iraq_frontiers.importers.usgov_places import Gazetteer, fold, is_layer_row
from iraq_frontiers.importers.ucdp_mapping import CORE_TABLES, slug

CLAIM_COLUMNS = ("claim_id", "kind", "event_date", "country", "place_as_written", "governorate", "frontier_governorate", "strikes",
                 "effects_normalised", "claimant", "source_url", "publisher", "release_date", "excerpt_coverage")
PAGE_COLUMNS = ("page_key", "source_url", "publisher", "release_date", "excerpt_coverage")
KINDS = ("strike", "no-strike report", "summary", "statement")
COUNTRY_ROW = {"IQ": "loc-iraq", "SY": "loc-syria"}


class UsGovImportError(Exception):
    """The input cannot be read (missing file or columns); nothing is written."""


@dataclass
class Outcome:
    claim_id: str
    result: str  # imported | left-out (by the band: beyond it, or no point to measure) | rejected
    reason: str = ""
    place: str = ""
    border: str | None = None
    border_km: float | None = None
    event_id: str | None = None
    linked: bool = False  # the claim reports an event the package already had (another layer's)


@dataclass
class UsGovResult:
    rows_read: int = 0
    outcomes: list[Outcome] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def count(self, result: str) -> int:
        return sum(1 for o in self.outcomes if o.result == result)

    def to_dict(self) -> dict[str, Any]:
        d = {"rows_read": self.rows_read, "imported": self.count("imported"), "left_out": self.count("left-out"),
             "rejected": self.count("rejected"), "claims_linked_to_existing_events": sum(o.linked for o in self.outcomes),
             "events_made": self.tables.get("events", 0), "tables": self.tables, "seconds": self.seconds,
             "rows": [asdict(o) for o in self.outcomes]}
        d["accounted_for"] = d["imported"] + d["left_out"] + d["rejected"] == self.rows_read == len(self.outcomes)
        return d


def _read(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise UsGovImportError(f"{path}: missing column(s) {', '.join(missing)}")
            return [{k: (v or "").strip() for k, v in r.items() if k} for r in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UsGovImportError(f"{path}: cannot be read ({exc.__class__.__name__}: {exc})") from None


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        return None


def _window(text: str) -> tuple[date, date] | None:
    """The event's days: '2017-08-21', or a window '2014-09-23/24' or '2018-12-30/2019-01-06'."""
    first, _, last = text.partition("/")
    start = _day(first)
    if start is None:
        return None
    if not last:
        return start, start
    end = _day(last) or (_day(first[:8] + last) if re.fullmatch(r"\d{2}", last) else None)
    return (start, end) if end and end >= start else None


def _check(row: dict[str, str], seen: set[str]) -> str:
    """Why the row cannot be a claim at all ('' when it can)."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]{0,40}", row["claim_id"]) or row["claim_id"] in seen:
        return f"claim_id {row['claim_id']!r} is empty, malformed or repeated"
    if row["kind"] not in KINDS:
        return f"kind {row['kind']!r} is not one of {', '.join(KINDS)}"
    if not re.match(r"https?://", row["source_url"]):
        return "source_url is not an http(s) address"
    if row["release_date"] and _day(row["release_date"]) is None:
        return f"release_date {row['release_date']!r} is not a date"
    if row["strikes"] and not row["strikes"].isdigit():
        return f"strikes {row['strikes']!r} is not a whole number"
    if row["kind"] == "no-strike report":
        return "a report that no strike took place in the country that day: no event and no place to attach it to"
    if row["kind"] == "summary":
        return "a weekly summary over a province: no day and no point"
    if _window(row["event_date"]) is None:
        return f"no day for the event (event_date {row['event_date'] or 'empty'}): the claim cannot be dated or linked"
    if row["kind"] == "strike" and not row["strikes"]:
        return "a strike line without a number of strikes"
    return ""


def _actor_index(package: Path) -> dict[str, str]:
    """Folded name or alias -> id of the package's curated actors (not an imported layer's)."""
    out: dict[str, str] = {}
    with (package / "actors.csv").open(encoding="utf-8", newline="") as fh:
        for r in sorted(csv.DictReader(fh), key=lambda r: r["id"]):
            if is_layer_row(r["id"]):
                continue
            for n in [r["name"]] + (r.get("aliases") or "").split("|"):
                if fold(n):
                    out.setdefault(fold(n), r["id"])
    return out


def build_layer(claims_file: Path, package: Path, external: Path | None, band_km: float | None = None) -> tuple[dict[str, list[dict]], UsGovResult]:
    """The layer's rows by table, and the account of every input row. Reads the package, writes nothing."""
    from iraq_frontiers.borders import BAND_KM, in_band, nearest_border
    from iraq_frontiers.importers.identity import known_rows
    from iraq_frontiers.importers.usgov_link import best_event, package_events
    from iraq_frontiers.schema.metadata import stance_effects
    from iraq_frontiers.validation.status import derive_contested, derive_status

    band = BAND_KM if band_km is None else band_km
    rows = _read(claims_file, CLAIM_COLUMNS)
    pages_file = claims_file.with_name("pages_index.csv")
    if not pages_file.is_file():
        raise UsGovImportError(f"{pages_file}: not found (the page index must lie beside the claims file)")
    pages = {p["source_url"]: p for p in _read(pages_file, PAGE_COLUMNS)}
    gaz = Gazetteer.read(package, external)
    known = known_rows(package, T.ORIGIN)  # the curated rows and the layers before this one (importers.layer.NAMESPACE)
    actors_by_name = _actor_index(package)
    effects = stance_effects()
    events_pkg, ucdp_types = package_events(package, T.ORIGIN, effects)

    tables: dict[str, list[dict]] = {t: [] for t in CORE_TABLES}
    result = UsGovResult(rows_read=len(rows))
    added_actors: dict[str, dict] = {}

    def actor(spec: dict, names: list[str], why: str) -> str:
        for n in names:
            if fold(n) in actors_by_name:
                return actors_by_name[fold(n)]
        added_actors.setdefault(spec["id"], T.actor_row(spec, why))
        return spec["id"]

    sources: dict[str, dict] = {}
    locations: dict[str, dict] = {}  # gazetteer key -> new location row (or None for a reused one)
    loc_names: dict[str, list[str]] = {}
    events: dict[str, dict] = {}
    event_claims: dict[str, list[str]] = {}
    seen: set[str] = set()
    for row in sorted(rows, key=lambda r: r["claim_id"]):
        why = _check(row, seen)
        seen.add(row["claim_id"])
        if why:
            result.outcomes.append(Outcome(row["claim_id"], "rejected", why, row["place_as_written"]))
            continue
        place, why = gaz.locate(row["place_as_written"], row["country"])
        if place is None:
            result.outcomes.append(Outcome(row["claim_id"], "left-out", f"no point: {why}", row["place_as_written"]))
            continue
        if place.location_id is None:  # a gazetteer's point: an earlier layer may hold the place already
            same = known.place(place.country, T.settlement_kind(place), [row["place_as_written"], place.gazetteer_name], (place.lat, place.lon))
            if same is not None:  # that row and its point; the gazetteer row named stays the lookup's (ids keep its name)
                place = replace(place, lat=same["point"][0], lon=same["point"][1], location_id=same["id"])
        border, km = nearest_border(place.lat, place.lon)
        if not in_band(place.lat, place.lon, band):
            result.outcomes.append(Outcome(row["claim_id"], "left-out", f"{place.gazetteer_name} ({place.gazetteer} {place.gazetteer_id}) "
                                           f"lies {km:.1f} km from Iraq's border with {border}, beyond the {band:g} km band",
                                           row["place_as_written"], border, round(km, 1)))
            continue
        # --- the place, the source, the claimant
        key = f"{place.gazetteer}:{place.gazetteer_id}"
        loc_names.setdefault(key, [])
        if row["place_as_written"] not in loc_names[key]:
            loc_names[key].append(row["place_as_written"])
        if place.location_id:
            loc_id, loc_name = place.location_id, place.gazetteer_name
        else:
            first = loc_names[key][0]
            loc_id, loc_name = f"loc-{T.PREFIX}-{slug(first, 40)}", first
            parent = gaz.governorate(row["governorate"], place.country) or COUNTRY_ROW.get(place.country)
            locations[key] = T.location_row(loc_id, loc_names[key], place, parent)
        page = pages.get(row["source_url"], {})
        page_key = page.get("page_key") or slug(row["source_url"], 40)
        release = date.fromisoformat(row["release_date"]) if row["release_date"] else None
        src = sources.setdefault(row["source_url"], T.source_row(page_key, row["source_url"], row["publisher"], release,
                                                                 page.get("excerpt_coverage") or row["excerpt_coverage"]))
        body = "CENTCOM" if re.match(r"CENTCOM press release #\d", row["publisher"]) else row["claimant"]
        spec = T.CLAIMANTS.get(body)
        if spec is None:
            result.outcomes.append(Outcome(row["claim_id"], "rejected", f"claimant {row['claimant']!r} is not a body the importer knows",
                                           row["place_as_written"]))
            continue
        claimant_id = actor(spec, [spec["name"]] + spec["aliases"], "the body that issued the release or statement")
        # --- what the claim says and which event it reports
        day, last = _window(row["event_date"])
        country = {"IQ": "Iraq", "SY": "Syria"}.get(place.country, row["country"])
        if row["kind"] == "strike":
            type_, perp_name, stance = "airstrike", "coalition", "announces"
            statement = T.strike_statement(spec["aliases"][0], int(row["strikes"]), day, last, row["place_as_written"], country, row["effects_normalised"])
            roles = {"perpetrator": "coalition", "target": "Islamic State"}
        else:
            type_, perp_name, stance = T.statement_type(row["effects_normalised"]), T.statement_perpetrator(row["effects_normalised"]), "condemns"
            statement = f"{spec['name']} condemned an attack near {row['place_as_written']}, {country} ({T.when(day, last)}): {row['effects_normalised']}."
            roles = {"perpetrator": perp_name} if perp_name else {}
        role_ids = {r: actor(T.PARTIES[n], [T.PARTIES[n]["name"]] + (T.PARTIES[n]["aliases"] or []), "a party to the events the releases report")
                    for r, n in roles.items()}
        role_keys = {r: frozenset(_keys(package, aid, added_actors)) for r, aid in role_ids.items()}
        claim_id = f"clm-{T.PREFIX}-{slug(row['claim_id'], 40)}"
        linked, blocked = best_event(events_pkg, ucdp_types, type_, day, last, place.lat, place.lon, role_keys, effects[stance])
        if linked:
            event_id = linked.event.id
        else:
            event_id = f"evt-{T.PREFIX}-{day.isoformat()}{'' if day == last else '-' + last.isoformat()}-{slug(loc_name, 40)}" + ("" if type_ == "airstrike" else f"-{type_.replace('_', '-')}")
            if event_id not in events:
                note = "Made by the us-gov importer: no event of the package fits the linker's window (docs/us-gov.md)."
                if blocked:
                    note += (f" {blocked.event.id} fits it ({blocked.gap} day(s), {blocked.km} km) but its layer's status "
                             f"({blocked.event.status}) would change; a curator decides whether they are one event.")
                events[event_id] = {"id": event_id, "origin": T.ORIGIN, "type": type_, "date_start": day, "date_end": last, "date_precision": "day" if day == last else "week",
                                    "location_id": loc_id, "location_precision": "near",
                                    "summary": T.event_summary(type_, day, last, row["place_as_written"], country, perp_name),
                                    "status": None, "contested": False, "withdrawn_reason": None, "is_background": False,
                                    "fatalities_low": None, "fatalities_best": None, "fatalities_high": None, "fatalities_civilians": None,
                                    "notes": note, "ucdp_conflict_id": None, "ucdp_dyad_id": None}
                for role, aid in sorted(role_ids.items()):
                    tables["event_actors"].append({"event_id": event_id, "actor_id": aid, "role": role, "claim_id": claim_id,
                                                   "fatalities": None, "notes": None})
            event_claims.setdefault(event_id, []).append(stance)
        tables["claims"].append({
            "id": claim_id, "origin": T.ORIGIN, "source_id": src["id"], "claimant_id": claimant_id, "claimant_description": None,
            "anonymous": False, "relayed_via_id": None, "event_id": event_id, "about_actor_id": None, "about_location_id": None,
            "stance": stance, "statement": statement, "statement_date": release, "statement_date_precision": "day" if release else "unknown",
            "direct_quote": False, "span_start": None, "span_end": None, "span_sha256": None,
            "notes": f"Row {row['claim_id']} of the shared US Government claims table; place as written '{row['place_as_written']}'"
                     + (f"; reports {linked.event.id} ({linked.gap} day(s), {linked.km} km apart)" if linked else "") + "."})
        if row["kind"] == "strike":
            tables["claim_quantities"].append({"claim_id": claim_id, "seq": 1, "kind": "count_strikes", "value": float(row["strikes"]),
                                               "unit": "strikes", "qualifier": "exact",
                                               "subject": f"coalition strikes near {row['place_as_written']} on {day.isoformat()}" + ("" if day == last else f"/{last.isoformat()}")})
        result.outcomes.append(Outcome(row["claim_id"], "imported", "", row["place_as_written"], border, round(km, 1), event_id, bool(linked)))
    for event_id, row in events.items():
        row["status"] = derive_status(effects[s] for s in event_claims[event_id])
        row["contested"] = derive_contested([])  # no claim of this layer is in a disagreement link
    tables["sources"] = sorted(sources.values(), key=lambda r: r["id"])
    tables["actors"] = sorted(added_actors.values(), key=lambda r: r["id"])
    tables["locations"] = sorted((r for r in locations.values()), key=lambda r: r["id"])
    tables["events"] = sorted(events.values(), key=lambda r: r["id"])
    tables["claims"].sort(key=lambda r: r["id"])
    tables["claim_quantities"].sort(key=lambda r: (r["claim_id"], r["seq"]))
    tables["event_actors"].sort(key=lambda r: (r["event_id"], r["actor_id"], r["role"]))
    result.tables = {t: len(v) for t, v in tables.items()}
    return tables, result


def _keys(package: Path, actor_id: str, added: dict[str, dict]) -> set[str]:
    from iraq_frontiers.importers.linking import _actor_keys

    if actor_id in added:
        a = dict(added[actor_id])
        a["aliases"] = "|".join(a["aliases"] or [])
        return _actor_keys({k: v or "" for k, v in a.items()})
    with (package / "actors.csv").open(encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["id"] == actor_id:
                return _actor_keys(r)
    return set()


def default_external(claims_file: Path) -> Path:
    """The folder holding the gazetteers: the claims file's folder's parent (../shared/external/)."""
    return Path(claims_file).resolve().parent.parent


def import_usgov_into(claims_file: str | Path, package: str | Path, external: str | Path | None = None,
                      band_km: float | None = None) -> UsGovResult:
    """Replace the us-gov layer of `package` (datapackage/) by this import; every other row keeps its bytes."""
    from iraq_frontiers.importers.layer import layer_csv_rows, merged
    from iraq_frontiers.io.disk import replace_file

    t0 = time.perf_counter()
    claims_file, package = Path(claims_file), Path(package)
    if not claims_file.is_file():
        raise UsGovImportError(f"{claims_file}: not found")
    missing = [t for t in CORE_TABLES if not (package / f"{t}.csv").is_file()]
    if missing:
        raise UsGovImportError(f"{package}: not a package folder with the core tables (missing {', '.join(m + '.csv' for m in missing)})")
    tables, result = build_layer(claims_file, package, Path(external) if external else default_external(claims_file), band_km)
    if not tables["claims"]:  # an empty layer would delete the committed one: refuse
        raise UsGovImportError(f"{claims_file}: no row lies in the frontier band; nothing was written")
    new = {name: merged(package, name, layer_csv_rows(tables[name], name), T.ORIGIN)[0] for name in CORE_TABLES}
    for name, data in new.items():
        replace_file(package / f"{name}.csv", data)
    result.seconds = round(time.perf_counter() - t0, 3)
    return result


def account_markdown(result: UsGovResult) -> str:
    """The account of every input row as Markdown (docs/us-gov.md holds it; a test keeps it in sync)."""
    d = result.to_dict()
    lines = [f"{d['rows_read']} rows read: **{d['imported']} imported** as claims, **{d['left_out']} left out** by the frontier band, "
             f"**{d['rejected']} rejected**; {d['events_made']} events made, {d['claims_linked_to_existing_events']} claims linked to "
             "events already in the package.", "", "| result | place as written | rows | reason |", "|---|---|---:|---|"]
    groups: dict[tuple[str, str, str], int] = {}
    for o in result.outcomes:
        reason = o.reason or f"in the band: {o.border_km:g} km from Iraq's border with {o.border}"
        groups[(o.result, o.place or "(none)", reason)] = groups.get((o.result, o.place or "(none)", reason), 0) + 1
    order = {"imported": 0, "left-out": 1, "rejected": 2}
    for (res, place, reason), n in sorted(groups.items(), key=lambda kv: (order[kv[0][0]], kv[0][1], kv[0][2])):
        lines.append(f"| {res} | {place} | {n} | {reason.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


ACCOUNT_BEGIN = "<!-- us-gov account: generated by `iraq-frontiers import us-gov-claims --account-md`; do not edit -->"
ACCOUNT_END = "<!-- end of us-gov account -->"


def with_account(page: str, result: UsGovResult) -> str:
    """The page's text with its generated account block replaced by this import's."""
    head, sep, rest = page.partition(ACCOUNT_BEGIN)
    _, sep2, tail = rest.partition(ACCOUNT_END)
    if not sep or not sep2:
        raise UsGovImportError(f"the page has no block between {ACCOUNT_BEGIN!r} and {ACCOUNT_END!r}")
    return f"{head}{ACCOUNT_BEGIN}\n{account_markdown(result)}{ACCOUNT_END}{tail}"
