"""The crosswalk resources: every value of our vocabularies is mapped or marked 'none' with a reason,
the other schemes' codes are valid, and the UCDP importer uses exactly these mappings."""
from __future__ import annotations

import csv
from pathlib import Path

import pytest

from iraq_frontiers.importers import ucdp_mapping
from iraq_frontiers.schema.metadata import vocabularies

DP = Path(__file__).resolve().parents[1] / "datapackage"
SCHEME_RANGES = {"acled_time_precision": range(1, 4), "ucdp_date_prec": range(1, 6), "acled_geo_precision": range(1, 4),
                 "ucdp_where_prec": range(1, 8), "gdelt_geo_type": range(1, 6)}
DATE_SCHEMES = {"acled_time_precision", "ucdp_date_prec"}
LOCATION_SCHEMES = {"acled_geo_precision", "ucdp_where_prec", "gdelt_geo_type"}
ACLED_SUB = {  # ACLED codebook: sub-event type -> event type
    "Armed clash": "Battles", "Government regains territory": "Battles", "Non-state actor overtakes territory": "Battles",
    "Chemical weapon": "Explosions/Remote violence", "Air/drone strike": "Explosions/Remote violence", "Suicide bomb": "Explosions/Remote violence",
    "Shelling/artillery/missile attack": "Explosions/Remote violence", "Remote explosive/landmine/IED": "Explosions/Remote violence",
    "Grenade": "Explosions/Remote violence", "Sexual violence": "Violence against civilians", "Attack": "Violence against civilians",
    "Abduction/forced disappearance": "Violence against civilians", "Peaceful protest": "Protests", "Protest with intervention": "Protests",
    "Excessive force against protesters": "Protests", "Violent demonstration": "Riots", "Mob violence": "Riots",
    "Agreement": "Strategic developments", "Arrests": "Strategic developments", "Change to group/activity": "Strategic developments",
    "Disrupted weapons use": "Strategic developments", "Headquarters or base established": "Strategic developments",
    "Looting/property destruction": "Strategic developments", "Non-violent transfer of territory": "Strategic developments",
    "Other": "Strategic developments",
}
PLOVER_MODES = {  # PLOVER manual draft 0.7b1 (2021) mode tables
    "CONSULT": {"visit", "third-party", "multilateral", "phone"}, "AID": {"economic", "military", "humanitarian", "asylum"},
    "RETREAT": {"withdraw", "release", "return", "disarm", "ceasefire", "access", "resign"},
    "DEMAND": {"assist", "change", "yield", "meet"}, "REJECT": {"assist", "change", "yield", "meet"},
    "THREATEN": {"restrict", "ban", "arrest", "relations", "expel", "territory", "violence"},
    "PROTEST": {"demo", "riot", "strike-gen", "strike-lim", "strike-hun", "boycott", "obstruct"},
    "SANCTION": {"convict", "cancel", "expel", "withdraw", "sever"}, "MOBILIZE": {"troops", "weapons", "police"},
    "COERCE": {"confiscate", "restrict", "ban", "censor", "curfew", "martial-law", "arrest", "deport", "withhold"},
    "ASSAULT": {"abduct", "beat", "torture", "execute", "sexual", "assassinate", "destroy", "primitive", "firearms", "explosives",
                "suicide-attack", "heavy-weapons"},
}


