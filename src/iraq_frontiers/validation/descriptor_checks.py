"""Layer (a): the descriptor against the Data Package v2 profile, plus what the toolkit needs of it.

The official JSON Schema profiles are used when found (IRAQ_FRONTIERS_PROFILES, or
../shared/profiles/datapackage-2.0 beside the source checkout or the working directory); otherwise
frictionless's own descriptor validation stands in. The profiles are not copied into the project.
"""
from __future__ import annotations

import json
import os
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from iraq_frontiers.schema.compiler import TYPE_MAP, field_type
from iraq_frontiers.schema.metadata import repo_root
from iraq_frontiers.problems import Problem

PROFILE_ENV = "IRAQ_FRONTIERS_PROFILES"


def profiles_dir() -> Path | None:
    """The folder holding the official Data Package 2.0 profiles, if present."""
    candidates = []
    if os.environ.get(PROFILE_ENV):
        candidates.append(Path(os.environ[PROFILE_ENV]))
    root = repo_root()
    if root is not None:
        candidates.append(root.parent / "shared" / "profiles" / "datapackage-2.0")
    candidates.append(Path.cwd().parent / "shared" / "profiles" / "datapackage-2.0")
    for c in candidates:
        if (c / "datapackage.json").is_file():
            return c
    return None


@cache
def _profile_validator(folder: str, name: str):
    import jsonschema

    schema = json.loads((Path(folder) / name).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema)


def profile_errors(descriptor: dict[str, Any], profile: str = "datapackage.json") -> list[str] | None:
    """Messages from the official profile, or None when the profiles are not available."""
    folder = profiles_dir()
    if folder is None:
        return None
    # Checking our ~1,300-line descriptor costs ~0.25 s; identical descriptors recur (tests, batches).
    text = json.dumps(descriptor, sort_keys=True, default=str)
    return list(_profile_errors_cached(str(folder), profile, text))


@lru_cache(maxsize=64)
def _profile_errors_cached(folder: str, profile: str, descriptor_json: str) -> tuple[str, ...]:
    descriptor = json.loads(descriptor_json)
    validator = _profile_validator(folder, profile)
    out = []
    for err in sorted(validator.iter_errors(descriptor), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in err.absolute_path) or "(root)"
        out.append(f"{where}: {err.message[:300]}")
    return tuple(out)


def _frictionless_errors(descriptor: dict[str, Any]) -> list[str]:
    from frictionless import Package

    try:
        report = Package.validate_descriptor(descriptor)
    except Exception as exc:  # noqa: BLE001 - frictionless on a hostile descriptor: report, never raise
        return [f"the descriptor could not be checked: {type(exc).__name__}: {str(exc)[:300]}"]
    return [e.message for e in report.errors]


def check_descriptor(descriptor: dict[str, Any], file: str = "datapackage.json") -> list[Problem]:
    problems: list[Problem] = []
    errors = profile_errors(descriptor)
    if errors is None:
        errors = _frictionless_errors(descriptor)
    for msg in errors:
        problems.append(Problem("descriptor-invalid", msg, file=file))
    problems += [Problem("schema-unsupported", m, file=file) for m in _unhonoured_keywords(descriptor, "the package")]
    resources = descriptor.get("resources")
    if not isinstance(resources, list):
        return problems
    schemas = {}
    for r in resources:
        if isinstance(r, dict) and isinstance(r.get("name"), str) and isinstance(r.get("schema"), dict):
            schemas[r["name"]] = r["schema"]
    for r in resources:
        if not isinstance(r, dict):
            continue
        name = r.get("name")
        schema = r.get("schema")
        problems += [Problem("schema-unsupported", m, table=name, file=file) for m in _unhonoured_keywords(r, "the resource")]
        if isinstance(schema, str):
            continue  # a schema file io.package.resolve_schema_files could not read; it reported why
        if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
            problems.append(Problem("schema-unsupported", "resource has no Table Schema with a fields list", table=name, file=file))
            continue
        names = [f.get("name") for f in schema["fields"] if isinstance(f, dict)]
        for f in schema["fields"]:
            if not isinstance(f, dict) or not isinstance(f.get("type", "string"), str):
                continue  # reported by schema_guard
            if field_type(f) not in TYPE_MAP:
                problems.append(Problem("schema-unsupported", f"type {f.get('type')!r} is not supported (supported: {', '.join(TYPE_MAP)})", table=name, field=f.get("name"), file=file, value=f.get("type")))
            if field_type(f) == "list" and isinstance(f.get("constraints", {}), dict) and set(f.get("constraints", {})) - {"required"}:
                problems.append(Problem("schema-unsupported", "list fields support only the required constraint", table=name, field=f.get("name"), file=file))
        fks = schema.get("foreignKeys")
        for fk in fks if isinstance(fks, list) else []:
            if not isinstance(fk, dict) or not isinstance(fk.get("reference"), dict):
                continue
            ref = fk["reference"]
            target = ref.get("resource") or name
            fields = _as_list(fk.get("fields"))
            ref_fields = _as_list(ref.get("fields"))
            if not isinstance(target, str) or target not in schemas:
                problems.append(Problem("foreign-key-target-missing", f"foreign key {fields} references resource {target!r}, which the package does not have", table=name, file=file, value=target))
                continue
            target_fields = schemas[target].get("fields")
            target_names = [f.get("name") for f in target_fields if isinstance(f, dict)] if isinstance(target_fields, list) else []
            missing = [f for f in fields if f not in names] + [f for f in ref_fields if f not in target_names]
            if missing or len(fields) != len(ref_fields):
                problems.append(Problem("foreign-key-target-missing", f"foreign key {fields} -> {target}{ref_fields} names fields that do not exist or differ in number", table=name, file=file, value=missing))
    return problems


# Keywords that change how a table is read, in places where the readers would ignore them: Table
# Schema keywords set on the package or resource instead of the schema, and frictionless's own
# (v4, deprecated) reading options. Refused so that no table is read by rules other than its author's.
_SCHEMA_ONLY = ("fields", "missingValues", "primaryKey", "foreignKeys", "uniqueKeys")
_FRICTIONLESS_READING = ("layout", "innerpath", "extrapaths", "control")


def _unhonoured_keywords(obj: dict[str, Any], where: str) -> list[str]:
    out = [f"{key} is set on {where}, where it would be ignored: Table Schema puts it in the schema (schema.{key})"
           for key in _SCHEMA_ONLY if key in obj]
    out += [f"{key} (a frictionless-py reading option, not Data Package) is not supported: the table would be read differently from what it says"
            for key in _FRICTIONLESS_READING if key in obj]
    return out


def _as_list(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    return list(value) if isinstance(value, list) else []
