"""Benchmark: validating the CSV form of a package, beside the CSV floor and `frictionless validate` (issue 14).
Not a test: run it by hand.

    python benchmarks/csv_scale.py [--sizes 100000 1000000] [--runs 3] [--frictionless-runs 3 1]

In one run, for each size, on the CSV package `iraq-frontiers synth --format csv` writes under
benchmarks/work/ (git-ignored), each command in a fresh subprocess (wall time, CPU time and peak RSS
from wait4; the load average before each):
- floor: a fresh process reading every CSV file of the package into Arrow (pyarrow.csv.read_csv,
  types inferred), one file after another;
- ours: `iraq-frontiers validate PKG --json` (all four layers);
- base (with --base DIR): the same command from the source tree DIR (the code before a change, e.g.
  `git archive main | tar -x -C DIR`), run by this interpreter, alternating with ours;
- frictionless: `frictionless validate datapackage.json --json` (types, constraints, primary and
  foreign keys), alternating with ours, --frictionless-runs times per size (it takes minutes at 1M);
- errors: ours and frictionless on the package with planted errors (`synth --errors 3`), each
  once, with what each finds (a frictionless report of an earlier run may be reused: --reuse).
Results: JSON (--json); the method and the table are written up by hand in docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from validate_scale import BIN, WORK, frictionless, frictionless_errors, machine, our_errors, ours, run, synth  # noqa: E402

FLOOR = ("import sys, glob, pyarrow.csv as pc\n"
         "n = sum(pc.read_csv(f).num_rows for f in sorted(glob.glob(sys.argv[1] + '/*.csv')))\n"
         "print(n)\n")


def floor(pkg: Path) -> list[str]:
    return [sys.executable, "-c", FLOOR, str(pkg)]


def base(tree: str, pkg: Path) -> list[str]:
    """`iraq-frontiers validate PKG --json` from another source tree (its src/ first on the path)."""
    code = f"import sys; sys.path.insert(0, {str(Path(tree) / 'src')!r}); from iraq_frontiers.cli import main; sys.exit(main())"
    return [sys.executable, "-c", code, "validate", str(pkg), "--json"]


def med(runs: list[dict], key: str):
    return statistics.median(r[key] for r in runs) if runs else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--runs", type=int, default=3, help="floor and ours, per size")
    ap.add_argument("--frictionless-runs", type=int, nargs="+", default=[3, 1], help="per size, in the order of --sizes")
    ap.add_argument("--errors-size", type=int, default=1_000_000, help="size of the package with planted errors")
    ap.add_argument("--reuse", help="a frictionless --json report of the planted-error package from an earlier run")
    ap.add_argument("--base", help="a source tree of the code before (its validate alternates with ours)")
    ap.add_argument("--skip-errors", action="store_true", help="no run on the package with planted errors")
    ap.add_argument("--json", default=str(HERE / "results-csv-round3.json"))
    args = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    results = {"machine": machine(), "started": time.strftime("%Y-%m-%d %H:%M:%S"), "sizes": {}}
    out = Path(args.json)

    def save():
        out.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")

    for n, fr_runs in zip(args.sizes, args.frictionless_runs + [1] * len(args.sizes)):
        pkg = synth(n, "csv")
        r = results["sizes"][str(n)] = {"floor": [], "ours": [], "base": [], "frictionless": [],
                                        "bytes": sum(f.stat().st_size for f in pkg.glob("*.csv"))}
        for i in range(max(args.runs, fr_runs)):
            if i < args.runs:
                r["floor"].append(run(floor(pkg)))
                r["ours"].append(run(ours(pkg), WORK / f"csv-report-{n}.json"))
                if args.base:
                    r["base"].append(run(base(args.base, pkg), WORK / f"csv-report-{n}-base.json"))
                print(f"{n:,} run {i + 1}: floor {r['floor'][-1]['wall']:.2f}s, ours {r['ours'][-1]['wall']:.2f}s "
                      f"({r['ours'][-1]['rss_mib']:.0f} MiB, exit {r['ours'][-1]['exit']}), load {r['ours'][-1]['load']:.1f}"
                      + (f"; base {r['base'][-1]['wall']:.2f}s ({r['base'][-1]['rss_mib']:.0f} MiB)" if args.base else ""), flush=True)
            if i < fr_runs:
                r["frictionless"].append(run(frictionless(pkg), WORK / f"frictionless-csv-{n}.json"))
                print(f"{n:,} frictionless {i + 1}: {r['frictionless'][-1]['wall']:.1f}s", flush=True)
            save()
        r["summary"] = {k: {m: med(r[k], m) for m in ("wall", "cpu", "rss_mib", "load")} for k in ("floor", "ours", "base", "frictionless")}
        save()
    if args.skip_errors:
        results["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
        results["load_at_end"] = os.getloadavg()
        save()
        return 0
    pkg = synth(args.errors_size, "csv", 3)
    e = results["errors"] = {"size": args.errors_size}
    e["ours_run"] = run(ours(pkg), WORK / "csv-errors-ours.json")
    if args.reuse:
        shutil.copy(args.reuse, WORK / "csv-errors-frictionless.json")
        e["frictionless_run"] = "reused: " + args.reuse
    else:
        e["frictionless_run"] = run(frictionless(pkg), WORK / "csv-errors-frictionless.json")
    manifest = json.loads((pkg / "injected-errors.json").read_text(encoding="utf-8"))
    e["planted"] = dict(Counter(p["code"] for p in manifest["problems"]))
    e["found_ours"] = dict(our_errors(WORK / "csv-errors-ours.json"))
    e["found_frictionless"] = dict(frictionless_errors(WORK / "csv-errors-frictionless.json"))
    results["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    results["load_at_end"] = os.getloadavg()
    save()
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
