"""`iraq-frontiers build`: layout, validation first, atomic writes, determinism, Parquet and CSV forms,
release notes and the version bump rule (issue 4)."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from _release_helpers import REPO, actor, edge_tables, read_json, write_csv_package
from iraq_frontiers.release import build as release
from iraq_frontiers.cli.app import main
from iraq_frontiers.schema.metadata import package_metadata, release_table_names, table_names, table_schema
from iraq_frontiers.release.release_docs import DOCUMENTS

VERSION = package_metadata()["version"]

# The Table Schema -> Parquet type contract, written out here independently of the compiler.
EXPECTED_TYPES = {
    "string": pa.string(), "integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_(),
    "date": pa.date32(), "datetime": pa.timestamp("us", tz="UTC"),
}


@pytest.fixture(autouse=True)
def _no_source_date_epoch(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


@pytest.fixture
def set_version(monkeypatch, tmp_path):
    """Pretend schemas/package.json says another version (for the bump rule), with a CHANGELOG section for it;
    the descriptors of `packages` are regenerated to carry it."""
    import iraq_frontiers.schema.descriptor as descriptor
    from iraq_frontiers.release import files as release_files, notes as release_notes, tables as release_tables

    base = package_metadata()
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text("# Changelog\n\n## [Unreleased]\n", encoding="utf-8")
    monkeypatch.setattr(release, "default_changelog", lambda source=None: changelog)

    def _set(version: str, *packages: Path) -> None:
        meta = {**base, "version": version}
        for module in (release, release_tables, release_notes, release_files, descriptor):  # every reader of package.json
            monkeypatch.setattr(module, "package_metadata", lambda: meta)
        with changelog.open("a", encoding="utf-8") as fh:
            fh.write(f"\n## [{version}] - {base['citation']['date-released']}\n\n### Data\n- Release {version}.\n")
        for folder in packages:
            (folder / "datapackage.json").write_text(descriptor.dumps(descriptor.build_descriptor("csv")), encoding="utf-8")

    return _set


@pytest.fixture
def small(tmp_path) -> Path:
    return write_csv_package(tmp_path / "src", {"actors": [
        actor("act-a", description="=1+1 is not a formula here"),
        actor("act-b", name="+B", aliases=["@alias", "-dash", "plain"], notes="a \"quoted\", comma\nand newline"),
    ]})


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.startswith(".")) if out.exists() else []


def test_layout_checksums_and_notes(small, tmp_path):
    result = release.build_release(small, tmp_path / "out")
    folder = tmp_path / "out" / VERSION
    assert result.folder == folder and folder.is_dir()
    names = release_table_names()  # curated and derived tables
    for fmt in ("parquet", "csv"):
        assert sorted(p.name for p in (folder / fmt).iterdir()) == sorted([f"{t}.{fmt}" for t in names] + ["datapackage.json"])
        with zipfile.ZipFile(folder / f"iraq-frontiers-{VERSION}-{fmt}.zip") as zf:
            members = {n: zf.read(n) for n in zf.namelist()}
        package = {p.name: p.read_bytes() for p in (folder / fmt).iterdir()}
        assert set(members) == set(package) | set(DOCUMENTS)  # the package at the top level, with the documents
        assert {n: members[n] for n in package} == package
    # SHA256SUMS covers every other file, with correct hashes (sha256sum -c format).
    sums = (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    listed = {}
    for line in sums:
        digest, name = line.split("  ", 1)
        listed[name] = digest
    files = _files(folder)
    assert set(listed) == set(files) - {"SHA256SUMS"}
    for name, digest in listed.items():
        assert hashlib.sha256(files[name]).hexdigest() == digest
    notes = (folder / "RELEASE_NOTES.md").read_text(encoding="utf-8")
    assert VERSION in notes and "First release" in notes
    assert "| actors | 2 |" in notes and "| events | 0 |" in notes
    assert result.rows["actors"] == 2
    assert _leftovers(tmp_path / "out") == []


def test_two_builds_identical(small, tmp_path):
    release.build_release(small, tmp_path / "a")
    release.build_release(small, tmp_path / "b")
    a, b = _files(tmp_path / "a" / VERSION), _files(tmp_path / "b" / VERSION)
    assert a["SHA256SUMS"] == b["SHA256SUMS"]
    assert a == b


def test_curated_package_builds_reproducibly(tmp_path, curated_release, monkeypatch):
    """The done-when check: two builds of datapackage/ give identical SHA256SUMS (0 rows or many). The first is the
    session's release (tests/conftest.py); the wheel and sdist in dist/ included (built from the checkout: a file
    edited between the two builds shows here)."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)  # as the session's release was built
    first = release.build_release(REPO / "datapackage", tmp_path / "a")
    assert first.sha256sums == (curated_release / "SHA256SUMS").read_text(encoding="utf-8")
    from iraq_frontiers.validation.run import validate

    assert {t: first.rows[t] for t in table_names()} == validate(REPO / "datapackage").tables
    assert set(first.rows) == set(release_table_names())  # and the derived tables


