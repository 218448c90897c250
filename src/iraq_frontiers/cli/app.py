"""The iraq-frontiers command line.

Exit codes: 0 success / valid, 1 invalid data, 2 usage error or unreadable / refused input,
3 internal error (a bug in the toolkit).
A user's mistake never prints a traceback.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from iraq_frontiers.io.disk import write_bytes
from iraq_frontiers.terminal import CLEAR_LINE, control, escaped_output, shown_path

EXIT_OK, EXIT_INVALID, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors exit 2 with a hint, like argparse, without traceback
        self.print_usage(sys.stderr)
        self.exit(EXIT_INPUT, f"{self.prog}: error: {message}\n")


def positive_int(text: str) -> int:
    """An argparse type: a whole number of at least 1 (e.g. --limit)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def progress_printer(enabled: bool):
    """A function printing progress on one terminal line (stderr), or None when disabled or not a terminal."""
    if not enabled or not sys.stderr.isatty():
        return None
    start = time.monotonic()

    def say(msg: str) -> None:
        control(CLEAR_LINE)
        sys.stderr.write(f"[{time.monotonic() - start:6.1f}s] {msg}")  # escaped: names in msg come from input
        sys.stderr.flush()

    return say


def clear_progress(say) -> None:
    """Clear the progress line, if one is shown."""
    if say:
        control(CLEAR_LINE)


def _cmd_validate(args) -> int:
    from iraq_frontiers.validation.run import DEFAULT_ENGINE, validate

    if args.spark_master is not None:
        if args.engine not in ("spark", None):
            print(f"iraq-frontiers validate: --spark-master runs on Spark; it cannot be used with --engine {args.engine}", file=sys.stderr)
            return EXIT_INPUT
        from iraq_frontiers.validation.backends.spark.run import use_master

        use_master(args.spark_master)
    engine = "spark" if args.spark_master is not None else (args.engine or DEFAULT_ENGINE)
    wrong = not_a_package(args.path)
    if wrong:
        print(f"iraq-frontiers validate: {wrong}", file=sys.stderr)
        return EXIT_INPUT
    say = progress_printer(not args.json and not args.quiet)
    report = validate(args.path, progress=say, engine=engine)
    clear_progress(say)
    if args.json:
        print(report.to_json())
    else:
        print(report.format_text(limit=args.limit))
    return report.exit_code


TABLE_SUFFIXES = (".csv", ".tsv", ".parquet", ".csv.gz", ".txt")


def not_a_package(path: str) -> str | None:
    """What to give instead, when `path` is one table (a CSV or Parquet file) rather than a package; else None."""
    p = Path(path)
    if p.is_file() and p.name.lower().endswith(TABLE_SUFFIXES):
        folder = p.parent if str(p.parent) != "." else Path(".")
        return (f"{shown_path(p)} is one table, not a package: give the folder that holds it and its datapackage.json "
                f"({shown_path(folder)}{os.sep}) or that datapackage.json ({shown_path(folder / 'datapackage.json')})")
    return None


def _checkout_path(given: str | None, relative: str, option: str) -> Path:
    """An explicit path, else `relative` in the source checkout, else in the current folder when it exists there.

    Raises _NotFound saying what to pass when none applies (an installed wheel, another folder).
    """
    from iraq_frontiers.schema.metadata import repo_root

    if given is not None:
        return Path(given)
    root = repo_root()
    if root is not None:
        return root / relative
    here = Path.cwd() / relative
    if (here.parent if here.suffix else here).is_dir():  # a file's folder, or the folder itself, is here
        return here
    raise _NotFound(f"not in a source checkout and there is no {relative} here: pass {option} PATH")


class _NotFound(Exception):
    """A command could not find the repository file or folder it works on."""


def _cmd_descriptor(args) -> int:
    from iraq_frontiers.schema.descriptor import build_descriptor, dumps

    try:
        target = _checkout_path(args.out, "datapackage/datapackage.json", "--out")
    except _NotFound as exc:
        print(f"iraq-frontiers descriptor: {exc}", file=sys.stderr)
        return EXIT_INPUT
    text = dumps(build_descriptor("csv"))
    if args.check:
        if not target.is_file():
            print(f"iraq-frontiers descriptor: {target} does not exist (pass --out PATH to check another file)", file=sys.stderr)
            return EXIT_INPUT
        current = target.read_text(encoding="utf-8")
        if current != text:
            print(f"{target} is out of date with schemas/: run `iraq-frontiers descriptor`", file=sys.stderr)
            return EXIT_INVALID
        print(f"{target} matches schemas/")
        return EXIT_OK
    try:
        write_bytes(target, text.encode("utf-8"))
    except OSError as exc:
        from iraq_frontiers.io.disk import os_error_message

        print(f"iraq-frontiers descriptor: {os_error_message(exc)}", file=sys.stderr)
        return EXIT_INPUT
    print(f"wrote {target}")
    return EXIT_OK


