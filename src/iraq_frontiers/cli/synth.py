"""`iraq-frontiers synth`: write a synthetic data package (for benchmarks and validator tests)."""
from __future__ import annotations

import sys
import time


def _cmd_synth(args) -> int:
    from iraq_frontiers.synth.packages import MANIFEST, synthesize

    from iraq_frontiers.cli.app import clear_progress, progress_printer

    start = time.monotonic()
    say = progress_printer(not args.quiet)
    try:
        result = synthesize(args.out, events=args.events, fmt=args.format, seed=args.seed, errors=args.errors, progress=say)
    except ValueError as exc:
        clear_progress(say)
        print(f"iraq-frontiers synth: error: {exc}", file=sys.stderr)
        return 2
    clear_progress(say)
    rows = sum(result.rows.values())
    print(f"wrote {result.out} ({args.format}, {rows:,} rows in {len(result.rows)} tables, {time.monotonic() - start:.1f}s)")
    if args.errors:
        print(f"planted {args.errors} error(s) of every class: {len(result.injected)} expected problems listed in {result.out / MANIFEST}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "synth", help="write a synthetic data package of N events (benchmarks, validator tests)",
        description="Write a consistent synthetic data package: N events with proportional locations (N/20), actors (N/50), "
        "sources (N/10), claims (1.5 per event), actor links (2 per event), quantities, relations and claim links. The package "
        "is valid under every validation layer and the same for the same seed. With --errors K, K errors of every injectable "
        "class are planted and listed (code, table, key, row, field) in injected-errors.json beside the descriptor.")
    p.add_argument("--events", type=int, required=True, help="number of events (at least 10)")
    p.add_argument("--out", required=True, help="folder to write (created if absent)")
    p.add_argument("--format", choices=("parquet", "csv"), default="parquet", help="table file format (default parquet)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--errors", type=int, default=0, metavar="K", help="plant K errors of every class (default 0: a valid package)")
    p.add_argument("--quiet", action="store_true", help="no progress display")
    p.set_defaults(func=_cmd_synth)
