"""Subcommands `import ucdp-ged`, `import us-gov-claims` and `link ucdp-ged` (registered by iraq_frontiers.cli.app)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

from iraq_frontiers.cli.app import EXIT_INPUT, EXIT_INVALID, EXIT_OK, positive_int
from iraq_frontiers.terminal import escape


def _cmd_import_ucdp(args) -> int:
    from iraq_frontiers.importers.layer import LayerError
    from iraq_frontiers.importers.ucdp_read import UcdpImportError
    from iraq_frontiers.borders import BAND_KM
    from iraq_frontiers.importers.ucdp import import_ged, import_ged_into

    if (args.out is None) == (args.into is None):
        print("iraq-frontiers import ucdp-ged: give exactly one of --out (a new package) or --into (an existing package)", file=sys.stderr)
        return EXIT_INPUT
    if (args.out if args.into is None else args.into) == "":
        print("iraq-frontiers import ucdp-ged: the folder given to --out or --into is empty; name a folder", file=sys.stderr)
        return EXIT_INPUT
    out = Path(args.out if args.into is None else args.into)
    if args.into is None and out.exists() and any(out.iterdir()) and not args.force:
        print(f"{out} exists and is not empty; use --force to write into it", file=sys.stderr)
        return EXIT_INPUT
    try:
        if args.band_km is not None and not args.band_km > 0:
            raise UcdpImportError(f"--band-km must be a positive number of km, not {args.band_km}")
        band = dict(band_km=args.band_km if args.band_km is not None else BAND_KM, candidates=args.candidate or ())
        if args.into is not None:
            result = import_ged_into(args.file, out, release=args.release, frontier=args.frontier, **band)
        else:
            result = import_ged(args.file, out, release=args.release, report_path=args.report, frontier=args.frontier, **band)
    except (UcdpImportError, LayerError) as exc:
        print(f"iraq-frontiers import ucdp-ged: {exc}", file=sys.stderr)
        return EXIT_INPUT
    status = EXIT_OK
    if args.validate:
        from iraq_frontiers.validation.run import validate

        report = validate(out)
        status = report.exit_code
    if args.json:
        d = result.to_dict()
        if args.validate:
            d["validation"] = report.to_dict()
        print(json.dumps(d, indent=2, ensure_ascii=False))
        return status
    print(f"read {result.rows_read} GED rows from {len(result.files)} file(s); wrote {result.events_written} events to {out} "
          f"in {result.seconds:.1f} s ({', '.join(f'{k} {v}' for k, v in result.tables.items() if v)})")
    for f in result.files:
        print(f"  {escape(f['path'])} ({f['origin']}, {f['layout']}): {f['rows_read']} rows, {f['rejected']} rejected, "
              f"{f['superseded']} already given by an earlier file")
    if result.outside_frontier:
        print(f"{result.outside_frontier} importable row(s) left out: farther than {result.band_km:g} km from Iraq's land border (docs/frontier.md)")
    print(f"best-estimate deaths: {result.best_deaths_read} read, {result.best_deaths_written} written")
    for issue in result.rejected[: args.limit]:
        print(f"  rejected row {issue.row} (id {issue.ucdp_id or '?'}): {'; '.join(issue.reasons)}")
    if len(result.rejected) > args.limit:
        print(f"  ... and {len(result.rejected) - args.limit} more rejected rows (see the report)")
    if result.warnings:
        where = "see the report" if not args.into else "listed with --json"
        print(f"{len(result.warnings)} row(s) imported with a change ({where})")
    if not args.into:
        print(f"report: {args.report or out / 'import-report.json'}")
    if args.validate:
        print(report.format_text(limit=args.limit))
    return status


def _cmd_import_usgov(args) -> int:
    from iraq_frontiers.importers.layer import LayerError
    from iraq_frontiers.importers.usgov import UsGovImportError, import_usgov_into

    if not args.into:
        print("iraq-frontiers import us-gov-claims: --into names no folder; give the package folder (e.g. datapackage/)", file=sys.stderr)
        return EXIT_INPUT
    try:
        result = import_usgov_into(args.file, Path(args.into), external=args.gazetteers, band_km=args.band_km)
    except (UsGovImportError, LayerError) as exc:
        print(f"iraq-frontiers import us-gov-claims: {exc}", file=sys.stderr)
        return EXIT_INPUT
    if args.account_md:
        from iraq_frontiers.importers.usgov import with_account
        from iraq_frontiers.io.disk import replace_file

        try:
            page = Path(args.account_md).read_text(encoding="utf-8")
            replace_file(Path(args.account_md), with_account(page, result).encode("utf-8"))
        except (OSError, UnicodeDecodeError, UsGovImportError) as exc:
            print(f"iraq-frontiers import us-gov-claims: --account-md {args.account_md}: {exc}", file=sys.stderr)
            return EXIT_INPUT
    status = EXIT_OK
    if args.validate:
        from iraq_frontiers.validation.run import validate

        report = validate(Path(args.into))
        status = report.exit_code
    d = result.to_dict()
    if args.json:
        if args.validate:
            d["validation"] = report.to_dict()
        print(json.dumps(d, indent=2, ensure_ascii=False, default=str))
        return status
    print(f"read {d['rows_read']} rows from {args.file}: {d['imported']} imported as claims, {d['left_out']} left out by the frontier band, "
          f"{d['rejected']} rejected; {d['events_made']} events made, {d['claims_linked_to_existing_events']} claims linked to events "
          f"already in {args.into} ({', '.join(f'{k} {v}' for k, v in d['tables'].items() if v)})")
    for o in result.outcomes[: args.limit]:
        if o.result != "imported":
            print(f"  {o.result} {o.claim_id} ({o.place or 'no place'}): {o.reason}")
    if len([o for o in result.outcomes if o.result != "imported"]) > args.limit:
        print("  ... (all rows with --json)")
    if args.validate:
        print(report.format_text(limit=args.limit))
    return status


def _cmd_link_ucdp(args) -> int:
    from iraq_frontiers.importers.ucdp_read import UcdpImportError
    from iraq_frontiers.importers.linking import link_ucdp_file

    try:
        links = link_ucdp_file(args.package, args.file, release=args.release)
    except UcdpImportError as exc:
        print(f"iraq-frontiers link ucdp-ged: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except FileNotFoundError as exc:
        print(f"iraq-frontiers link ucdp-ged: {exc}", file=sys.stderr)
        return EXIT_INPUT
    from iraq_frontiers.importers.linking import write_links

    write_links(links, Path(args.out))
    counts = {c: sum(1 for x in links if x.certainty == c) for c in ("match", "candidate")}
    if args.json:
        print(json.dumps({"links": len(links), **counts, "out": args.out}))
    else:
        print(f"wrote {len(links)} link(s) to {args.out} ({counts['match']} match, {counts['candidate']} candidate)")
    return EXIT_OK


def register(sub) -> None:
    p = sub.add_parser("import", help="import an external dataset into the iraq-frontiers schema",
                       description="Convert an external conflict dataset into a data package in the iraq-frontiers schema.")
    isub = p.add_subparsers(dest="source", metavar="SOURCE", parser_class=type(p))
    q = isub.add_parser("ucdp-ged", help="UCDP Georeferenced Event Dataset CSV (GED 19.1 or later)",
                        description="Read a UCDP GED CSV (plain, .gz, or a .zip holding one .csv; the columns of GED 19.1 and later) and write "
                        "a package in the iraq-frontiers schema to --out: events, actors (multi-group sides split into member actors), "
                        "locations, sources (one per cited source), claims (one per cited source of each event). Rows that cannot be "
                        "mapped are listed with the reason in the import report (OUT/import-report.json). With --into PACKAGE --frontier it "
                        "refreshes the package's UCDP layers in place: the events within 50 km of Iraq's land border, on either side. "
                        "See docs/ucdp.md and docs/frontier.md.")
    q.add_argument("file", nargs="+", help="the GED CSV file(s), fullest first: a GED id given by an earlier file is left out of a later "
                   "one (GED 19.1 files before a year-only GED extract)")
    q.add_argument("--candidate", action="append", metavar="FILE", help="a UCDP Candidate Events file, imported with origin "
                   "ucdp-candidate (repeat for several)")
    q.add_argument("--out", help="folder to write a new package into")
    q.add_argument("--into", metavar="PACKAGE", help="an existing package folder (e.g. datapackage/) whose UCDP rows are replaced by "
                   "this import; every other row keeps its exact bytes; actors and places the package holds are reused (docs/frontier.md)")
    q.add_argument("--frontier", action="store_true", help="keep only the events in the frontier band (docs/frontier.md)")
    q.add_argument("--band-km", type=float, metavar="KM", help="width of the frontier band on either side of Iraq's land border "
                   "(default 50; the same for every layer)")
    q.add_argument("--release", help="label of the GED release (default: from the file name), used in ids and notes")
    q.add_argument("--report", help="where to write the JSON import report (default: OUT/import-report.json)")
    q.add_argument("--force", action="store_true", help="write into --out even if it is not empty")
    q.add_argument("--validate", action="store_true", help="validate the written package and exit 1 if it is invalid")
    q.add_argument("--json", action="store_true", help="print the import report as JSON")
    q.add_argument("--limit", type=positive_int, default=50, help="most rejected rows to list in text output (default 50)")
    q.set_defaults(func=_cmd_import_ucdp)

    q = isub.add_parser("us-gov-claims", help="US Government strike releases and statements (CJTF-OIR, CENTCOM, State Department)",
                        description="Read the US Government claims table (oir_strike_claims.csv, with pages_index.csv beside it: one row per "
                        "'near <town>, N strikes' line of a coalition strike release, or per statement) and write it as the us-gov layer of "
                        "PACKAGE: each row whose place a gazetteer locates within the frontier band (50 km of Iraq's land border, either side) "
                        "becomes a claim by the body that issued it, citing its page (URL, release date; no text held); the claim is linked to "
                        "the package's event it reports (the linker's window: 1 day, 25 km, same actors) or supports an event of its own. "
                        "Every other row is listed as left out (beyond the band, or no point) or rejected, with the reason. Rerunning "
                        "reproduces the same rows; every row outside the layer keeps its bytes. See docs/us-gov.md.")
    q.add_argument("file", help="oir_strike_claims.csv (pages_index.csv must lie beside it)")
    q.add_argument("--into", metavar="PACKAGE", required=True, help="the package folder (e.g. datapackage/) whose us-gov rows are replaced")
    q.add_argument("--gazetteers", metavar="DIR", help="folder holding geonames-iq-sy/ and naturalearth-50m-places-frontier/ "
                   "(default: the folder above FILE's, i.e. ../shared/external/)")
    q.add_argument("--band-km", type=float, default=None, help="width of the frontier band in km (default: iraq_frontiers.borders.BAND_KM, 50)")
    q.add_argument("--account-md", metavar="PAGE", help="rewrite the generated account block of PAGE (docs/us-gov.md) with this import's counts")
    q.add_argument("--validate", action="store_true", help="validate the package afterwards and exit 1 if it is invalid")
    q.add_argument("--json", action="store_true", help="print the account of every row as JSON")
    q.add_argument("--limit", type=positive_int, default=200, help="most left-out or rejected rows to list in text output (default 200)")
    q.set_defaults(func=_cmd_import_usgov)

    p = sub.add_parser("link", help="link curated events to events of an external dataset",
                       description="Find events of an external dataset that describe the same events as the curated package.")
    lsub = p.add_subparsers(dest="source", metavar="SOURCE", parser_class=type(p))
    q = lsub.add_parser("ucdp-ged", help="link curated events to UCDP GED events",
                        description="Match the curated events against a UCDP GED CSV with the rule in docs/ucdp.md#linking "
                        "(overlapping dates, within 25 km, compatible actors and event types) and write the event_links_ucdp table.")
    q.add_argument("file", help="the GED CSV file")
    q.add_argument("--package", default="datapackage", help="the curated package folder (default: datapackage)")
    q.add_argument("--out", default="datapackage/event_links_ucdp.csv", help="CSV to write (default: datapackage/event_links_ucdp.csv)")
    q.add_argument("--release", help="label of the GED release (default: from the file name)")
    q.add_argument("--json", action="store_true", help="print a JSON summary")
    q.set_defaults(func=_cmd_link_ucdp)