def _cmd_docs(args) -> int:
    from iraq_frontiers.release.docs import generated_files

    try:
        docs_dir = _checkout_path(args.docs_dir, "docs", "--docs-dir")
        files = generated_files(docs_dir)
    except _NotFound as exc:
        print(f"iraq-frontiers docs: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except (OSError, ValueError) as exc:  # no validation.md, or no codes markers in it
        print(f"iraq-frontiers docs: {docs_dir} needs validation.md with the `<!-- codes:start -->` and "
              f"`<!-- codes:end -->` markers ({exc})", file=sys.stderr)
        return EXIT_INPUT
    stale = []
    for path, text in files.items():
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        if args.check:
            stale.append(str(path))
        else:
            write_bytes(path, text.encode("utf-8"))
            print(f"wrote {path}")
    if stale:
        print("out of date with schemas/ or the problem codes: " + ", ".join(stale) + " (run `iraq-frontiers docs`)", file=sys.stderr)
        return EXIT_INVALID
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="iraq-frontiers",
        description="Validate, build, release and load the iraq-frontiers data package "
        "(curated security events on Iraq's frontiers).",
        epilog="Exit codes: 0 ok, 1 invalid data, 2 usage error or unreadable input, 3 internal error (a bug). "
        "Run `iraq-frontiers COMMAND --help` for a command's options.",
    )
    parser.add_argument("--version", action="store_true", help="print the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("validate", help="validate a data package (descriptor, tables, keys, domain rules)",
                       description="Validate a data package: PATH is a datapackage.json, a folder holding one, or a .zip of one, "
                       "with CSV (gzip-compressed too), Parquet or inline-data resources. Checks, in order: the descriptor against the Data Package v2 profile; each "
                       "table against its schema (types, required, vocabularies, ranges, patterns); primary, unique and foreign keys; "
                       "domain rules (dates and their precision, coordinates, figures, evidence spans, event status). Every problem "
                       "has a stable code; what is supported of Data Package v2 and Table Schema, and what is refused, is one table "
                       "(both in docs/validation.md).")
    p.add_argument("path", nargs="?", default="datapackage", help="package to validate (default: ./datapackage)")
    p.add_argument("--json", action="store_true", help="print the report as JSON (for programs); no progress display")
    p.add_argument("--quiet", action="store_true", help="no progress display")
    p.add_argument("--limit", type=positive_int, default=200, help="most problems to list in text output (default 200; --json lists all)")
    from iraq_frontiers.validation.run import DEFAULT_ENGINE, engines

    p.add_argument("--engine", choices=engines(), default=None,
                   help=f"what runs the checks (default {DEFAULT_ENGINE}: this machine, in bounded memory, Parquet files read "
                        "where they lie). pandera: the reference engine (every table read into memory; for small packages). spark: the same checks on "
                        "Apache Spark (pip install 'iraq-frontiers[spark]'), in local mode (local[2], needs Java 17+) unless "
                        "--spark-master or SPARK_REMOTE (Spark Connect, sc://host:15002) says where; same problems, same report")
    p.add_argument("--spark-master", metavar="URL", default=None,
                   help="run on this Spark master (spark://host:7077, yarn, k8s://..., local[4]; sc://host:15002 for Spark Connect); "
                        "implies --engine spark. The package must be at the same path on every executor (a shared file system)")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("descriptor", help="generate datapackage/datapackage.json from schemas/",
                       description="Write the curated package's descriptor, compiled from schemas/ (never edit it by hand). "
                       "With --check, only compare and exit 1 when the committed file is out of date.")
    p.add_argument("--out", default=None, help="descriptor to write or check (default: datapackage/datapackage.json of the "
                   "source checkout, else of the current folder)")
    p.add_argument("--check", action="store_true", help="exit 1 if the file differs from a fresh generation")
    p.set_defaults(func=_cmd_descriptor)

    p = sub.add_parser("docs", help="generate docs/data-dictionary.md and the problem-code list from metadata",
                       description="Write the documentation compiled from schemas/ (data dictionary, vocabularies, the "
                       "event-status rule) and from the problem codes. With --check, exit 1 when a file is out of date.")
    p.add_argument("--docs-dir", default=None, help="documentation folder (default: docs/ of the source checkout, else ./docs)")
    p.add_argument("--check", action="store_true", help="exit 1 if a generated file differs from a fresh generation")
    p.set_defaults(func=_cmd_docs)

    from importlib import import_module

    for module in COMMAND_MODULES:
        import_module(module).register(sub)
    return parser


# Modules that add subcommands through a `register(subparsers)` function (imported when the CLI starts).
COMMAND_MODULES: list[str] = ["iraq_frontiers.cli.synth", "iraq_frontiers.cli.release", "iraq_frontiers.cli.importers",
                              "iraq_frontiers.cli.site", "iraq_frontiers.cli.curate"]


def main(argv: list[str] | None = None) -> int:
    with escaped_output():  # nothing from input reaches the terminal raw (iraq_frontiers.terminal)
        return _main(argv)


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.version:
        from iraq_frontiers import __version__

        print(__version__)
        return EXIT_OK
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_INPUT
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except ImportError as exc:  # an optional dependency is missing: name the extra that installs it
        from iraq_frontiers.extras import missing_module_message

        message = missing_module_message(exc)
        if message is None:
            raise
        print(f"iraq-frontiers {args.command}: {message}", file=sys.stderr)
        return EXIT_INPUT
    except BrokenPipeError:
        return EXIT_OK
    except OSError as exc:  # disk full, read-only, a file where a folder is expected...: name the file (io.disk)
        from iraq_frontiers.io.disk import os_error_message

        print(f"iraq-frontiers {args.command}: {os_error_message(exc)}", file=sys.stderr)
        return EXIT_INPUT
    except Exception as exc:  # noqa: BLE001 - a bug: say so without a traceback (IRAQ_FRONTIERS_DEBUG=1 shows it)
        if os.environ.get("IRAQ_FRONTIERS_DEBUG") == "1":
            raise
        print(f"iraq-frontiers {args.command}: internal error (a bug, please report it): {type(exc).__name__}: {str(exc)[:300]}", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
