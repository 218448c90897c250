"""Issue 6: nothing lost, nothing half-written.

- CSV -> Parquet -> CSV keeps every value: Arabic, Kurdish and Persian script, combining marks,
  right-to-left and zero-width marks, embedded newlines and quotes, leading/trailing spaces
  (never trimmed, in either format), formula-like text (never altered: docs/csv-policy.md).
  Checked at the writer level (a Hypothesis property) and through a whole release build.
- A build killed at any point (SIGKILL: no cleanup code runs) leaves the existing release intact
  and never leaves a partial release under the version's name.
"""
from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _release_helpers import actor, write_csv_package
from iraq_frontiers.schema.metadata import package_metadata, table_schema
from iraq_frontiers.io.core import OpenedPackage
from iraq_frontiers.io.package import read_table

VERSION = package_metadata()["version"]
SLOW = os.environ.get("IRAQ_FRONTIERS_SLOW") == "1"

TRICKY = [
    "بغداد", "هەولێر", "سلێمانی", "کرمانشاه", "آذربایجان", "\u200fالقائم\u200f", "\u200eLTR mark", "a\u200cb\u200dc",
    "e\u0301te\u0301", "\u0627\u064e\u0644", "line1\nline2", "line1\r\nline2", 'he said "no", twice', "  padded  ", " lead",
    "trail ", "\ttabbed\t", "=1+1", "+cmd|' /C calc'!A0", "-2", "@SUM(A1)", "\u202eevil\u202c", "😀 flag 🇮🇶", "a,b;c", "''",
    '"', '""', "\\N", "NULL", "null", "NaN", "   ",
]
# Text as users write it (iraq_frontiers.synth.strategies excludes control characters other than tab/newline):
# any script, combining marks, bidi marks, quotes, delimiters, spaces at either end.
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"), include_characters='\t\n\r\u200f\u200e\u200d",| '),
               min_size=1, max_size=40)
ITEM = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters="|", include_characters="\u200f\n "),
               min_size=1, max_size=15)


def _read(folder: Path, table: str, fmt: str) -> dict[str, dict]:
    pkg = OpenedPackage({}, folder, str(folder))
    resource = {"name": table, "path": f"{table}.{fmt}", "format": fmt, "schema": table_schema(table)}
    data, problems = read_table(pkg, resource)
    assert [p for p in problems] == [], problems
    return {r["id"]: {k: v for k, v in r.items() if k != "__row__"} for r in data.frame.to_dicts()}


def _write_both(rows: list[dict], folder: Path) -> None:
    from iraq_frontiers.io.writers import to_arrow, write_csv, write_parquet

    schema = table_schema("actors")
    table = to_arrow(rows, schema)
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(table, schema, folder / "actors.csv", "actors")
    write_parquet(table, schema, folder / "actors.parquet")


def _expected(rows: list[dict]) -> dict[str, dict]:
    schema = table_schema("actors")
    return {r["id"]: {f["name"]: r.get(f["name"]) for f in schema["fields"]} for r in rows}


def test_tricky_values_round_trip_through_csv_and_parquet(tmp_path: Path):
    rows = [actor(f"act-{i}", name=s, description=s, notes=s, aliases=[s.replace("|", "/"), "x"]) for i, s in enumerate(TRICKY)]
    _write_both(rows, tmp_path / "a")
    want = _expected(rows)
    csv_rows = _read(tmp_path / "a", "actors", "csv")
    pq_rows = _read(tmp_path / "a", "actors", "parquet")
    assert csv_rows == want
    assert pq_rows == want
    # and back again: the CSV read from CSV, written again, is byte-identical
    again = [dict(r) for r in csv_rows.values()]
    _write_both(again, tmp_path / "b")
    assert (tmp_path / "a" / "actors.csv").read_bytes() == (tmp_path / "b" / "actors.csv").read_bytes()


@settings(max_examples=300 if SLOW else 60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.tuples(TEXT, st.none() | TEXT, st.none() | st.lists(ITEM, min_size=1, max_size=3)), min_size=1, max_size=5))
def test_any_text_round_trips(tmp_path_factory, values):
    folder = tmp_path_factory.mktemp("rt")
    rows = [actor(f"act-{i}", name=name, description=name, notes=notes, aliases=aliases) for i, (name, notes, aliases) in enumerate(values)]
    _write_both(rows, folder)
    want = _expected(rows)
    assert _read(folder, "actors", "csv") == want
    assert _read(folder, "actors", "parquet") == want


def test_release_keeps_every_value(tmp_path: Path):
    """Curated CSV -> release Parquet and CSV: every value identical, in both forms."""
    from iraq_frontiers.release import build as release

    rows = [actor(f"act-{i}", name=s, description=s, notes=s, aliases=[s.replace("|", "/")]) for i, s in enumerate(TRICKY)]
    src = write_csv_package(tmp_path / "src", {"actors": rows})
    built = release.build_release(src, tmp_path / "out")
    want = _expected(rows)
    assert _read(src, "actors", "csv") == want
    for fmt in ("csv", "parquet"):
        assert _read(built.folder / fmt, "actors", fmt) == want, fmt


