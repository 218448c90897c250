"""Read the project's metadata: Table Schemas, vocabularies and package metadata in schemas/.

These files are the single source of truth; everything else (descriptor, Arrow and Pandera
schemas, Hypothesis strategies, docs) is compiled from what this module returns.
"""
from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parents[1]  # the iraq_frontiers package folder


def schemas_dir() -> Path:
    """The schemas folder: bundled in the wheel, or the repository's own in a source checkout."""
    for candidate in (_HERE / "_data" / "schemas", _HERE.parents[1] / "schemas"):
        if (candidate / "package.json").is_file():
            return candidate
    raise FileNotFoundError("iraq-frontiers schemas not found (expected _data/schemas or ../../schemas)")


def bundled_file(name: str) -> Path:
    """A file the wheel bundles in _data/ and a source checkout has at its root (e.g. LICENSE-DATA, CHANGELOG.md)."""
    for candidate in (_HERE / "_data" / name, _HERE.parents[1] / name):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"iraq-frontiers: {name} not found (expected in the installed package's _data/ or the source checkout)")


def repo_root() -> Path | None:
    """The source checkout holding this package, or None when installed from a wheel."""
    root = _HERE.parents[1]
    return root if (root / "pyproject.toml").is_file() and (root / "schemas").is_dir() else None


def _read_json(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return json.load(fh)


@cache
def package_metadata() -> dict[str, Any]:
    """schemas/package.json: name, version, title, licences, contributors, sources, resource order."""
    return _read_json(schemas_dir() / "package.json")


@cache
def vocabularies() -> dict[str, dict[str, Any]]:
    """Every controlled vocabulary: name -> {description, values: {value: {description, ...}}}."""
    raw = _read_json(schemas_dir() / "vocabularies.json")
    out: dict[str, dict[str, Any]] = {}
    for name, vocab in raw.items():
        values = {
            value: (meaning if isinstance(meaning, dict) else {"description": meaning})
            for value, meaning in vocab["values"].items()
        }
        out[name] = {"description": vocab["description"], "values": values}
    return out


def table_names() -> list[str]:
    """The curated tables (datapackage/) in package order (parents before children)."""
    return list(package_metadata()["resources"])


def derived_table_names() -> list[str]:
    """Tables a release builds from the curated ones and schemas/ (never edited; not in datapackage/)."""
    return list(package_metadata().get("derived", []))


def release_table_names() -> list[str]:
    """Every table of a release: the curated tables, then the derived ones."""
    return table_names() + derived_table_names()


@cache
def _source_schema(table: str) -> dict[str, Any]:
    return _read_json(schemas_dir() / f"{table}.json")


def source_schema(table: str) -> dict[str, Any]:
    """A table's schema file as written (title/description, fields, keys; vocabularies by name)."""
    return copy.deepcopy(_source_schema(table))


def table_schema(table: str) -> dict[str, Any]:
    """A table's Frictionless Table Schema with vocabularies expanded into `enum` constraints.

    Resource-level `title` and `description` are removed (they belong on the resource).
    """
    schema = source_schema(table)
    schema.pop("title", None)
    schema.pop("description", None)
    vocabs = vocabularies()
    for field in schema["fields"]:
        name = field.get("vocabulary")
        if name is not None:
            if name not in vocabs:
                raise KeyError(f"schemas/{table}.json: field {field['name']!r} names unknown vocabulary {name!r}")
            field.setdefault("constraints", {})["enum"] = list(vocabs[name]["values"])
    return schema


def stance_effects() -> dict[str, str]:
    """stance -> its effect on an event's status (see iraq_frontiers.validation.status)."""
    return {value: meaning["effect"] for value, meaning in vocabularies()["stance"]["values"].items()}
