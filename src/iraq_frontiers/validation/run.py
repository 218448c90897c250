"""validate(path) -> Report: the four layers in order.

(a) the descriptor against the Data Package v2 profile and the schema keywords the toolkit knows,
then (b) every table against its schema, (c) keys across tables and (d) the domain rules: all three
compiled from the Table Schemas and the rules into one check specification (validation.spec) that an
engine of validation.backends runs (DuckDB on this machine by default, Spark beyond it). Unreadable
or refused input stops validation with one `input` problem (exit code 2); everything else is
collected, every problem, not the first.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from iraq_frontiers.problems import Problem, Report

Progress = Callable[[str], None]

DEFAULT_ENGINE = "duckdb"
# "pandera" is the reference engine: every table read into a polars frame and checked with its
# compiled Pandera schema, then the keys and rules as data frames on DuckDB (the conformance tests
# hold every engine of validation.backends to it). Fine for small packages, not for large ones.
REFERENCE_ENGINE = "pandera"


def engines() -> tuple[str, ...]:
    """The engines validate() accepts: those of validation.backends (no engine is imported), then the reference."""
    from iraq_frontiers.validation.backends import ENGINES as BACKENDS

    return (*BACKENDS, REFERENCE_ENGINE)


def validate(path: str | os.PathLike, progress: Progress | None = None, engine: str = DEFAULT_ENGINE) -> Report:
    """Validate a data package: a datapackage.json, a folder holding one, or a .zip of one; or a release
    folder (release/<version>/, its Parquet package is validated), verified first (iraq_frontiers.io.verify).

    engine: what runs layers (b) to (d), the check specification (iraq_frontiers.validation.spec).
    "duckdb" (default) runs it on this machine in bounded memory, reading Parquet files where they
    lie (other tables as the toolkit's readers return them); "spark" runs the same specification on
    Apache Spark (iraq_frontiers.validation.backends.spark). "pandera" is the reference engine every
    other is tested against: it reads every table into memory. All report the same problems.
    """
    from iraq_frontiers.io.core import InputError
    from iraq_frontiers.io.csv_stream import with_lines
    from iraq_frontiers.io.package import checked_path, open_package
    from iraq_frontiers.io.verify import release_package

    if engine not in engines():
        raise ValueError(f"engine must be one of {engines()}")
    from iraq_frontiers.extras import require_toolkit

    require_toolkit("validation")  # raises MissingExtra naming [toolkit], rather than report an internal error
    report = Report(str(path))
    say = progress or (lambda _msg: None)
    try:
        with open_package(release_package(checked_path(path))) as pkg:  # a release folder or zip is verified first
            _validate_opened(pkg, report, say, engine)
            for table, lines in pkg.lines.items():  # CSV: every problem about a row names its line
                with_lines(report.problems, lines, table)
    except InputError as exc:
        report.problems.append(exc.problem)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - never raise (a Rust panic in polars is a BaseException): a bug is reported as such
        if os.environ.get("IRAQ_FRONTIERS_DEBUG") == "1":
            raise
        report.problems.append(_internal_error(exc))
    return report


def _internal_error(exc: BaseException) -> Problem:
    """A bug in the toolkit (user errors are InputError or problems): exit code 3, never a traceback."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return Problem("internal-error", f"{type(exc).__name__}: {str(exc)[:300]}{where} (a bug in iraq-frontiers, not a problem "
                   "with the data; rerun with IRAQ_FRONTIERS_DEBUG=1 for the traceback and report it)")


def _validate_opened(pkg, report: Report, say: Progress, engine: str) -> None:
    from iraq_frontiers.validation.descriptor_checks import check_descriptor, check_profiles
    from iraq_frontiers.validation.schema_guard import check_resources, first_resources

    say("checking the descriptor")
    refused_profiles = check_profiles(pkg.descriptor)
    if refused_profiles:  # rules we do not know: nothing is judged by others
        report.problems += refused_profiles
        return
    report.problems += pkg.schema_problems
    report.problems += check_descriptor(pkg.descriptor)
    guard_problems, refused = check_resources(pkg.descriptor)  # schemas the readers cannot follow: not read
    report.problems += guard_problems
    unsupported = {p.table for p in report.problems if p.code == "schema-unsupported" and p.field is None} | refused
    checkable = [r for r in first_resources(pkg.descriptor) if isinstance(r.get("name"), str) and isinstance(r.get("schema"), dict)
                 and r["name"] not in unsupported and isinstance(r["schema"].get("fields"), list)]
    if engine == REFERENCE_ENGINE:
        _reference(pkg, checkable, report, say)
    else:
        from iraq_frontiers.validation.backends import backend

        backend(engine).check_package(pkg, checkable, report, say)


def _reference(pkg, resources: list[dict], report: Report, say: Progress) -> None:
    """Layers (b) to (d) the reference way: every table read into memory, Pandera, then keys and rules."""
    from iraq_frontiers.io.core import InputError
    from iraq_frontiers.validation.domain import check_domain
    from iraq_frontiers.validation.geo_checks import check_coordinates
    from iraq_frontiers.validation.integrity import Tables, check_foreign_keys, check_keys

    t = Tables({}, {}, say)
    try:
        for i, resource in enumerate(resources, 1):
            name = resource["name"]
            say(f"reading {name} ({i}/{len(resources)})")
            try:
                report.problems += _check_table(pkg, resource, t, report)
            except InputError as exc:  # this table is unreadable; the others are still checked
                report.problems.append(exc.problem)
        say("checking keys across tables")
        report.problems += check_keys(t)
        report.problems += check_foreign_keys(t)
        say("checking domain rules")
        report.problems += check_domain(t)
        report.problems += check_coordinates(t)
    finally:
        t.close()


def _check_table(pkg, resource, t, report: Report) -> list[Problem]:
    """Read one table and check it with Pandera; registers it in `t` for layers (c) and (d)."""
    from iraq_frontiers.io.package import check_bytes_and_hash, is_inline, read_table, resource_file
    from iraq_frontiers.validation.table_checks import check_table

    name, schema = resource["name"], resource["schema"]
    found_in_file: list[Problem] = []
    if not is_inline(resource):
        file = resource_file(pkg, resource)
        found_in_file = check_bytes_and_hash(name, file, os.path.relpath(file, pkg.base_dir.resolve()), resource)
    data, problems = read_table(pkg, resource)
    report.tables[name] = data.frame.height
    t.add(name, data, schema)
    return found_in_file + problems + check_table(data, schema)  # cells the reader reported are not checked again
