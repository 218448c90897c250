"""Building the nine core tables (polars frames in schema column order) from the checked GED rows: events,
actors and coalitions, sources, claims and their links; the locations come from ucdp_places."""
from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from iraq_frontiers.importers.ucdp_mapping import (CANDIDATE_ORIGIN, CIVILIANS_ID, DATASET_CITATION, DATE_PREC, ORIGIN, TYPE_LABEL, TYPE_OF_VIOLENCE,
                                                   UCDP_ACTOR, WHERE_PREC, slug)
from iraq_frontiers.importers.outlets import canonical_outlet
from iraq_frontiers.importers.ucdp_records import ucdp_records
from iraq_frontiers.importers.ucdp_places import _country_iso, _hash, locations
from iraq_frontiers.importers.ucdp_read import parse_source_entries


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


def release_source_id(release: str) -> str:
    """The id of the source row that stands for a GED release (or file) itself."""
    return f"src-ucdp-release-{slug(release, 40)}"


def _with_row_columns(ok, release: str):
    """Every row's release label, file and layer (importers.ucdp_files adds them; one file imported alone gets them here)."""
    import polars as pl

    add = [pl.lit(v).alias(c) for c, v in (("release", release), ("ged_file", ""), ("origin", ORIGIN), ("layout", "ged")) if c not in ok.columns]
    return ok.with_columns(add) if add else ok


