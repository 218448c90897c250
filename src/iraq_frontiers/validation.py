"""validate(path) -> Report: the four layers in order.

(a) descriptor against the Data Package v2 profile, (b) per-table Pandera checks,
(c) keys across tables, (d) domain rules. Unreadable or refused input stops validation with one
`input` problem (exit code 2); everything else is collected, every problem, not the first.
"""
from __future__ import annotations

import os
from typing import Any, Callable

from iraq_frontiers.problems import Problem, Report

Progress = Callable[[str], None]


def validate(path: str | os.PathLike, progress: Progress | None = None) -> Report:
    """Validate a data package: a datapackage.json, a folder holding one, or a .zip of one."""
    from iraq_frontiers.package_io import InputError, open_package

    report = Report(str(path))
    say = progress or (lambda _msg: None)
    try:
        with open_package(path) as pkg:
            _validate_opened(pkg, report, say)
    except InputError as exc:
        report.problems.append(exc.problem)
    return report


def _validate_opened(pkg, report: Report, say: Progress) -> None:
    from iraq_frontiers.descriptor_checks import check_descriptor
    from iraq_frontiers.domain import check_domain
    from iraq_frontiers.integrity import Tables, check_foreign_keys, check_keys
    from iraq_frontiers.package_io import InputError, read_table
    from iraq_frontiers.table_checks import check_table

    say("checking the descriptor")
    report.problems += check_descriptor(pkg.descriptor)
    resources = [r for r in pkg.descriptor.get("resources", []) if isinstance(r, dict)] if isinstance(pkg.descriptor.get("resources"), list) else []
    schemas: dict[str, dict[str, Any]] = {}
    tables = {}
    unsupported = {p.table for p in report.problems if p.code == "schema-unsupported" and p.field is None}
    for i, resource in enumerate(resources, 1):
        name = resource.get("name")
        schema = resource.get("schema")
        if not isinstance(name, str) or not isinstance(schema, dict) or name in unsupported or not isinstance(schema.get("fields"), list):
            continue
        say(f"reading {name} ({i}/{len(resources)})")
        try:
            data, problems = read_table(pkg, resource)
        except InputError as exc:  # this table is unreadable; the others are still checked
            report.problems.append(exc.problem)
            continue
        report.problems += problems
        report.tables[name] = data.frame.height
        say(f"checking {name} ({i}/{len(resources)}, {data.frame.height} rows)")
        report.problems += check_table(data, schema)
        schemas[name] = schema
        tables[name] = data
    say("checking keys across tables")
    t = Tables(tables, schemas)
    try:
        report.problems += check_keys(t)
        report.problems += check_foreign_keys(t)
        say("checking domain rules")
        report.problems += check_domain(t)
    finally:
        t.close()
