"""Issue 27 (hostile input, round 3), classes 5 to 7: each case planted here, failing without its fix.

Classes 3 and 4 (readers of a release, SHA256SUMS) are in tests/test_verify.py; class 6 (the regex
dialect) in tests/test_engines_agree.py and below.
"""
from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pytest

from iraq_frontiers.curate.store import StoreError, insert_curated, read_rows
from iraq_frontiers.importers.layer import LayerError, merge_layer
from iraq_frontiers.io.csv_records import csv_records

ROOT = Path(__file__).resolve().parents[1]


def _strict(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), strict=True))


# class 5: one CSV reader and one writer for every reading and writing of the package's CSV

def test_store_keeps_a_record_with_a_line_separator_whole(tmp_path):
    data = tmp_path / "pkg"
    shutil.copytree(ROOT / "datapackage", data, ignore=shutil.ignore_patterns("*.json", "*.md"))
    path = data / "sources.csv"
    rows = _strict(path.read_text(encoding="utf-8"))
    header = rows[0]
    curated = [r for r in rows[1:] if r[header.index("origin")] == "curated"]
    first = dict(zip(header, curated[0]))
    title = first["title"] + "\u2028second line"  # valid: not a line break in CSV; the writer leaves it unquoted
    text = path.read_text(encoding="utf-8").replace(first["title"], title, 1)
    path.write_text(text, encoding="utf-8")
    insert_curated(data, "sources", [{"id": "src-new", "origin": "curated", "title": "New", "publisher": "P",
                                      "published_date_precision": "unknown", "published_date_basis": "unknown",
                                      "language": "en", "kind": "news_article"}])
    after = _strict(path.read_text(encoding="utf-8"))
    assert [r for r in after if r[0] != "src-new"] == _strict(text), "every existing record is kept whole"
    assert dict(zip(header, next(r for r in after if r[0] == first["id"])))["title"] == title
    ids = [r[0] for r in after[1:]]
    assert ids.index("src-new") == len(curated), "the new row ends the curated block"
    assert next(r for r in read_rows(data, "sources") if r["id"] == first["id"])["title"] == title


def test_layer_merge_reads_an_unquoted_quote_as_the_validator_does(tmp_path):
    """`5"` unquoted is a valid cell (read literally): the layer's old rows after it are still replaced."""
    old = b'id,origin,notes\nevt-a,curated,a 5" gun\nevt-ucdp-1,ucdp-ged,old\nevt-b,curated,z\nevt-ucdp-2,ucdp-ged,old\n'
    (tmp_path / "events.csv").write_bytes(old)
    kept, written = merge_layer(tmp_path, "events", "id,origin,notes\nevt-ucdp-3,ucdp-ged,new\n", "ucdp-ged")
    assert (kept, written) == (2, 1)
    assert (tmp_path / "events.csv").read_bytes() == b'id,origin,notes\nevt-a,curated,a 5" gun\nevt-b,curated,z\nevt-ucdp-3,ucdp-ged,new\n'


def test_the_one_reader_names_the_file_and_line(tmp_path):
    (tmp_path / "events.csv").write_bytes(b'id,origin,notes\nevt-a,curated,ok\nevt-b,curated,"x"y\n')
    with pytest.raises(LayerError, match=r"events\.csv.*line 3"):
        merge_layer(tmp_path, "events", "id,origin,notes\n", "ucdp-ged")
    (tmp_path / "actors.csv").write_bytes(b'id,name\n"act-a,unclosed\n')
    with pytest.raises(StoreError, match=r"actors\.csv.*line 2.*never closed"):
        insert_curated(tmp_path, "actors", [])


def test_records_concatenate_to_the_input_and_agree_with_the_validator():
    text = 'a,b\r\n"x\r\ny",5"\rq\u2028r,\u0085\n"",""""\nlast,row'
    recs = list(csv_records(text))
    assert "".join(r.raw for r in recs) == text
    assert [r.cells for r in recs] == _strict(text)
    assert [(r.first_line, r.last_line) for r in recs] == [(1, 1), (2, 3), (4, 4), (5, 5), (6, 6)]


# class 6: the regex dialect's classes, spelt out for RE2 and Rust, mean what Python's re means

