"""The `dictionary` table: one row per field of every table, compiled from schemas/ (the codebook as data).

Built into every release beside the curated tables (iraq_frontiers.release.derived), so
`load("dictionary")`, DuckDB and any Parquet or CSV reader see the codebook like any other table.
"""
from __future__ import annotations

from typing import Any

from iraq_frontiers.schema.compiler import field_type
from iraq_frontiers.schema.metadata import release_table_names, source_schema, table_schema

TABLE = "dictionary"


def foreign_keys(schema: dict[str, Any], table: str) -> dict[str, str]:
    """field -> "table.field" it references (single-field keys; a composite key names each pair)."""
    out = {}
    for fk in schema.get("foreignKeys", []):
        ref = fk["reference"]
        for mine, theirs in zip(fk["fields"], ref["fields"]):
            out[mine] = f"{ref.get('resource') or table}.{theirs}"
    return out


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def dictionary_rows() -> list[dict[str, Any]]:
    """The rows of the dictionary table, in release table order and field order."""
    rows = []
    for table in release_table_names():
        written, compiled = source_schema(table), table_schema(table)
        keys = set(written.get("primaryKey", []))
        refs = foreign_keys(written, table)
        for position, (field, full) in enumerate(zip(written["fields"], compiled["fields"]), 1):
            c = full.get("constraints", {})
            rows.append({
                "table": table,
                "field": field["name"],
                "position": position,
                "type": field.get("type", "string"),
                "list_delimiter": field.get("listDelimiter") if field_type(field) == "list" else None,
                "required": bool(c.get("required", False)) or field["name"] in keys,
                "unique": bool(c.get("unique", False)),
                "primary_key": field["name"] in keys,
                "foreign_key": refs.get(field["name"]),
                "vocabulary": field.get("vocabulary"),
                "allowed_values": [str(v) for v in c["enum"]] if "enum" in c else None,
                "minimum": _number(c.get("minimum")),
                "maximum": _number(c.get("maximum")),
                "min_length": c.get("minLength"),
                "max_length": c.get("maxLength"),
                "pattern": c.get("pattern"),
                "description": field.get("description", ""),
            })
    return rows


def dictionary_table():
    """The dictionary as an Arrow table typed by schemas/dictionary.json."""
    from iraq_frontiers.io.writers import to_arrow

    return to_arrow(dictionary_rows(), table_schema(TABLE))
