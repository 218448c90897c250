"""Tables a release derives from the curated ones and schemas/ (listed under `derived` in schemas/package.json).

Each has a Table Schema in schemas/ like every table, is built when a release is built (never edited,
not in datapackage/), and ships in the Parquet and CSV packages.
"""
from __future__ import annotations

from typing import Any, Callable

from iraq_frontiers.schema.metadata import derived_table_names


def _dictionary(tables: dict[str, Any]):
    from iraq_frontiers.release.dictionary import dictionary_table

    return dictionary_table()


def _events_flat(tables: dict[str, Any]):
    from iraq_frontiers.release.events_flat import derive

    return derive(tables)


# table name -> function of the curated tables (Arrow) giving the derived table (Arrow, typed by its schema)
BUILDERS: dict[str, Callable[[dict[str, Any]], Any]] = {"dictionary": _dictionary, "events_flat": _events_flat}


def derive_table(name: str, tables: dict[str, Any]):
    """One derived table from the curated `tables` (e.g. events_flat for load() on datapackage/)."""
    return BUILDERS[name](tables)


def derived_tables(tables: dict[str, Any]) -> dict[str, Any]:
    """Every derived table, in the order schemas/package.json lists them."""
    missing = [t for t in derived_table_names() if t not in BUILDERS]
    if missing:
        raise KeyError(f"schemas/package.json lists derived tables with no builder: {', '.join(missing)}")
    return {t: BUILDERS[t](tables) for t in derived_table_names()}
