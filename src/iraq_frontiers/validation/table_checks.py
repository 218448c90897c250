"""Layer (b): per-table checks with Pandera (lazy: every failure is collected, not the first)."""
from __future__ import annotations

from typing import Any

from iraq_frontiers.schema.compiler import constraint_checks, pandera_polars_schema, primary_key
from iraq_frontiers.io.core import ROW, TableData
from iraq_frontiers import problems as problems_module
from iraq_frontiers.problems import Problem, ProblemList
from iraq_frontiers.validation.spec_fields import value_message

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


def _to_problems(failures, table: TableData, fields, pk) -> ProblemList:
    """Pandera's failure cases as problems: cells the reader already reported are left out, and each
    check lists its first rows up to the cap (problems.ProblemList), counting the rest."""
    import polars as pl

    by_name = {f["name"]: f for f in fields}
    frame = table.frame
    keyable = [k for k in pk if k in frame.columns and k not in table.unusable]
    problems = ProblemList()
    failures = failures.with_columns(
        pl.Series("__row", frame[ROW].gather(failures["index"].fill_null(0)), dtype=pl.Int64),
        pl.int_range(pl.len()).alias("__order"),
    )
    if table.bad_cells:
        reported = pl.concat([pl.DataFrame({"column": [f] * len(rows), "__row": rows}, schema={"column": failures.schema["column"], "__row": pl.Int64})
                              for f, rows in table.bad_cells.items()])
        failures = failures.join(reported, on=["column", "__row"], how="anti", nulls_equal=False).sort("__order")
    group = ["column", "check_number", "check"]
    totals = failures.group_by(group, maintain_order=True).len()
    listed = failures.filter(pl.int_range(pl.len()).over(group) < problems_module.MAX_LISTED_PER_GROUP)
    for rec in listed.iter_rows(named=True):
        column = rec["column"]
        field = by_name.get(column)
        index = rec["index"]
        if field is None or index is None:
            # Schema-level failure (dtype, missing column): should not happen on frames we typed.
            problems.append(Problem("schema-unsupported", f"check {rec['check']} failed: {rec['failure_case']}", table=table.name, field=column, file=table.file))
            continue
        code, arg = _code(rec, field)
        key = {k: frame[k][index] for k in keyable} if len(keyable) == len(pk) and pk else None
        problems.append(Problem(code, value_message(code, arg, frame[column][index]), table=table.name,
                                field=column, row=frame[ROW][index], key=key, value=frame[column][index], file=table.file))
    shown = listed.group_by(group).len().rename({"len": "shown"})
    for rec in totals.join(shown, on=group, how="left", nulls_equal=True).iter_rows(named=True):  # the rows not listed
        field = by_name.get(rec["column"])
        if field is not None:
            problems.count_more(_code(rec, field)[0], table.name, rec["column"], rec["len"] - (rec["shown"] or 0))
    return problems


def _code(rec, field) -> tuple[str, object]:
    """The problem code and argument of a Pandera failure record."""
    if rec["check"] == "not_nullable":
        return "required", None
    check = constraint_checks(field)[rec["check_number"]]
    return check.code, check.argument
