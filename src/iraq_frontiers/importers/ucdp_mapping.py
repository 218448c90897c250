"""The UCDP GED mapping: codes, precisions, countries and the ids of imported rows.

These constants must agree with the shipped crosswalks (datapackage/crosswalk_*.csv); tests/test_ucdp_import.py
checks they do. See iraq_frontiers.importers.ucdp for what each table receives."""
from __future__ import annotations

import hashlib
import re
import unicodedata

# --- the mapping (must agree with datapackage/crosswalk_*.csv; tests/test_ucdp_import.py checks) ---
TYPE_OF_VIOLENCE = {1: "armed_clash", 2: "armed_clash", 3: "one_sided_violence"}
TYPE_LABEL = {1: "state-based armed conflict", 2: "non-state conflict", 3: "one-sided violence"}
DATE_PREC = {1: "day", 2: "week", 3: "week", 4: "month", 5: "year"}
WHERE_PREC = {1: "exact", 2: "near", 3: "district", 4: "governorate", 5: "region", 6: "country", 7: "region"}
# Columns the importer needs; every other GED column is optional (kept in notes when present).
REQUIRED_COLUMNS = (
    "id", "type_of_violence", "side_a_new_id", "side_a", "side_b_new_id", "side_b",
    "source_article", "source_office", "source_date", "source_headline",
    "where_prec", "where_coordinates", "adm_1", "adm_2", "latitude", "longitude", "country",
    "date_prec", "date_start", "date_end",
    "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "low", "best", "high",
)
ORIGIN = "ucdp-ged"  # the value of `origin` (schemas/vocabularies.json) on every imported row of a GED release
CANDIDATE_ORIGIN = "ucdp-candidate"  # ... and of a UCDP Candidate Events release (preliminary codings)
CORE_TABLES = ("sources", "actors", "locations", "events", "claims", "claim_quantities", "event_actors", "actor_relations", "claim_links")
UCDP_TABLES = CORE_TABLES + ("ucdp_events",)  # the UCDP importer also writes UCDP's own record of each event
# UCDP country names -> ISO 3166-1 alpha-2 for the region this dataset is about and its neighbours
# and intervening states. Names not listed get an empty country and a note (never a guess).
COUNTRY_ISO = {
    "Syria": "SY", "Iraq": "IQ", "Turkey": "TR", "Iran": "IR", "Israel": "IL", "Jordan": "JO", "Lebanon": "LB",
    "Saudi Arabia": "SA", "Kuwait": "KW", "Egypt": "EG", "Yemen": "YE", "Yemen (North Yemen)": "YE", "Russia": "RU",
    "Russia (Soviet Union)": "RU", "United States of America": "US", "USA": "US", "United Kingdom": "GB", "France": "FR",
    "Australia": "AU", "Canada": "CA", "Germany": "DE", "Netherlands": "NL", "Belgium": "BE", "Denmark": "DK",
    "Qatar": "QA", "United Arab Emirates": "AE", "Bahrain": "BH", "Oman": "OM", "Azerbaijan": "AZ", "Armenia": "AM",
    "Georgia": "GE", "Afghanistan": "AF", "Pakistan": "PK", "Libya": "LY", "Palestine": "PS", "Cyprus": "CY",
}
CIVILIANS_ID = 1  # UCDP's actor id of "Civilians" (side B of one-sided violence)
UCDP_ACTOR = {  # the claimant of every imported claim: UCDP codes the event from the sources it cites
    "id": "act-ucdp-program", "name": "Uppsala Conflict Data Program (UCDP)", "kind": "research_organisation", "country": "SE",
    "aliases": "UCDP", "description": "The research programme at Uppsala University that codes the UCDP GED events; the claimant of "
    "every imported UCDP claim (its coding of what the cited source reported).", "wikidata_id": None, "external_ids": None,
    "notes": "Added by the UCDP GED importer as the claimant of the imported claims.",
}
DATASET_CITATION = (
    "Sundberg, Ralph and Erik Melander (2013) Introducing the UCDP Georeferenced Event Dataset, Journal of "
    "Peace Research 50(4): 523-532; Hoegbladh, Stina (2019) UCDP GED Codebook version 19.1, Department of "
    "Peace and Conflict Research, Uppsala University."
)


def slug(text: str, max_len: int = 60) -> str:
    """A stable id fragment: ASCII-folded, lowercase, runs of other characters as '-'."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    s = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:max_len].strip("-")
    return s or "x" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
