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


def _sources_dir(arg: str | None) -> Path | None:
    value = arg or os.environ.get("IRAQ_FRONTIERS_SEEDS")
    return Path(value) if value else None


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


def _resolve_text(args):
    from iraq_frontiers.curate.store import read_rows
    from iraq_frontiers.curate.texts import TextError, document_path, read_text, sha256_hex

    if Path(args.source).is_file():
        return read_text(Path(args.source))[0]
    row = next((s for s in read_rows(Path(args.data), "sources") if s["id"] == args.source), None)
    if row is None or not row["document"]:
        raise TextError(f"{args.source!r} is neither a file nor a source with a document in {args.data}/sources.csv")
    folder = _sources_dir(args.sources)
    if folder is None:
        raise TextError("give --sources DIR (or set IRAQ_FRONTIERS_SEEDS) so the document text can be read")
    text, data = read_text(document_path(folder, row["document"]))
    if sha256_hex(data) != row["sha256"]:
        raise TextError(f"{folder / row['document']} differs from the text registered for {args.source} (sha256)")
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

    folder = _sources_dir(args.sources)
    if folder is None or not folder.is_dir():
        return _fail("give --sources DIR (or set IRAQ_FRONTIERS_SEEDS): the folder holding the exact document texts")
    try:
        report = run_check(Path(args.data), folder)
    except StoreError as exc:
        return _fail(str(exc))
    print(report.format_text())
    failed = report.errors or (args.strict and report.suspects)
    return EXIT_INVALID if failed else EXIT_OK


def _cmd_review(args) -> int:
    from iraq_frontiers.curate.check import CheckReport, load_curated, load_texts
    from iraq_frontiers.curate.review import write_review
    from iraq_frontiers.curate.store import StoreError

    folder = _sources_dir(args.sources)
    if folder is None or not folder.is_dir():
        return _fail("give --sources DIR (or set IRAQ_FRONTIERS_SEEDS): the folder holding the exact document texts")
    try:
        report = CheckReport()
        texts = load_texts(load_curated(Path(args.data))["sources"], folder, report)
        shown = write_review(Path(args.data), texts, Path(args.out))
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
                       "`review` writes an HTML page for a second coder.")
    p.set_defaults(func=lambda _a: (p.print_help(), EXIT_INPUT)[1])
    cmds = p.add_subparsers(dest="curate_command", metavar="STEP", parser_class=sub._parser_class)

    def common(q, sources=True):
        q.add_argument("--data", default="datapackage", help="the package folder with the curated CSV tables (default: ./datapackage)")
        if sources:
            q.add_argument("--sources", metavar="DIR", help="folder holding the exact document texts (default: $IRAQ_FRONTIERS_SEEDS)")

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
                        "a span is never silently moved). Also lists places and events that look like duplicates. Exit 1 on an error "
                        "(with --strict, also on a duplicate suspect).")
    q.add_argument("--strict", action="store_true", help="treat duplicate suspects as errors")
    common(q)
    q.set_defaults(func=_cmd_check)

    q = cmds.add_parser("review", help="write an HTML page showing each claim beside its highlighted evidence",
                        description="Write a self-contained HTML page for a second coder: events with their claims, each claim beside "
                        "the source text with its span highlighted, and the links between claims (relation, kind of disagreement).")
    q.add_argument("--out", required=True, help="HTML file to write")
    common(q)
    q.set_defaults(func=_cmd_review)
