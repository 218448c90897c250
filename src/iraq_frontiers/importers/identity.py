"""One real thing, one row: the rows a layer reuses from the rest of the package instead of making its own.

An imported layer names actors and places that the curated core (or another layer) already holds: UCDP's
"IS" is the curated Islamic State, UCDP's "Deir ez Zor Governorate" the curated "Deir ez-Zor Governorate".
Before a layer is built, the rest of the package is read and the layer points at those rows:

* an actor whose `external_ids` lists `ucdp:<UCDP actor id>` stands for that UCDP side (the curated row is
  where a curator records the identity, so the crosswalk is reviewed data, not a rule of thumb);
* a country, governorate or district is the same unit when the country, the kind and the name after
  normalisation agree (`normalised_name`: letters and digits only, accents and the words that only say the
  kind — governorate, province, district, city, town, village — left out), matched against a row's name
  and its aliases.

tests/test_identity.py checks the result on the committed package: no two actors share a Wikidata id or a
UCDP actor id, no two locations share a GeoNames id or a (country, kind, normalised name).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ADMIN_KINDS = ("country", "governorate", "district")
_KIND_WORDS = re.compile(r"\b(governorate|province|muhafazat|muhafazah|district|qada|qadaa|city|town|village)\b")
_ARTICLE = re.compile(r"^(al|as|ad|an|ar|at|az|ash|el)[\s-]+")  # the Arabic article, which transliterations keep or drop


def normalised_name(name: str | None) -> str:
    """A unit's name for comparison: accents folded, the kind word and a leading article dropped, letters and digits only."""
    folded = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode("ascii").lower()
    folded = re.sub(r"[^a-z0-9\s-]+", "", folded)  # apostrophes and hamza marks inside words go, spaces stay
    return re.sub(r"[^a-z0-9]+", "", _ARTICLE.sub("", _KIND_WORDS.sub(" ", folded).strip()))


def ucdp_actor_ids(external_ids: str | None) -> list[int]:
    """The UCDP actor ids an actor row names in external_ids (`ucdp:<id>`, `|`-separated)."""
    out = []
    for part in (external_ids or "").split("|"):
        key, _, value = part.strip().partition(":")
        if key == "ucdp" and value.strip().isdigit():
            out.append(int(value))
    return out


@dataclass
class Known:
    """Rows of the package outside the layer being imported, by the keys a layer matches on."""

    actors_by_ucdp: dict[int, str] = field(default_factory=dict)
    units: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)  # (country, kind, normalised name) -> row
    ids: set[str] = field(default_factory=set)  # every id outside the layer (a layer row must not take one)

    def unit(self, country: str | None, kind: str, name: str | None) -> dict[str, Any] | None:
        return self.units.get((country or "", kind, normalised_name(name))) if name else None


def _rows(package: Path, table: str) -> list[dict[str, str]]:
    from iraq_frontiers.importers.layer import record_values, split_records

    records = split_records((package / f"{table}.csv").read_bytes())
    if not records:
        return []
    header = record_values(records[0])
    return [dict(zip(header, record_values(r))) for r in records[1:]]


def known_rows(package: str | Path, in_layer) -> Known:
    """The package's actors and administrative units outside the layer (in_layer(table, row) says which are in it)."""
    package = Path(package)
    known = Known()
    for row in _rows(package, "actors"):
        if in_layer("actors", row):
            continue
        known.ids.add(row["id"])
        for uid in ucdp_actor_ids(row.get("external_ids")):
            known.actors_by_ucdp.setdefault(uid, row["id"])
    for row in _rows(package, "locations"):
        if in_layer("locations", row):
            continue
        known.ids.add(row["id"])
        if row["kind"] not in ADMIN_KINDS:
            continue
        point = (float(row["latitude"]), float(row["longitude"])) if row.get("latitude") and row.get("longitude") else None
        entry = {"id": row["id"], "point": point}
        for name in [row["name"], *(row.get("aliases") or "").split("|")]:
            if name.strip():
                known.units.setdefault((row.get("country") or "", row["kind"], normalised_name(name)), entry)
    return known