def test_dialect_classes_agree_with_python_over_unicode():
    import re
    import unicodedata

    import duckdb
    import polars as pl

    from iraq_frontiers.schema.regex import engine_regex

    chars = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) not in ("Cn", "Cs")]
    series = pl.Series("v", chars)
    con = duckdb.connect()
    con.register("t", series.to_frame().to_arrow())
    for cls in (r"\d", r"\w", r"\s", r"\D", r"\W", r"\S", r"[\d\s_]", r"[^\w]"):
        python = [bool(re.fullmatch(cls, c)) for c in chars]
        regex = engine_regex(cls)
        rust = series.str.contains(regex).to_list()
        re2 = [r[0] for r in con.execute("SELECT regexp_matches(v, ?) FROM t", [regex]).fetchall()]
        assert rust == python, (cls, [c for c, a, b in zip(chars, rust, python) if a != b][:20])
        assert re2 == python, (cls, [c for c, a, b in zip(chars, re2, python) if a != b][:20])


# class 7: the workbench's inputs are bounded

def _curate(*args: str, cwd: Path, timeout: float = 60):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "iraq_frontiers.cli", "curate", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


def _add_source(path: Path, data: Path, sid: str = "src-hostile", timeout: float = 60):
    return _curate("add-source", str(path), "--id", sid, "--title", "Hostile", "--publisher", "P", "--date", "2030-03-05",
                   "--basis", "inferred_from_content", "--data", str(data), cwd=data.parent, timeout=timeout)


@pytest.fixture()
def curated(tmp_path) -> Path:
    data = tmp_path / "datapackage"
    shutil.copytree(ROOT / "datapackage", data, ignore=shutil.ignore_patterns("*.json", "*.md"))
    return data


def test_workbench_refuses_a_device_or_a_fifo_as_a_document(curated, tmp_path):
    import os

    zero = _add_source(Path("/dev/zero"), curated, timeout=30)  # was read without bound
    assert zero.returncode == 2 and "not a regular file" in zero.stderr and "Traceback" not in zero.stderr
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    out = _add_source(fifo, curated, timeout=30)  # was waiting for a writer forever
    assert out.returncode == 2 and "not a regular file" in out.stderr


def test_workbench_refuses_a_document_outside_the_sources_folder(curated, tmp_path):
    import hashlib

    sources = tmp_path / "texts"
    sources.mkdir()
    secret = tmp_path / "outside.txt"
    secret.write_text("a text outside the sources folder\n", encoding="utf-8")
    assert _add_source(secret, curated).returncode == 0
    path = curated / "sources.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",outside.txt,", ",../outside.txt,"), encoding="utf-8")
    assert hashlib.sha256(secret.read_bytes()).hexdigest() in path.read_text(encoding="utf-8")
    span = _curate("span", "src-hostile", "a text", "--data", str(curated), "--sources", str(sources), cwd=tmp_path)
    assert span.returncode == 2 and "not a file inside the sources folder" in span.stderr, span.stderr
    check = _curate("check", "--data", str(curated), "--sources", str(sources), cwd=tmp_path)
    assert check.returncode == 1 and "src-hostile" in check.stdout and "not a file inside the sources folder" in check.stdout


def test_workbench_names_a_span_that_is_not_a_whole_number(curated, tmp_path):
    sources = tmp_path / "texts"
    sources.mkdir()
    (sources / "doc.txt").write_text("Wardens opened a tower.\n", encoding="utf-8")
    assert _add_source(sources / "doc.txt", curated).returncode == 0
    insert_curated(curated, "claims", [{"id": "clm-hostile", "origin": "curated", "source_id": "src-hostile", "anonymous": False,
                                        "stance": "asserts", "statement": "A tower.", "direct_quote": False,
                                        "span_start": "1.5", "span_end": "7", "span_sha256": "0" * 64}])
    check = _curate("check", "--data", str(curated), "--sources", str(sources), cwd=tmp_path)
    assert check.returncode == 1, check.stderr  # was an internal error (exit 3)
    assert "clm-hostile: span_start '1.5' is not a whole number" in check.stdout
    review = _curate("review", "--data", str(curated), "--sources", str(sources), "--out", str(tmp_path / "r.html"), cwd=tmp_path)
    assert review.returncode == 0, review.stderr


# class 7: build's dates and CHANGELOG