def build_tables(ok, release: str, known=None) -> dict[str, Any]:
    """The nine core tables (polars frames, schema column order) for the checked GED rows.

    release: the label of the import as a whole (place notes); each row's own release is its `release` column.
    known (importers.identity.Known): the package's rows the layer points at instead of making its own."""
    import polars as pl

    ok = _with_row_columns(ok, release)
    dataset_source_id = pl.col("release").map_elements(release_source_id, return_dtype=pl.String)
    loc_rows, ev = locations(ok, release, known)
    actor_rows, members, actor_id = _actors(ev, release, known)
    ev = ev.with_columns(pl.format("evt-ucdp-{}", pl.col("id")).alias("event_id"), dataset_source_id.alias("dataset_source_id"))
    sources, claims = _sources_and_claims(ev, release)
    events = _events(ev, release)
    event_actors = _event_actors(ev, members, actor_id)
    rel_rows, rel_claims = [], []
    member_name = {**{a: r["name"] for a, r in actor_rows.items()}, **{actor_id[a]: n for a, n in _side_names(ev).items()}}
    first_source = release_source_id(ev["release"][0])  # membership comes from the first release read
    for aid, ms in sorted(members.items()):
        coalition = actor_id[aid]
        for m in ms:
            cid = f"clm-ucdp-actor-{aid}-{slug(m.removeprefix('act-ucdp-'), 40)}"
            rel_rows.append({"subject_id": m, "relation": "part_of", "object_id": coalition, "claim_id": cid,
                             "notes": "From the UCDP side name, which lists the groups that make up the side."})
            rel_claims.append({"id": cid, "source_id": first_source, "claimant_id": UCDP_ACTOR["id"],
                               "claimant_description": "UCDP GED coders", "anonymous": False, "relayed_via_id": None, "event_id": None,
                               "about_actor_id": m, "about_location_id": None, "stance": "describes",
                               "statement": f"UCDP GED codes {member_name[m]} as one of the groups making up the side '{member_name[coalition]}' (UCDP actor {aid}).",
                               "statement_date": None, "statement_date_precision": "unknown", "direct_quote": False,
                               "span_start": None, "span_end": None, "notes": None, "origin": ORIGIN})
    claims = pl.concat([claims, pl.DataFrame(rel_claims, schema=claims.schema)]) if rel_claims else claims

    tables = {
        "ucdp_events": ucdp_records(ev),
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
    return _in_schema_order(tables)


def _event_phrases():
    """Polars expressions for the place, the days and the kind of violence of an event, as its texts say them."""
    import polars as pl

    place_expr = pl.when(pl.col("where_coordinates").fill_null("") != "").then(pl.col("where_coordinates")).otherwise(pl.lit("an unnamed place"))
    day_text = pl.when(pl.col("date_start") == pl.col("date_end")).then(pl.col("date_start").cast(pl.String)).otherwise(
        pl.format("{} to {}", pl.col("date_start"), pl.col("date_end")))
    tov_label = pl.col("type_of_violence").replace_strict(TYPE_LABEL, return_dtype=pl.String)
    return place_expr, day_text, tov_label


def _side_names(ev) -> dict[int, str]:
    """One name per UCDP actor id: the name of its first row in file order (GED relabels an id between releases)."""
    import polars as pl

    sides = pl.concat([
        ev.select(pl.col("side_a_new_id").alias("aid"), pl.col("side_a").alias("name")),
        ev.select(pl.col("side_b_new_id").alias("aid"), pl.col("side_b").alias("name")),
    ]).unique(maintain_order=True)
    side_name: dict[int, str] = {}
    for aid, name in sides.iter_rows():
        side_name.setdefault(aid, name)
    return side_name


def _actors(ev, release: str, known=None):
    """(actor rows by id, the member actor ids of each multi-group side, the actor id of each UCDP side): one actor
    per UCDP side, a coalition's members as actors of their own, the UCDP programme as the claimant of every claim;
    a side the package already holds (its row lists `ucdp:<id>` in external_ids) is that row, not a new one."""
    side_name = _side_names(ev)
    reuse = known.actors_by_ucdp if known is not None else {}
    actor_id = {aid: reuse.get(aid, f"act-ucdp-{aid}") for aid in side_name}
    single_by_name = {name: aid for aid, name in side_name.items() if ", " not in name}
    actor_rows: dict[str, dict[str, Any]] = {UCDP_ACTOR["id"]: dict(UCDP_ACTOR)}
    members: dict[int, list[str]] = {}
    for aid, name in sorted(side_name.items()):
        aid_s = actor_id[aid]
        if aid == CIVILIANS_ID and name == "Civilians":
            kind, iso, desc = "civilians", None, "Civilians as UCDP GED codes them: the victims (side B) of one-sided violence."
        elif _government_iso(name) or name.startswith("Government of "):
            kind, iso, desc = "state", _government_iso(name), f"The state as a party to organised violence, coded by UCDP GED as '{name}'."
        elif ", " in name:
            kind, iso, desc = "coalition", None, f"A side made of several groups fighting together, coded by UCDP GED as one actor ('{name}')."
        else:
            kind, iso, desc = "armed_group", None, f"An organised actor coded by UCDP GED as '{name}'."
        if aid not in reuse:  # a side the package holds keeps its own row
            actor_rows[aid_s] = {"id": aid_s, "name": name, "kind": kind, "country": iso, "aliases": None, "description": desc,
                                 "wikidata_id": None, "external_ids": f"ucdp:{aid}",
                                 "notes": f"Imported from UCDP GED ({release}); kind assigned by the importer from the side's name, not curated."}
        if kind == "coalition":
            ids = []
            for member in [m.strip() for m in name.split(", ") if m.strip()]:
                if member in single_by_name:
                    mid = actor_id[single_by_name[member]]
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
    return actor_rows, members, actor_id


EARLIEST_SOURCE_DATE = "1900-01-01"  # UCDP writes 1753-01-01 (a database placeholder) where a source's date is unknown


def _dataset_sources(ev, schema):
    """One source row per GED release (or Candidate release) the rows come from: the release itself."""
    import polars as pl

    rows = []
    for release, origin in ev.select("release", "origin").unique(maintain_order=True).iter_rows():
        name = "UCDP Candidate Events Dataset" if origin == CANDIDATE_ORIGIN else "UCDP Georeferenced Event Dataset"
        rows.append({
            "id": release_source_id(release), "document": None, "title": f"{name} ({release})",
            "publisher": "Uppsala Conflict Data Program (UCDP)", "original_publisher": None, "byline": None, "published_date": None,
            "published_date_precision": "unknown", "published_date_basis": "unknown", "url": "https://ucdp.uu.se/downloads/",
            "language": "en", "kind": "dataset_record", "sha256": None, "text_length": None,
            "notes": f"The {name} release itself (CC BY 4.0). Cited by claims that come from UCDP's coding rather than from a source it "
                     "cites (membership of multi-group sides; events without a cited source). " + DATASET_CITATION,
            "origin": origin,
        })
    return pl.DataFrame(rows, schema=schema)


def _sources_and_claims(ev, release: str):
    """(sources, claims): one source per cited source entry plus each GED release itself; one claim per cited
    source of each event (a source cited twice for one event makes one claim)."""
    import polars as pl

    parsed = ev.select(
        "id", "dataset_source_id", "release", "origin",
        pl.struct("source_article", "source_office", "source_date", "source_headline").map_elements(
            # no source: one null entry, so that the event keeps a claim (polars 2 drops empty lists in explode)
            lambda s: [list(x) for x in parse_source_entries(s["source_article"], s["source_office"], s["source_date"], s["source_headline"])] or [None],
            return_dtype=pl.List(pl.List(pl.String))).alias("entries"),
    )
    cl = (parsed
          .explode("entries")
          .with_columns(pl.int_range(1, pl.len() + 1).over("id").alias("seq"))
          .with_columns(
              pl.col("entries").list.get(0, null_on_oob=True).alias("entry"),
              pl.col("entries").list.get(1, null_on_oob=True).alias("office"),
              pl.col("entries").list.get(2, null_on_oob=True).str.slice(0, 10).alias("sdate_text"),
              pl.col("entries").list.get(3, null_on_oob=True).alias("headline"),
          ))
    parsed_date = pl.col("sdate_text").str.to_date("%Y-%m-%d", strict=False)
    # a real source date lies between 1900 and a year after the last event of the rows imported (UCDP also writes
    # dates such as 2109-10-28); the bound comes from the data, so a re-import gives the same rows
    latest = ev["date_end"].max() + timedelta(days=366)
    cl = cl.with_columns(
        pl.when(parsed_date.is_between(pl.lit(EARLIEST_SOURCE_DATE).str.to_date(), pl.lit(latest))).then(parsed_date).otherwise(None).alias("sdate"),
        pl.when(pl.col("entry").is_null()).then(pl.col("dataset_source_id"))
        .otherwise(pl.lit("src-ucdp-") + pl.col("entry").map_elements(_hash, return_dtype=pl.String)).alias("source_id"))
    cl = cl.unique(subset=["id", "source_id"], keep="first", maintain_order=True)
    src = (cl.filter(pl.col("entry").is_not_null())
           .group_by("source_id", maintain_order=True)
           .agg(pl.first("office"), pl.first("sdate"), pl.first("sdate_text"), pl.first("headline"), pl.first("release"), pl.first("origin"),
                pl.len().alias("cited"))
           .sort("source_id"))
    # one outlet, one name (importers/outlets.csv); the spelling UCDP gives is kept in the notes where it differs
    src = src.with_columns(pl.col("office").fill_null("").map_elements(canonical_outlet, return_dtype=pl.String).alias("canonical"))
    placeholder = pl.col("sdate").is_null() & (pl.col("sdate_text").fill_null("") != "")
    sources = src.select(
        pl.col("source_id").alias("id"),
        pl.lit(None, pl.String).alias("document"),
        pl.when(pl.col("headline").fill_null("") != "").then(pl.col("headline")).otherwise(pl.lit("(no headline given by UCDP)")).alias("title"),
        pl.when(pl.col("office").fill_null("") != "").then(pl.col("canonical")).otherwise(pl.lit("(not given by UCDP)")).alias("publisher"),
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
        pl.concat_str([
            pl.format("A source cited by UCDP GED ({}) as office, date and headline (UCDP source_article); cited by {} event(s). "
                      "No text is held; the headline is UCDP's record of it and the language of the original is not given.",
                      pl.col("release"), pl.col("cited")),
            pl.when(placeholder).then(pl.format(" UCDP gives its date as '{}', outside the range of a real source date (before {}, more "
                                                "than a year after the last event imported, or not a date): imported as unknown.",
                                                pl.col("sdate_text"), pl.lit(EARLIEST_SOURCE_DATE)))
            .otherwise(pl.lit("")),
            pl.when((pl.col("office").fill_null("") != "") & (pl.col("office") != pl.col("canonical")))
            .then(pl.format(" Outlet as UCDP spells it: '{}' (named '{}' here: docs/outlets.md).", pl.col("office"), pl.col("canonical")))
            .otherwise(pl.lit("")),
        ]).alias("notes"),
        "origin",
    )
    sources = pl.concat([_dataset_sources(ev, sources.schema), sources])

    place_expr, day_text, tov_label = _event_phrases()
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
                  place_expr, day_text,
                  pl.col("best")).str.slice(0, 2000).alias("statement"),
        pl.col("sdate").alias("statement_date"),
        pl.when(pl.col("sdate").is_null()).then(pl.lit("unknown")).otherwise(pl.lit("day")).alias("statement_date_precision"),
        pl.lit(False).alias("direct_quote"),
        pl.lit(None, pl.Int64).alias("span_start"),
        pl.lit(None, pl.Int64).alias("span_end"),
        pl.lit(None, pl.String).alias("notes"),
        "origin",
    )
    return sources, claims