def test_source_date_epoch_sets_created(small, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")  # 2025-01-01T00:00:00Z
    release.build_release(small, tmp_path / "out")
    folder = tmp_path / "out" / VERSION
    for fmt in ("parquet", "csv"):
        assert read_json(folder / fmt / "datapackage.json")["created"] == "2025-01-01T00:00:00Z"
        with zipfile.ZipFile(folder / f"iraq-frontiers-{VERSION}-{fmt}.zip") as zf:
            assert {i.date_time for i in zf.infolist()} == {(2025, 1, 1, 0, 0, 0)}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "not-a-number")
    with pytest.raises(release.ReleaseError):
        release.build_release(small, tmp_path / "out2")
    assert not (tmp_path / "out2" / VERSION).exists()


def test_refuses_invalid_package(tmp_path, capsys):
    bad = write_csv_package(tmp_path / "bad", {"actors": [actor("act-a"), actor("act-a")]})  # duplicate key
    with pytest.raises(release.InvalidPackage) as exc:
        release.build_release(bad, tmp_path / "out")
    assert exc.value.report is not None and "primary-key-duplicate" in exc.value.report.codes()
    assert not (tmp_path / "out" / VERSION).exists() and _leftovers(tmp_path / "out") == []
    assert main(["build", str(bad), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "primary-key-duplicate" in err and "Traceback" not in err


def test_refuses_stale_descriptor(small, tmp_path):
    descriptor = read_json(small / "datapackage.json")
    descriptor["resources"][1]["schema"]["fields"][1]["description"] = "edited by hand"
    (small / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    with pytest.raises(release.InvalidPackage, match="out of date"):
        release.build_release(small, tmp_path / "out")


def test_existing_release_needs_force(small, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["build", str(small), "--out", str(out), "--quiet"]) == 0
    marker = out / VERSION / "marker"
    marker.write_text("old")
    capsys.readouterr()
    assert main(["build", str(small), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "--force" in err and "Traceback" not in err
    assert marker.exists()
    assert main(["build", str(small), "--out", str(out), "--force", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["ok"] and payload["version"] == VERSION and payload["rows"]["actors"] == 2
    assert not marker.exists() and (out / VERSION / "SHA256SUMS").is_file()
    assert _leftovers(out) == []


def test_a_version_is_one_content(small, tmp_path, capsys):
    """--force rebuilds identical bytes only: other data under an existing version is refused, the release untouched."""
    out = tmp_path / "out"
    assert main(["build", str(small), "--out", str(out), "--quiet"]) == 0
    before = _files(out / VERSION)
    changed = write_csv_package(tmp_path / "changed", {"actors": [actor("act-a"), actor("act-z")]})
    capsys.readouterr()
    assert main(["build", str(changed), "--out", str(out), "--force"]) == 1
    err = capsys.readouterr().err
    assert "one content" in err and "parquet/actors.parquet" in err and "Traceback" not in err
    assert _files(out / VERSION) == before and _leftovers(out) == []
    # the same data again is accepted (a reproducible rebuild), and repairs a damaged copy
    (out / VERSION / "csv" / "actors.csv").write_bytes(b"damaged")
    assert main(["build", str(small), "--out", str(out), "--force", "--quiet"]) == 0
    assert _files(out / VERSION) == before


def test_release_needs_dated_changelog_section(small, tmp_path, capsys):
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_text("# Changelog\n\n## [Unreleased]\n\n### Data\n- Something.\n", encoding="utf-8")
    args = ["build", str(small), "--out", str(tmp_path / "out"), "--changelog", str(changelog)]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert f"## [{VERSION}]" in err and "Unreleased" in err
    changelog.write_text(f"# Changelog\n\n## [{VERSION}]\n\n### Data\n- Something.\n", encoding="utf-8")
    assert main(args) == 1 and "no release date" in capsys.readouterr().err
    changelog.write_text(f"# Changelog\n\n## [{VERSION}] - 1999-01-01\n\n### Data\n- Something.\n", encoding="utf-8")
    assert main(args) == 1 and "date-released" in capsys.readouterr().err
    released = package_metadata()["citation"]["date-released"]
    changelog.write_text(f"# Changelog\n\n## [{VERSION}] - {released}\n\n### Data\n- Something.\n", encoding="utf-8")
    assert main(args + ["--quiet"]) == 0
    assert "- Something." in (tmp_path / "out" / VERSION / "RELEASE_NOTES.md").read_text(encoding="utf-8")


def test_foreign_metadata_refused(tmp_path):
    """A package whose descriptor names another dataset (a synthetic one) is not released under this name."""
    from iraq_frontiers.synth.packages import synthesize

    synthesize(tmp_path / "syn", events=20, fmt="csv")
    descriptor = read_json(tmp_path / "syn" / "datapackage.json")
    assert descriptor["name"] != package_metadata()["name"] and "ynthetic" in descriptor["title"]
    assert descriptor["description"] != package_metadata()["description"]
    with pytest.raises(release.InvalidPackage, match="name, title, description"):
        release.build_release(tmp_path / "syn", tmp_path / "out")


def test_failed_build_leaves_nothing(small, tmp_path, monkeypatch):
    out = tmp_path / "out"

    def boom(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(release, "write_csv_package", boom)
    with pytest.raises(OSError):
        release.build_release(small, out)
    assert not (out / VERSION).exists() and _leftovers(out) == []
    # With --force over an existing release, a failure keeps the old release whole.
    monkeypatch.undo()
    release.build_release(small, out)
    before = _files(out / VERSION)
    monkeypatch.setattr(release, "write_zip", boom)
    with pytest.raises(OSError):
        release.build_release(small, out, force=True)
    assert _files(out / VERSION) == before and _leftovers(out) == []


def test_release_descriptors_self_contained(small, tmp_path):
    release.build_release(small, tmp_path / "out")
    folder = tmp_path / "out" / VERSION
    for fmt in ("parquet", "csv"):
        d = read_json(folder / fmt / "datapackage.json")
        assert d["version"] == VERSION and d["name"] == package_metadata()["name"]
        assert [r["name"] for r in d["resources"]] == release_table_names()
        for r in d["resources"]:
            assert r["path"] == f"{r['name']}.{fmt}" and r["format"] == fmt
            data = (folder / fmt / r["path"]).read_bytes()
            assert r["bytes"] == len(data)
            assert r["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
            assert isinstance(r["schema"], dict) and r["schema"] == table_schema(r["name"])
        # deterministic: the release date of the CHANGELOG section, never the build time
        assert d["created"] == f"{package_metadata()['citation']['date-released']}T00:00:00Z"


# --- Parquet ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def edge_release(tmp_path_factory):
    folder = tmp_path_factory.mktemp("edge")
    tables = edge_tables()
    release.write_parquet_package(tables, folder / "parquet")
    release.write_csv_package(tables, folder / "csv")
    return folder, tables


def test_parquet_types_compression_metadata(edge_release):
    folder, tables = edge_release
    for t in table_names():
        f = pq.ParquetFile(folder / "parquet" / f"{t}.parquet")
        schema = table_schema(t)
        arrow = f.schema_arrow
        names = [fl["name"] for fl in schema["fields"]]
        assert arrow.names[: len(names)] == names
        for fl in schema["fields"]:
            got = arrow.field(fl["name"]).type
            if fl.get("listDelimiter"):
                assert pa.types.is_list(got) and got.value_type == pa.string()
            else:
                assert got == EXPECTED_TYPES[fl["type"]], (t, fl["name"], got)
        meta = f.metadata
        kv = meta.metadata
        assert b"pandas" not in kv and b"ARROW:schema" not in kv
        assert json.loads(kv[b"iraq_frontiers.table_schema"]) == schema
        assert meta.serialized_size < 64 * 1024
        for rg in range(meta.num_row_groups):
            for c in range(meta.num_columns):
                assert meta.row_group(rg).column(c).compression == "ZSTD"
        assert pq.read_table(folder / "parquet" / f"{t}.parquet", columns=names).to_pylist() == tables[t].to_pylist()


def test_parquet_rebuild_byte_identical(edge_release, tmp_path):
    folder, tables = edge_release
    # Same values in differently chunked tables: still the same bytes.
    rechunked = {t: pa.concat_tables([tb.slice(0, 1), tb.slice(1)]) for t, tb in tables.items()}
    release.write_parquet_package(rechunked, tmp_path / "again")
    assert _files(tmp_path / "again") == _files(folder / "parquet")


def test_locations_geoparquet(edge_release):
    folder, tables = edge_release
    path = folder / "parquet" / "locations.parquet"
    f = pq.ParquetFile(path)
    geo = json.loads(f.metadata.metadata[b"geo"])
    assert geo["version"] == "1.1.0" and geo["primary_column"] == "geometry"
    col = geo["columns"]["geometry"]
    assert col["encoding"] == "WKB" and col["geometry_types"] == ["Point"]
    assert "crs" not in col or col["crs"] in ("OGC:CRS84",)  # absent crs means OGC:CRS84 in GeoParquet
    assert col["bbox"] == [44.40088, 33.34058, 44.40088, 33.34058]
    data = pq.read_table(path)
    assert data.schema.field("latitude").type == pa.float64() and data.schema.field("longitude").type == pa.float64()
    assert data.schema.field("geometry").type == pa.binary()
    for row in data.to_pylist():
        if row["latitude"] is None or row["longitude"] is None:
            assert row["geometry"] is None
        else:
            order, kind, x, y = struct.unpack("<BIdd", row["geometry"])
            assert (order, kind, x, y) == (1, 1, row["longitude"], row["latitude"])


# --- CSV --------------------------------------------------------------------------------------

def test_csv_form(edge_release):
    folder, tables = edge_release
    for t in table_names():
        raw = (folder / "csv" / f"{t}.csv").read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        text = raw.decode("utf-8")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        schema = table_schema(t)
        assert rows[0] == [f["name"] for f in schema["fields"]]
        assert "\r" not in text.replace("\r\n", "") and "\r\n" not in text
        assert len(rows) == 1 + tables[t].num_rows
        expected = tables[t].to_pylist()
        for got, want in zip(rows[1:], expected):
            for cell, f in zip(got, schema["fields"]):
                value = want[f["name"]]
                if value is None:
                    assert cell == ""
                elif f.get("listDelimiter"):
                    assert cell.split(f["listDelimiter"]) == value
                elif f["type"] == "date":
                    assert cell == value.isoformat()
                elif f["type"] == "boolean":
                    assert cell == ("true" if value else "false")
                elif f["type"] in ("integer", "number"):
                    assert type(value)(cell) == value
                else:
                    assert cell == value


def test_csv_formula_policy_round_trips(small, tmp_path):
    """Policy (docs/csv-policy.md): text is never altered; formula-like cells round-trip exactly."""
    release.build_release(small, tmp_path / "out")
    text = (tmp_path / "out" / VERSION / "csv" / "actors.csv").read_text(encoding="utf-8")
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(text, newline=""))}
    assert rows["act-a"]["description"] == "=1+1 is not a formula here"
    assert rows["act-b"]["name"] == "+B" and rows["act-b"]["aliases"] == "@alias|-dash|plain"
    from iraq_frontiers.release.access import load

    for fmt in ("csv", "parquet"):
        got = {r["id"]: r for r in load("actors", backend="arrow", path=tmp_path / "out" / VERSION / fmt).to_pylist()}
        assert got["act-a"]["description"] == "=1+1 is not a formula here"
        assert got["act-b"]["name"] == "+B" and got["act-b"]["aliases"] == ["@alias", "-dash", "plain"]
        assert got["act-b"]["notes"] == "a \"quoted\", comma\nand newline"
    policy = (REPO / "docs" / "csv-policy.md").read_text(encoding="utf-8")
    assert "import" in policy and "text" in policy and "`=`" in policy


# --- versions, diff and notes -----------------------------------------------------------------

def test_bump_rule_enforced(tmp_path, set_version, capsys):
    out = tmp_path / "out"
    base = [actor("act-a"), actor("act-b")]
    set_version("1.0.0")
    release.build_release(write_csv_package(tmp_path / "v1", {"actors": base}), out)

    added = write_csv_package(tmp_path / "added", {"actors": base + [actor("act-c")]})
    set_version("1.0.1", added)
    with pytest.raises(release.BumpTooSmall, match="minor"):
        release.build_release(added, out)
    assert main(["build", str(added), "--out", str(out)]) == 1
    assert "minor" in capsys.readouterr().err
    assert not (out / "1.0.1").exists()
    set_version("1.1.0", added)
    result = release.build_release(added, out)
    assert result.previous == "1.0.0" and result.required_bump == "minor"
    notes = (out / "1.1.0" / "RELEASE_NOTES.md").read_text(encoding="utf-8")
    assert "Compared with 1.0.0" in notes and "`act-c`" in notes and "| actors | changed | 1 | 0 | 0 |" in notes

    changed = write_csv_package(tmp_path / "changed", {"actors": [actor("act-a", description="Corrected."), actor("act-b"), actor("act-c")]})
    set_version("1.1.0")
    with pytest.raises(release.ReleaseExists):
        release.build_release(changed, out)
    set_version("1.1.1", changed)  # previous is now 1.1.0: a value change needs a patch
    result = release.build_release(changed, out)
    assert result.previous == "1.1.0" and result.required_bump == "patch"
    assert "`act-a`: description" in (out / "1.1.1" / "RELEASE_NOTES.md").read_text(encoding="utf-8")

    removed = write_csv_package(tmp_path / "removed", {"actors": [actor("act-a", description="Corrected.")]})
    set_version("1.2.0", removed)
    with pytest.raises(release.BumpTooSmall, match="major"):
        release.build_release(removed, out)
    set_version("2.0.0", removed)
    assert release.build_release(removed, out).required_bump == "major"


def test_explicit_previous_and_identical(small, tmp_path, set_version):
    set_version("0.9.0", small)
    first = release.build_release(small, tmp_path / "one")
    set_version("0.9.1", small)
    result = release.build_release(small, tmp_path / "two", previous=first.folder / "iraq-frontiers-0.9.0-parquet.zip")
    assert result.previous == "0.9.0" and result.required_bump is None
    assert "No differences" in (result.folder / "RELEASE_NOTES.md").read_text(encoding="utf-8")


def test_build_script_is_thin_entry(tmp_path, small):
    script = REPO / "build_scripts" / "build_release.py"
    done = subprocess.run([sys.executable, str(script), str(small), "--out", str(tmp_path / "out"), "--json"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["version"] == VERSION
    done = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "SHA256SUMS" in done.stdout


def test_diff_counts_rows_by_layer(tmp_path):
    """A reviewer sees which layer moved: rows added, removed and changed per origin (or id namespace)."""
    import shutil

    from iraq_frontiers.release.diff import diff_packages

    old, new = tmp_path / "old", tmp_path / "new"
    shutil.copytree(Path(__file__).resolve().parents[1] / "datapackage", old)
    shutil.copytree(old, new)
    events = (new / "events.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    dropped = next(line for line in events if line.startswith("evt-ucdp-"))
    (new / "events.csv").write_text("".join(line for line in events if line != dropped), encoding="utf-8")
    d = diff_packages(old, new).table("events")
    origin = dropped.split(",")[1]
    assert d.by_layer == {origin: {"added": 0, "removed": 1, "changed": 0}}
    assert f"by layer: {origin} 1 removed" in "\n".join(diff_packages(old, new).format_text().splitlines())
