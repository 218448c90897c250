"""The release's SQLite database and its Datasette metadata, compiled from the Table Schemas.

    write_sqlite(tables, path)          every table given (whatever the package holds), typed columns,
                                        primary keys, NOT NULL for required fields, foreign keys,
                                        an index per foreign key and unique field
    datasette_metadata(tables)          titles, descriptions (tables and columns), licence and source

Types: string -> TEXT, integer -> INTEGER, number -> REAL, boolean -> INTEGER (0/1),
date and datetime -> TEXT (ISO 8601), list -> TEXT holding a JSON array (query it with json_each).
Value constraints (vocabularies, ranges, patterns) are the validator's: the database is written only
from a validated package. Built with sqlite-utils; the file is byte-identical for the same input and
the same SQLite library version.
"""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from iraq_frontiers.schema.compiler import field_type
from iraq_frontiers.schema.metadata import package_metadata, source_schema, table_schema

SQLITE_TYPES = {"string": str, "integer": int, "number": float, "boolean": int, "date": str, "datetime": str, "list": str}
BATCH = 1000


class SQLiteExportError(ValueError):
    """The schemas use something this export cannot represent (it refuses rather than drop it)."""


def database_name(path: Path) -> str:
    """Datasette names a database after its file stem."""
    return Path(path).stem


def _value(value: Any, ftype: str) -> Any:
    if value is None:
        return None
    if ftype == "list":
        return json.dumps(list(value), ensure_ascii=False)
    if ftype == "boolean":
        return int(bool(value))
    if ftype == "datetime" and isinstance(value, dt.datetime):
        return value.isoformat().replace("+00:00", "Z")
    if ftype in ("date", "datetime"):
        return value.isoformat()
    return value


def _foreign_keys(name: str, schema: dict[str, Any]) -> list[tuple[str, str, str]]:
    out = []
    for fk in schema.get("foreignKeys", []):
        fields, ref = fk["fields"], fk["reference"]
        fields = [fields] if isinstance(fields, str) else fields
        ref_fields = [ref["fields"]] if isinstance(ref["fields"], str) else ref["fields"]
        if len(fields) != 1 or len(ref_fields) != 1:
            raise SQLiteExportError(f"{name}: composite foreign key {fields} is not supported by the SQLite export")
        out.append((fields[0], ref.get("resource") or name, ref_fields[0]))
    return out


def write_sqlite(tables: dict[str, Any], path: str | os.PathLike, schemas: dict[str, dict[str, Any]] | None = None) -> None:
    """Write every table of `tables` (name -> typed Arrow table, parents before children) into a new SQLite file.

    schemas: name -> Table Schema (default: the compiled schema of each table from schemas/).
    """
    from iraq_frontiers.extras import require

    sqlite_utils = require("sqlite_utils", "toolkit", "writing the release's SQLite database")
    path = Path(path)
    if path.exists():
        path.unlink()
    schemas = schemas or {name: table_schema(name) for name in tables}
    db = sqlite_utils.Database(path)
    try:
        for name, table in tables.items():
            schema = schemas[name]
            fields = schema["fields"]
            types = {f["name"]: field_type(f) for f in fields}
            pk = schema.get("primaryKey") or None
            db[name].create(
                {f["name"]: SQLITE_TYPES[types[f["name"]]] for f in fields},
                pk=(pk[0] if pk and len(pk) == 1 else tuple(pk)) if pk else None,
                not_null={f["name"] for f in fields if (f.get("constraints") or {}).get("required")},
                foreign_keys=_foreign_keys(name, schema),
            )
            columns = [table.column(f["name"]).to_pylist() for f in fields]
            names = [f["name"] for f in fields]
            rows = ({n: _value(col[i], types[n]) for n, col in zip(names, columns)} for i in range(table.num_rows))
            db[name].insert_all(rows, batch_size=BATCH)
            for f in fields:
                if (f.get("constraints") or {}).get("unique") and [f["name"]] != pk:
                    db[name].create_index([f["name"]], unique=True, find_unique_name=True)
        db.index_foreign_keys()
        broken = db.execute("PRAGMA foreign_key_check").fetchall()
        if broken:  # cannot happen for a validated package: say so loudly rather than ship it
            raise SQLiteExportError(f"SQLite foreign key check failed: {broken[:5]}")
        db.execute("VACUUM")
    finally:
        db.close()


def datasette_metadata(tables: list[str], database: str, version: str) -> dict[str, Any]:
    """Datasette metadata (`datasette DB --metadata FILE`): titles and descriptions from the schemas."""
    meta = package_metadata()
    licence = (meta.get("licenses") or [{}])[0]
    described = {}
    for name in tables:
        source = source_schema(name)
        described[name] = {
            "title": source.get("title", name),
            "description": source.get("description", ""),
            "columns": {f["name"]: f.get("description", "") for f in table_schema(name)["fields"]},
        }
    return {
        "title": f"{meta['title']} ({version})",
        "description": meta.get("description", ""),
        "license": licence.get("name"),
        "license_url": licence.get("path"),
        "source": f"{meta['name']} {version}",
        "source_url": (meta.get("citation") or {}).get("repository") or meta.get("homepage"),
        "databases": {database: {"tables": described}},
    }
