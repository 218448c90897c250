"""validate(path) -> Report: the four layers in order.

(a) descriptor against the Data Package v2 profile, (b) per-table Pandera checks,
(c) keys across tables, (d) domain rules. Unreadable or refused input stops validation with one
`input` problem (exit code 2); everything else is collected, every problem, not the first.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

from iraq_frontiers.problems import Problem, Report

Progress = Callable[[str], None]


# "duckdb" (and whatever validation.backends.ENGINES adds) runs the check specification (validation.spec).
ENGINES = ("auto", "fast", "pandera", "duckdb")


def validate(path: str | os.PathLike, progress: Progress | None = None, engine: str = "auto") -> Report:
    """Validate a data package: a datapackage.json, a folder holding one, or a .zip of one; or a release
    folder (release/<version>/, its Parquet package is validated), verified first (iraq_frontiers.io.verify).

    engine: how tables are read and layer (b) runs. "pandera" (the reference engine) reads every
    table into a polars frame and checks it with the compiled Pandera schema. "fast" leaves Parquet
    files where they are: one streaming scan per table checks the same constraints, and DuckDB reads
    the files directly for keys and domain rules (CSV tables are read into frames, then checked by the
    same compiled expressions). "auto" (default) is "fast" for Parquet resources and Pandera for CSV.
    Every engine reports the same problems; a table the fast path cannot check exactly (see
    iraq_frontiers.validation.fastpath) is read and checked the reference way. "duckdb" runs the check
    specification (iraq_frontiers.validation.spec) on DuckDB: Parquet files where they lie, other
    tables as the readers return them; engines of iraq_frontiers.validation.backends are accepted by name.
    """
    from iraq_frontiers.io.core import InputError
    from iraq_frontiers.io.package import checked_path, open_package
    from iraq_frontiers.io.verify import release_package

    from iraq_frontiers.validation.backends import ENGINES as BACKENDS

    if engine not in ENGINES and engine not in BACKENDS:
        raise ValueError(f"engine must be one of {tuple(dict.fromkeys(ENGINES + BACKENDS))}")
    from iraq_frontiers.extras import require_toolkit

    require_toolkit("validation")  # raises MissingExtra naming [toolkit], rather than report an internal error
    report = Report(str(path))
    say = progress or (lambda _msg: None)
    try:
        with open_package(release_package(checked_path(path))) as pkg:  # a release folder or zip is verified first
            try:
                _validate_opened(pkg, report, say, engine)
            except _FastPathFailed:  # a Parquet file left in place failed mid-way: read everything the reference way
                report.problems.clear()
                report.tables.clear()
                _validate_opened(pkg, report, say, "pandera")
    except InputError as exc:
        report.problems.append(exc.problem)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - never raise (a Rust panic in polars is a BaseException): a bug is reported as such
        if os.environ.get("IRAQ_FRONTIERS_DEBUG") == "1":
            raise
        report.problems.append(_internal_error(exc))
    return report


class _FastPathFailed(Exception):
    """Reading a file-backed (fast path) table failed in layers (c)/(d); the reference engine will say why."""


def _internal_error(exc: BaseException) -> Problem:
    """A bug in the toolkit (user errors are InputError or problems): exit code 3, never a traceback."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return Problem("internal-error", f"{type(exc).__name__}: {str(exc)[:300]}{where} (a bug in iraq-frontiers, not a problem "
                   "with the data; rerun with IRAQ_FRONTIERS_DEBUG=1 for the traceback and report it)")


