"""Install only what you use (issue 12): the base install is pyarrow and the data, extras name themselves when
missing, commands work outside the repository, and the dependency floors pass the tests (thorough tier)."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib

import pytest

from _release_helpers import REPO
from iraq_frontiers import extras
from iraq_frontiers.release import access
from iraq_frontiers.cli.app import main

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
DISTRIBUTIONS = {"sqlite_utils": "sqlite-utils", "vl_convert": "vl-convert-python"}  # import name -> distribution


def _name(requirement: str) -> str:
    return re.match(r"^[A-Za-z0-9_.-]+", requirement).group(0).lower()


def _extra(name: str) -> set[str]:
    """Every distribution an extra pulls in, following self-references like iraq-frontiers[pandas,polars]."""
    out = set()
    for req in PYPROJECT["project"]["optional-dependencies"][name]:
        m = re.match(r"^iraq-frontiers\[([^\]]+)\]", req)
        if m:
            for inner in m.group(1).split(","):
                out |= _extra(inner.strip())
        else:
            out.add(_name(req))
    return out


def floors() -> dict[str, str]:
    """distribution -> its floor (the version after >=) over the base install and every extra."""
    reqs = list(PYPROJECT["project"]["dependencies"])
    for items in PYPROJECT["project"]["optional-dependencies"].values():
        reqs += items
    out = {}
    for req in reqs:
        m = re.match(r"^([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*>=\s*([^,;\s]+)", req)
        if m and m.group(1) != "iraq-frontiers":
            out[m.group(1).lower()] = m.group(3)
    return out


def test_base_install_is_pyarrow_and_extras_cover_the_toolkit():
    assert [_name(r) for r in PYPROJECT["project"]["dependencies"]] == ["pyarrow"]
    toolkit = _extra("toolkit")
    for module in extras.TOOLKIT_MODULES:
        assert DISTRIBUTIONS.get(module, module) in toolkit, module
    assert toolkit <= _extra("test")
    for extra in ("pandas", "polars", "duckdb"):
        assert extra in _extra(extra)
    assert all(re.search(r">=", r) for r in PYPROJECT["project"]["dependencies"])  # every dependency has a floor


def test_missing_backend_names_its_extra(monkeypatch, tmp_path):
    from _release_helpers import edge_tables
    from iraq_frontiers.release.files import write_parquet_package

    package = tmp_path / "parquet"
    write_parquet_package(edge_tables(), package)
    real = extras.import_module

    def without(name, *a, **k):
        if name.split(".")[0] in ("pandas", "polars", "duckdb"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real(name, *a, **k)

    monkeypatch.setattr(extras, "import_module", without)
    assert access.load("actors", backend="arrow", path=package).num_rows == 3  # pyarrow alone reads Parquet
    for call, extra in ((lambda: access.load("actors", path=package), "pandas"),
                        (lambda: access.load("actors", backend="polars", path=package), "polars"),
                        (lambda: access.connect(package), "duckdb"), (lambda: access.load("actors", backend="arrow"), "polars")):
        with pytest.raises(extras.MissingExtra, match=re.escape(f"iraq-frontiers[{extra}]")):
            call()


def test_cli_names_the_toolkit_when_missing(monkeypatch, capsys):
    real = extras.find_spec

    def without(name, *a, **k):
        return None if name == "pandera" else real(name, *a, **k)

    monkeypatch.setattr(extras, "find_spec", without)
    assert main(["validate", str(REPO / "datapackage")]) == 2
    err = capsys.readouterr().err
    assert "iraq-frontiers[toolkit]" in err and "pandera" in err and "Traceback" not in err


def test_commands_outside_a_checkout(monkeypatch, tmp_path, capsys):
    """descriptor, docs and citation-files find their files in a checkout, else say what they need."""
    import iraq_frontiers.schema.metadata as metadata

    monkeypatch.setattr(metadata, "repo_root", lambda: None)
    monkeypatch.chdir(tmp_path)
    for command in (["descriptor", "--check"], ["docs", "--check"], ["citation-files", "--check"]):
        assert main(command) == 2, command
        err = capsys.readouterr().err
        assert "pass --" in err and "Traceback" not in err, err
    assert main(["descriptor"]) == 2 and "pass --out" in capsys.readouterr().err
    assert main(["descriptor", "--check", "--out", str(tmp_path / "none.json")]) == 2
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "docs").mkdir()
    assert main(["docs"]) == 2 and "validation.md" in capsys.readouterr().err
    (tmp_path / "datapackage").mkdir()
    assert main(["descriptor"]) == 0 and (tmp_path / "datapackage" / "datapackage.json").is_file()
    assert main(["descriptor", "--check"]) == 0
    assert main(["citation-files", "--dir", str(tmp_path)]) == 0 and (tmp_path / ".zenodo.json").is_file()


@pytest.mark.slow
def test_floors_pass_the_tests(tmp_path):
    """Install the oldest allowed version of every dependency in a fresh venv and run the fast tier there."""
    constraints = tmp_path / "floors.txt"
    constraints.write_text("".join(f"{k}=={v}\n" for k, v in sorted(floors().items())), encoding="utf-8")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    py = venv / "bin" / "python"
    done = subprocess.run([str(py), "-m", "pip", "install", "-q", "-c", str(constraints), "-e", f"{REPO}[test]"],
                          capture_output=True, text=True, timeout=2400)
    assert done.returncode == 0, done.stderr[-3000:]
    listed = subprocess.run([str(py), "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True, check=True).stdout
    installed = dict(line.lower().split("==") for line in listed.splitlines() if "==" in line)
    for name, floor in floors().items():
        assert installed[name].split("+")[0] in (floor, f"{floor}.0", f"{floor}.0.0"), (name, installed[name], floor)
    env = {k: v for k, v in os.environ.items() if k not in ("IRAQ_FRONTIERS_SLOW", "SOURCE_DATE_EPOCH")}
    done = subprocess.run([str(py), "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider"], cwd=REPO, capture_output=True,
                          text=True, timeout=3600, env=env)
    assert done.returncode == 0, done.stdout[-5000:]
    # The editable install points back into this checkout: reinstall nothing, leave the venv with tmp_path.


HOOK_CHECK = r"""
import sys
from importlib.abc import MetaPathFinder
allowed = set(sys.argv[3].split(","))

