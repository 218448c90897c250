"""Benchmark: validation at 100k, 1M and 10M events (issue 5). Not a test: run it by hand.

    python benchmarks/validate_scale.py [--sizes 100000 1000000 10000000] [--runs 3] [--out docs/benchmarks.md]

In one run it writes synthetic packages (iraq-frontiers synth) under benchmarks/work/ (git-ignored)
and measures, each in a fresh subprocess (wall time and peak RSS from wait4):
- floor: reading every table's Parquet file into Arrow (pyarrow.parquet.read_table), same package;
- ours: `iraq-frontiers validate PKG --json` on the Parquet package (all four layers);
- at the smallest size: ours on the CSV form of the same package, and `frictionless validate` on it
  (types, constraints, primary and foreign keys: the checks frictionless has);
- errors found by each tool on the package with planted errors (`synth --errors K`).
Floor and validation runs alternate (the machine is shared and noisy); the table reports medians
of --runs runs and ratios to the floor measured in the same run. Results: JSON beside this script
and a Markdown report (--out).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "work"
BIN = Path(sys.executable).parent
FLOOR = ("import sys, glob, pyarrow.parquet as pq\n"
         "n = sum(pq.read_table(f).num_rows for f in sorted(glob.glob(sys.argv[1] + '/*.parquet')))\n"
         "print(n)\n")


def run(cmd: list[str], out_file: Path | None = None) -> dict:
    """Wall and CPU seconds, peak RSS (MiB), exit code and the load average before, of a subprocess."""
    load = os.getloadavg()[0]
    start = time.perf_counter()
    stdout = open(out_file, "wb") if out_file else subprocess.DEVNULL
    try:
        proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONHASHSEED": "0"})
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        if out_file:
            stdout.close()
    return {"wall": time.perf_counter() - start, "cpu": usage.ru_utime + usage.ru_stime, "rss_mib": usage.ru_maxrss / 1024,
            "exit": os.waitstatus_to_exitcode(status), "load": load}


def timed(cmd: list[str], out_file: Path | None = None) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MiB, exit code) of a subprocess."""
    r = run(cmd, out_file)
    return r["wall"], r["rss_mib"], r["exit"]


def synth(n: int, fmt: str, errors: int = 0) -> Path:
    out = WORK / (f"{fmt}-{n}" + (f"-errors{errors}" if errors else ""))
    if not (out / "datapackage.json").is_file():
        cmd = [str(BIN / "iraq-frontiers"), "synth", "--events", str(n), "--out", str(out), "--format", fmt, "--seed", "0", "--quiet"]
        if errors:
            cmd += ["--errors", str(errors)]
        wall, rss, code = timed(cmd)
        assert code == 0, cmd
        print(f"  synth {out.name}: {wall:.1f}s, {rss:.0f} MiB", flush=True)
    return out


def ours(pkg: Path) -> list[str]:
    return [str(BIN / "iraq-frontiers"), "validate", str(pkg), "--json"]


def frictionless(pkg: Path) -> list[str]:
    return [str(BIN / "frictionless"), "validate", str(pkg / "datapackage.json"), "--json"]


def floor(pkg: Path) -> list[str]:
    return [sys.executable, "-c", FLOOR, str(pkg)]


def med(xs):
    return statistics.median(xs) if xs else None


def our_errors(path: Path) -> Counter:
    report = json.loads(path.read_text(encoding="utf-8"))
    return Counter(p["code"] for p in report["problems"])


def frictionless_errors(path: Path) -> Counter:
    report = json.loads(path.read_text(encoding="utf-8"))
    found = Counter()
    for task in report.get("tasks", []):
        for err in task.get("errors", []):
            found[err.get("type", "?")] += 1
    for err in report.get("errors", []):
        found[err.get("type", "?")] += 1
    return found