# --------------------------------------------------------------------------------------------
# A build killed halfway


def _snapshot(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# Runs `iraq-frontiers build` in a child process that SIGKILLs itself (no cleanup runs) when the
# build reaches STAGE: right after writing Parquet, CSV, the zips, the notes, the checksums, right
# after the rename that publishes a first release, or right after the exchange that replaces one.
_KILLER = textwrap.dedent("""
    import os, signal, sys
    from iraq_frontiers.release import build as release
    stage = os.environ["KILL_AT"]
    def die():
        os.kill(os.getpid(), signal.SIGKILL)
    def after(fn):
        def wrapped(*a, **k):
            out = fn(*a, **k)
            die()
            return out
        return wrapped
    if stage in ("write_parquet_package", "write_csv_package", "write_zip", "sha256sums", "release_notes", "_exchange"):
        setattr(release, stage, after(getattr(release, stage)))
    elif stage == "first_rename":
        release.os = type(os)("os_proxy")
        release.os.__dict__.update(os.__dict__)
        real = os.rename
        def rename(a, b):
            real(a, b)
            die()
        release.os.rename = rename
    from iraq_frontiers.cli.app import main
    sys.exit(main(sys.argv[1:]))
""")
STAGES = ["write_parquet_package", "write_csv_package", "write_zip", "release_notes", "sha256sums"]


def _build(src: Path, out: Path, *extra: str, kill_at: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "KILL_AT": kill_at or "none"}
    env.pop("SOURCE_DATE_EPOCH", None)
    return subprocess.run([sys.executable, "-c", _KILLER, "build", str(src), "--out", str(out), "--quiet", *extra],
                          capture_output=True, text=True, timeout=300, env=env)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("kill")
    src = write_csv_package(tmp / "src", {"actors": [actor("act-a", name="بغداد"), actor("act-b")]})
    out = tmp / "out"
    done = _build(src, out)
    assert done.returncode == 0, done.stderr
    return src, out, _snapshot(out / VERSION)


def _visible_releases(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if not p.name.startswith("."))


@pytest.mark.parametrize("stage", [*STAGES, "first_rename"])
def test_killed_first_build_leaves_no_partial_release(tmp_path: Path, stage: str):
    src = write_csv_package(tmp_path / "src", {"actors": [actor("act-a")]})
    out = tmp_path / "out"
    done = _build(src, out, kill_at=stage)
    assert done.returncode == -signal.SIGKILL
    assert "Traceback" not in done.stderr
    if (out / VERSION).exists():  # killed after publishing: then it is complete and verifies
        assert stage == "first_rename"
        _verify_sums(out / VERSION)
    else:
        assert _visible_releases(out) == [] if out.exists() else True
    # The next build succeeds despite the debris of the killed one, and removes it (issue 13).
    done = _build(src, out, "--force")
    assert done.returncode == 0, done.stderr
    _verify_sums(out / VERSION)
    assert sorted(p.name for p in out.iterdir()) == [VERSION], "a hidden partial folder is left behind"


def test_a_running_build_keeps_its_work_folder(tmp_path: Path):
    """Only folders of builds whose process is gone are removed: a live build's folder stays."""
    from iraq_frontiers.release.build import _remove_stale_partials

    live = tmp_path / f".{VERSION}.partial-{os.getpid()}-abc"
    dead = tmp_path / f".{VERSION}.partial-{2**22 + 12345}-abc"
    other = tmp_path / ".keep-me"
    for p in (live, dead, other):
        p.mkdir()
    _remove_stale_partials(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, other.name])


@pytest.mark.parametrize("stage", [*STAGES, "_exchange"])
def test_killed_forced_rebuild_keeps_previous_release(built, stage: str):
    """--force replaces the release in one atomic exchange (Linux renameat2), so no moment is unsafe."""
    src, out, before = built
    if stage == "_exchange":
        from iraq_frontiers.release.build import _exchange

        probe = out.parent / "probe"
        (probe / "a").mkdir(parents=True, exist_ok=True)
        (probe / "b").mkdir(exist_ok=True)
        if not _exchange(probe / "a", probe / "b"):
            pytest.skip("no atomic folder exchange on this system: --force replaces a release with two renames")
    done = _build(src, out, "--force", kill_at=stage)
    assert done.returncode == -signal.SIGKILL
    # The release under its name is whole: the previous one (or an identical, complete new one).
    assert (out / VERSION).is_dir(), f"killed at {stage}: {VERSION} is gone ({sorted(p.name for p in out.iterdir())})"
    assert _snapshot(out / VERSION) == before


def test_build_killed_at_random_moments(built):
    src, out, before = built
    rng = random.Random(6)
    for _ in range(6 if SLOW else 3):
        proc = subprocess.Popen([sys.executable, "-m", "iraq_frontiers.cli", "build", str(src), "--out", str(out), "--force", "--quiet"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 3.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        assert (out / VERSION).is_dir() and _snapshot(out / VERSION) == before


def _verify_sums(folder: Path) -> None:
    for line in (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        assert hashlib.sha256((folder / name.lstrip("*")).read_bytes()).hexdigest() == digest, name
