"""Outlet names: every spelling a source list uses, mapped to one canonical name by one documented table.

`outlets.csv` beside this module holds a row per spelling (`spelling`, `canonical`, `note`): the spellings
are those UCDP's source lists give (the publisher of every `ucdp-ged` source), each canonical name is also
a spelling of the table mapping to itself, and the note says why two spellings are one outlet (a case,
space or punctuation variant, a web address, a misspelling of a name no other outlet shares) or why a
near spelling was left apart (docs/outlets.md). An importer keeps the spelling as given in the
source's notes and writes the canonical name as the publisher.

A name the table does not list is matched by its folded form (case, spaces and punctuation dropped) to a
listed spelling, so a new case or space variant of a listed outlet maps to it; any other name is returned
as given (stripped of surrounding spaces): nothing is guessed.
"""
from __future__ import annotations

import csv
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

TABLE = Path(__file__).with_name("outlets.csv")
COLUMNS = ("spelling", "canonical", "note")


def fold(name: str) -> str:
    """A name's folded form: NFKC, case-folded, letters and digits only ("Air Wars" and "AIRWARS" -> "airwars")."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", name).casefold())


@lru_cache(maxsize=1)
def outlet_table() -> tuple[dict[str, str], dict[str, str]]:
    """(spelling -> canonical name, folded spelling -> canonical name) from outlets.csv.

    A folded form shared by spellings of two canonical names is left out of the second map (ambiguous)."""
    with TABLE.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ValueError(f"{TABLE.name}: columns must be {', '.join(COLUMNS)}")
        exact = {row["spelling"]: row["canonical"] for row in reader}
    folded: dict[str, str] = {}
    clash: set[str] = set()
    for spelling, canonical in exact.items():
        key = fold(spelling)
        if folded.get(key, canonical) != canonical:
            clash.add(key)
        folded[key] = canonical
    return exact, {k: v for k, v in folded.items() if k not in clash}


def canonical_outlet(name: str) -> str:
    """The canonical name of the outlet spelt `name` (outlets.csv); an unlisted name as given, stripped."""
    exact, folded = outlet_table()
    given = name.strip()
    if given in exact:
        return exact[given]
    return folded.get(fold(given), given) if fold(given) else given