class Absent(MetaPathFinder):
    # Every module outside the standard library and [build-system] requires is absent, as in pip's isolated build env.
    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if top in sys.stdlib_module_names or top in allowed or top.startswith("_"):
            return None
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)

sys.meta_path.insert(0, Absent())
sys.path.insert(0, sys.argv[4])
from iraq_frontiers.release.build import build_parquet_data
build_parquet_data(sys.argv[1], sys.argv[2])
"""


def _build_requires() -> set[str]:
    names = {_name(r) for r in PYPROJECT["build-system"]["requires"]}
    return {"iraq_frontiers", *(n.replace("-", "_") for n in names)}


def test_wheel_hook_needs_only_the_build_requirements(tmp_path):
    """The wheel build hook (hatch_build.py) runs with only [build-system] requires importable: pip's isolated build
    environment has nothing else (issue 24: numpy was missing and `pip wheel .` failed)."""
    allowed = _build_requires()
    assert {"pyarrow", "polars", "numpy", "hatchling"} <= allowed
    done = subprocess.run([sys.executable, "-I", "-c", HOOK_CHECK, str(REPO / "datapackage"), str(tmp_path / "parquet"),
                           ",".join(sorted(allowed)), str(REPO / "src")], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "parquet" / "datapackage.json").is_file() and any((tmp_path / "parquet").glob("*.parquet"))


def test_hook_check_fails_when_a_requirement_is_left_out(tmp_path):
    """The check above can fail: without numpy in the allowed set the hook stops on the missing module."""
    allowed = _build_requires() - {"numpy"}
    done = subprocess.run([sys.executable, "-I", "-c", HOOK_CHECK, str(REPO / "datapackage"), str(tmp_path / "parquet"),
                           ",".join(sorted(allowed)), str(REPO / "src")], capture_output=True, text=True, timeout=600)
    assert done.returncode != 0 and "No module named 'numpy'" in done.stderr


def test_polars_extra_covers_the_csv_reader():
    """A CSV package read with only [polars] installed: the reader's imports are in that extra (or the base)."""
    import ast

    io_dir = REPO / "src" / "iraq_frontiers" / "io"
    covered = {"pyarrow", "iraq_frontiers"} | {n.replace("-", "_") for n in _extra("polars")}
    for name in ("csv_stream.py", "csv_bytes.py", "csv_reader.py", "cells.py", "core.py"):
        path = io_dir / name
        if not path.is_file():
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            for mod in mods:
                top = mod.split(".")[0]
                assert top in sys.stdlib_module_names or top in covered, f"io/{name} imports {top}, not in [polars]"


