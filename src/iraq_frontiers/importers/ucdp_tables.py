"""Building the nine core tables (polars frames in schema column order) from the checked GED rows: events,
locations under their administrative divisions, actors and coalitions, sources, claims and their links."""
from __future__ import annotations

import hashlib
import re
from typing import Any

from iraq_frontiers.importers.ucdp_mapping import CIVILIANS_ID, COUNTRY_ISO, DATASET_CITATION, DATE_PREC, ORIGIN, TYPE_LABEL, TYPE_OF_VIOLENCE, UCDP_ACTOR, WHERE_PREC, slug
from iraq_frontiers.importers.ucdp_read import parse_source_entries


def _hash(text: str, n: int = 12) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:n]


def _country_iso(name: str | None) -> str | None:
    return COUNTRY_ISO.get((name or "").strip())


def _government_iso(side: str) -> str | None:
    m = re.fullmatch(r"Government of (.+)", side.strip())
    return _country_iso(m.group(1)) if m else None


def _optional_id(frame, col: str):
    """An optional GED id column as integers (null where absent, empty or not a positive integer)."""
    import polars as pl

    if col not in frame.columns:
        return pl.lit(None, pl.Int64)
    value = pl.col(col).cast(pl.Float64, strict=False).cast(pl.Int64, strict=False)
    return pl.when(value >= 1).then(value).otherwise(None)


def _place_kind(name: str, is_country: bool) -> str:
    if is_country:
        return "country"
    last = name.rsplit(" ", 1)[-1].lower().strip("()")
    lowered = name.lower()
    if last in ("town", "suburb"):
        return "town"
    if last in ("village", "farm", "farms"):
        return "village"
    if last == "city":
        return "city"
    if last == "governorate":
        return "governorate"
    if last == "district":
        return "district"
    if any(w in lowered for w in ("airbase", "air base", " base", "military", "(t4)", "barracks", "academy")):
        return "military_site"
    if any(w in lowered for w in ("airport", " dam", "field", "station", "prison", "hospital", "bridge", "factory", "complex", "plant")):
        return "infrastructure"
    if "border" in lowered or "crossing" in lowered:
        return "border_segment" if "crossing" not in lowered else "border_crossing"
    if last in ("river",):
        return "river"
    return "region"


_SETTLEMENT = {"town", "village", "city"}
_AREAL = {"country", "governorate", "district", "region", "border_segment", "zone", "river"}


def _coordinate_precision(kind: str) -> str:
    if kind in _SETTLEMENT:
        return "settlement"
    if kind in _AREAL:
        return "representative_point"
    return "exact"


