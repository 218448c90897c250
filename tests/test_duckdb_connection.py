"""The capped DuckDB connection every DuckDB user in validation opens (backends/duckdb/connection.py)."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from iraq_frontiers.io.core import InputError
from iraq_frontiers.validation.backends.duckdb.connection import open_connection


@pytest.fixture
def private_tmp(tmp_path, monkeypatch) -> Path:
    """Temporary folders go here, away from other processes' (so leftovers are ours)."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path


def _spill_folders(folder: Path) -> list[Path]:
    return sorted(folder.glob("iraq-frontiers-duckdb-*"))


def test_capped_spilling_and_removed_on_close(private_tmp, monkeypatch):
    monkeypatch.setenv("IRAQ_FRONTIERS_DUCKDB_MEMORY", "300MB")
    con, close = open_connection()
    [spill] = _spill_folders(private_tmp)
    limit, temp = con.execute("SELECT current_setting('memory_limit'), current_setting('temp_directory')").fetchone()
    assert limit.replace(" ", "") in ("286.1MiB", "300.0MB", "286MiB")  # DuckDB shows the cap in its own units
    assert Path(temp) == spill
    close()
    assert _spill_folders(private_tmp) == []


def test_default_cap_is_2gb(private_tmp, monkeypatch):
    monkeypatch.delenv("IRAQ_FRONTIERS_DUCKDB_MEMORY", raising=False)
    con, close = open_connection()
    try:
        assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0].replace(" ", "") in ("1.8GiB", "2.0GB", "1.9GiB")
    finally:
        close()


@pytest.mark.parametrize("memory", ["lots", "0", "-1GB", "2 GB of RAM"])
def test_a_setting_that_is_not_a_size_is_refused_and_leaves_nothing(private_tmp, monkeypatch, memory):
    monkeypatch.setenv("IRAQ_FRONTIERS_DUCKDB_MEMORY", memory)
    with pytest.raises(InputError) as caught:
        open_connection()
    assert caught.value.problem.code == "setting-invalid" and "IRAQ_FRONTIERS_DUCKDB_MEMORY" in caught.value.problem.message
    assert _spill_folders(private_tmp) == []


def test_validation_leaves_no_spill_folder(private_tmp):
    from iraq_frontiers import validate

    package = Path(__file__).resolve().parents[1] / "datapackage"
    report = validate(str(package))
    assert report.exit_code == 0
    assert _spill_folders(private_tmp) == []