@pytest.fixture(scope="module")
def small_source(tmp_path_factory) -> Path:
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from _release_helpers import actor, write_csv_package

    return write_csv_package(tmp_path_factory.mktemp("src") / "src", {"actors": [actor("act-a")]})


def test_build_takes_a_source_date_epoch_after_2107(small_source, tmp_path, monkeypatch, capsys):
    import zipfile

    from iraq_frontiers.cli.app import main

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "5000000000")  # 2128-06-11: past the zip format's last year
    assert main(["build", str(small_source), "--out", str(tmp_path / "out")]) == 0, capsys.readouterr().err
    (release,) = (tmp_path / "out").iterdir()
    descriptor = (release / "parquet" / "datapackage.json").read_text(encoding="utf-8")
    assert '"created": "2128-06-11T08:53:20Z"' in descriptor
    with zipfile.ZipFile(next(release.glob("*.zip"))) as z:
        assert {i.date_time[0] for i in z.infolist()} == {2107}  # the zip's times stop at its last date
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "300000000000")  # year 11476: not a date Python holds
    assert main(["build", str(small_source), "--out", str(tmp_path / "out2")]) == 2
    assert "SOURCE_DATE_EPOCH" in capsys.readouterr().err


def test_build_refuses_a_changelog_that_is_not_utf8(small_source, tmp_path, capsys):
    from iraq_frontiers.cli.app import main
    from iraq_frontiers.schema.metadata import package_metadata

    version = package_metadata()["version"]
    changelog = tmp_path / "CHANGELOG.md"
    changelog.write_bytes(f"# Changelog\n\n## [{version}] - 2026-01-01\n- caf\xe9 (Latin-1)\n".encode("latin-1"))
    code = main(["build", str(small_source), "--out", str(tmp_path / "out"), "--changelog", str(changelog)])
    err = capsys.readouterr().err
    assert code == 2 and "CHANGELOG.md is not UTF-8" in err and "line 4" in err, err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


# class 7: trailing blank lines are not parsed into rows

def test_trailing_blank_lines_never_reach_the_parser():
    import io as _io

    from iraq_frontiers.io.csv_bytes import ByteScan

    for tail in (b"\n" * 3_000_000, b"\r\n" * 1_500_000, b"\r" * 3_000_000):
        scan = ByteScan(_io.BytesIO(b"id,v\na,1\n" + tail), ",")
        handed = b"".join(iter(lambda: scan.read(1 << 20), b""))
        assert handed == b"id,v\na,1\n", handed[-20:]
        assert scan.breaks == 2 and scan.tail_breaks == 1
    scan = ByteScan(_io.BytesIO(b"id,v\na,1\n\r\n\n\nb,2\n\n"), ",")  # a run followed by a row is handed on exactly
    assert b"".join(iter(lambda: scan.read(3), b"")) == b"id,v\na,1\n\r\n\n\nb,2\n"


