"""The user's install routes (issue 24), as a user runs them: `python -m build` and `pip wheel .` in pip's
isolated build environment, and the wheel installed in a fresh venv with no extras and with [polars] alone.

The "paths" tier: .ci/run runs it on every CI run (`pytest --run-paths`), the thorough tier too; the developer's
fast loop (`pytest`) leaves it out (each isolated build installs pyarrow, polars and NumPy into a new
environment). The fast tier runs the wheel's build hook with only the build requirements importable
(tests/test_install.py::test_wheel_hook_needs_only_the_build_requirements).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from _release_helpers import REPO
from iraq_frontiers.schema.metadata import package_metadata, release_table_names

pytestmark = pytest.mark.paths
VERSION = package_metadata()["version"]
HEAVY = ("pandas", "polars", "numpy", "duckdb", "pandera", "frictionless")


def _run(args, **kw) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", "PYTHONPATH")}
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=kw.pop("timeout", 1500),
                          env=kw.pop("env", env), **kw)
    return done


def _ok(args, **kw) -> subprocess.CompletedProcess:
    done = _run(args, **kw)
    assert done.returncode == 0, f"{' '.join(map(str, args))}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done


def _venv(path: Path, *requirements: str) -> Path:
    """A fresh venv with `requirements` pip-installed; its python."""
    _ok([sys.executable, "-m", "venv", path])
    py = path / "bin" / "python"
    _ok([py, "-m", "pip", "install", "-q", *requirements])
    return py


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """`python -m build` (isolated): the sdist, then the wheel built from the unpacked sdist."""
    pytest.importorskip("build", reason="the `build` package is needed (pip install build)")
    out = tmp_path_factory.mktemp("dist")
    _ok([sys.executable, "-m", "build", "--outdir", out, REPO])
    return out


def _rows(release: Path) -> dict[str, int]:
    return {t: pq.read_metadata(release / "parquet" / f"{t}.parquet").num_rows for t in release_table_names()}


def test_python_m_build_gives_sdist_and_wheel(dist):
    """The sdist holds what the wheel is built from (the hook reads datapackage/); the wheel holds the Parquet package."""
    sdist = next(dist.glob("*.tar.gz"))
    wheel = next(dist.glob("*.whl"))
    assert sdist.name == f"iraq_frontiers-{VERSION}.tar.gz" and f"-{VERSION}-py3-none-any" in wheel.name
    with tarfile.open(sdist) as tf:
        names = {n.split("/", 1)[1] for n in tf.getnames() if "/" in n}
    assert {"pyproject.toml", "hatch_build.py", "datapackage/datapackage.json", "schemas/package.json"} <= names
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    assert "iraq_frontiers/_data/parquet/datapackage.json" in names and "iraq_frontiers/py.typed" in names
    assert {f"iraq_frontiers/_data/parquet/{t}.parquet" for t in release_table_names()} <= names


NO_EXTRAS = r"""
import json, socket, sys
def refuse(*a, **k):
    raise OSError("network disabled in this check")
socket.socket.connect = refuse
socket.create_connection = refuse
import importlib.util
import iraq_frontiers as ifr
from iraq_frontiers.extras import MissingExtra
out = {"version": ifr.__version__, "path": str(ifr.datapackage_path()), "rows": {}, "missing": {}}
for t in json.loads(sys.argv[1]):
    out["rows"][t] = ifr.load(t, backend="arrow").num_rows
for name, call in (("pandas", lambda: ifr.load("events")), ("polars", lambda: ifr.load("events", backend="polars")),
                   ("duckdb", lambda: ifr.connect()), ("csv", lambda: ifr.load("events", backend="arrow", path=sys.argv[2]))):
    try:
        call()
        out["missing"][name] = None
    except MissingExtra as exc:
        out["missing"][name] = str(exc)
out["importable"] = [m for m in json.loads(sys.argv[3]) if importlib.util.find_spec(m) is not None]
print(json.dumps(out))
"""


def test_pip_wheel_isolated_then_no_extras_loads_every_table(dist, curated_release, tmp_path):
    """`pip wheel .` as a user runs it (isolated build); installed with no extras in a fresh venv, every table loads
    as Arrow, offline, and pyarrow is the only library it brings; the other backends and a CSV package name their
    extra; `validate` names [toolkit] (exit 2, no traceback) and `verify` runs."""
    _ok([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp_path / "wheel", REPO])
    wheel = next((tmp_path / "wheel").glob("*.whl"))
    with zipfile.ZipFile(wheel) as a, zipfile.ZipFile(next(dist.glob("*.whl"))) as b:
        assert sorted(a.namelist()) == sorted(b.namelist())  # the same files as the wheel built from the sdist
    py = _venv(tmp_path / "venv", str(wheel))
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    clean = {"PATH": os.environ.get("PATH", ""), "HOME": str(empty)}
    got = json.loads(_ok([py, "-I", "-c", NO_EXTRAS, json.dumps(release_table_names()), curated_release / "csv",
                          json.dumps(HEAVY)], cwd=empty, env=clean).stdout)
    assert got["version"] == VERSION and got["path"].startswith(str(tmp_path / "venv"))
    assert got["rows"] == _rows(curated_release)
    assert got["importable"] == [], "the base install pulls in more than pyarrow"
    for name, extra in (("pandas", "pandas"), ("polars", "polars"), ("duckdb", "duckdb"), ("csv", "polars")):
        assert got["missing"][name] and f"iraq-frontiers[{extra}]" in got["missing"][name], got["missing"]
    cli = py.with_name("iraq-frontiers")
    refused = _run([cli, "validate", curated_release], cwd=empty, env=clean)
    assert refused.returncode == 2 and "iraq-frontiers[toolkit]" in refused.stderr and "Traceback" not in refused.stderr
    verified = _run([cli, "verify", curated_release], cwd=empty, env=clean)
    assert verified.returncode == 0 and verified.stdout.startswith("verified"), verified.stderr


POLARS_ONLY = r"""
import json, sys
import iraq_frontiers as ifr
from iraq_frontiers.extras import MissingExtra
out = {"polars": {}, "arrow": {}}
for t in json.loads(sys.argv[1]):
    out["polars"][t] = ifr.load(t, backend="polars", path=sys.argv[2]).height
    out["arrow"][t] = ifr.load(t, backend="arrow", path=sys.argv[2]).num_rows
try:
    ifr.load("events", path=sys.argv[2])
    out["pandas"] = None
except MissingExtra as exc:
    out["pandas"] = str(exc)
print(json.dumps(out))
"""


def test_polars_extra_alone_loads_a_csv_package(dist, curated_release, tmp_path):
    """The wheel with [polars] alone (python -m build's wheel): the release's CSV package loads with polars and as
    Arrow, every table; pandas names its extra."""
    wheel = next(dist.glob("*.whl"))
    py = _venv(tmp_path / "venv", f"{wheel}[polars]")
    got = json.loads(_ok([py, "-I", "-c", POLARS_ONLY, json.dumps(release_table_names()), curated_release / "csv"],
                         cwd=tmp_path).stdout)
    rows = _rows(curated_release)
    assert got["polars"] == rows and got["arrow"] == rows
    assert got["pandas"] and "iraq-frontiers[pandas]" in got["pandas"]
