"""Compile Table Schemas into Arrow schemas and Pandera schemas (polars and pandas).

One type map (TYPE_MAP) serves every target. The Pandera schemas check what a single table can
check on its own: required, enum, minimum/maximum, pattern and length. Keys (primary, unique,
foreign) are cross-table concerns handled in iraq_frontiers.validation.integrity. Uniqueness is left out
of the Pandera schemas for that reason; `unique=True` is honoured by the integrity layer.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Table Schema type -> (Arrow type name, polars dtype name, pandas dtype).
TYPE_MAP: dict[str, tuple[str, str, str]] = {
    "string": ("string", "String", "string"),
    "integer": ("int64", "Int64", "Int64"),
    "number": ("float64", "Float64", "Float64"),
    "boolean": ("bool", "Boolean", "boolean"),
    "date": ("date32", "Date", "datetime64[ns]"),
    "datetime": ("timestamp_us_utc", "Datetime", "datetime64[ns, UTC]"),
    "list": ("list_string", "List", "object"),
}


# Table Schema string formats the toolkit enforces, as whole-value patterns (linear-time regex, no
# look-around): a value that does not match is a `format` problem. Other formats are refused by
# schema_guard.format_defects. Each is at least as strict as the common validators (an e-mail
# address without quoted local parts or IP literals; a URI with a scheme and no spaces; a UUID in
# its hyphenated form; standard, padded base64).
STRING_FORMATS: dict[str, str] = {
    "email": r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}",
    "uri": r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]*",
    "uuid": r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}",
    "binary": r"([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?",
}


class UnsupportedType(ValueError):
    """A field uses a Table Schema type the toolkit does not support."""


@dataclass(frozen=True)
class ConstraintCheck:
    """One per-field check compiled from a constraint: the stable problem code and its argument."""

    code: str
    argument: Any


def field_type(field: dict[str, Any]) -> str:
    """The field's type in TYPE_MAP terms: a string field with `listDelimiter` is a list of strings.

    (The Data Package v2 profile has no list type, so list fields are strings with a custom
    `listDelimiter` property: frictionless reads them as text, our compiler as list<string>.
    The v2 `list` type with `delimiter` is accepted too, for packages made elsewhere.)
    """
    ftype = field.get("type", "string")
    if ftype == "string" and field.get("listDelimiter"):
        return "list"
    return ftype


def primary_key(table_schema: dict[str, Any]) -> list[str]:
    """The schema's primary key as a list of field names (empty when it has none)."""
    pk = table_schema.get("primaryKey") or []
    return [pk] if isinstance(pk, str) else list(pk)


def is_required(field: dict[str, Any], table_schema: dict[str, Any]) -> bool:
    """`required: true`, or part of the primary key: Table Schema makes every primary-key field required."""
    return bool(field.get("constraints", {}).get("required")) or field.get("name") in primary_key(table_schema)


def list_delimiter(field: dict[str, Any]) -> str:
    return field.get("listDelimiter") or field.get("delimiter") or ","


def _type_entry(field: dict[str, Any]) -> tuple[str, str, str]:
    ftype = field_type(field)
    if ftype not in TYPE_MAP:
        raise UnsupportedType(f"field {field['name']!r}: type {ftype!r} is not supported")
    return TYPE_MAP[ftype]


def arrow_type(field: dict[str, Any]):
    import pyarrow as pa

    name = _type_entry(field)[0]
    return {
        "string": pa.string(),
        "int64": pa.int64(),
        "float64": pa.float64(),
        "bool": pa.bool_(),
        "date32": pa.date32(),
        "timestamp_us_utc": pa.timestamp("us", tz="UTC"),
        "list_string": pa.list_(pa.string()),
    }[name]


def arrow_schema(table_schema: dict[str, Any]):
    """The Arrow schema of a table: types per TYPE_MAP, nullability from `required`, descriptions as field metadata."""
    import pyarrow as pa

    fields = []
    for field in table_schema["fields"]:
        meta = {"description": field["description"]} if field.get("description") else None
        fields.append(pa.field(field["name"], arrow_type(field), nullable=not is_required(field, table_schema), metadata=meta))
    return pa.schema(fields)


def polars_dtype(field: dict[str, Any]):
    import polars as pl

    name = _type_entry(field)[1]
    if name == "List":
        return pl.List(pl.String)
    if name == "Datetime":
        return pl.Datetime("us", "UTC")
    return getattr(pl, name)


