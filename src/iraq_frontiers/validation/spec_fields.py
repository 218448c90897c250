"""The check specification, part 2: the field constraints of layer (b), and their messages."""
from __future__ import annotations

from typing import Any

from iraq_frontiers.schema.compiler import STRING_FORMATS, constraint_checks, field_type, is_required
from iraq_frontiers.validation.spec import Check, TableSpec, anchored, bad_name, lit, q

MAX_ENUM_SHOWN = 20

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
    """The message of a failed per-field check (pattern shown quoted; a vocabulary listed, clipped)."""
    if code == "enum":
        shown = ", ".join(repr(v) for v in list(arg)[:MAX_ENUM_SHOWN])
        more = f", ... ({len(arg)} values)" if len(arg) > MAX_ENUM_SHOWN else ""
        return f"{CONSTRAINT_MESSAGES[code]}: {shown}{more} (case matters)"
    return CONSTRAINT_MESSAGES[code].format(arg=repr(arg) if code == "pattern" else arg)


def value_message(code: str, arg, value: Any) -> str:
    """The message of a failed per-field check for one value: for an enum, the allowed values, and a
    hint when the value differs from one of them only in case (`FALSE` for `false`)."""
    base = constraint_message(code, arg)
    if code == "enum" and isinstance(value, str):
        folded = [v for v in arg if isinstance(v, str) and v.casefold() == value.casefold()]
        if folded:
            return f"{base}; did you mean {folded[0]!r}?"
    return base


def _failing(code: str, arg: Any, c: str, ftype: str) -> str:
    """SQL true where a non-null value fails the constraint."""
    if code == "enum":
        return f"{c} NOT IN ({', '.join(lit(v) for v in arg)})"
    if code == "minimum":
        return f"{c} < {lit(arg)}"
    if code == "maximum":
        return f"{c} > {lit(arg)}"
    if code == "pattern":
        return f"NOT regexp_matches({c}, {lit(anchored(arg))})"
    if code == "format":
        return f"NOT regexp_matches({c}, {lit(anchored(STRING_FORMATS[arg]))})"
    if code == "min-length":
        return f"length({c}) < {int(arg)}"
    if code == "max-length":
        return f"length({c}) > {int(arg)}"
    raise AssertionError(code)


def field_checks(t: TableSpec, schema: dict[str, Any]) -> list[Check]:
    """required, enum, minimum, maximum, pattern, minLength, maxLength, format: one check each.

    A cell the reader or the screen reported is NULL in the view and raises nothing more."""
    out = []
    for f in t.fields:
        fname, c = f["name"], f"t.{q(f['name'])}"
        if is_required(f, schema):
            out.append(Check("required", t.name, fname, constraint_message("required", None),
                             f"{c} IS NULL AND NOT t.{q(bad_name(fname))}", c, key=t.key))
        for check in constraint_checks(f):
            describe = (lambda allowed: lambda v, _d: value_message("enum", allowed, v))(check.argument) if check.code == "enum" else None
            out.append(Check(check.code, t.name, fname, constraint_message(check.code, check.argument),
                             f"{c} IS NOT NULL AND {_failing(check.code, check.argument, c, field_type(f))}", c,
                             key=t.key, describe=describe))
    return out