def rows(name: str) -> list[dict[str, str]]:
    with (DP / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def codes(row) -> list[int]:
    return [int(c) for c in row["codes"].split("|")] if row["codes"] else []


def test_every_event_type_is_mapped_once():
    got = [r["event_type"] for r in rows("crosswalk_event_types")]
    assert sorted(got) == sorted(vocabularies()["event_type"]["values"]) and len(got) == len(set(got))


@pytest.mark.parametrize("scheme,code_fields", [
    ("acled", ("acled_event_type", "acled_sub_event_type")), ("cameo", ("cameo_code", "cameo_label")),
    ("plover", ("plover_event_type",)), ("ucdp", ("ucdp_type_of_violence",)),
])
def test_event_type_codes_given_exactly_when_mapped(scheme, code_fields):
    for r in rows("crosswalk_event_types"):
        none = r[f"{scheme}_match"] == "none"
        for f in code_fields:
            assert (r[f] == "") == none, (r["event_type"], f)
        if none:
            assert len(r["notes"]) > 20, f"{r['event_type']}: no {scheme} counterpart needs a reason in notes"


def test_event_type_codes_are_valid():
    for r in rows("crosswalk_event_types"):
        if r["acled_sub_event_type"]:
            assert ACLED_SUB[r["acled_sub_event_type"]] == r["acled_event_type"], r["event_type"]
        if r["cameo_code"]:  # a string with its leading zeros, 2-4 digits
            assert r["cameo_code"].isdigit() and 2 <= len(r["cameo_code"]) <= 4
        if r["plover_mode"]:
            assert r["plover_mode"] in PLOVER_MODES.get(r["plover_event_type"], set()), r["event_type"]
        if r["ucdp_type_of_violence"]:
            assert int(r["ucdp_type_of_violence"]) in (1, 2, 3)
    agreement = next(r for r in rows("crosswalk_event_types") if r["event_type"] == "agreement")
    assert agreement["cameo_code"] == "057"  # leading zero kept


@pytest.mark.parametrize("table,vocab,schemes", [
    ("crosswalk_date_precision", "date_precision", DATE_SCHEMES),
    ("crosswalk_location_precision", "location_precision", LOCATION_SCHEMES),
])
def test_every_precision_code_is_mapped_for_every_scheme(table, vocab, schemes):
    got = {(r[vocab], r["scheme"]) for r in rows(table)}
    want = {(v, s) for v in vocabularies()[vocab]["values"] for s in schemes}
    assert got == want and len(rows(table)) == len(want)
    for r in rows(table):
        assert (r["match"] == "none") == (r["codes"] == ""), (r[vocab], r["scheme"])
        assert r["codes_meaning"].strip()
        assert all(c in SCHEME_RANGES[r["scheme"]] for c in codes(r)), (r[vocab], r["scheme"], r["codes"])


def test_every_actor_kind_is_mapped():
    got = {r["actor_kind"]: r for r in rows("crosswalk_actor_kinds")}
    assert set(got) == set(vocabularies()["actor_kind"]["values"])
    for kind, r in got.items():
        assert (r["acled_match"] == "none") == (r["acled_inter_codes"] == ""), kind
        assert all(1 <= int(c) <= 8 for c in r["acled_inter_codes"].split("|") if c), kind
        assert r["notes"].strip(), kind


def _ucdp_reverse(table: str, vocab: str, scheme: str, n: int) -> dict[int, str]:
    out: dict[int, str] = {}
    for r in rows(table):
        if r["scheme"] == scheme:
            for c in codes(r):
                assert c not in out, f"{scheme} code {c} maps to both {out[c]} and {r[vocab]}"
                out[c] = r[vocab]
    assert sorted(out) == list(range(1, n + 1)), f"every {scheme} code must appear in exactly one row"
    return out


def test_importer_uses_the_shipped_precision_crosswalks():
    assert _ucdp_reverse("crosswalk_date_precision", "date_precision", "ucdp_date_prec", 5) == ucdp_mapping.DATE_PREC
    assert _ucdp_reverse("crosswalk_location_precision", "location_precision", "ucdp_where_prec", 7) == ucdp_mapping.WHERE_PREC


def test_importer_event_types_have_a_ucdp_counterpart():
    by_type = {r["event_type"]: r for r in rows("crosswalk_event_types")}
    for tov, ours in ucdp_mapping.TYPE_OF_VIOLENCE.items():
        assert by_type[ours]["ucdp_match"] != "none"
    assert by_type["one_sided_violence"]["ucdp_type_of_violence"] == "3"