def constraint_checks(field: dict[str, Any]) -> list[ConstraintCheck]:
    """The value checks a field's constraints and string format call for, in a fixed order (required excluded)."""
    c = field.get("constraints", {})
    checks: list[ConstraintCheck] = []
    if field_type(field) == "list" and set(c) - {"required"}:
        raise UnsupportedType(f"field {field['name']!r}: list fields support only the required constraint")
    if "enum" in c:
        checks.append(ConstraintCheck("enum", list(c["enum"])))
    if "minimum" in c:
        checks.append(ConstraintCheck("minimum", c["minimum"]))
    if "maximum" in c:
        checks.append(ConstraintCheck("maximum", c["maximum"]))
    if "pattern" in c:
        checks.append(ConstraintCheck("pattern", c["pattern"]))
    if "minLength" in c:
        checks.append(ConstraintCheck("min-length", c["minLength"]))
    if "maxLength" in c:
        checks.append(ConstraintCheck("max-length", c["maxLength"]))
    if field_type(field) == "string" and field.get("format") in STRING_FORMATS:
        checks.append(ConstraintCheck("format", field["format"]))
    return checks


def _anchored(pattern: str) -> str:
    """A Table Schema pattern as the whole-value regex polars (Rust's regex) runs: the dialect of schema/regex.py."""
    from iraq_frontiers.schema.regex import engine_regex

    return engine_regex(pattern)


def _matches(pattern: str, backend):
    """A Pandera check that the whole value matches `pattern` in the dialect (schema/regex.py). Not
    Check.str_matches for polars: it compiles the pattern with Python's re, which cannot read the
    translation (`\\p{Nd}`)."""
    if backend.__name__ == "pandera.polars":
        import polars as pl

        regex = _anchored(pattern)
        return backend.Check(lambda data: data.lazyframe.select(pl.col(data.key).str.contains(regex)),
                             name="str_matches", error=f"str_matches('{pattern}')")
    from iraq_frontiers.schema.regex import python_regex

    return backend.Check.str_matches(python_regex(pattern))


def _pandera_check(check: ConstraintCheck, backend):
    Check = backend.Check
    if check.code == "enum":
        return Check.isin(check.argument)
    if check.code == "minimum":
        return Check.ge(check.argument)
    if check.code == "maximum":
        return Check.le(check.argument)
    if check.code == "pattern":
        return _matches(check.argument, backend)
    if check.code == "min-length":
        return Check.str_length(min_value=check.argument)
    if check.code == "max-length":
        return Check.str_length(max_value=check.argument)
    if check.code == "format":
        return _matches(STRING_FORMATS[check.argument], backend)
    raise AssertionError(check.code)


def pandera_polars_schema(table_schema: dict[str, Any], name: str | None = None):
    """A pandera.polars DataFrameSchema for frames whose columns already have the schema's types.

    Primary-key fields are not nullable even without `required: true` (Table Schema)."""
    import pandera.polars as pa

    columns = {}
    for field in table_schema["fields"]:
        checks = [_pandera_check(c, pa) for c in constraint_checks(field)]
        columns[field["name"]] = pa.Column(
            polars_dtype(field),
            checks=checks,
            nullable=not is_required(field, table_schema),
            required=True,
        )
    return pa.DataFrameSchema(columns, name=name, strict=False)


def pandera_pandas_schema(table_schema: dict[str, Any], name: str | None = None):
    """A pandera (pandas) DataFrameSchema, for users who validate pandas frames.

    Dtypes are coerced (pandas has no date dtype); list fields are checked only for presence.
    """
    import pandera.pandas as pa

    columns = {}
    for field in table_schema["fields"]:
        is_list = field_type(field) == "list"
        checks = [_pandera_check(c, pa) for c in constraint_checks(field)]
        dtype = None if is_list else _type_entry(field)[2]
        columns[field["name"]] = pa.Column(
            dtype,
            checks=checks,
            nullable=not is_required(field, table_schema),
            coerce=dtype is not None,
            required=True,
        )
    return pa.DataFrameSchema(columns, name=name, strict=False)


PANDERA_BACKENDS = ("polars", "pandas")


def pandera_schema(table: str, backend: str = "polars"):
    """The Pandera schema of one of the dataset's tables, for checking your own data frames.

    backend "polars" (pandera.polars, for frames with the schema's types, e.g. from
    `iraq_frontiers.load(table, backend="polars")`) or "pandas" (pandera.pandas, coercing dtypes).
    It checks what one table can check on its own: types, required, enum (the vocabularies),
    minimum/maximum, pattern, minLength/maxLength and string formats. Keys across rows and tables
    and the domain rules need the whole package: `iraq_frontiers.validate()`.

        schema = iraq_frontiers.pandera_schema("events", backend="polars")
        schema.validate(frame, lazy=True)  # raises pandera.errors.SchemaErrors listing every failure
    """
    from iraq_frontiers.schema.metadata import table_names, table_schema

    if backend not in PANDERA_BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(PANDERA_BACKENDS)}")
    if table not in table_names():
        raise ValueError(f"unknown table {table!r}; the tables are {', '.join(table_names())}")
    compile_ = pandera_polars_schema if backend == "polars" else pandera_pandas_schema
    return compile_(table_schema(table), name=table)
