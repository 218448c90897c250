"""The curated package as the release sees it: every table read exactly (Arrow), the derived tables added,
and the checks that its descriptor matches schemas/ (a release carries schemas/package.json's metadata)."""
from __future__ import annotations

import os
from typing import Any

from iraq_frontiers.schema.metadata import package_metadata, table_names, table_schema
from iraq_frontiers.release.errors import InvalidPackage, ReleaseError


def read_tables(source: str | os.PathLike) -> dict[str, Any]:
    """The package's tables as Arrow tables typed per the compiled schemas (schemas/), in package order.

    Raises ReleaseError when a table is missing or a value cannot be read as its type.
    """
    from iraq_frontiers.io.core import ROW, InputError
    from iraq_frontiers.io.package import open_package, read_table
    from iraq_frontiers.io.writers import to_arrow

    tables = {}
    try:
        with open_package(source) as pkg:
            resources = {r.get("name"): r for r in pkg.descriptor.get("resources", []) if isinstance(r, dict)}
            for name in table_names():
                if name not in resources:
                    raise ReleaseError(f"{source}: the package has no resource {name!r}")
                schema = table_schema(name)
                data, problems = read_table(pkg, {**resources[name], "schema": schema})
                if problems:
                    first = problems[0]
                    raise InvalidPackage(f"{source}: {len(problems)} value(s) cannot be read as their type, first: "
                                         f"[{first.code}] {first.location()}: {first.message}")
                tables[name] = to_arrow(data.frame.drop(ROW), schema)
    except InputError as exc:
        raise ReleaseError(f"{exc.problem.location()}: {exc.problem.message}") from None
    return tables


def with_derived(tables: dict[str, Any]) -> dict[str, Any]:
    """The curated tables followed by the derived ones (metadata.derived_table_names), in release order."""
    from iraq_frontiers.release.derived import derived_tables

    return {**tables, **derived_tables(tables)}


def stale_schemas(source: str | os.PathLike) -> list[str]:
    """Tables whose schema in the source descriptor differs from the one compiled from schemas/."""
    from iraq_frontiers.io.package import open_package

    with open_package(source) as pkg:
        resources = {r.get("name"): r for r in pkg.descriptor.get("resources", []) if isinstance(r, dict)}
        return [t for t in table_names() if t in resources and resources[t].get("schema") != table_schema(t)]


def foreign_metadata(source: str | os.PathLike) -> list[str]:
    """Package-level keys (name, version, title, licences...) where the source descriptor differs from
    schemas/package.json. A release carries schemas/package.json's metadata, so these must agree."""
    from iraq_frontiers.schema.descriptor import PACKAGE_KEYS
    from iraq_frontiers.io.package import open_package

    meta = package_metadata()
    with open_package(source) as pkg:
        return [k for k in PACKAGE_KEYS if pkg.descriptor.get(k) != meta.get(k)]