def test_three_megabytes_of_trailing_blank_lines_validate_in_bounded_memory(tmp_path):
    """20 columns and 3 MB of blank lines took validate to 1.7 GB (a row of 20 empty cells per line)."""
    import json
    import subprocess
    import sys

    names = ["id", *(f"c{i}" for i in range(19))]
    desc = {"name": "blank", "resources": [{"name": "items", "path": "items.csv", "format": "csv", "schema": {
        "fields": [{"name": n, "type": "string"} for n in names], "primaryKey": ["id"]}}]}
    (tmp_path / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    base = tmp_path / "base"
    base.mkdir()
    (base / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    (base / "items.csv").write_bytes((",".join(names) + "\n" + ",".join(["a", *"x" * 19]) + "\n").encode())
    (tmp_path / "items.csv").write_bytes((base / "items.csv").read_bytes() + b"\n" * 3_000_000)
    code = ("import resource, sys, iraq_frontiers; r = iraq_frontiers.validate(sys.argv[1]); "
            "print(r.exit_code, len(r.problems), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")

    def peak(folder):
        out = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True, timeout=300)
        exit_code, problems, peak_kib = map(int, out.stdout.split())
        assert (exit_code, problems) == (0, 0), out.stderr
        return peak_kib

    # against the same package without the blank lines, measured in the same run (the machine is shared):
    # the blank lines may cost at most 400 MiB more (they cost 1.6 GB before the fix)
    blank, baseline = peak(tmp_path), peak(base)
    assert blank < baseline + 400 * 1024, f"peak RSS {blank // 1024} MiB against {baseline // 1024} MiB without the blank lines"


# class 7: load() and connect() name the file they cannot read

def test_load_and_connect_name_a_truncated_zip_and_a_missing_table_file(small_source, tmp_path):
    import iraq_frontiers
    from iraq_frontiers.io.core import InputError
    from iraq_frontiers.release.build import build_release

    release = build_release(small_source, tmp_path / "out").folder
    data = next(release.glob("*-parquet.zip")).read_bytes()
    truncated = tmp_path / "copy" / "truncated.zip"
    truncated.parent.mkdir()
    truncated.write_bytes(data[: len(data) // 2])
    package = tmp_path / "copy" / "pkg"
    shutil.copytree(release / "parquet", package)
    (package / "actors.parquet").unlink()
    for call in (lambda p: iraq_frontiers.load("actors", path=p), iraq_frontiers.connect):
        with pytest.raises(InputError, match=re.escape(str(truncated)) + ": the zip archive is truncated"):
            call(truncated)
        with pytest.raises(InputError, match=re.escape((package / "actors.parquet").as_posix()) + ", table actors: .*does not exist"):
            call(package)
    with pytest.raises(ValueError, match=r"no table 'nope' in .*pkg"):
        iraq_frontiers.load("nope", path=package)


# class 7: a folder without read permission is unreadable input (exit 2), not an internal error (exit 3)

def _without_permission_checks(argv: list[str]) -> list[str] | None:
    """argv run where file permissions apply: as is for a user, without root's override capabilities for root."""
    import os
    import shlex

    if os.geteuid() != 0:
        return argv
    capsh = shutil.which("capsh")
    if capsh is None:
        return None
    return [capsh, "--drop=cap_dac_override,cap_dac_read_search", "--", "-c", shlex.join(argv)]


def test_a_folder_without_read_permission_is_unreadable_input(tmp_path):
    import subprocess
    import sys

    folder = tmp_path / "pkg"
    folder.mkdir()
    (folder / "datapackage.json").write_text('{"name": "locked", "resources": []}', encoding="utf-8")
    probe = _without_permission_checks([sys.executable, "-c", f"open({str(folder / 'datapackage.json')!r})"])
    if probe is None:
        pytest.skip("running as root without capsh: permissions cannot be made to apply")
    folder.chmod(0)
    try:
        if subprocess.run(probe, capture_output=True).returncode == 0:
            pytest.skip("file permissions do not apply here")
        for target in (folder, folder / "datapackage.json"):
            for command in (["validate", str(target)], ["diff", str(target), str(target)]):
                argv = _without_permission_checks([sys.executable, "-m", "iraq_frontiers.cli", *command])
                out = subprocess.run(argv, capture_output=True, text=True, timeout=120)
                both = out.stdout + out.stderr
                assert out.returncode == 2, (command, both)  # was 3: an internal error
                assert "Permission denied" in both and "internal" not in both and str(target.relative_to(tmp_path)) in both, both
    finally:
        folder.chmod(0o755)


# class 7: a descriptor listing 5,000 resources

def test_a_descriptor_with_5000_resources_is_refused_at_once(tmp_path):
    import json
    import time

    import iraq_frontiers
    from iraq_frontiers.io.core import MAX_RESOURCES, InputError

    resources = [{"name": f"t{i}", "path": f"t{i}.csv", "format": "csv", "schema": {"fields": [{"name": "id", "type": "string"}]}}
                 for i in range(5000)]
    (tmp_path / "datapackage.json").write_text(json.dumps({"name": "many", "resources": resources}), encoding="utf-8")
    for i in range(5000):
        (tmp_path / f"t{i}.csv").write_bytes(b"id\na\n")
    start = time.monotonic()
    report = iraq_frontiers.validate(tmp_path)
    assert time.monotonic() - start < 10  # was over a minute
    assert report.exit_code == 2 and report.codes() == {"descriptor-unreadable"}
    assert f"lists 5000 resources; the limit is {MAX_RESOURCES}" in report.problems[0].message
    assert report.problems[0].file.endswith("datapackage.json")
    with pytest.raises(InputError, match="5000 resources"):
        iraq_frontiers.load("t0", path=tmp_path)
