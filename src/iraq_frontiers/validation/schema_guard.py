"""Refuse Table Schemas the toolkit cannot check safely, before any table is read.

The descriptor layer (descriptor_checks) compares the descriptor with the Data Package profile;
this guard checks what the readers and the compiled checks rely on, for descriptors that come
from anywhere: every field an object with a unique, non-empty string name; constraints of the
right JSON types for the field's type; patterns the regex engine accepts (Rust regex: linear
time, no look-around or backreferences); keys that name existing fields; dialect and encoding
options the CSV reader honours. A resource that fails is reported (`schema-unsupported`, or
`descriptor-invalid` for a repeated resource name, exit code 1) and its table is not read: a
schema we cannot follow would only produce misleading problems.
"""
from __future__ import annotations

import math
from typing import Any

from iraq_frontiers.schema.compiler import STRING_FORMATS
from iraq_frontiers.problems import Problem, quote

MAX_FIELDS = 10_000
MAX_PATTERN_CHARS = 10_000
_SCALAR_FOR = {"string": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,)}
_DIALECT_VALUES = {"header": (True,), "quoteChar": ('"',), "doubleQuote": (True,), "skipInitialSpace": (False, True), "headerRow": (1,)}
_DIALECT_IGNORED = {"$schema", "name", "title", "description", "delimiter", "lineTerminator", "caseSensitiveHeader", "csvddfVersion", "type"}
# Every keyword a schema may use is enforced or refused, never silently ignored. These are the ones
# the readers and checks enforce (or that only annotate); anything else is `schema-unsupported`.
ANNOTATIONS = {"title", "description", "example", "rdfType", "vocabulary"}  # `vocabulary`: ours, compiled into enum
FIELD_KEYWORDS = {
    "*": {"name", "type", "format", "constraints", "missingValues"} | ANNOTATIONS,
    "boolean": {"trueValues", "falseValues"},
    "string": {"listDelimiter"},
    "list": {"delimiter", "itemType"},
}
CONSTRAINTS = {"required", "unique", "enum", "minimum", "maximum", "pattern", "minLength", "maxLength"}
SCHEMA_KEYWORDS = {"$schema", "name", "fields", "primaryKey", "uniqueKeys", "foreignKeys", "missingValues", "fieldsMatch"} | ANNOTATIONS

def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _shown(value: Any) -> str:
    """A keyword or value from the descriptor, quoted and clipped for a message."""
    return quote(value)


