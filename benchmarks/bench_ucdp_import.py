"""Benchmark: import UCDP GED Syria 19.1 (16,566 events) and validate the result.

    python benchmarks/bench_ucdp_import.py [GED_CSV] [--repeat N]

Finds the file through IRAQ_FRONTIERS_EXTERNAL or ../shared/external relative to the repository.
Prints one JSON line per run and a summary (median seconds). Not a test: timings vary by machine.
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

REPO = Path(__file__).resolve().parents[1]
NAME = "ucdp-ged-syria-652-1601-1911/ged_syria_652_1601_1911.csv.gz"


def default_file() -> Path:
    base = Path(os.environ["IRAQ_FRONTIERS_EXTERNAL"]) if os.environ.get("IRAQ_FRONTIERS_EXTERNAL") else REPO.parent / "shared" / "external"
    return base / NAME


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", nargs="?", type=Path, default=None)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    src = args.file or default_file()
    if not src.is_file():
        print(f"GED file not found: {src}", file=sys.stderr)
        return 2
    from iraq_frontiers import validate
    from iraq_frontiers.importers.ucdp import import_ged

    runs = []
    for i in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            result = import_ged(src, Path(tmp) / "out")
            t1 = time.perf_counter()
            report = validate(Path(tmp) / "out")
            t2 = time.perf_counter()
        run = {"run": i + 1, "rows": result.rows_read, "events": result.events_written, "rejected": len(result.rejected),
               "import_s": round(t1 - t0, 3), "validate_s": round(t2 - t1, 3), "valid": report.valid}
        runs.append(run)
        print(json.dumps(run))
    print(json.dumps({"median_import_s": statistics.median(r["import_s"] for r in runs),
                      "median_validate_s": statistics.median(r["validate_s"] for r in runs)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
