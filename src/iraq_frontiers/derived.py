"""Derived tables: built from the curated tables at build time, never edited, not in datapackage/.

DERIVE maps each derived table (schemas/package.json `derived`, each with its Table Schema in
schemas/) to the function that builds it from the package's typed Arrow tables. The release build,
the wheel's build hook (both through release.with_derived) and `load`/`connect` on a package that
does not hold them use `derived_tables` / `derive_table`.
"""
from __future__ import annotations

from typing import Any, Callable


def _dictionary(tables: dict[str, Any]):
    from iraq_frontiers.dictionary import dictionary_table

    return dictionary_table()  # compiled from schemas/, not from the data


def _events_flat(tables: dict[str, Any]):
    from iraq_frontiers.events_flat import derive

    return derive(tables)


DERIVE: dict[str, Callable[[dict[str, Any]], Any]] = {
    "dictionary": _dictionary,
    "events_flat": _events_flat,
}


def derive_table(name: str, tables: dict[str, Any]):
    """One derived table from the curated `tables` (Arrow, typed per schemas/)."""
    return DERIVE[name](tables)


def derived_tables(tables: dict[str, Any]) -> dict[str, Any]:
    """Every derived table (metadata.derived_table_names order) from the curated `tables`."""
    from iraq_frontiers.metadata import derived_table_names

    return {name: derive_table(name, tables) for name in derived_table_names()}
