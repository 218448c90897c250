"""The UCDP GED importer on hostile input (issue 13): numbers never truncated, nothing silently
lost when no row can be imported, decompression bounded and streamed."""
from __future__ import annotations

import gzip
import json
import tracemalloc
from pathlib import Path

import pytest

from iraq_frontiers.cli.app import main
from iraq_frontiers.importers import ucdp, ucdp_read
from test_ucdp_import import COLUMNS, ged_row, read, write_ged


@pytest.mark.parametrize("column", ["id", "best", "deaths_a", "side_a_new_id", "where_prec"])
@pytest.mark.parametrize("value", ["6.7", "1e3", "9223372036854775808"])
def test_non_integers_are_rejected_with_a_reason(tmp_path: Path, column: str, value: str):
    rows = [ged_row(), ged_row(**{"id": "2", column: value})]
    result = ucdp.import_ged(write_ged(tmp_path / "ged.csv", rows), tmp_path / "out")
    assert [r.row for r in result.rejected] == [2]
    assert f"{column} is not an integer" in "; ".join(result.rejected[0].reasons)
    assert result.events_written == 1


def test_whole_numbers_written_as_decimals_are_read_exactly(tmp_path: Path):
    result = ucdp.import_ged(write_ged(tmp_path / "ged.csv", [ged_row(best="6.0", low="6", high="8.00")]), tmp_path / "out")
    assert result.rejected == [] and result.best_deaths_read == result.best_deaths_written == 6
    assert read(tmp_path / "out", "events")[0]["fatalities_best"] == "6"


def test_death_totals_are_exact(tmp_path: Path):
    """The summary counts what was read exactly: a fractional best is neither truncated nor counted."""
    rows = [ged_row(best="7", low="7", high="7"), ged_row(id="2", best="2.9", low="2", high="3")]
    result = ucdp.import_ged(write_ged(tmp_path / "ged.csv", rows), tmp_path / "out")
    assert result.best_deaths_read == 7 and result.best_deaths_written == 7


@pytest.mark.parametrize("rows, why", [([], "header but no rows"), ([ged_row(id="0"), ged_row(id="x")], "all 2 rows were rejected")])
def test_nothing_importable_is_a_clear_error_and_the_report_is_kept(tmp_path: Path, capsys, rows, why):
    out = tmp_path / "out"
    assert main(["import", "ucdp-ged", str(write_ged(tmp_path / "ged.csv", rows)), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert why in err and "Traceback" not in err
    report = json.loads((out / "import-report.json").read_text(encoding="utf-8"))
    assert report["rows_read"] == len(rows) and len(report["rejected"]) == len(rows)
    assert not (out / "datapackage.json").exists()


def test_decompression_is_bounded_and_streamed(tmp_path: Path, monkeypatch, capsys):
    """A small gzip that expands far beyond the limit is refused after reading the limit, not held in memory."""
    monkeypatch.setattr(ucdp_read, "MAX_GED_BYTES", 4 * 1024 * 1024)
    bomb = tmp_path / "ged.csv.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as fh:
        fh.write((",".join(COLUMNS) + "\n").encode())
        block = b"0" * (1 << 20)
        for _ in range(64):  # 64 MiB of data in a ~64 KiB file
            fh.write(block)
    assert bomb.stat().st_size < 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(ucdp_read.UcdpImportError, match="expands to more than"):
            ucdp_read.read_ged(bomb)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 * 1024 * 1024, peak
    assert main(["import", "ucdp-ged", str(bomb), "--out", str(tmp_path / "out")]) == 2
    assert "expands to more than" in capsys.readouterr().err


def test_a_decompression_bomb_is_refused_by_its_ratio_early(tmp_path: Path):
    """A gzip that expands ~1000:1 is refused after a few MiB by the ratio, long before MAX_GED_BYTES (2 GiB): the
    256 MiB bomb of issue 27 peaked at 3.4 GB of memory before it was refused."""
    import re

    bomb = tmp_path / "ged.csv.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as fh:
        fh.write((",".join(COLUMNS) + "\n").encode())
        block = b"0" * (1 << 20)
        for _ in range(256):
            fh.write(block)
    with pytest.raises(ucdp_read.UcdpImportError, match="decompression bomb") as refused:
        ucdp_read.read_ged(bomb)
    written = int(re.search(r"\(([\d,]+) bytes from", str(refused.value)).group(1).replace(",", ""))
    assert written <= 4 * (1 << 20)  # refused within a few MiB of output
