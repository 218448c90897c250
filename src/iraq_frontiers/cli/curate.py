"""`iraq-frontiers curate …`: the command-line wiring of the workbench (the work is in the sibling modules)."""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
from pathlib import Path

from iraq_frontiers.cli.app import EXIT_INPUT, EXIT_INVALID, EXIT_OK

ID_PATTERN = re.compile(r"^src-[a-z0-9][a-z0-9-]*$")


def _fail(message: str, code: int = EXIT_INPUT) -> int:
    print(f"iraq-frontiers curate: {message}", file=sys.stderr)
    return code


def _sources_dirs(arg: list[str] | None) -> list[Path] | None:
    """The folders holding document texts: every --sources given, else $IRAQ_FRONTIERS_SEEDS (os.pathsep-separated)."""
    values = arg or [v for v in os.environ.get("IRAQ_FRONTIERS_SEEDS", "").split(os.pathsep) if v]
    return [Path(v) for v in values] or None


def source_row(args, text: str, data: bytes) -> dict:
    """The sources row for a registered document (raises ValueError on an inconsistent date)."""
    from iraq_frontiers.curate.texts import sha256_hex

    precision = args.precision or ("day" if args.date else "unknown")
    date = dt.date.fromisoformat(args.date) if args.date else None
    if (date is None) != (precision == "unknown"):
        raise ValueError("--date must be given exactly when --precision is not 'unknown'")
    if date and precision == "month" and date.day != 1 or date and precision == "year" and (date.month, date.day) != (1, 1):
        raise ValueError(f"a {precision}-precision date is stored as the first day of its {precision}")
    return {"id": args.id, "origin": "curated", "document": Path(args.file).name, "title": args.title,
            "publisher": args.publisher, "publisher_id": args.publisher_id, "original_publisher": args.original_publisher,
            "original_publisher_id": args.original_publisher_id, "byline": args.byline,
            "published_date": date.isoformat() if date else None, "published_date_precision": precision,
            "published_date_basis": args.basis or ("dateline" if date else "unknown"), "url": args.url,
            "language": args.language, "kind": args.kind, "sha256": sha256_hex(data), "text_length": len(text),
            "notes": args.notes}


def _cmd_add_source(args) -> int:
    from iraq_frontiers.curate.store import StoreError, insert_curated, read_rows
    from iraq_frontiers.curate.texts import TextError, read_text

    if not ID_PATTERN.match(args.id):
        return _fail(f"--id {args.id!r} must look like src-<lowercase letters, digits, hyphens>")
    try:
        text, data = read_text(Path(args.file))
        row = source_row(args, text, data)
        actors = {a["id"]: a["kind"] for a in read_rows(Path(args.data), "actors")}
        for flag, value in (("--publisher-id", args.publisher_id), ("--original-publisher-id", args.original_publisher_id)):
            if value and actors.get(value) != "media_outlet":
                return _fail(f"{flag} {value!r} is not a media_outlet actor in {args.data}/actors.csv (add the outlet first)")
        if args.dry_run:
            print(json.dumps(row, ensure_ascii=False, indent=2))
            return EXIT_OK
        path = insert_curated(Path(args.data), "sources", [row])
    except (TextError, StoreError, ValueError) as exc:
        return _fail(str(exc))
    print(f"registered {row['id']} in {path}: {row['document']}, {row['text_length']} characters, sha256 {row['sha256']}"
          " (the text itself is not copied into the package; keep it in your sources folder)")
    return EXIT_OK


def _cmd_add_manifest(args) -> int:
    from iraq_frontiers.curate.manifest import ManifestError, plan, read_manifest
    from iraq_frontiers.curate.store import StoreError, insert_curated, read_rows

    manifest_path = Path(args.manifest)
    texts_dir = Path(args.texts) if args.texts else manifest_path.parent / "texts"
    try:
        manifest = read_manifest(manifest_path)
        known = {r["incident_id"] for r in manifest}
        unknown = sorted(set(args.incident or []) - known)
        if unknown:
            return _fail(f"no incident {', '.join(unknown)} in {manifest_path}")
        registered = {s["id"] for s in read_rows(Path(args.data), "sources")}
        result = plan(manifest, texts_dir, read_rows(Path(args.data), "actors"), registered,
                      incidents=set(args.incident) if args.incident else None, add_outlets=args.add_outlets)
        if result.missing_outlets:
            return _fail("no media_outlet actor names " + "; ".join(result.missing_outlets)
                         + " (add them to actors.csv with the outlet's name as name or alias, or pass --add-outlets)")
        if args.dry_run:
            print(json.dumps({"actors": result.new_actors, "sources": result.sources}, ensure_ascii=False, indent=2))
            return EXIT_OK
        if result.new_actors:
            insert_curated(Path(args.data), "actors", result.new_actors)
        if result.sources:
            insert_curated(Path(args.data), "sources", result.sources)
    except (ManifestError, StoreError, ValueError) as exc:
        return _fail(str(exc))
    print(f"registered {len(result.sources)} source(s) and {len(result.new_actors)} new outlet actor(s)"
          + (f"; {len(result.skipped)} already registered" if result.skipped else "")
          + " (texts are not copied; review titles, dates and notes, then curate each text's claims)")
    return EXIT_OK


