"""Layer (b): per-table checks with Pandera (lazy: every failure is collected, not the first)."""
from __future__ import annotations

from typing import Any

from iraq_frontiers.compiler import constraint_checks, pandera_polars_schema, primary_key
from iraq_frontiers.package_io import ROW, TableData
from iraq_frontiers.problems import Problem

# Message of each per-field check, shared by the Pandera engine and the fast path.
CONSTRAINT_MESSAGES = {
    "required": "required value is empty",
    "enum": "value is not one of the allowed values",
    "minimum": "value is below the minimum {arg}",
    "maximum": "value is above the maximum {arg}",
    "pattern": "value does not match the pattern {arg}",
    "min-length": "value is shorter than {arg} characters",
    "max-length": "value is longer than {arg} characters",
    "format": "value is not a valid {arg} (the field's format)",
}


def constraint_message(code: str, arg) -> str:
    """The message of a failed per-field check (pattern shown quoted)."""
    return CONSTRAINT_MESSAGES[code].format(arg=repr(arg) if code == "pattern" else arg)


def check_table(table: TableData, schema: dict[str, Any]) -> list[Problem]:
    import polars as pl
    from pandera.errors import SchemaError, SchemaErrors

    fields = [f for f in schema.get("fields", []) if f["name"] not in table.unusable]
    if not fields:
        return []
    pk = primary_key(schema)
    usable_schema = {"fields": fields, "primaryKey": pk}
    try:
        pandera_schema = pandera_polars_schema(usable_schema, name=table.name)
        pandera_schema.validate(table.frame, lazy=True)
    except SchemaErrors as exc:
        return _to_problems(exc.failure_cases, table, fields, pk)
    except (SchemaError, pl.exceptions.PolarsError) as exc:  # e.g. a pattern the regex engine rejects
        return [Problem("schema-unsupported", f"the table's constraints could not be checked: {str(exc).splitlines()[0][:300]}", table=table.name, file=table.file)]
    return []


def _to_problems(failures, table: TableData, fields, pk) -> list[Problem]:
    by_name = {f["name"]: f for f in fields}
    frame = table.frame
    keyable = [k for k in pk if k in frame.columns and k not in table.unusable]
    problems = []
    for rec in failures.iter_rows(named=True):
        column = rec["column"]
        field = by_name.get(column)
        index = rec["index"]
        if field is None or index is None:
            # Schema-level failure (dtype, missing column): should not happen on frames we typed.
            problems.append(Problem("schema-unsupported", f"check {rec['check']} failed: {rec['failure_case']}", table=table.name, field=column, file=table.file))
            continue
        if rec["check"] == "not_nullable":
            code, arg = "required", None
        else:
            check = constraint_checks(field)[rec["check_number"]]
            code, arg = check.code, check.argument
        key = {k: frame[k][index] for k in keyable} if len(keyable) == len(pk) and pk else None
        problems.append(Problem(code, constraint_message(code, arg), table=table.name,
                                field=column, row=frame[ROW][index], key=key, value=frame[column][index], file=table.file))
    return problems