def _validate_opened(pkg, report: Report, say: Progress, engine: str = "auto") -> None:
    from iraq_frontiers.validation.descriptor_checks import check_descriptor
    from iraq_frontiers.validation.domain import check_domain
    from iraq_frontiers.validation.geo_checks import check_coordinates
    from iraq_frontiers.validation.integrity import Tables, check_foreign_keys, check_keys
    from iraq_frontiers.io.core import InputError
    from iraq_frontiers.validation.schema_guard import check_resources, first_resources

    say("checking the descriptor")
    report.problems += pkg.schema_problems
    report.problems += check_descriptor(pkg.descriptor)
    guard_problems, refused = check_resources(pkg.descriptor)  # schemas the readers cannot follow: not read
    report.problems += guard_problems
    resources = first_resources(pkg.descriptor)
    unsupported = {p.table for p in report.problems if p.code == "schema-unsupported" and p.field is None} | refused
    if engine not in ("auto", "fast", "pandera"):  # an engine running the check specification
        from iraq_frontiers.validation.backends import backend

        checkable = [r for r in resources if isinstance(r.get("name"), str) and isinstance(r.get("schema"), dict)
                     and r["name"] not in unsupported and isinstance(r["schema"].get("fields"), list)]
        backend(engine).check_package(pkg, checkable, report, say)
        return
    t = Tables({}, {}, say)
    try:
        for i, resource in enumerate(resources, 1):
            name = resource.get("name")
            schema = resource.get("schema")
            if not isinstance(name, str) or not isinstance(schema, dict) or name in unsupported or not isinstance(schema.get("fields"), list):
                continue
            say(f"reading {name} ({i}/{len(resources)})")
            try:
                report.problems += _check_table(pkg, resource, name, schema, t, engine, report, lambda m: say(f"{m} ({i}/{len(resources)})"))
            except InputError as exc:  # this table is unreadable; the others are still checked
                report.problems.append(exc.problem)
        try:
            say("checking keys across tables")
            report.problems += check_keys(t)
            report.problems += check_foreign_keys(t)
            say("checking domain rules")
            report.problems += check_domain(t)
            report.problems += check_coordinates(t)
        except Exception as exc:
            # DuckDB reads fast-path Parquet files only now: a corrupt page surfaces here, not as a bug.
            if engine != "pandera" and any(getattr(d, "select_sql", None) for d in t.tables.values()):
                raise _FastPathFailed() from exc
            raise
    finally:
        t.close()


def _check_table(pkg, resource, name, schema, t, engine: str, report: Report, say: Progress) -> list[Problem]:
    """Read one table and run layer (b) on it; registers it in `t` for layers (c) and (d)."""
    from iraq_frontiers.io.package import check_bytes_and_hash, is_inline, read_table, resource_file, resource_format
    from iraq_frontiers.validation.fastpath import Unsupported, check_table_fast, open_parquet, plan_table_checks

    found_in_file: list[Problem] = []
    fast = None
    if not is_inline(resource):
        file = resource_file(pkg, resource)
        found_in_file = check_bytes_and_hash(name, file, os.path.relpath(file, pkg.base_dir.resolve()), resource)
        if engine != "pandera" and resource_format(resource, file) == "parquet":
            fast = open_parquet(pkg, resource)
    if fast is not None:
        try:
            plan = plan_table_checks(fast, schema)
        except Unsupported:
            fast = None
    if fast is not None:
        alias = t.add(name, fast, schema)
        report.tables[name] = fast.height
        say(f"checking {name} ({fast.height:,} rows)")
        try:
            found = check_table_fast(fast, plan)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException:  # noqa: BLE001 - e.g. polars panics on corrupt data pages: the reference reader says why
            found = None
        if found is not None:
            return found_in_file + found
        t.drop(name)  # cells the reference reader reports or changes: read it that way
        del report.tables[name]
    data, problems = read_table(pkg, resource)
    problems = found_in_file + problems
    report.tables[name] = data.frame.height
    alias = t.add(name, data, schema)
    say(f"checking {name} ({data.frame.height:,} rows)")
    found = None
    if engine == "fast":
        try:
            found = check_table_fast(data, plan_table_checks(data, schema))
        except Unsupported:
            pass
    if found is None:
        from iraq_frontiers.validation.table_checks import check_table

        found = check_table(data, schema)
    return problems + found  # both engines leave out cells the reader reported (no `required` after a type-error)