def machine() -> dict:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")).split()[1])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        pass
    versions = {}
    for mod in ("duckdb", "polars", "pyarrow", "pandera", "frictionless"):
        try:
            from importlib.metadata import version

            versions[mod] = version(mod)
        except Exception:  # noqa: BLE001
            versions[mod] = "?"
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": mem, "os": platform.platform(), "python": platform.python_version(),
            "load_at_start": os.getloadavg(), "versions": versions}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--frictionless-runs", type=int, default=3)
    ap.add_argument("--frictionless-once", type=int, nargs="*", default=[1_000_000],
                    help="sizes at which frictionless (and ours on CSV) also run, once (default 1000000)")
    ap.add_argument("--errors", type=int, default=3, help="planted errors of every class in the error package")
    ap.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    ap.add_argument("--json", default=str(HERE / "results.json"))
    args = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    results = {"machine": machine(), "runs": args.runs, "sizes": {}, "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    print(json.dumps(results["machine"]), flush=True)

    # import time of the package (fresh interpreters; minus a bare interpreter)
    bare = [timed([sys.executable, "-c", "pass"])[0] for _ in range(5)]
    imp = [timed([sys.executable, "-c", "import iraq_frontiers"])[0] for _ in range(5)]
    results["import_seconds"] = max(0.0, med(imp) - med(bare))
    results["import_seconds_raw"] = med(imp)

    small = min(args.sizes)
    for n in args.sizes:
        print(f"{n:,} events", flush=True)
        pkg = synth(n, "parquet")
        r = {"rows": {},
             "floor": [], "floor_rss": [], "ours": [], "ours_rss": [], "exit": []}
        report = WORK / f"report-{n}.json"
        for i in range(args.runs):
            w, m, _ = timed(floor(pkg))
            r["floor"].append(w)
            r["floor_rss"].append(m)
            w, m, code = timed(ours(pkg), report)
            r["ours"].append(w)
            r["ours_rss"].append(m)
            r["exit"].append(code)
            print(f"  run {i + 1}: floor {r['floor'][-1]:.2f}s, ours {w:.2f}s ({m:.0f} MiB, exit {code})", flush=True)
        rep = json.loads(report.read_text(encoding="utf-8"))
        r["rows"] = rep["tables"]
        r["problems"] = len(rep["problems"])
        r["ratio_runs"] = [o / f for o, f in zip(r["ours"], r["floor"])]
        if n == small or n in args.frictionless_once:
            csv_pkg = synth(n, "csv")
            r["ours_csv"], r["frictionless"] = [], []
            for i in range(args.frictionless_runs if n == small else 1):
                w, _, code = timed(ours(csv_pkg))
                r["ours_csv"].append(w)
                w2, _, code2 = timed(frictionless(csv_pkg), WORK / f"frictionless-{n}.json")
                r["frictionless"].append(w2)
                print(f"  csv run {i + 1}: ours {w:.2f}s (exit {code}), frictionless {w2:.2f}s (exit {code2})", flush=True)
            r["frictionless_valid_errors"] = dict(frictionless_errors(WORK / f"frictionless-{n}.json"))
            shutil.rmtree(csv_pkg, ignore_errors=True) if n != small else None
        if n == small:
            # the planted-error packages
            err_parquet = synth(n, "parquet", args.errors)
            err_csv = synth(n, "csv", args.errors)
            timed(ours(err_parquet), WORK / "errors-ours-parquet.json")
            timed(ours(err_csv), WORK / "errors-ours-csv.json")
            timed(frictionless(err_csv), WORK / "errors-frictionless.json")
            manifest = json.loads((err_parquet / "injected-errors.json").read_text(encoding="utf-8"))
            r["planted"] = dict(Counter(p["code"] for p in manifest["problems"]))
            r["found_ours_parquet"] = dict(our_errors(WORK / "errors-ours-parquet.json"))
            r["found_ours_csv"] = dict(our_errors(WORK / "errors-ours-csv.json"))
            r["found_frictionless"] = dict(frictionless_errors(WORK / "errors-frictionless.json"))
        results["sizes"][str(n)] = r
        Path(args.json).write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
    results["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    results["load_at_end"] = os.getloadavg()
    Path(args.json).write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
    Path(args.out).write_text(render(results), encoding="utf-8")
    print(f"wrote {args.out} and {args.json}")
    return 0


def render(res: dict) -> str:
    m = res["machine"]
    lines = [
        "# Benchmarks: validation at scale",
        "",
        "Produced by `python benchmarks/validate_scale.py` (issue 5); raw figures in `benchmarks/results.json`.",
        "Every figure is the median of the runs shown, each in a fresh process (wall time, peak RSS from",
        "`wait4`), floor and validation alternating so that both see the same machine load.",
        "",
        "## Machine",
        "",
        f"- CPU: {m['cpu']}, {m['cores']} cores; memory {m['memory']}; {m['os']}; Python {m['python']}",
        "- libraries: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()),
        f"- shared machine: load average {', '.join(f'{x:.1f}' for x in m['load_at_start'])} at start, "
        f"{', '.join(f'{x:.1f}' for x in res.get('load_at_end', (0, 0, 0)))} at the end ({res['started']} to {res.get('finished', '?')})",
        "",
        "## Validation against the floor",
        "",
        "Floor: a fresh Python process reading every table's Parquet file into Arrow (`pyarrow.parquet.read_table`).",
        "Ours: `iraq-frontiers validate PKG --json`, all four layers (descriptor, tables, keys, domain rules).",
        "",
        "| events | rows (all tables) | floor s | validate s | ratio to floor | validate peak RSS | floor peak RSS | runs |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, r in res["sizes"].items():
        rows = sum(r["rows"].values()) if isinstance(r["rows"], dict) else "?"
        lines.append(f"| {int(n):,} | {rows:,} | {med(r['floor']):.2f} | {med(r['ours']):.2f} | {med(r['ratio_runs']):.2f}× | "
                     f"{max(r['ours_rss']) / 1024:.2f} GiB | {max(r['floor_rss']) / 1024:.2f} GiB | {len(r['ours'])} |")
    lines += ["", f"`import iraq_frontiers`: {res['import_seconds']:.3f} s beyond a bare interpreter "
              f"({res['import_seconds_raw']:.3f} s in all), median of 5.", ""]
    small = min(res["sizes"], key=int)
    r = res["sizes"][small]
    if "frictionless" in r:
        fr, oc, op = med(r["frictionless"]), med(r["ours_csv"]), med(r["ours"])
        lines += [
            f"## Against frictionless ({int(small):,} events)",
            "",
            "`frictionless validate datapackage.json` on the CSV form of the same package (types, constraints,",
            "primary and foreign keys: the checks frictionless has; it has no domain rules).",
            "",
            "| tool | form | median s | frictionless ÷ tool |",
            "|---|---|---:|---:|",
            f"| frictionless 5 | CSV | {fr:.2f} | 1× |",
            f"| iraq-frontiers (reference reader + Pandera for CSV) | CSV | {oc:.2f} | {fr / oc:.0f}× |",
            f"| iraq-frontiers (fast path) | Parquet | {op:.2f} | {fr / op:.0f}× |",
            "",
            "### Errors found on the package with planted errors",
            "",
            f"`synth --errors {3}` plants errors of every class; its manifest lists the problems they must cause.",
            "",
            "| code | planted (manifest) | ours, Parquet | ours, CSV |",
            "|---|---:|---:|---:|",
        ]
        codes = sorted(set(r["planted"]) | set(r["found_ours_parquet"]) | set(r["found_ours_csv"]))
        for c in codes:
            lines.append(f"| `{c}` | {r['planted'].get(c, 0)} | {r['found_ours_parquet'].get(c, 0)} | {r['found_ours_csv'].get(c, 0)} |")
        lines += ["", "frictionless on the same CSV package (its error types):", "",
                  "| frictionless error type | count |", "|---|---:|"]
        for c, k in sorted(r["found_frictionless"].items()):
            lines.append(f"| `{c}` | {k} |")
        lines.append("")
    for n, r in res["sizes"].items():
        if n == small or "frictionless" not in r:
            continue
        fr, oc, op = med(r["frictionless"]), med(r["ours_csv"]), med(r["ours"])
        lines += [f"## Against frictionless ({int(n):,} events, one run each)", "",
                  "| tool | form | s | frictionless ÷ tool |", "|---|---|---:|---:|",
                  f"| frictionless 5 | CSV | {fr:.1f} | 1× |",
                  f"| iraq-frontiers (reference reader + Pandera for CSV) | CSV | {oc:.1f} | {fr / oc:.0f}× |",
                  f"| iraq-frontiers (fast path, median above) | Parquet | {op:.1f} | {fr / op:.0f}× |", ""]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