def _names(value: Any) -> list[str] | None:
    """A key's field list (a string or a list of strings), or None when malformed."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return value
    return None


def _pattern_error(pattern: str) -> str | None:
    """The regex engine's complaint about a pattern, or None when it compiles."""
    import polars as pl

    from iraq_frontiers.schema.compiler import _anchored
    from iraq_frontiers.schema.regex import refusal

    if len(pattern) > MAX_PATTERN_CHARS:
        return f"pattern is {len(pattern)} characters long; the limit is {MAX_PATTERN_CHARS}"
    refused = refusal(pattern)
    if refused:
        return f"the pattern is outside the regex dialect every engine runs alike (docs/validation.md, Patterns): {refused}"
    try:
        pl.select(pl.lit("", dtype=pl.String).str.contains(_anchored(pattern)))
    except Exception as exc:  # noqa: BLE001 - polars reports regex syntax errors as several exception types
        first = next((line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
        detail = " ".join(line.strip() for line in str(exc).splitlines() if line.strip().startswith("error:"))
        return f"the regex engine rejects the pattern ({(detail or first)[:300]}); look-around and backreferences are not supported"
    return None


def format_defects(f: dict[str, Any], ftype: str) -> list[str]:
    """The one place deciding a field's `format`: "default" (or none) on any type; email, uri, uuid
    and binary on string fields, enforced by compiler.constraint_checks; anything else is refused."""
    fmt = f.get("format", "default")
    if fmt in ("default", None) or (ftype == "string" and fmt in STRING_FORMATS):
        return []
    shown = quote(fmt)
    if ftype in ("date", "datetime", "time"):
        return [f"format {shown} is not supported for {ftype} fields (ISO 8601 only)"]
    if ftype == "string":
        return [f"format {shown} is not supported for string fields (supported: default, {', '.join(STRING_FORMATS)})"]
    return [f"format {shown} is not supported for {ftype} fields (only 'default')"]


def _field_defects(f: Any, i: int) -> tuple[str | None, list[str]]:
    """(field name or None, what is wrong with the field)."""
    if not isinstance(f, dict):
        return None, [f"field #{i} is not an object"]
    name = f.get("name")
    if not isinstance(name, str) or not name:
        return None, [f"field #{i} has no name (a non-empty string is required)"]
    out: list[str] = []
    if name.startswith("__"):
        out.append("field names beginning with '__' are reserved for the toolkit")
    ftype = f.get("type", "string")
    if not isinstance(ftype, str):
        return name, out + [f"type must be a string, not {type(ftype).__name__}"]
    if ftype == "string" and "listDelimiter" in f and (not isinstance(f["listDelimiter"], str) or not f["listDelimiter"]):
        out.append("listDelimiter must be a non-empty string")
    if ftype == "list" and "delimiter" in f and (not isinstance(f["delimiter"], str) or not f["delimiter"]):
        out.append("delimiter must be a non-empty string")
    if ftype == "string" and f.get("listDelimiter"):
        ftype = "list"
    for key in ("trueValues", "falseValues"):
        if key in f and (not isinstance(f[key], list) or not all(isinstance(v, str) for v in f[key])):
            out.append(f"{key} must be a list of strings")
    unknown = sorted(set(f) - FIELD_KEYWORDS["*"] - FIELD_KEYWORDS.get(ftype, set()) - FIELD_KEYWORDS.get(f.get("type"), set()))
    if unknown:
        out.append(f"field keyword(s) {_shown(unknown)} are not supported for {ftype} fields (they would be ignored)")
    out += format_defects(f, ftype)
    if "missingValues" in f and f["missingValues"] != [""]:
        out.append(f"field-level missingValues {_shown(f['missingValues'])} is not supported: an empty cell is the only missing value")
    if ftype == "list" and f.get("itemType", "string") != "string":
        out.append(f"list itemType {_shown(f.get('itemType'))} is not supported (list items are strings)")
    c = f.get("constraints", {})
    if not isinstance(c, dict):
        return name, out + ["constraints must be an object"]
    if set(c) - CONSTRAINTS:
        out.append(f"constraint(s) {_shown(sorted(set(c) - CONSTRAINTS))} are not supported (they would be ignored)")
    for key in ("required", "unique"):
        if key in c and not isinstance(c[key], bool):
            out.append(f"constraint {key} must be true or false")
    if "enum" in c:
        allowed = _SCALAR_FOR.get(ftype)
        if not isinstance(c["enum"], list) or not c["enum"]:
            out.append("constraint enum must be a non-empty list")
        elif allowed is None:
            out.append(f"constraint enum is not supported on {ftype} fields")
        elif not all(isinstance(v, allowed) and (ftype == "boolean" or not isinstance(v, bool)) for v in c["enum"]):
            out.append(f"constraint enum holds values that are not of the field's type ({ftype})")
    for key in ("minimum", "maximum"):
        if key in c:
            if ftype not in ("integer", "number"):
                out.append(f"constraint {key} is supported on integer and number fields only")
            elif not _is_number(c[key]):
                out.append(f"constraint {key} must be a finite number")
    if ftype == "integer":
        values = [c.get("minimum"), c.get("maximum"), *(c["enum"] if isinstance(c.get("enum"), list) else [])]
        if any(isinstance(v, int) and not -(2**63) <= v < 2**63 for v in values):
            out.append("constraint values of an integer field must lie in the 64-bit integer range")
    for key in ("minLength", "maxLength"):
        if key in c:
            if ftype != "string":
                out.append(f"constraint {key} is supported on string fields only")
            elif not isinstance(c[key], int) or isinstance(c[key], bool) or c[key] < 0:
                out.append(f"constraint {key} must be a non-negative integer")
    if "pattern" in c:
        if ftype != "string":
            out.append("constraint pattern is supported on string fields only")
        elif not isinstance(c["pattern"], str):
            out.append("constraint pattern must be a string")
        else:
            err = _pattern_error(c["pattern"])
            if err:
                out.append(err)
    return name, out


def _resource_defects(resource: dict[str, Any]) -> list[tuple[str | None, str]]:
    """(field or None, message) for everything in the resource the toolkit cannot follow."""
    out: list[tuple[str | None, str]] = []
    schema = resource.get("schema")
    fields = schema["fields"]
    if len(fields) > MAX_FIELDS:
        return [(None, f"schema has {len(fields)} fields; the limit is {MAX_FIELDS}")]
    names: list[str] = []
    for i, f in enumerate(fields, 1):
        name, defects = _field_defects(f, i)
        out += [(name, d) for d in defects]
        if name is not None:
            if name in names:
                out.append((name, f"two fields are named {quote(name)}"))
            names.append(name)
    known = set(names)
    if "primaryKey" in schema:
        pk = _names(schema["primaryKey"])
        if pk is None:
            out.append((None, "primaryKey must be a field name or a list of field names"))
        elif set(pk) - known:
            out.append((None, f"primaryKey names fields the schema does not have: {quote(sorted(set(pk) - known))}"))
    uks = schema.get("uniqueKeys", [])
    if not isinstance(uks, list) or any(_names(u) is None or set(_names(u)) - known for u in uks):
        out.append((None, "uniqueKeys must be a list of field names or lists of field names the schema has"))
    fks = schema.get("foreignKeys", [])
    if not isinstance(fks, list):
        out.append((None, "foreignKeys must be a list"))
    else:
        for fk in fks:
            ref = fk.get("reference") if isinstance(fk, dict) else None
            fields_ = _names(fk.get("fields")) if isinstance(fk, dict) else None
            if (fields_ is None or not isinstance(ref, dict) or _names(ref.get("fields")) is None
                    or not isinstance(ref.get("resource", ""), str) or set(fields_) - known):
                out.append((None, f"malformed foreign key {quote(fk)}: it needs fields (of this schema) and a reference with fields and resource"))
    if set(schema) - SCHEMA_KEYWORDS:
        out.append((None, f"schema keyword(s) {_shown(sorted(set(schema) - SCHEMA_KEYWORDS))} are not supported (they would be ignored)"))
    if schema.get("fieldsMatch", "exact") != "exact":
        out.append((None, f"fieldsMatch {_shown(schema['fieldsMatch'])} is not supported: the header must match the fields exactly"))
    missing_values = schema.get("missingValues", [""])
    if missing_values != [""]:
        out.append((None, f"missingValues {quote(missing_values)} is not supported: an empty cell is the only missing value"))
    encoding = resource.get("encoding", "utf-8")
    if not isinstance(encoding, str) or encoding.lower().replace("_", "-") not in ("utf-8", "utf8", "utf-8-sig"):
        out.append((None, f"encoding {quote(encoding)} is not supported: tables must be UTF-8"))
    dialect = resource.get("dialect")
    if dialect is not None:
        if not isinstance(dialect, dict):
            out.append((None, "dialect must be an object (a path to a dialect file is not supported)"))
        else:
            for key, value in dialect.items():
                allowed = _DIALECT_VALUES.get(key)
                if allowed is not None and not any(value == v and type(value) is type(v) for v in allowed):
                    out.append((None, f"dialect {quote(key)}={quote(value)} is not supported (only {' or '.join(repr(v) for v in allowed)})"))
                elif allowed is None and key not in _DIALECT_IGNORED:
                    out.append((None, f"dialect option {quote(key)} is not supported"))
    return out


def check_resources(descriptor: dict[str, Any], file: str = "datapackage.json") -> tuple[list[Problem], set[str]]:
    """Problems with the resources' schemas, and the names of resources whose tables must not be read.

    Resources without a schema object with a fields list are left to descriptor_checks (which
    reports them) and to the validator (which skips them).
    """
    problems: list[Problem] = []
    refused: set[str] = set()
    resources = descriptor.get("resources")
    if not isinstance(resources, list):
        return problems, refused
    seen: dict[str, str] = {}  # comparable name -> the name as first written
    for r in resources:
        if not isinstance(r, dict) or not isinstance(r.get("name"), str):
            continue
        name = r["name"]
        first = seen.get(_comparable(name))
        if first is not None:
            how = "the same name" if first == name else f"names that differ only in case or Unicode normalisation ({quote(first)})"
            problems.append(Problem("descriptor-invalid", f"two resources have {how}: {quote(name)}; resource names must be unique, "
                                    "and SQL engines do not tell such names apart (only the first is read)", table=name, file=file))
            refused.add(name)
            continue
        seen[_comparable(name)] = name
        schema = r.get("schema")
        if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
            continue
        defects = _resource_defects(r)
        for fname, message in defects:
            problems.append(Problem("schema-unsupported", message, table=name, field=fname, file=file))
        if defects:
            refused.add(name)
    return problems, refused


def _comparable(name: str) -> str:
    """A resource name as SQL engines and file systems may compare it: case and normalisation folded."""
    import unicodedata

    return unicodedata.normalize("NFC", name).casefold()


def first_resources(descriptor: dict[str, Any]) -> list[dict[str, Any]]:
    """The descriptor's resources that are objects, the first of each name only (names compared as _comparable)."""
    resources = descriptor.get("resources")
    if not isinstance(resources, list):
        return []
    out, seen = [], set()
    for r in resources:
        if not isinstance(r, dict):
            continue
        name = r.get("name")
        if isinstance(name, str):
            if _comparable(name) in seen:
                continue
            seen.add(_comparable(name))
        out.append(r)
    return out
