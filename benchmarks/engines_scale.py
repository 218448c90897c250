"""Benchmark: the engines of validate() side by side on one Parquet package (issue 14). Not a test.

    python benchmarks/engines_scale.py PKG [--runs 3] [--engines duckdb pandera] [--out benchmarks/results-engines.json]

Each run is a fresh subprocess (wall time, peak RSS from wait4, CPU time user+sys): the floor (reading
every table's Parquet file into Arrow), then `validate(PKG, engine=E)` for each engine, alternating, so
that all see the same machine load. Reports medians and the ratio of each median to the floor's median,
with the load average before and after; raw runs go to --out (JSON). On a loaded machine the CPU times
are the steadier comparison (wall time there depends on how many cores each run happened to get).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from validate_scale import FLOOR, timed  # noqa: E402 - the same floor and timing as the other benchmarks

VALIDATE = ("import sys\nfrom iraq_frontiers import validate\n"
            "r = validate(sys.argv[1], engine=sys.argv[2])\nprint(r.problems.total)\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("package")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--engines", nargs="+", default=["duckdb", "pandera"])
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    pkg = str(Path(args.package).resolve())
    runs: dict[str, list[dict]] = {"floor": [], **{e: [] for e in args.engines}}
    load_before = os.getloadavg()
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    for i in range(args.runs):
        for name in runs:
            cmd = [sys.executable, "-c", FLOOR, pkg] if name == "floor" else [sys.executable, "-c", VALIDATE, pkg, name]
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            wall, rss, code = timed(cmd)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            runs[name].append({"wall_s": round(wall, 3), "cpu_s": round(cpu, 3), "peak_rss_mib": round(rss, 1), "exit": code,
                               "load1": os.getloadavg()[0]})
            print(f"run {i + 1} {name}: {wall:.2f}s (CPU {cpu:.2f}s) {rss:.0f} MiB exit {code}", flush=True)
    floor = statistics.median(r["wall_s"] for r in runs["floor"])
    floor_cpu = statistics.median(r["cpu_s"] for r in runs["floor"])
    summary = {name: {"median_s": statistics.median(r["wall_s"] for r in rs), "ratio_to_floor": round(statistics.median(r["wall_s"] for r in rs) / floor, 2),
                      "median_cpu_s": statistics.median(r["cpu_s"] for r in rs),
                      "cpu_ratio_to_floor": round(statistics.median(r["cpu_s"] for r in rs) / floor_cpu, 2),
                      "median_peak_rss_mib": statistics.median(r["peak_rss_mib"] for r in rs)} for name, rs in runs.items()}
    result = {"package": args.package, "started": started, "finished": time.strftime("%Y-%m-%d %H:%M:%S"),
              "load_before": load_before, "load_after": os.getloadavg(), "runs": runs, "summary": summary}
    for name, s in summary.items():
        print(f"{name}: median {s['median_s']:.2f}s, {s['ratio_to_floor']}x floor; CPU {s['median_cpu_s']:.2f}s, "
              f"{s['cpu_ratio_to_floor']}x floor's; {s['median_peak_rss_mib']:.0f} MiB")
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
