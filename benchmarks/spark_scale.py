"""Benchmark: Spark local mode beside the local engine (duckdb) and the Parquet-read floor (issue 14). Not a test.

    python benchmarks/spark_scale.py PKG [--runs 3] [--master 'local[2]'] [--engines duckdb spark] [--out benchmarks/results-spark.json]

Each run is a fresh subprocess (wall time, peak RSS from wait4): the floor (reading every table's
Parquet file into Arrow, benchmarks/validate_scale.py's), then `validate(PKG, engine=E)` for each
engine, alternating, so that all see the same machine load. The Spark run starts its own JVM (local
mode, the master given) and reports, beside the wall time, how long the session took to start and
how long the validation took once it had. Medians, ratios to the floor's median and load averages
(before, after, and at each run) are printed and written to --out (JSON) with the raw runs.
Peak RSS is the Python process's (and its reaped children's); a JVM's heap is capped apart by
spark.driver.memory (2 GB in local mode, validation/backends/spark/session.py).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from validate_scale import FLOOR, timed  # noqa: E402 - the same floor and timing as the other benchmarks

# Prints one JSON line: problems found, exit code, seconds to start the engine, seconds to validate.
VALIDATE = """import json, sys, time
start = time.perf_counter()
engine, master = sys.argv[2], sys.argv[3]
if engine == "spark":
    from iraq_frontiers.validation.backends.spark.run import use_master
    from iraq_frontiers.validation.backends.spark.session import get_session
    use_master(master)
    get_session(master)
started = time.perf_counter()
from iraq_frontiers import validate
r = validate(sys.argv[1], engine=engine)
print(json.dumps({"problems": r.problems.total, "exit": r.exit_code, "start_s": round(started - start, 3),
                  "validate_s": round(time.perf_counter() - started, 3)}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("package")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--engines", nargs="+", default=["duckdb", "spark"])
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    pkg = str(Path(args.package).resolve())
    runs: dict[str, list[dict]] = {"floor": [], **{e: [] for e in args.engines}}
    load_before = os.getloadavg()
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    for i in range(args.runs):
        for name in runs:
            with tempfile.NamedTemporaryFile(suffix=".json") as out:
                if name == "floor":
                    wall, rss, code = timed([sys.executable, "-c", FLOOR, pkg])
                    inner = {}
                else:
                    wall, rss, code = timed([sys.executable, "-c", VALIDATE, pkg, name, args.master], Path(out.name))
                    text = Path(out.name).read_text(encoding="utf-8").strip().splitlines()
                    inner = json.loads(text[-1]) if text else {}
            run = {"wall_s": round(wall, 3), "peak_rss_mib": round(rss, 1), "exit": code, "load1": round(os.getloadavg()[0], 2), **inner}
            runs[name].append(run)
            print(f"run {i + 1} {name}: {json.dumps(run)}", flush=True)
    floor = statistics.median(r["wall_s"] for r in runs["floor"])
    summary = {}
    for name, rs in runs.items():
        median = statistics.median(r["wall_s"] for r in rs)
        summary[name] = {"median_s": median, "ratio_to_floor": round(median / floor, 2),
                         "median_peak_rss_mib": statistics.median(r["peak_rss_mib"] for r in rs)}
        if rs and "validate_s" in rs[0]:
            summary[name]["median_start_s"] = statistics.median(r["start_s"] for r in rs)
            summary[name]["median_validate_s"] = statistics.median(r["validate_s"] for r in rs)
    result = {"package": args.package, "master": args.master, "runs_each": args.runs, "started": started,
              "finished": time.strftime("%Y-%m-%d %H:%M:%S"), "cores": os.cpu_count(), "load_before": load_before,
              "load_after": os.getloadavg(), "runs": runs, "summary": summary}
    for name, s in summary.items():
        print(f"{name}: {json.dumps(s)}")
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