def _events(ev, release: str):
    """The events table: one per GED row; dates widened to whole months or years by precision; UCDP's own
    values kept in the notes."""
    import polars as pl

    place_expr, day_text, tov_label = _event_phrases()
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
        pl.format("UCDP GED event {} ({}, file {}). UCDP dates {} to {} (date_prec {}); place '{}' (where_prec {}, adm_1 '{}', adm_2 '{}'). "
                  "Deaths by UCDP: side A {}, side B {}, civilians {}, unknown {} (best {}).",
                  pl.col("id"), pl.col("release"), pl.col("ged_file"), ds, de, p, pl.col("where_coordinates").fill_null(""), pl.col("where_prec"),
                  pl.col("adm_1").fill_null(""), pl.col("adm_2").fill_null(""), n("deaths_a"), n("deaths_b"), n("deaths_civilians"),
                  n("deaths_unknown"), pl.col("best")),
        pl.when(pl.col("layout") == "extract")
        .then(pl.lit(" From a reduced GED extract: UCDP gives the year only (the dates are that whole year), no place name, no sources "
                     "and no low or high; type of violence from the sides and best as the sum of the deaths counts, as UCDP defines them."))
        .otherwise(pl.lit("")),
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
        "origin",
        pl.col("type_of_violence").replace_strict(TYPE_OF_VIOLENCE, return_dtype=pl.String).alias("type"),
        start.alias("date_start"),
        end.alias("date_end"),
        p.replace_strict(DATE_PREC, return_dtype=pl.String).alias("date_precision"),
        "location_id",
        pl.col("where_prec").replace_strict(WHERE_PREC, return_dtype=pl.String).alias("location_precision"),
        pl.format("{} ({}): {} and {} at {}, {}. UCDP counts {} killed (low {}, high {}).",
                  pl.when(pl.col("type_of_violence") == 3).then(pl.lit("One-sided violence")).otherwise(pl.lit("Fighting")),
                  tov_label, pl.col("side_a"), pl.col("side_b"), place_expr, day_text, pl.col("best"),
                  pl.col("low").cast(pl.String).fill_null("not given"), pl.col("high").cast(pl.String).fill_null("not given"))
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
    return events