def build_tables(ok, release: str) -> dict[str, Any]:
    """The nine core tables (polars frames, schema column order) for the checked GED rows."""
    import polars as pl

    from iraq_frontiers.schema.metadata import table_schema

    dataset_source_id = f"src-ucdp-release-{slug(release, 40)}"

    # ---------------- locations
    countries = ok.select("country").unique().drop_nulls().filter(pl.col("country") != "")["country"].to_list()
    loc_rows: dict[str, dict[str, Any]] = {}
    used: dict[str, str] = {}  # id -> natural key, to detect id collisions

    def new_id(base: str, key: str) -> str:
        cand = base
        if cand in used and used[cand] != key:
            cand = f"{base}-{_hash(key, 6)}"
        used[cand] = key
        return cand

    def add_loc(lid: str, name: str, kind: str, country: str | None, parent: str | None, lat=None, lon=None, note="", point_id=None):
        loc_rows[lid] = {"id": lid, "name": name, "aliases": None, "kind": kind, "country": country, "parent_id": parent,
                         "latitude": lat, "longitude": lon,
                         "coordinate_precision": "none" if lat is None else _coordinate_precision(kind),
                         "geonames_id": None, "wikidata_id": None,
                         "notes": note or f"Place as named by UCDP GED ({release}); kind inferred from the name.",
                         # the point's gazetteer row: the first GED event coded there
                         "coordinate_source": None if lat is None else ORIGIN, "coordinate_source_id": None if lat is None else point_id}

    country_id: dict[str, str] = {}
    for c in sorted(countries):
        lid = new_id(f"loc-ucdp-{slug(c)}", f"country:{c}")
        country_id[c] = lid
        iso = _country_iso(c)
        add_loc(lid, c, "country", iso, None, note=f"Country as named by UCDP GED ({release})." + ("" if iso else " No ISO code known to the importer for this name."))
    adm1 = ok.select("country", "adm_1").unique().filter(pl.col("adm_1").fill_null("") != "").sort("country", "adm_1")
    adm1_id: dict[tuple[str, str], str] = {}
    for c, a in adm1.iter_rows():
        lid = new_id(f"loc-ucdp-{slug(a)}", f"adm1:{c}:{a}")
        adm1_id[(c, a)] = lid
        add_loc(lid, a, "governorate", _country_iso(c), country_id.get(c), note=f"First-order administrative division (UCDP adm_1, {release}).")
    adm2 = ok.select("country", "adm_1", "adm_2").unique().filter(pl.col("adm_2").fill_null("") != "").sort("country", "adm_1", "adm_2")
    adm2_id: dict[tuple[str, str, str], str] = {}
    for c, a1, a2 in adm2.iter_rows():
        lid = new_id(f"loc-ucdp-{slug(a2)}", f"adm2:{c}:{a1}:{a2}")
        adm2_id[(c, a1, a2)] = lid
        parent = adm1_id.get((c, a1)) or country_id.get(c)
        add_loc(lid, a2, "district", _country_iso(c), parent, note=f"Second-order administrative division (UCDP adm_2, {release}).")

    places = (ok.group_by("country", "adm_1", "adm_2", "where_coordinates", "latitude", "longitude").agg(pl.col("id").min().alias("first_id"))
              .sort("country", "adm_1", "adm_2", "where_coordinates", "latitude", "longitude", nulls_last=True))
    name_coords = places.group_by("where_coordinates").agg(pl.struct("latitude", "longitude").n_unique().alias("n"))
    multi = set(name_coords.filter(pl.col("n") > 1)["where_coordinates"].to_list())
    place_map: list[dict[str, Any]] = []
    for c, a1, a2, name, lat, lon, first_id in places.iter_rows():
        c, a1, a2 = c or "", a1 or "", a2 or ""
        label = name or (f"{lat:.5f}, {lon:.5f}" if lat is not None else "unnamed place")
        coords_key = "none" if lat is None else f"{lat:.6f},{lon:.6f}"
        admin = None  # the place is itself one of the administrative units
        if name and name == c:
            admin = country_id.get(c)
        elif name and name == a1:
            admin = adm1_id.get((c, a1))
        elif name and name == a2:
            admin = adm2_id.get((c, a1, a2))
        if admin is not None and name not in multi:
            lid = admin
            row = loc_rows[lid]
            if lat is not None and row["latitude"] is None:
                row.update(latitude=lat, longitude=lon, coordinate_precision="representative_point",
                           coordinate_source=ORIGIN, coordinate_source_id=first_id)
                row["notes"] += " Coordinates: the representative point UCDP codes for events placed only at this level."
        else:
            parent = adm2_id.get((c, a1, a2)) or adm1_id.get((c, a1)) or country_id.get(c)
            base = f"loc-ucdp-{slug(label)}" + (f"-{_hash(coords_key, 6)}" if name in multi else "")
            lid = new_id(base, f"place:{c}:{a1}:{a2}:{label}:{coords_key}")
            if lid not in loc_rows:
                kind = _place_kind(label, False)
                if kind in ("governorate", "district"):  # e.g. "Eastern Deir ez Zor Governorate": a part of a unit, not one
                    kind = "region"
                add_loc(lid, label, kind, _country_iso(c), parent if parent != lid else None, lat, lon,
                        note=f"Place as named by UCDP GED where_coordinates ({release}); kind inferred from the name; "
                        "coordinates as UCDP codes them." + (" UCDP uses this name for more than one place; the id carries a hash of the coordinates." if name in multi else ""),
                        point_id=first_id)
        place_map.append({"country": c, "adm_1": a1, "adm_2": a2, "where_coordinates": name, "latitude": lat, "longitude": lon, "location_id": lid})
    pm = pl.DataFrame(place_map, schema={"country": pl.String, "adm_1": pl.String, "adm_2": pl.String, "where_coordinates": pl.String,
                                         "latitude": pl.Float64, "longitude": pl.Float64, "location_id": pl.String})
    ev = ok.with_columns(pl.col(c).fill_null("") for c in ("country", "adm_1", "adm_2")).join(
        pm, on=["country", "adm_1", "adm_2", "where_coordinates", "latitude", "longitude"], how="left", nulls_equal=True)
    assert ev["location_id"].null_count() == 0 and ev.height == ok.height

    # ---------------- actors
    sides = pl.concat([
        ev.select(pl.col("side_a_new_id").alias("aid"), pl.col("side_a").alias("name")),
        ev.select(pl.col("side_b_new_id").alias("aid"), pl.col("side_b").alias("name")),
    ]).unique().sort("aid", "name")
    side_name: dict[int, str] = {}
    for aid, name in sides.iter_rows():
        side_name.setdefault(aid, name)  # one name per id (GED names are stable per id within a release)
    single_by_name = {name: aid for aid, name in side_name.items() if ", " not in name}
    actor_rows: dict[str, dict[str, Any]] = {UCDP_ACTOR["id"]: dict(UCDP_ACTOR)}
    members: dict[int, list[str]] = {}
    for aid, name in sorted(side_name.items()):
        aid_s = f"act-ucdp-{aid}"
        if aid == CIVILIANS_ID and name == "Civilians":
            kind, iso, desc = "civilians", None, "Civilians as UCDP GED codes them: the victims (side B) of one-sided violence."
        elif _government_iso(name) or name.startswith("Government of "):
            kind, iso, desc = "state", _government_iso(name), f"The state as a party to organised violence, coded by UCDP GED as '{name}'."
        elif ", " in name:
            kind, iso, desc = "coalition", None, f"A side made of several groups fighting together, coded by UCDP GED as one actor ('{name}')."
        else:
            kind, iso, desc = "armed_group", None, f"An organised actor coded by UCDP GED as '{name}'."
        actor_rows[aid_s] = {"id": aid_s, "name": name, "kind": kind, "country": iso, "aliases": None, "description": desc,
                             "wikidata_id": None, "external_ids": f"ucdp:{aid}",
                             "notes": f"Imported from UCDP GED ({release}); kind assigned by the importer from the side's name, not curated."}
        if kind == "coalition":
            ids = []
            for member in [m.strip() for m in name.split(", ") if m.strip()]:
                if member in single_by_name:
                    mid = f"act-ucdp-{single_by_name[member]}"
                else:
                    mid = f"act-ucdp-name-{slug(member)}"
                    if mid not in actor_rows:
                        actor_rows[mid] = {"id": mid, "name": member, "kind": "armed_group", "country": None, "aliases": None,
                                           "description": f"A group named by UCDP GED only as a member of multi-group sides (such as '{name}').",
                                           "wikidata_id": None, "external_ids": None,
                                           "notes": f"Imported from UCDP GED ({release}); UCDP gives no id of its own for this group in the file imported."}
                if mid not in ids:
                    ids.append(mid)
            members[aid] = ids

    # ---------------- sources and claims
    parsed = ev.select(
        "id",
        pl.struct("source_article", "source_office", "source_date", "source_headline").map_elements(
            lambda s: [list(x) for x in parse_source_entries(s["source_article"], s["source_office"], s["source_date"], s["source_headline"])],
            return_dtype=pl.List(pl.List(pl.String))).alias("entries"),
    )
    cl = (parsed.with_columns(pl.col("entries").list.len().alias("n_src"))
          .explode("entries")
          .with_columns(pl.int_range(1, pl.len() + 1).over("id").alias("seq"))
          .with_columns(
              pl.col("entries").list.get(0, null_on_oob=True).alias("entry"),
              pl.col("entries").list.get(1, null_on_oob=True).alias("office"),
              pl.col("entries").list.get(2, null_on_oob=True).str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False).alias("sdate"),
              pl.col("entries").list.get(3, null_on_oob=True).alias("headline"),
          ))
    cl = cl.with_columns(
        pl.when(pl.col("entry").is_null()).then(pl.lit(dataset_source_id))
        .otherwise(pl.lit("src-ucdp-") + pl.col("entry").map_elements(_hash, return_dtype=pl.String)).alias("source_id"))
    src = (cl.filter(pl.col("entry").is_not_null()).group_by("source_id").agg(pl.first("office"), pl.first("sdate"), pl.first("headline"), pl.len().alias("cited"))
           .sort("source_id"))
    sources = src.select(
        pl.col("source_id").alias("id"),
        pl.lit(None, pl.String).alias("document"),
        pl.when(pl.col("headline").fill_null("") != "").then(pl.col("headline")).otherwise(pl.lit("(no headline given by UCDP)")).alias("title"),
        pl.when(pl.col("office").fill_null("") != "").then(pl.col("office")).otherwise(pl.lit("(not given by UCDP)")).alias("publisher"),
        pl.lit(None, pl.String).alias("original_publisher"),
        pl.lit(None, pl.String).alias("byline"),
        pl.col("sdate").alias("published_date"),
        pl.when(pl.col("sdate").is_null()).then(pl.lit("unknown")).otherwise(pl.lit("day")).alias("published_date_precision"),
        pl.when(pl.col("sdate").is_null()).then(pl.lit("unknown")).otherwise(pl.lit("external_metadata")).alias("published_date_basis"),
        pl.lit(None, pl.String).alias("url"),
        pl.lit("und").alias("language"),
        pl.lit("dataset_record").alias("kind"),
        pl.lit(None, pl.String).alias("sha256"),
        pl.lit(None, pl.Int64).alias("text_length"),
        pl.format("A source cited by UCDP GED ({}) as office, date and headline (UCDP source_article); cited by {} event(s). "
                  "No text is held; the headline is UCDP's record of it and the language of the original is not given.",
                  pl.lit(release), pl.col("cited")).alias("notes"),
    )
    dataset_source = pl.DataFrame([{
        "id": dataset_source_id, "document": None, "title": f"UCDP Georeferenced Event Dataset ({release})",
        "publisher": "Uppsala Conflict Data Program (UCDP)", "original_publisher": None, "byline": None, "published_date": None,
        "published_date_precision": "unknown", "published_date_basis": "unknown", "url": "https://ucdp.uu.se/downloads/",
        "language": "en", "kind": "dataset_record", "sha256": None, "text_length": None,
        "notes": "The GED release itself (CC BY 4.0). Cited by claims that come from UCDP's coding rather than from a source it cites "
                 "(membership of multi-group sides; events without a cited source). " + DATASET_CITATION,
    }], schema=sources.schema)
    sources = pl.concat([dataset_source, sources])

    ev = ev.with_columns(pl.format("evt-ucdp-{}", pl.col("id")).alias("event_id"))
    place_expr = pl.when(pl.col("where_coordinates").fill_null("") != "").then(pl.col("where_coordinates")).otherwise(pl.lit("an unnamed place"))
    day_text = pl.when(pl.col("date_start") == pl.col("date_end")).then(pl.col("date_start").cast(pl.String)).otherwise(
        pl.format("{} to {}", pl.col("date_start"), pl.col("date_end")))
    tov_label = pl.col("type_of_violence").replace_strict(TYPE_LABEL, return_dtype=pl.String)
    claims = cl.join(ev.select("id", "event_id", "side_a", "side_b", "where_coordinates", "date_start", "date_end", "best", "type_of_violence"), on="id").select(
        pl.format("clm-ucdp-{}-{}", pl.col("id"), pl.col("seq")).alias("id"),
        "source_id",
        pl.lit(UCDP_ACTOR["id"]).alias("claimant_id"),
        pl.when(pl.col("entry").is_null()).then(pl.lit("UCDP GED coders (no source cited in the record)"))
        .otherwise(pl.lit("UCDP GED coders, coding what the cited source reported")).alias("claimant_description"),
        pl.lit(False).alias("anonymous"),
        pl.lit(None, pl.String).alias("relayed_via_id"),
        "event_id",
        pl.lit(None, pl.String).alias("about_actor_id"),
        pl.lit(None, pl.String).alias("about_location_id"),
        pl.lit("reports").alias("stance"),
        pl.format("Reports what UCDP GED codes as event {}: {} between {} and {} at {}, {}; UCDP's best estimate for the event is {} killed.",
                  pl.col("id"), tov_label, pl.col("side_a"), pl.col("side_b"),
                  pl.when(pl.col("where_coordinates").fill_null("") != "").then(pl.col("where_coordinates")).otherwise(pl.lit("an unnamed place")),
                  pl.when(pl.col("date_start") == pl.col("date_end")).then(pl.col("date_start").cast(pl.String)).otherwise(
                      pl.format("{} to {}", pl.col("date_start"), pl.col("date_end"))),
                  pl.col("best")).str.slice(0, 2000).alias("statement"),
        pl.col("sdate").alias("statement_date"),
        pl.when(pl.col("sdate").is_null()).then(pl.lit("unknown")).otherwise(pl.lit("day")).alias("statement_date_precision"),
        pl.lit(False).alias("direct_quote"),
        pl.lit(None, pl.Int64).alias("span_start"),
        pl.lit(None, pl.Int64).alias("span_end"),
        pl.lit(None, pl.String).alias("notes"),
    )

    # ---------------- events
    ds, de, p = pl.col("date_start"), pl.col("date_end"), pl.col("date_prec")
    start = (pl.when(p == 4).then(ds.dt.month_start()).when(p == 5).then(pl.date(ds.dt.year(), 1, 1)).otherwise(ds))
    end = (pl.when(p == 4).then(de.dt.month_end()).when(p == 5).then(pl.date(de.dt.year(), 12, 31)).otherwise(de))

    def opt(col: str, label: str) -> pl.Expr:
        if col not in ev.columns:
            return pl.lit("")
        return pl.when(pl.col(col).fill_null("") != "").then(pl.format(f" {label}: {{}}.", pl.col(col))).otherwise(pl.lit(""))

    def n(col: str) -> pl.Expr:
        return pl.col(col).cast(pl.String).fill_null("?")

    notes = pl.concat_str([
        pl.format("UCDP GED event {} ({}). UCDP dates {} to {} (date_prec {}); place '{}' (where_prec {}, adm_1 '{}', adm_2 '{}'). "
                  "Deaths by UCDP: side A {}, side B {}, civilians {}, unknown {} (best {}).",
                  pl.col("id"), pl.lit(release), ds, de, p, pl.col("where_coordinates").fill_null(""), pl.col("where_prec"),
                  pl.col("adm_1"), pl.col("adm_2"), n("deaths_a"), n("deaths_b"), n("deaths_civilians"), n("deaths_unknown"), pl.col("best")),
        pl.when((pl.col("ucdp_low") != pl.col("low")) | (pl.col("ucdp_high") != pl.col("high")))
        .then(pl.format(" UCDP gives low {} and high {}, which do not bracket best {}; widened here to {}-{}.",
                        pl.col("ucdp_low"), pl.col("ucdp_high"), pl.col("best"), pl.col("low"), pl.col("high")))
        .otherwise(pl.lit("")),
        opt("conflict_name", "conflict"), opt("dyad_name", "dyad"),  # the ids are fields (ucdp_conflict_id, ucdp_dyad_id)
        opt("event_clarity", "event_clarity (1 high, 2 low)"), opt("active_year", "active_year"), opt("priogrid_gid", "priogrid_gid"),
        opt("source_original", "source_original"), opt("where_description", "where_description"), opt("code_status", "code_status"),
        opt("relid", "relid"),
    ])
    events = ev.select(
        pl.col("event_id").alias("id"),
        pl.col("type_of_violence").replace_strict(TYPE_OF_VIOLENCE, return_dtype=pl.String).alias("type"),
        start.alias("date_start"),
        end.alias("date_end"),
        p.replace_strict(DATE_PREC, return_dtype=pl.String).alias("date_precision"),
        "location_id",
        pl.col("where_prec").replace_strict(WHERE_PREC, return_dtype=pl.String).alias("location_precision"),
        pl.format("{} ({}): {} and {} at {}, {}. UCDP counts {} killed (low {}, high {}).",
                  pl.when(pl.col("type_of_violence") == 3).then(pl.lit("One-sided violence")).otherwise(pl.lit("Fighting")),
                  tov_label, pl.col("side_a"), pl.col("side_b"), place_expr, day_text, pl.col("best"), pl.col("low"), pl.col("high"))
        .str.slice(0, 2000).alias("summary"),
        pl.lit("reported").alias("status"),
        pl.lit(None, pl.String).alias("withdrawn_reason"),
        pl.lit(False).alias("is_background"),
        pl.col("low").alias("fatalities_low"),
        pl.col("best").alias("fatalities_best"),
        pl.col("high").alias("fatalities_high"),
        pl.col("deaths_civilians").alias("fatalities_civilians"),
        notes.alias("notes"),
        _optional_id(ev, "conflict_new_id").alias("ucdp_conflict_id"),
        _optional_id(ev, "dyad_new_id").alias("ucdp_dyad_id"),
    )

    # ---------------- event_actors and actor_relations
    role_a = pl.when(pl.col("type_of_violence") == 3).then(pl.lit("perpetrator")).otherwise(pl.lit("participant"))
    role_b = pl.when(pl.col("type_of_violence") == 3).then(pl.lit("target")).otherwise(pl.lit("participant"))
    first_claim = pl.format("clm-ucdp-{}-1", pl.col("id"))
    side_rows = pl.concat([
        ev.select("event_id", pl.format("act-ucdp-{}", pl.col("side_a_new_id")).alias("actor_id"), role_a.alias("role"), first_claim.alias("claim_id"),
                  pl.col("deaths_a").alias("fatalities"), pl.lit("UCDP side A; fatalities are UCDP's deaths_a.").alias("notes"),
                  pl.col("side_a_new_id").alias("side")),
        ev.select("event_id", pl.format("act-ucdp-{}", pl.col("side_b_new_id")).alias("actor_id"), role_b.alias("role"), first_claim.alias("claim_id"),
                  pl.col("deaths_b").alias("fatalities"), pl.lit("UCDP side B; fatalities are UCDP's deaths_b.").alias("notes"),
                  pl.col("side_b_new_id").alias("side")),
    ])
    member_map = pl.DataFrame([{"side": k, "member_id": m} for k, ms in members.items() for m in ms],
                              schema={"side": pl.Int64, "member_id": pl.String})
    member_rows = side_rows.join(member_map, on="side", how="inner").select(
        "event_id", pl.col("member_id").alias("actor_id"), "role", "claim_id", pl.lit(None, pl.Int64).alias("fatalities"),
        pl.format("Member of the multi-group UCDP side {} (its deaths are on the side's row).", pl.col("actor_id")).alias("notes"))
    event_actors = (pl.concat([side_rows.drop("side"), member_rows])
                    .unique(subset=["event_id", "actor_id", "role"], keep="first", maintain_order=True))

    rel_rows, rel_claims = [], []
    for aid, ms in sorted(members.items()):
        coalition = f"act-ucdp-{aid}"
        for m in ms:
            cid = f"clm-ucdp-actor-{aid}-{slug(m.removeprefix('act-ucdp-'), 40)}"
            rel_rows.append({"subject_id": m, "relation": "part_of", "object_id": coalition, "claim_id": cid,
                             "notes": "From the UCDP side name, which lists the groups that make up the side."})
            rel_claims.append({"id": cid, "source_id": dataset_source_id, "claimant_id": UCDP_ACTOR["id"],
                               "claimant_description": "UCDP GED coders", "anonymous": False, "relayed_via_id": None, "event_id": None,
                               "about_actor_id": m, "about_location_id": None, "stance": "describes",
                               "statement": f"UCDP GED codes {actor_rows[m]['name']} as one of the groups making up the side '{actor_rows[coalition]['name']}' (UCDP actor {aid}).",
                               "statement_date": None, "statement_date_precision": "unknown", "direct_quote": False,
                               "span_start": None, "span_end": None, "notes": None})
    claims = pl.concat([claims, pl.DataFrame(rel_claims, schema=claims.schema)]) if rel_claims else claims

    tables = {
        "sources": sources,
        "actors": pl.DataFrame(list(actor_rows.values())),
        "locations": pl.DataFrame(list(loc_rows.values()), infer_schema_length=None),
        "events": events,
        "claims": claims,
        "claim_quantities": None,
        "event_actors": event_actors,
        "actor_relations": pl.DataFrame(rel_rows) if rel_rows else None,
        "claim_links": None,
    }
    out = {}
    for name, frame in tables.items():
        fields = table_schema(name)["fields"]
        cols = [f["name"] for f in fields]
        if frame is None:
            frame = pl.DataFrame({c: [] for c in cols}, schema={c: pl.String for c in cols})
        if "origin" in cols and "origin" not in frame.columns:  # every imported row names its layer
            frame = frame.with_columns(pl.lit(ORIGIN, pl.String).alias("origin"))
        if name == "events" and "contested" not in frame.columns:  # no claim links are imported: nothing is contested
            frame = frame.with_columns(pl.lit(False).alias("contested"))
        # fields UCDP does not give (span hashes, publisher actors) stay empty
        frame = frame.with_columns([pl.lit(None, pl.String).alias(c) for c in cols if c not in frame.columns])
        out[name] = frame.select(cols)
    return out
