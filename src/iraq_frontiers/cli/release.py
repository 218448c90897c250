"""Release subcommands: build, verify, diff, cite, citation-files (registered by iraq_frontiers.cli.app).

Exit codes as everywhere: 0 ok, 1 invalid data (or a version bump too small for the changes),
2 usage error or unreadable / refused input (e.g. an existing release folder without --force).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from iraq_frontiers.cli.app import EXIT_INPUT, EXIT_INVALID, EXIT_OK, clear_progress, positive_int, progress_printer


def _error(args, message: str, code: int, extra: dict | None = None) -> int:
    if getattr(args, "json", False):
        print(json.dumps({"ok": False, "exit_code": code, "error": message, **(extra or {})}, indent=2, ensure_ascii=False))
    else:
        print(f"iraq-frontiers {args.command}: {message}", file=sys.stderr)
    return code


def _cmd_build(args) -> int:
    from iraq_frontiers.release.errors import ReleaseError
    from iraq_frontiers.release.build import build_release

    from iraq_frontiers.terminal import shown_path

    source = Path(args.source)
    if not source.exists():
        where = "here" if str(source.parent) == "." else f"in {source.parent}"
        return _error(args, f"there is no package {where}: {shown_path(source)} does not exist (give the package folder: "
                            f"iraq-frontiers build PATH, a folder holding datapackage.json)", EXIT_INPUT)
    from iraq_frontiers.cli.app import not_a_package

    if not_a_package(args.source):
        return _error(args, not_a_package(args.source), EXIT_INPUT)
    say = progress_printer(not args.json and not args.quiet)
    try:
        result = build_release(args.source, args.out, force=args.force, previous=args.previous,
                               changelog=args.changelog, progress=say)
    except ReleaseError as exc:
        clear_progress(say)
        extra = {}
        if exc.report is not None:
            extra["validation"] = exc.report.to_dict()
            if not args.json:
                print(exc.report.format_text(limit=args.limit), file=sys.stderr)
        return _error(args, str(exc), exc.exit_code, extra)
    except OSError as exc:
        from iraq_frontiers.io.disk import os_error_message

        clear_progress(say)
        return _error(args, f"the release was not written: {os_error_message(exc)}", EXIT_INPUT)
    clear_progress(say)
    if args.json:
        print(json.dumps({"ok": True, **result.to_dict()}, indent=2, ensure_ascii=False))
        return EXIT_OK
    rows = sum(result.rows.values())
    size = sum(result.files.values())
    if result.dist_note:
        print(f"iraq-frontiers build: note: {result.dist_note}", file=sys.stderr)
    print(f"built release {result.version} in {result.folder} ({len(result.rows)} tables, {rows} rows, "
          f"{len(result.files)} files, {size} bytes)")
    if result.previous:
        print(f"compared with {result.previous}: changes need {result.required_bump or 'no'} version bump")
    else:
        print("no previous release found: release notes say this is the first release")
    return EXIT_OK


def _cmd_diff(args) -> int:
    from iraq_frontiers.release.diff import UnreadableCells, diff_packages
    from iraq_frontiers.io.core import InputError
    from iraq_frontiers.problems import Report

    try:
        d = diff_packages(args.old, args.new)  # each verified when in a release (read_snapshot)
    except InputError as exc:
        return _error(args, f"{exc.problem.location()}: {exc.problem.message}", EXIT_INPUT)
    except UnreadableCells as exc:  # listed, never shown as changes to empty
        report = Report(exc.label, exc.problems)
        if not args.json:
            print(report.format_text(limit=args.limit), file=sys.stderr)
        return _error(args, str(exc), EXIT_INPUT, {"problems": report.to_dict()["problems"], "total": exc.problems.total})
    if args.json:
        print(d.to_json())
    else:
        print(d.format_text(limit=args.limit))
    return EXIT_INVALID if args.exit_code and not d.identical else EXIT_OK


def _cmd_verify(args) -> int:
    from iraq_frontiers.io.core import InputError
    from iraq_frontiers.io.verify import verify

    try:
        result = verify(args.release)
    except InputError as exc:
        return _error(args, f"{exc.problem.location()}: {exc.problem.message}", EXIT_INPUT)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    elif result.ok:
        print(f"verified: {result.target} ({result.kind}, {len(result.checked)} file(s) match)")
    else:
        print(f"corrupted: {result.target}: {len(result.findings)} problem(s)")
        for finding in result.findings:
            print(f"  {finding}")
    return EXIT_OK if result.ok else EXIT_INVALID


def _cmd_cite(args) -> int:
    from iraq_frontiers.release.citation import cite

    sys.stdout.write(cite(args.style))
    return EXIT_OK


def _cmd_citation_files(args) -> int:
    from iraq_frontiers.release.citation import stale_citation_files, write_citation_files

    from iraq_frontiers.schema.metadata import repo_root

    if args.dir is None and repo_root() is None:
        return _error(args, "not in a source checkout: pass --dir FOLDER (where CITATION.cff and .zenodo.json belong)", EXIT_INPUT)
    root = Path(args.dir) if args.dir is not None else repo_root()
    if not root.is_dir():
        return _error(args, f"no such folder: {root}", EXIT_INPUT)
    if args.check:
        stale = stale_citation_files(root)
        if stale:
            print(f"out of date with schemas/package.json: {', '.join(stale)} (run `iraq-frontiers citation-files`)", file=sys.stderr)
            return EXIT_INVALID
        print("CITATION.cff and .zenodo.json match schemas/package.json")
        return EXIT_OK
    for path in write_citation_files(root):
        print(f"wrote {path}")
    return EXIT_OK


def register(sub) -> None:
    p = sub.add_parser(
        "build", help="build a versioned release (Parquet + CSV packages, zips, site, checksums, notes)",
        description="Validate SOURCE and, only if it is valid, build release OUT/<version>/ (the version is the one in "
        "schemas/package.json): parquet/ and csv/ packages each with a self-contained datapackage.json, a zip of each, "
        "site/ (a static site to open from disk: overview, codebook, events, citation; see `iraq-frontiers site`), "
        "RELEASE_NOTES.md (rows per table, changes since the previous release, changelog) and SHA256SUMS. The previous "
        "release is the newest older version folder in OUT (or --previous); the build is refused when the version bump "
        "is smaller than the changes need (docs/versioning.md). The release is written to a temporary folder and renamed "
        "into place: a failed build leaves nothing behind. Identical input gives identical bytes (set SOURCE_DATE_EPOCH "
        "to record a `created` time). A version is one content: CHANGELOG.md needs a dated section `## [<version>] - "
        "YYYY-MM-DD`, and an existing release is rebuilt (--force) only when the new build is byte-identical.",
        epilog="Exit codes: 0 built; 1 invalid package, version bump too small, no CHANGELOG section for the version, or "
        "the version already released with other content; 2 release exists without --force, unreadable input or usage error.")
    p.add_argument("source", nargs="?", default="datapackage", help="curated package to release (default: ./datapackage)")
    p.add_argument("--out", default="release", help="folder that holds the releases (default: ./release)")
    p.add_argument("--force", action="store_true", help="rebuild an existing release folder of the same version; "
                   "refused unless the rebuild is byte-identical (a version is one content)")
    p.add_argument("--changelog", metavar="PATH", help="CHANGELOG.md with the version's section (default: the source "
                   "checkout's, else one beside SOURCE, else ./CHANGELOG.md)")
    p.add_argument("--previous", metavar="PATH", help="previous release to compare with (folder, datapackage.json or zip); "
                   "default: the newest older release in --out")
    p.add_argument("--json", action="store_true", help="print the result as JSON; no progress display")
    p.add_argument("--quiet", action="store_true", help="no progress display")
    p.add_argument("--limit", type=positive_int, default=50, help="most validation problems to list when the package is invalid")
    p.set_defaults(func=_cmd_build)

    p = sub.add_parser(
        "diff", help="compare two packages: rows added, removed and changed per table",
        description="Compare OLD and NEW (each a datapackage.json, a folder holding one, or a .zip; CSV or Parquet): "
        "per table, fields added, removed and retyped, and rows added, removed and changed matched by primary key, with "
        "each changed field's value before and after. Also prints the smallest version bump the changes need "
        "(removed or retyped = major, added = minor, changed values = patch).",
        epilog="Exit codes: 0 compared (1 with --exit-code when they differ); 2 unreadable input or usage error.")
    p.add_argument("old", help="the older package")
    p.add_argument("new", help="the newer package")
    p.add_argument("--json", action="store_true", help="print the full difference as JSON (every row)")
    p.add_argument("--limit", type=positive_int, default=50, help="most rows listed per table and kind of change in text output (default 50)")
    p.add_argument("--exit-code", action="store_true", help="exit 1 when the packages differ (like git diff --exit-code)")
    p.set_defaults(func=_cmd_diff)

    p = sub.add_parser(
        "verify", help="check a release's files against SHA256SUMS and the descriptors' bytes and hashes",
        description="Verify RELEASE: a release folder (release/<version>/: every file against SHA256SUMS, no file missing "
        "or unlisted, then each package's files against its datapackage.json `bytes` and `hash`), a release zip (entry "
        "CRCs, the files against the zip's descriptor, and the zip against a SHA256SUMS beside it) or a package folder "
        "(its descriptor's `bytes` and `hash`). `validate`, `diff`, `load` and `connect` run the same check first.",
        epilog="Exit codes: 0 every file matches; 1 a file is missing, altered or not listed; 2 unreadable input or usage error.")
    p.add_argument("release", help="release folder, release zip, or package folder / datapackage.json")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=_cmd_verify)

    p = sub.add_parser("cite", help="print how to cite the dataset (APA, BibTeX or CITATION.cff)",
                       description="Print the citation of this version of the dataset, generated from schemas/package.json.")
    p.add_argument("--style", type=str.lower, choices=("apa", "bibtex", "cff"), default="apa",
                   help="citation style, any letter case (default apa)")
    p.set_defaults(func=_cmd_cite)

    p = sub.add_parser("citation-files", help="generate CITATION.cff and .zenodo.json from schemas/package.json",
                       description="Write CITATION.cff and .zenodo.json (generated from schemas/package.json; never edit them). "
                       "With --check, only compare and exit 1 when they are out of date.")
    p.add_argument("--dir", default=None, help="folder to write into or check (default: the source checkout's root)")
    p.add_argument("--check", action="store_true", help="exit 1 if the files differ from a fresh generation")
    p.set_defaults(func=_cmd_citation_files)
