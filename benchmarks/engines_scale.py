"""Benchmark: the engines of validate() side by side on one Parquet package (issue 14). Not a test.

    python benchmarks/engines_scale.py PKG [--runs 3] [--engines duckdb spark pandera] [--master 'local[2]']
                                       [--no-floor] [--out benchmarks/results-engines.json]

Each run is a fresh subprocess: the floor (reading every table's Parquet file into Arrow), then
`validate(PKG, engine=E)` for each engine, alternating, so that all see the same machine load.
"spark" starts its own JVM in the run, on --master (default local[2], as `--spark-master` would
set it); the run reports how long the session took to start and how long validating took after.
Each run records wall time, CPU time and peak RSS, and the problems found (total and by code).

CPU and RSS are the whole process tree's: Spark's JVM is a child of the Python process, and not
always reaped by it, so wait4's figures (kept as `cpu_s_wait4`, `peak_rss_mib_wait4`: the largest
single process's peak, and only reaped children's CPU) would miss it. The tree is sampled from
/proc every 0.2 s: peak RSS is the largest sum of resident memory over the process and its
descendants at one sample, CPU the sum of each process's last-seen user+system time.
Medians, ratios to the floor's median and load averages (before, after, at each run) are printed
and written to --out (JSON) with the raw runs. On a loaded machine the CPU times are the steadier
comparison (wall time there depends on how many cores each run happened to get).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from validate_scale import FLOOR  # noqa: E402 - the same floor as the other benchmarks

# Prints one JSON line: problems found (total, by code), exit code, seconds to start the engine, seconds to validate.
VALIDATE = """import collections, json, sys, time
start = time.perf_counter()
pkg, engine, master = sys.argv[1:4]
if engine == "spark":
    from iraq_frontiers.validation.backends.spark.run import use_master
    from iraq_frontiers.validation.backends.spark.session import get_session
    use_master(master)
    get_session(master)
started = time.perf_counter()
from iraq_frontiers import validate
r = validate(pkg, engine=engine)
codes = collections.Counter(p.code for p in r.problems)
errors = [p.message[:1000] for p in r.problems if p.code == "internal-error"]  # what went wrong, when something did
print(json.dumps({"problems": r.problems.total, "codes": dict(sorted(codes.items())), "errors": errors, "exit": r.exit_code,
                  "start_s": round(started - start, 3), "validate_s": round(time.perf_counter() - started, 3)}))
"""
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _tree(root: int) -> list[int]:
    """The pid and its descendants' (from /proc/*/stat)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo += children.get(pid, [])
    return out


def _sample(root: int, peak: list[int], cpu: dict[int, float], done: threading.Event) -> None:
    while not done.is_set():
        rss = 0
        for pid in _tree(root):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                rss += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
            except (OSError, IndexError):
                continue
            cpu[pid] = (int(fields[11]) + int(fields[12])) / TICK  # utime + stime
        peak[0] = max(peak[0], rss)
        done.wait(0.2)


def measure(cmd: list[str], out_file: Path | None = None) -> dict:
    """Wall s, CPU s and peak RSS (MiB) of a subprocess's whole tree (and wait4's), its exit code, the load before."""
    load = os.getloadavg()[0]
    start = time.perf_counter()
    with open(out_file or os.devnull, "wb") as stdout:
        proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONHASHSEED": "0"})
        peak, cpu, done = [0], {}, threading.Event()
        sampler = threading.Thread(target=_sample, args=(proc.pid, peak, cpu, done), daemon=True)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        done.set()
        sampler.join()
    wait4_cpu = usage.ru_utime + usage.ru_stime
    return {"wall_s": round(wall, 3), "cpu_s": round(max(sum(cpu.values()), wait4_cpu), 3),
            "peak_rss_mib": round(max(peak[0] / 2**20, usage.ru_maxrss / 1024), 1), "exit": os.waitstatus_to_exitcode(status),
            "load1": round(load, 2), "cpu_s_wait4": round(wait4_cpu, 3), "peak_rss_mib_wait4": round(usage.ru_maxrss / 1024, 1)}


def write(args, runs: dict[str, list[dict]], load_before, started: str) -> dict:
    """Medians and ratios to the floor's median of the runs so far; written with the raw runs to --out."""
    base = runs.get("floor")
    floor = statistics.median(r["wall_s"] for r in base) if base else None
    floor_cpu = statistics.median(r["cpu_s"] for r in base) if base else None
    summary = {}
    for name, rs in runs.items():
        if not rs:
            continue
        s = summary[name] = {"median_s": statistics.median(r["wall_s"] for r in rs),
                             "median_cpu_s": statistics.median(r["cpu_s"] for r in rs),
                             "median_peak_rss_mib": statistics.median(r["peak_rss_mib"] for r in rs)}
        if floor:
            s["ratio_to_floor"] = round(s["median_s"] / floor, 2)
            s["cpu_ratio_to_floor"] = round(s["median_cpu_s"] / floor_cpu, 2)
        if "validate_s" in rs[0]:
            s["median_start_s"] = statistics.median(r["start_s"] for r in rs)
            s["median_validate_s"] = statistics.median(r["validate_s"] for r in rs)
    result = {"package": args.package, "master": args.master, "runs_each": args.runs, "started": started,
              "finished": time.strftime("%Y-%m-%d %H:%M:%S"), "cores": os.cpu_count(), "load_before": load_before,
              "load_after": os.getloadavg(), "runs": runs, "summary": summary}
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return summary


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("package")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--engines", nargs="+", default=["duckdb", "pandera"], choices=["duckdb", "spark", "pandera"],
                    help="engines of validate() to run beside the floor (default: duckdb pandera)")
    ap.add_argument("--master", default="local[2]", help="the Spark master of the spark runs (as --spark-master sets it)")
    ap.add_argument("--no-floor", action="store_true", help="leave out the Parquet-read floor")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    pkg = str(Path(args.package).resolve())
    runs: dict[str, list[dict]] = {**({} if args.no_floor else {"floor": []}), **{e: [] for e in args.engines}}
    load_before = os.getloadavg()
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    for i in range(args.runs):
        for name in runs:
            with tempfile.NamedTemporaryFile(suffix=".json") as out:
                cmd = [sys.executable, "-c", FLOOR, pkg] if name == "floor" else [sys.executable, "-c", VALIDATE, pkg, name, args.master]
                run = measure(cmd, Path(out.name))
                text = Path(out.name).read_text(encoding="utf-8").strip().splitlines()
            if name != "floor" and text:
                run.update(json.loads(text[-1]))
            runs[name].append(run)
            print(f"run {i + 1} {name}: {json.dumps(run)}", flush=True)
            write(args, runs, load_before, started)  # what is done so far is kept if the rest is stopped
    print("\n".join(f"{name}: {json.dumps(s)}" for name, s in write(args, runs, load_before, started).items()))

if __name__ == "__main__":
    main()
