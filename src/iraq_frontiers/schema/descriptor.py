"""Generate Data Package v2 descriptors from schemas/ (never hand-edited).

The curated package (datapackage/, CSV) and every release (CSV or Parquet) get their
descriptor from build_descriptor(); only paths, formats and file hashes differ.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from iraq_frontiers.schema.metadata import package_metadata, source_schema, table_names, table_schema

PROFILE_URL = "https://datapackage.org/profiles/2.0/datapackage.json"
FORMATS = {
    "csv": {"format": "csv", "mediatype": "text/csv", "encoding": "utf-8"},
    "parquet": {"format": "parquet", "mediatype": "application/vnd.apache.parquet"},
}
PACKAGE_KEYS = ("name", "version", "title", "description", "homepage", "keywords", "licenses", "contributors", "sources")


def resource_descriptor(table: str, fmt: str = "csv", data_file: Path | None = None) -> dict[str, Any]:
    """One resource: named like its file, schema inlined; bytes and sha256 hash when data_file is given."""
    src = source_schema(table)
    resource: dict[str, Any] = {
        "name": table,
        "type": "table",
        "path": f"{table}.{fmt}",
        "scheme": "file",
        **FORMATS[fmt],
        "title": src.get("title", table),
        "description": src.get("description", ""),
    }
    if data_file is not None:
        data = Path(data_file).read_bytes()
        resource["bytes"] = len(data)
        resource["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
    resource["schema"] = table_schema(table)
    return resource


def build_descriptor(fmt: str = "csv", data_dir: Path | None = None, extra: dict[str, Any] | None = None,
                     tables: list[str] | None = None) -> dict[str, Any]:
    """The whole package descriptor (of the curated tables, or of `tables`, e.g. a release's with the derived
    ones). With data_dir, each resource records its file's bytes and hash."""
    meta = package_metadata()
    descriptor: dict[str, Any] = {"$schema": PROFILE_URL}
    doi = (meta.get("citation") or {}).get("doi")
    if doi:  # Data Package v2: `id` is a globally unique identifier, a DOI by preference
        descriptor["id"] = f"https://doi.org/{doi}"
    descriptor.update({key: meta[key] for key in PACKAGE_KEYS if key in meta})
    if extra:
        descriptor.update(extra)
    descriptor["resources"] = [
        resource_descriptor(t, fmt, None if data_dir is None else Path(data_dir) / f"{t}.{fmt}") for t in (tables or table_names())
    ]
    return descriptor


def dumps(descriptor: dict[str, Any]) -> str:
    """Canonical JSON text of a descriptor (stable key order as built, 2-space indent, final newline)."""
    return json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n"


def write_descriptor(path: Path, descriptor: dict[str, Any]) -> None:
    Path(path).write_text(dumps(descriptor), encoding="utf-8", newline="\n")
