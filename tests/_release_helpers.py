"""Helpers shared by the release, interop and version tests: small packages written from rows."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from iraq_frontiers.schema.compiler import field_type
from iraq_frontiers.schema.descriptor import build_descriptor, dumps
from iraq_frontiers.schema.metadata import release_table_names, table_names, table_schema, vocabularies
from iraq_frontiers.io.writers import to_arrow, write_csv

REPO = Path(__file__).resolve().parents[1]


def actor_kind() -> str:
    return next(iter(vocabularies()["actor_kind"]["values"]))


def actor(id_: str, **values: Any) -> dict[str, Any]:
    """A valid actors row (actors have no foreign keys, so a package of actors alone is valid)."""
    return {"id": id_, "name": values.pop("name", id_.upper()), "kind": actor_kind(),
            "description": values.pop("description", f"Actor {id_}."), **values}


def write_csv_package(folder: Path, rows: dict[str, list[dict[str, Any]]] | None = None,
                      descriptor: dict[str, Any] | None = None) -> Path:
    """Every table of the package as CSV (empty unless rows are given) plus a descriptor."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rows = rows or {}
    for t in table_names():
        schema = table_schema(t)
        write_csv(to_arrow(rows.get(t, []), schema), schema, folder / f"{t}.csv", t)
    (folder / "datapackage.json").write_text(dumps(descriptor or build_descriptor("csv")), encoding="utf-8")
    return folder


def edge_rows(table: str) -> list[dict[str, Any]]:
    """Three rows exercising every type: nulls wherever allowed, ordinary values, awkward values.

    Not valid data (constraints and keys are ignored): for writer and reader tests only.
    """
    schema = table_schema(table)
    ordinary = {"string": "plain", "integer": 7, "number": 36.34, "boolean": True, "date": dt.date(2019, 3, 1),
                "datetime": dt.datetime(2019, 3, 1, 12, tzinfo=dt.timezone.utc), "list": ["a", "b"]}
    awkward = {"string": '=HYPERLINK("x"), "quoted",\nnew line — العربية', "integer": -(2**53) - 1,
               "number": -1.5e-7, "boolean": False, "date": dt.date(1900, 12, 31),
               "datetime": dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc), "list": ["+x", "ب c", "-1"]}
    out = []
    for i, kind in enumerate(("null", "ordinary", "awkward")):
        row = {}
        for f in schema["fields"]:
            ftype = field_type(f)
            required = f.get("constraints", {}).get("required")
            if kind == "null" and not required:
                row[f["name"]] = None
            elif ftype == "string":
                row[f["name"]] = f"{awkward['string']} {i}" if kind == "awkward" else f"{f['name']}-{i}"
            elif ftype == "list":
                row[f["name"]] = awkward["list"] if kind == "awkward" else ordinary["list"]
            else:
                row[f["name"]] = (awkward if kind == "awkward" else ordinary)[ftype]
        out.append(row)
    if table == "locations":  # coordinates: one place with a point, others without
        out[1]["latitude"], out[1]["longitude"] = 33.34058, 44.40088
        out[2]["latitude"], out[2]["longitude"] = -12.5, None
    return out


def edge_tables() -> dict[str, Any]:
    return {t: to_arrow(edge_rows(t), table_schema(t)) for t in release_table_names()}  # derived tables too: every reader


def read_json(path: Path) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))