def _resolve_text(args):
    from iraq_frontiers.curate.check import find_document
    from iraq_frontiers.curate.store import read_rows
    from iraq_frontiers.curate.texts import TextError, read_text, sha256_hex

    if Path(args.source).is_file():
        return read_text(Path(args.source))[0]
    folders = _sources_dirs(args.sources)
    if folders is not None and Path(args.source).name == args.source:
        inside = find_document(args.source, folders)  # a file name inside the sources folder(s)
        if inside.is_file():
            return read_text(inside)[0]
    row = next((s for s in read_rows(Path(args.data), "sources") if s["id"] == args.source), None)
    if row is None or not row["document"]:
        where = " (nor one in --sources)" if folders is not None else ""
        raise TextError(f"{args.source!r} is not a file{where}, nor a source with a document in {args.data}/sources.csv")
    if folders is None:
        raise TextError("give --sources DIR (or set IRAQ_FRONTIERS_SEEDS) so the document text can be read")
    path = find_document(row["document"], folders)  # never outside the folders (TextError)
    text, data = read_text(path)
    if sha256_hex(data) != row["sha256"]:
        raise TextError(f"{path} differs from the text registered for {args.source} (sha256)")
    return text


def _cmd_span(args) -> int:
    from iraq_frontiers.curate.store import StoreError
    from iraq_frontiers.curate.texts import TextError, anchor

    try:
        span = anchor(_resolve_text(args), args.words, args.prefix, args.suffix)
    except (TextError, StoreError) as exc:
        return _fail(str(exc), EXIT_INVALID if "words" in str(exc) else EXIT_INPUT)
    if args.json:
        print(json.dumps(span.as_dict(), ensure_ascii=False))
    else:
        print(f"span_start={span.start} span_end={span.end} span_sha256={span.sha256}")
    return EXIT_OK


def _cmd_check(args) -> int:
    from iraq_frontiers.curate.check import run_check
    from iraq_frontiers.curate.store import StoreError

    from iraq_frontiers.curate.manifest import ManifestError, read_manifest

    folders = _sources_dirs(args.sources)
    if folders is None or not all(f.is_dir() for f in folders):
        return _fail("give --sources DIR (or set IRAQ_FRONTIERS_SEEDS): the folder(s) holding the exact document texts")
    try:
        manifest = read_manifest(Path(args.manifest)) if args.manifest else None
        report = run_check(Path(args.data), folders, manifest)
    except (StoreError, ManifestError) as exc:
        return _fail(str(exc))
    print(report.format_text())
    failed = report.errors or (args.strict and report.suspects)
    return EXIT_INVALID if failed else EXIT_OK


def _cmd_review(args) -> int:
    from iraq_frontiers.curate.check import CheckReport, load_curated, load_texts
    from iraq_frontiers.curate.review import write_review
    from iraq_frontiers.curate.store import StoreError

    folders = _sources_dirs(args.sources)
    if folders is None or not all(f.is_dir() for f in folders):
        return _fail("give --sources DIR (or set IRAQ_FRONTIERS_SEEDS): the folder(s) holding the exact document texts")
    try:
        report = CheckReport()
        sources = load_curated(Path(args.data))["sources"]
        if args.only:
            from fnmatch import fnmatch

            sources = [s for s in sources if s["document"] and fnmatch(s["document"], args.only)]
        texts = load_texts(sources, folders, report)
        shown = write_review(Path(args.data), texts, Path(args.out), only=args.only)
    except StoreError as exc:
        return _fail(str(exc))
    except OSError as exc:
        from iraq_frontiers.io.disk import os_error_message

        return _fail(os_error_message(exc))
    for error in report.errors:
        print(f"warning: {error} (its claims are shown without evidence)", file=sys.stderr)
    print(f"wrote {args.out}: {shown} claims")
    return EXIT_OK


