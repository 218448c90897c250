"""The `site` subcommand (registered by iraq_frontiers.cli.app)."""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

from iraq_frontiers.cli.app import EXIT_INPUT, EXIT_INVALID, EXIT_OK, progress_printer
from iraq_frontiers.cli.release import _error as _fail


def _input_root(path: Path) -> Path:
    """The folder a package path stands for (a descriptor's folder), or the file itself (a zip)."""
    return path.parent if path.suffix.lower() == ".json" and not path.is_dir() else path


def _overlapping_input(out: Path, args) -> str | None:
    """Why --out cannot be used: it is, holds or lies inside an input (the package, --sources, --previous).
    --force replaces --out whole, so an --out holding an input would delete it; one inside the package would
    add files to it. Symlinks are resolved on both sides. None when --out is clear of every input."""
    try:
        target = out.resolve()
    except (OSError, RuntimeError):
        return None  # the writer names what is wrong with the path
    for flag, value in (("PACKAGE", args.package), ("--sources", args.sources), ("--previous", args.previous)):
        if value is None:
            continue
        try:
            given = _input_root(Path(value)).resolve()
        except (OSError, RuntimeError):
            continue
        if target == given or given.is_relative_to(target):
            return (f"--out {out} is or contains the input {flag} {value}: writing the site there would replace it; "
                    "write the site to a folder of its own")
        if target.is_relative_to(given) and given.is_dir():
            return f"--out {out} is inside the input {flag} {value}: the site would become part of it; write it elsewhere"
    return None


def _cmd_site(args) -> int:
    from iraq_frontiers.io.core import InputError
    from iraq_frontiers.release.errors import ReleaseError
    from iraq_frontiers.release.site.build import build_site
    from iraq_frontiers.release.site.evidence import SourcesError
    from iraq_frontiers.validation.run import validate

    out = Path(args.out)
    overlap = _overlapping_input(out, args)
    if overlap:
        return _fail(args, overlap, EXIT_INPUT)
    if out.exists() and not (out.is_dir() and (args.force or not any(out.iterdir()))):
        return _fail(args, f"{out} exists and is not an empty folder: pass --force to replace it", EXIT_INPUT)
    say = progress_printer(not args.json and not args.quiet)
    report = validate(args.package, progress=say)
    if say:
        sys.stderr.write("\r\033[K")
    if not report.valid:
        if not args.json:
            print(report.format_text(limit=20), file=sys.stderr)
        if report.exit_code == EXIT_INVALID:
            return _fail(args, f"{args.package} is not valid: the site is built from valid packages only "
                         f"(`iraq-frontiers validate {args.package}` lists the problems)", EXIT_INVALID)
        return _fail(args, f"{args.package} cannot be read: {report.problems[0].message}", report.exit_code)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        result = build_site(args.package, tmp, sources_dir=args.sources, previous=args.previous, progress=say)
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    except SourcesError as exc:
        return _fail(args, str(exc), EXIT_INPUT)
    except InputError as exc:
        return _fail(args, f"{exc.problem.location()}: {exc.problem.message}", EXIT_INPUT)
    except ReleaseError as exc:
        return _fail(args, str(exc), exc.exit_code)
    finally:
        if say:
            sys.stderr.write("\r\033[K")
        shutil.rmtree(tmp, ignore_errors=True)
    summary = {"folder": str(out), "pages": result.pages, "files": result.files, "bytes": result.bytes,
               "events": result.events, "event_pages": result.event_pages, "mappable_events": result.mappable,
               "texts_matched": result.texts_matched}
    if args.json:
        print(json.dumps({"ok": True, **summary}, indent=2))
    else:
        print(f"wrote {out}/index.html: {result.pages} pages, {result.bytes / 1e6:.2f} MB in {result.files} files; "
              f"{result.events} events ({result.event_pages} with a page, {result.mappable} on the map)"
              + (f"; {result.texts_matched} source text(s) matched by sha256" if args.sources else ""))
    return EXIT_OK


def register(sub) -> None:
    p = sub.add_parser(
        "site", help="write the static site of a package (overview, codebook, events, release)",
        description="Validate PACKAGE and write a static site about it into --out: an overview (counts, a timeline, a map, "
        "the downloads), the codebook (every table, field, vocabulary, crosswalk and the status rule), the events (a list "
        "that filters and sorts, and a page per event with its claims side by side, the links between them and how its "
        "status was derived) and the release page (citation, changes since --previous). The site needs no server and no "
        "network: open OUT/index.html from disk. `iraq-frontiers build` puts the same site in every release as site/.",
        epilog="Exit codes: 0 written; 1 invalid package; 2 unreadable input, --out not empty without --force, or usage error.")
    p.add_argument("package", nargs="?", default="datapackage", help="package to show (default: ./datapackage)")
    p.add_argument("--out", required=True, help="folder to write the site into (created; replaced only with --force)")
    p.add_argument("--sources", metavar="DIR", help="folder with your own copies of the source texts: files whose sha256 "
                   "matches a source show each claim's evidence highlighted (texts are copied into this site only then)")
    p.add_argument("--previous", metavar="PATH", help="previous release (folder, datapackage.json or zip) to list the changes since")
    p.add_argument("--force", action="store_true", help="replace --out if it exists")
    p.add_argument("--json", action="store_true", help="print the result as JSON; no progress display")
    p.add_argument("--quiet", action="store_true", help="no progress display")
    p.set_defaults(func=_cmd_site)
