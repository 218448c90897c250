"""Issue 13: every subcommand and public function, given hostile arguments, answers with a message
naming what is wrong: no traceback, no exit 3 (internal error) for a user's mistake."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from test_bad_inputs import write_package

HOSTILE_PATHS = ["/nonexistent/x", "afile", "emptydir", "\udcff\udcfebytes", "http://example.org/p.zip", ""]


@pytest.fixture
def place(tmp_path: Path) -> Path:
    (tmp_path / "afile").write_text("x\n", encoding="utf-8")
    (tmp_path / "emptydir").mkdir()
    write_package(tmp_path / "pkg")
    return tmp_path


def _run(place: Path, argv: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "iraq_frontiers.cli", *argv], cwd=place, capture_output=True, timeout=300,
                          env={**os.environ, **(env or {})}, errors="surrogateescape")


COMMANDS = [
    ["validate", "{p}"], ["validate", "{p}", "--json"], ["diff", "pkg", "{p}"], ["diff", "{p}", "pkg", "--json"],
    ["build", "{p}", "--out", "out"], ["build", "pkg", "--out", "{p}"], ["synth", "--out", "{p}", "--events", "10"],
    ["import", "ucdp-ged", "{p}", "--out", "o"], ["import", "ucdp-ged", "afile", "--out", "{p}"],
    ["descriptor", "--out", "{p}", "--check"], ["docs", "--docs-dir", "{p}", "--check"], ["citation-files", "--dir", "{p}", "--check"],
]


# Every command with every hostile path, each in a fresh folder, all in one Python process (the command line's
# main(), as the console script calls it): one interpreter start instead of 72 keeps the fast tier fast.
SWEEP = r"""
import io, json, os, shutil, sys, traceback
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from iraq_frontiers.cli.app import main
template, cases = Path(sys.argv[1]), json.loads(sys.stdin.read())
out = []
for n, argv in enumerate(cases):
    place = template.parent / f"case{n}"
    shutil.copytree(template, place)
    os.chdir(place)
    so, se = io.StringIO(), io.StringIO()
    try:
        with redirect_stdout(so), redirect_stderr(se):
            code = main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    except BaseException:
        code = 99
        se.write(traceback.format_exc())
    os.chdir(template.parent)
    shutil.rmtree(place, ignore_errors=True)
    out.append({"code": code, "stdout": so.getvalue(), "stderr": se.getvalue()})
sys.stdout.write(json.dumps(out))
"""
PATH_IDS = ["missing", "a-file", "empty-folder", "random-bytes", "url", "empty"]
CASES = [(argv, path) for argv in COMMANDS for path in HOSTILE_PATHS]


@pytest.fixture(scope="module")
def sweep(tmp_path_factory) -> dict:
    """{(command, path): {"code", "stdout", "stderr"}} for every command with every hostile path."""
    import json

    template = tmp_path_factory.mktemp("sweep") / "template"
    template.mkdir()
    (template / "afile").write_text("x\n", encoding="utf-8")
    (template / "emptydir").mkdir()
    write_package(template / "pkg")
    cases = [[a.replace("{p}", path) for a in argv] for argv, path in CASES]
    done = subprocess.run([sys.executable, "-c", SWEEP, str(template)], input=json.dumps(cases), capture_output=True,
                          text=True, timeout=1200, errors="surrogateescape")
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout)
    return {(" ".join(argv), path): r for (argv, path), r in zip(CASES, results)}


@pytest.mark.parametrize("argv", COMMANDS, ids=[" ".join(a) for a in COMMANDS])
@pytest.mark.parametrize("path", HOSTILE_PATHS, ids=PATH_IDS)
def test_commands_with_hostile_paths(sweep: dict, argv: list[str], path: str):
    done = sweep[(" ".join(argv), path)]
    assert "Traceback" not in done["stderr"] + done["stdout"], done["stderr"]
    assert done["code"] in (0, 1, 2), (done["code"], done["stderr"])
    if done["code"] == 2:
        assert (done["stderr"] + done["stdout"]).strip(), "a refusal says why"


@pytest.mark.parametrize("argv", [["validate", "pkg", "--limit", "0"], ["validate", "pkg", "--limit", "-3"], ["diff", "pkg", "pkg", "--limit", "x"],
                                  ["import", "ucdp-ged", "afile", "--out", "o", "--limit", "0"]])
def test_limit_below_one_is_refused(place: Path, argv):
    done = _run(place, argv)
    assert done.returncode == 2 and "--limit" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("memory", ["lots", "0", "-1GB", "1e9"])
def test_bad_duckdb_memory_setting_is_named_and_leaves_nothing(place: Path, memory: str, tmp_path: Path):
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    done = _run(place, ["validate", "pkg", "--quiet"], {"IRAQ_FRONTIERS_DUCKDB_MEMORY": memory, "TMPDIR": str(tmpdir)})
    assert done.returncode == 2 and "setting-invalid" in done.stdout and "IRAQ_FRONTIERS_DUCKDB_MEMORY" in done.stdout, done.stdout
    assert list(tmpdir.iterdir()) == []


def test_out_pointing_at_a_file_names_it(place: Path):
    for argv in (["synth", "--out", "afile", "--events", "10"], ["import", "ucdp-ged", "afile", "--out", "afile"]):
        done = _run(place, argv)
        assert done.returncode == 2 and "afile" in done.stderr and "Traceback" not in done.stderr, done.stderr


@pytest.mark.parametrize("value", [None, 42, b"\xff\xfe", "\x00", "", "/nonexistent", "http://example.org/x"])
def test_public_functions_with_hostile_arguments(place: Path, value):
    """validate() never raises; load() and connect() raise a clear error (never a raw library exception)."""
    import iraq_frontiers
    from iraq_frontiers.io.core import InputError

    if value is not None:
        report = iraq_frontiers.validate(value)
        assert report.exit_code == 2 and "internal-error" not in report.codes(), report.format_text()
    for function in (iraq_frontiers.load, iraq_frontiers.connect):
        if value is None:
            continue  # None means the bundled package
        try:
            function(value)
        except (InputError, TypeError, ValueError, FileNotFoundError) as exc:
            assert str(exc).strip()