def register(sub) -> None:
    from iraq_frontiers.schema.metadata import vocabularies

    p = sub.add_parser("curate", help="the curation workbench: register a document, find spans, check, review",
                       description="Add the next article as a workflow (docs/curation.md): `add-source` registers a document, "
                       "`span` finds the offsets and hash of exact words, `check` re-anchors every span strictly, "
                       "`review` writes an HTML page for a second coder; `add-manifest` registers a corpus's texts in one command.")
    p.set_defaults(func=lambda _a: (p.print_help(), EXIT_INPUT)[1])
    cmds = p.add_subparsers(dest="curate_command", metavar="STEP", parser_class=sub._parser_class)

    def common(q, sources=True):
        q.add_argument("--data", default="datapackage", help="the package folder with the curated CSV tables (default: ./datapackage)")
        if sources:
            q.add_argument("--sources", metavar="DIR", action="append",
                           help="folder holding the exact document texts; repeat for several (default: $IRAQ_FRONTIERS_SEEDS)")

    q = cmds.add_parser("add-source", help="register a document as a sources row (its text is not copied)",
                        description="Register FILE (UTF-8 text, exactly as curated) as a curated sources row: sha256 of its bytes, "
                        "length in code points, language, date and publisher. The row is inserted at the end of the curated rows "
                        "of sources.csv; the text stays outside the package.")
    q.add_argument("file", help="the document's exact text (UTF-8)")
    q.add_argument("--id", required=True, help="new source id, e.g. src-005")
    q.add_argument("--title", required=True, help="title in our words or shortened (never a long copy of the headline)")
    q.add_argument("--publisher", required=True, help="the outlet that carried the document, as named")
    q.add_argument("--publisher-id", help="the outlet as a media_outlet actor id")
    q.add_argument("--original-publisher", help="original publisher of a repost")
    q.add_argument("--original-publisher-id", help="the original publisher as a media_outlet actor id")
    q.add_argument("--byline", help="author(s) as credited")
    q.add_argument("--date", help="publication date, YYYY-MM-DD (first day of the month/year for month/year precision)")
    q.add_argument("--precision", choices=list(vocabularies()["date_precision"]["values"]), help="precision of --date (default day, or unknown without a date)")
    q.add_argument("--basis", choices=list(vocabularies()["date_basis"]["values"]), help="how the date was established (default dateline, or unknown)")
    q.add_argument("--language", default="en", help="BCP 47 language tag (default en)")
    q.add_argument("--kind", default="news_article", choices=list(vocabularies()["source_kind"]["values"]), help="kind of document")
    q.add_argument("--url", help="web address (never fetched)")
    q.add_argument("--notes", help="curators' notes, e.g. the reasoning behind the date")
    q.add_argument("--dry-run", action="store_true", help="print the row as JSON instead of writing it")
    common(q, sources=False)
    q.set_defaults(func=_cmd_add_source)

    q = cmds.add_parser("add-manifest", help="register the texts of a corpus manifest (or of some incidents) as sources rows",
                        description="Read a corpus MANIFEST.csv (doc_id, incident_id, url, outlet, published, published_precision, "
                        "title, sha256, notes) and register each text of the chosen incidents as a curated sources row: id "
                        "src-<doc_id>, document <doc_id>.txt, the URL, the outlet as publisher and a wire agency named in its "
                        "parenthesis as original publisher (both matched to media_outlet actors by name or alias), the date and "
                        "its precision, the title cut to seven words. Texts already registered are skipped; a text whose sha256 "
                        "differs from the manifest's stops the command before anything is written.")
    q.add_argument("manifest", help="the corpus MANIFEST.csv")
    q.add_argument("--texts", metavar="DIR", help="folder of the texts (default: texts/ beside the manifest)")
    q.add_argument("--incident", action="append", help="register only this incident's texts (repeatable; default: all)")
    q.add_argument("--add-outlets", action="store_true", help="add an outlet no actor names as a new media_outlet actor")
    q.add_argument("--dry-run", action="store_true", help="print the rows as JSON instead of writing them")
    common(q, sources=False)
    q.set_defaults(func=_cmd_add_manifest)

    q = cmds.add_parser("span", help="print the offsets and hash of exact words in a document",
                        description="Find WORDS in the document of SOURCE (a source id, or a file) and print span_start, span_end "
                        "(code points, end exclusive) and span_sha256. Exit 1 when the words are absent or occur more than once "
                        "(then add --prefix/--suffix: the words just before/after them).")
    q.add_argument("source", help="a source id (its document is read from --sources) or a path to a text file")
    q.add_argument("words", help="the exact words of the evidence, punctuation included")
    q.add_argument("--prefix", default="", help="the text immediately before the words, to pick one occurrence")
    q.add_argument("--suffix", default="", help="the text immediately after the words, to pick one occurrence")
    q.add_argument("--json", action="store_true", help="print W3C TextPositionSelector and TextQuoteSelector as JSON")
    common(q)
    q.set_defaults(func=_cmd_span)

    q = cmds.add_parser("check", help="re-anchor every evidence span strictly; list duplicate suspects",
                        description="For every curated source and claim: the document's bytes match sha256 and text_length, every "
                        "curated claim has a span inside its text, and the span's text still hashes to span_sha256 (fails closed: "
                        "a span is never silently moved), and every document has at least one claim. Also lists places and events that look like duplicates. Exit 1 on an error "
                        "(with --strict, also on a duplicate suspect).")
    q.add_argument("--strict", action="store_true", help="treat duplicate suspects as errors")
    q.add_argument("--manifest", help="a corpus MANIFEST.csv: every text it lists must be a registered source with its URL")
    common(q)
    q.set_defaults(func=_cmd_check)

    q = cmds.add_parser("review", help="write an HTML page showing each claim beside its highlighted evidence",
                        description="Write a self-contained HTML page for a second coder: events with their claims, each claim beside "
                        "the source text with its span highlighted, and the links between claims (relation, kind of disagreement).")
    q.add_argument("--out", required=True, help="HTML file to write")
    q.add_argument("--only", metavar="GLOB", help="review only the documents whose file name matches, e.g. 'fc-zakho-2022-*' (one incident)")
    common(q)
    q.set_defaults(func=_cmd_review)