def _event_actors(ev, members, actor_id):
    """Both sides of each event (perpetrator and target for one-sided violence), and each member of a multi-group side."""
    import polars as pl

    role_a = pl.when(pl.col("type_of_violence") == 3).then(pl.lit("perpetrator")).otherwise(pl.lit("participant"))
    role_b = pl.when(pl.col("type_of_violence") == 3).then(pl.lit("target")).otherwise(pl.lit("participant"))
    first_claim = pl.format("clm-ucdp-{}-1", pl.col("id"))
    side_rows = pl.concat([
        ev.select("event_id", pl.col("side_a_new_id").replace_strict(actor_id, return_dtype=pl.String).alias("actor_id"), role_a.alias("role"), first_claim.alias("claim_id"),
                  pl.col("deaths_a").alias("fatalities"), pl.lit("UCDP side A; fatalities are UCDP's deaths_a.").alias("notes"),
                  pl.col("side_a_new_id").alias("side")),
        ev.select("event_id", pl.col("side_b_new_id").replace_strict(actor_id, return_dtype=pl.String).alias("actor_id"), role_b.alias("role"), first_claim.alias("claim_id"),
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
    return event_actors


def _in_schema_order(tables: dict[str, Any]) -> dict[str, Any]:
    """Each table with the schema's columns in order: the layer's origin, and empty columns for what UCDP does not give."""
    import polars as pl

    from iraq_frontiers.schema.metadata import table_schema

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