def test_public_api_in_dir_and_typed():
    """dir(iraq_frontiers) is the public API, every name of it resolves, and the package is marked typed (py.typed
    ships in the wheel: tests/test_install_routes.py)."""
    import iraq_frontiers

    assert dir(iraq_frontiers) == sorted(iraq_frontiers.__all__)
    assert {"validate", "load", "connect", "cite", "datapackage_path", "__version__"} <= set(dir(iraq_frontiers))
    for name in iraq_frontiers.__all__:
        assert getattr(iraq_frontiers, name) is not None, name
    assert (REPO / "src" / "iraq_frontiers" / "py.typed").is_file()


def test_validate_a_table_names_the_folder(capsys, tmp_path):
    events = REPO / "datapackage" / "events.csv"
    assert main(["validate", str(events)]) == 2
    err = capsys.readouterr().err
    assert "is one table, not a package" in err and f"{events.parent}{os.sep})" in err and "datapackage.json" in err


def test_build_with_no_package_says_so(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    assert main(["build", "--out", str(tmp_path / "release")]) == 2
    err = capsys.readouterr().err
    assert "there is no package here" in err and "Traceback" not in err and not (tmp_path / "release").exists()


def test_curate_span_takes_a_file_name_inside_sources(capsys, tmp_path):
    (tmp_path / "doc.txt").write_text("One strike hit the depot near the border.\n", encoding="utf-8")
    assert main(["curate", "span", "doc.txt", "the depot", "--sources", str(tmp_path), "--data", str(REPO / "datapackage")]) == 0
    assert capsys.readouterr().out.startswith("span_start=15 span_end=24 ")
    assert main(["curate", "span", "other.txt", "the depot", "--sources", str(tmp_path), "--data", str(REPO / "datapackage")]) == 2
    assert "nor one in --sources" in capsys.readouterr().err


@pytest.mark.ci
def test_release_carries_its_wheel_and_sdist(curated_release, tmp_path):
    """A release built from the checkout holds dist/: the sdist and the wheel (with the Parquet package), both in
    SHA256SUMS; `verify` fails when one is altered."""
    import shutil
    import zipfile

    import pyarrow.parquet as pq
    from importlib.util import find_spec

    from iraq_frontiers.io.verify import verify

    if find_spec("hatchling") is None:
        pytest.skip("hatchling is not installed (pip install -e '.[toolkit]'): the release has no dist/")
    version = curated_release.name
    wheel = curated_release / "dist" / f"iraq_frontiers-{version}-py3-none-any.whl"
    sdist = curated_release / "dist" / f"iraq_frontiers-{version}.tar.gz"
    assert sorted(p.name for p in (curated_release / "dist").iterdir()) == sorted([wheel.name, sdist.name])
    sums = (curated_release / "SHA256SUMS").read_text(encoding="utf-8")
    assert f"  dist/{wheel.name}\n" in sums and f"  dist/{sdist.name}\n" in sums
    assert "dist/" in (curated_release / "README.md").read_text(encoding="utf-8")
    with zipfile.ZipFile(wheel) as zf:
        for t in (curated_release / "parquet").glob("*.parquet"):
            with zf.open(f"iraq_frontiers/_data/parquet/{t.name}") as fh:
                assert pq.read_metadata(fh).num_rows == pq.read_metadata(t).num_rows, t.name
    copy = tmp_path / version
    shutil.copytree(curated_release, copy)
    assert verify(copy).ok
    with (copy / "dist" / wheel.name).open("ab") as fh:
        fh.write(b"\0")
    assert not verify(copy).ok


def test_readme_commands_are_what_ci_runs():
    """The README's main job installs [toolkit] only and is what .ci/run runs first; CI's tests run the user's paths."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    blocks = re.findall(r"^```sh\n(.*?)^```", readme.split("## The two commands", 1)[1], flags=re.M | re.S)
    main_job = blocks[0].strip()
    assert "pip install -e '.[toolkit]'" in main_job and "[test" not in main_job
    assert main_job in ci
    assert "pytest -p no:cacheprovider --run-paths -m paths" in ci and "IRAQ_FRONTIERS_CI=1" in ci
    assert "pip install -e '.[test,spark]'" in ci
