"""Issue 13, sections 4 and 5: messages a person can act on, and the ambiguous inputs decided one way.

Only public entry points are used (the `iraq-frontiers` command, `iraq_frontiers.validate/load/connect`),
and the packages are built here, so the cases do not depend on where the toolkit's modules live.
Each case has its line in docs/validation.md ("Bad input", decisions).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import iraq_frontiers

REPO = Path(__file__).resolve().parents[1]
CLI = str(Path(sys.executable).with_name("iraq-frontiers"))

ITEMS_FIELDS = [
    {"name": "id", "type": "string", "constraints": {"required": True}},
    {"name": "name", "type": "string"},
    {"name": "count", "type": "integer", "constraints": {"minimum": 0}},
    {"name": "day", "type": "date"},
]
HEADER = "id,name,count,day"
ROWS = ["it-1,Alpha,3,2024-01-31", "it-2,Beta,0,2023-12-01"]


def descriptor(path: str = "items.csv", fields: list[dict] | None = None, **resource: Any) -> dict[str, Any]:
    fmt = path.rsplit(".", 1)[-1]
    res = {"name": "items", "type": "table", "path": path, "format": fmt,
           "schema": {"fields": json.loads(json.dumps(fields or ITEMS_FIELDS)), "primaryKey": ["id"]}}
    res.update(resource)
    return {"$schema": "https://datapackage.org/profiles/2.0/datapackage.json", "name": "round3", "version": "1.0.0",
            "resources": [res]}


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


def package(folder: Path, desc: dict | None = None, items: bytes | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "datapackage.json").write_text(json.dumps(desc or descriptor(), ensure_ascii=False), encoding="utf-8")
    if items is not None or desc is None or desc["resources"][0].get("path") == "items.csv":
        (folder / "items.csv").write_bytes(csv_bytes(*ROWS) if items is None else items)
    return folder


def parquet_package(folder: Path, table, fields: list[dict] | None = None) -> Path:
    import pyarrow.parquet as pq

    package(folder, descriptor("items.parquet", fields))
    pq.write_table(table, folder / "items.parquet")
    return folder


def items_table(**overrides):
    import pyarrow as pa

    cols = {"id": pa.array(["it-1", "it-2", "it-3"]), "name": pa.array(["Alpha", "Beta", "Gamma"]),
            "count": pa.array([3, -1, 2], pa.int64()), "day": pa.array([19753, 19692, 19700], pa.int32()).cast(pa.date32())}
    cols.update(overrides)
    return pa.table(cols)


def run(*argv: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, *argv], cwd=cwd, capture_output=True, text=True, errors="surrogateescape", timeout=600,
                          env={**os.environ, **(env or {})})


def no_traceback(done: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    assert done.returncode != 3, done.stderr


# --------------------------------------------------------------------------------------------
# Section 4: where each problem is (file, row and line), in text and in JSON


def test_text_output_names_file_row_and_line(tmp_path: Path):
    """A CSV problem names the file, the data row and the physical line where the row starts (a quoted cell
    with a newline makes them differ); a blank row shows no empty key."""
    items = csv_bytes('it-1,"two\nlines",3,2024-01-31', ",,,", "it-3,Gamma,-1,2024-01-01")
    folder = package(tmp_path / "p", items=items)
    done = run("validate", str(folder), "--quiet")
    assert done.returncode == 1, done.stdout
    lines = done.stdout.splitlines()
    blank = next(line for line in lines if "[blank-row]" in line)
    assert "items.csv" in blank and "row 2" in blank and "line 4" in blank and "None" not in blank, blank
    minimum = next(line for line in lines if "[minimum]" in line)
    assert "items.csv" in minimum and "row 3" in minimum and "line 5" in minimum and "it-3" in minimum, minimum
    doc = json.loads(run("validate", str(folder), "--json").stdout)
    by_code = {p["code"]: p for p in doc["problems"]}
    assert (by_code["blank-row"]["row"], by_code["blank-row"]["line"]) == (2, 4)
    assert (by_code["minimum"]["row"], by_code["minimum"]["line"]) == (3, 5)
    assert by_code["minimum"]["file"] == "items.csv"


def test_parquet_problems_name_the_row_without_a_line(tmp_path: Path):
    folder = parquet_package(tmp_path / "p", items_table())
    done = run("validate", str(folder), "--quiet")
    line = next(line for line in done.stdout.splitlines() if "[minimum]" in line)
    assert "items.parquet" in line and "row 2" in line and "line" not in line.split(":", 1)[0], line
    doc = json.loads(run("validate", str(folder), "--json").stdout)
    assert [(p["code"], p["row"], p["line"]) for p in doc["problems"]] == [("minimum", 2, None)]


# --------------------------------------------------------------------------------------------
# Section 4: a long value is clipped inside the message; the explanation is never cut

VALUE_CHAR = "ж"  # not ASCII: the explanation's words are ASCII, the value's are not


def _clip_site(site: str, value: str) -> Path:
    """A package that puts `value` (a run of VALUE_CHAR) where `site` says; returns the folder (built under a fresh name)."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="clip-"))
    desc = descriptor()
    fields = desc["resources"][0]["schema"]["fields"]
    items = None
    if site == "descriptor-property":
        desc["resources"][0]["schema"]["primaryKey"] = value  # not a list: the profile names the instance
    elif site == "field-type":
        fields[1]["type"] = value
    elif site == "field-format":
        fields[1]["format"] = value
    elif site == "unknown-keyword":
        fields[1][value] = True
    elif site == "missing-values":
        desc["resources"][0]["schema"]["missingValues"] = [value]
    elif site == "pattern":  # (a longer literal is a regex program too large to compile: refused, a different message)
        fields[1]["constraints"] = {"pattern": value[:600]}
    elif site == "header":
        items = csv_bytes(ROWS[0] + ",x", header=HEADER + "," + value)
    elif site == "integer-cell":
        items = csv_bytes(ROWS[0].replace(",3,", f",{value},"))
    elif site == "date-cell":
        items = csv_bytes(ROWS[0].replace("2024-01-31", value))
    elif site == "foreign-key-value":
        desc["resources"][0]["schema"]["foreignKeys"] = [{"fields": ["name"], "reference": {"resource": "", "fields": ["id"]}}]
        items = csv_bytes(ROWS[0].replace("Alpha", value))
    elif site == "duplicate-key":
        items = csv_bytes(f"{value},A,1,2024-01-01", f"{value},B,2,2024-01-01")
    elif site == "format-name":
        desc["resources"][0]["format"] = value
    elif site == "hash":
        desc["resources"][0]["hash"] = "sha256:" + value
    elif site == "delimiter":
        desc["resources"][0]["dialect"] = {"delimiter": value}
    else:
        raise AssertionError(site)
    return package(folder, desc, items)


CLIP_SITES = ["descriptor-property", "field-type", "field-format", "unknown-keyword", "missing-values", "pattern", "header",
              "integer-cell", "date-cell", "foreign-key-value", "duplicate-key", "format-name", "hash", "delimiter"]
MAX_MESSAGE = 1_000  # characters: a message quotes a clipped value and explains the rest


def _explanation(message: str) -> list[str]:
    """The words of a message that did not come from the value (the clip's own note, '(N characters)', dropped)."""
    return [w for w in re.findall(r"[A-Za-z][A-Za-z'_-]*", message) if w != "characters"]


@pytest.mark.parametrize("site", CLIP_SITES)
@settings(max_examples=3)
@given(length=st.integers(600, 20_000))
def test_a_long_value_is_clipped_never_the_explanation(site: str, length: int):
    """Property: whatever the value's length, each message explains in the same words as for a short value,
    and stays short: only the quoted value is clipped."""
    short, long = (iraq_frontiers.validate(_clip_site(site, VALUE_CHAR * n)) for n in (3, length))
    assert long.problems, site
    pairs = list(zip(sorted(short.problems, key=lambda p: p.code), sorted(long.problems, key=lambda p: p.code)))
    assert [a.code for a, _ in pairs] == [b.code for _, b in pairs] and len(short.problems) == len(long.problems)
    for a, b in pairs:
        assert len(b.message) <= MAX_MESSAGE, (site, len(b.message), b.message[:200])
        assert _explanation(b.message) == _explanation(a.message), (site, a.message, b.message[:300] + " ... " + b.message[-300:])
        assert "internal-error" != b.code


def test_a_resource_path_too_long_for_the_file_system_is_named(tmp_path: Path):
    desc = descriptor(VALUE_CHAR * 300 + ".csv")
    report = iraq_frontiers.validate(package(tmp_path / "p", desc, csv_bytes(*ROWS)))
    assert report.exit_code == 2 and "internal-error" not in report.codes(), report.format_text()
    assert len(report.problems[0].message) <= MAX_MESSAGE


# --------------------------------------------------------------------------------------------
# Section 4: disk errors name the file being written (a full and a read-only file system)


def _can_mount() -> bool:
    if shutil.which("unshare") is None or os.geteuid() != 0:
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt && umount /mnt"],
                           capture_output=True, timeout=30)
    return probe.returncode == 0


needs_mount = pytest.mark.skipif(not _can_mount(), reason="needs root and mount namespaces to make a tiny or read-only file system")


def _ged_csv(path: Path, rows: int) -> Path:
    """A small UCDP GED CSV (the columns the importer reads)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from test_ucdp_import import ged_row, write_ged  # the importer's own test fixture

    return write_ged(path, [ged_row(id=str(i)) for i in range(1, rows + 1)])


WRITERS = {  # command -> argv (OUT is the mounted folder)
    "build": ["build", str(REPO / "datapackage"), "--out", "OUT/release"],
    "synth": ["synth", "--events", "400", "--out", "OUT/synth"],
    "synth-csv": ["synth", "--events", "400", "--format", "csv", "--out", "OUT/synth"],
    "import": ["import", "ucdp-ged", "GED", "--out", "OUT/imported"],
    "curate-add-source": ["curate", "add-source", str(REPO.parent / "shared" / "seeds" / "000_3f6b85b96ac4b75e.txt"),
                          "--id", "src-999", "--title", "A test", "--publisher", "Someone", "--data", "OUT/pkg", "--precision", "unknown",
                          "--basis", "unknown"],
    "curate-review": ["curate", "review", "--out", "OUT/review.html", "--data", str(REPO / "datapackage")],
    "site": ["site", str(REPO / "datapackage"), "--out", "OUT/site"],
    "descriptor": ["descriptor", "--out", "OUT/datapackage.json"],
}


@needs_mount
@pytest.mark.parametrize("kind", ["full", "read-only"])
@pytest.mark.parametrize("command", list(WRITERS))
def test_disk_errors_name_the_file_being_written(tmp_path: Path, command: str, kind: str):
    out = tmp_path / "mnt"
    out.mkdir()
    ged = _ged_csv(tmp_path / "ged.csv", 300)
    argv = [a.replace("OUT", str(out)).replace("GED", str(ged)) for a in WRITERS[command]]
    setup = f"mount -t tmpfs -o size={'8m' if command == 'curate-add-source' or kind == 'read-only' else '24k'} tmpfs {out}"
    if command == "curate-add-source":  # the package being appended to lives on the small file system, which is then filled
        setup += f" && cp -r {REPO / 'datapackage'} {out}/pkg"
        if kind == "full":
            setup += f" && (head -c 64m /dev/zero > {out}/filler 2>/dev/null; true)"
    if kind == "read-only":
        setup += f" && mount -o remount,ro {out}"
    script = f"{setup} && exec \"$@\""
    done = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", CLI, *argv], capture_output=True, text=True,
                          errors="surrogateescape", timeout=600, env={**os.environ, "IRAQ_FRONTIERS_SEEDS": str(REPO.parent / "shared" / "seeds")})
    no_traceback(done)
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    said = done.stderr
    assert ("No space left" if kind == "full" else "Read-only file system") in said, said
    named = re.findall(re.escape(str(out)) + r"[^\s:'\"]*", said)
    assert named, f"the message names no file under {out}: {said}"
    assert "a file" not in said and "Errno" not in said and "[errno" not in said, said


# --------------------------------------------------------------------------------------------
# Section 4: load() and connect() errors; hostile paths


@pytest.mark.parametrize("case", ["string-for-integer", "float-for-integer", "string-for-date", "missing-column"])
def test_load_errors_name_table_and_field(tmp_path: Path, case: str):
    import pyarrow as pa

    table = {
        "string-for-integer": items_table(count=pa.array(["3", "x", "2"])),
        "float-for-integer": items_table(count=pa.array([3.5, 1.0, 2.0])),
        "string-for-date": items_table(day=pa.array(["2024-01-01", "x", "2024-01-02"])),
        "missing-column": items_table().drop(["count"]),
    }[case]
    folder = parquet_package(tmp_path / "p", table)
    field = "day" if case == "string-for-date" else "count"
    with pytest.raises(ValueError) as info:
        iraq_frontiers.load("items", path=folder, backend="arrow")
    message = str(info.value)
    assert "items" in message and field in message, message
    for raw in ("ArrowInvalid", "FieldRef", "scalar of type", "__fragment_index", "truncated converting"):
        assert raw not in message, message


@pytest.mark.parametrize("url", ["http://example.org/x.zip", "https://example.org//a b/p.zip", "s3://bucket/key", "file:///etc/passwd"])
def test_a_url_is_quoted_as_given(url: str):
    for call in (lambda: iraq_frontiers.load("items", path=url), lambda: iraq_frontiers.connect(url)):
        with pytest.raises(ValueError) as info:
            call()
        assert repr(url) in str(info.value), str(info.value)
    report = iraq_frontiers.validate(url)
    assert report.exit_code == 2 and repr(url) in report.problems[0].message
    done = run("validate", url)
    assert done.returncode == 2 and url in done.stdout, done.stdout


@pytest.mark.parametrize("path", [b"/nonexistent/\xff\xfe-bytes", "/nonexistent/\udcff\udcfe-surrogates"])
def test_a_path_of_random_bytes_is_named_escaped(path):
    for call in (lambda: iraq_frontiers.load("items", path=path), lambda: iraq_frontiers.connect(path)):
        with pytest.raises(ValueError) as info:
            call()
        assert "\\xff\\xfe" in str(info.value), str(info.value)
    report = iraq_frontiers.validate(path)
    assert report.exit_code == 2 and "\\xff\\xfe" in report.problems[0].message, report.problems[0].message
    text = os.fsdecode(path) if isinstance(path, bytes) else path
    done = subprocess.run([CLI, "validate", text], capture_output=True, timeout=120,
                          env={**os.environ, "PYTHONIOENCODING": "utf-8:strict", "LC_ALL": "C.UTF-8"})
    assert done.returncode == 2 and b"Traceback" not in done.stderr, done.stderr
    assert b"\\xff\\xfe" in done.stdout and b"\xff" not in done.stdout, done.stdout


def _options_with_limit():
    """(command words) of every subcommand that has a --limit option, found from the parser itself."""
    import argparse
    from importlib import import_module
    from importlib.metadata import entry_points

    (ep,) = [e for e in entry_points(group="console_scripts") if e.name == "iraq-frontiers"]
    parser = import_module(ep.load().__module__).build_parser()  # the module defining main() builds the parser

    def walk(p: argparse.ArgumentParser, words: tuple[str, ...]):
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield from walk(sub, (*words, name))
            elif "--limit" in action.option_strings:
                yield words

    return sorted(set(walk(parser, ())))


def test_limit_below_one_is_refused_wherever_it_exists():
    commands = _options_with_limit()
    assert ("validate",) in commands and len(commands) >= 3, commands
    for words in commands:
        for bad in ("0", "-1"):
            done = run(*words, "--limit", bad)
            assert done.returncode == 2 and "--limit" in done.stderr and "at least 1" in done.stderr, (words, done.stderr)


# --------------------------------------------------------------------------------------------
# Section 5: decided, then documented


def test_a_zip_with_two_descriptors_is_refused_naming_both(tmp_path: Path):
    folder = package(tmp_path / "p")
    archive = tmp_path / "two.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for prefix in ("first/", "second/"):
            zf.write(folder / "datapackage.json", prefix + "datapackage.json")
            zf.write(folder / "items.csv", prefix + "items.csv")
    report = iraq_frontiers.validate(archive)
    assert report.exit_code == 2 and report.codes() == {"archive-unreadable"}, report.format_text()
    message = report.problems[0].message
    assert "first/datapackage.json" in message and "second/datapackage.json" in message, message


LOC_FIELDS = [
    {"name": "id", "type": "string", "constraints": {"required": True}},
    {"name": "parent_id", "type": "string"},
]


def _locations(tmp_path: Path, rows: list[tuple[str, str]]) -> Path:
    """A package holding the dataset's real `locations` table, with the given (id, parent_id) rows."""
    from iraq_frontiers.schema.metadata import table_schema  # the dataset's own schema (schemas/locations.json)

    schema = table_schema("locations")
    names = [f["name"] for f in schema["fields"]]
    lines = [",".join(names)]
    for ident, parent in rows:
        row = {n: "" for n in names}
        row.update(id=ident, name=ident.title(), kind="city", country="IQ", parent_id=parent, coordinate_precision="none")
        lines.append(",".join(row[n] for n in names))
    desc = {"name": "locs", "resources": [{"name": "locations", "type": "table", "path": "locations.csv", "format": "csv", "schema": schema}]}
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "datapackage.json").write_text(json.dumps(desc), encoding="utf-8")
    (tmp_path / "locations.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("length", [2, 3, 7])
def test_a_parent_cycle_of_any_length_is_reported(tmp_path: Path, length: int):
    members = [f"loc-c{i}" for i in range(length)]
    rows = [("loc-root", "")] + [(m, members[(i + 1) % length]) for i, m in enumerate(members)] + [("loc-tail", members[0])]
    report = iraq_frontiers.validate(_locations(tmp_path, rows))
    cycles = [p for p in report.problems if p.code == "reference-cycle"]
    assert len(cycles) == 1 and report.exit_code == 1, report.format_text()
    assert cycles[0].table == "locations" and cycles[0].field == "parent_id"
    assert cycles[0].key == {"id": "loc-c0"} and "parent_id" in cycles[0].message
    assert cycles[0].value == f"{length} rows: " + ", ".join(sorted(members))  # the loop's members, and only them


def test_a_long_parent_chain_is_checked_in_bounded_time(tmp_path: Path):
    n = 20_000
    rows = [("loc-00000", "")] + [(f"loc-{i:05d}", f"loc-{i - 1:05d}") for i in range(1, n)]
    rows += [("loc-x0", f"loc-x{n - 1}")] + [(f"loc-x{i}", f"loc-x{i - 1}") for i in range(1, n)]  # one cycle of n
    start = time.monotonic()
    report = iraq_frontiers.validate(_locations(tmp_path, rows))
    assert time.monotonic() - start < 60
    cycles = [p for p in report.problems if p.code == "reference-cycle"]
    assert len(cycles) == 1 and cycles[0].value.startswith(f"{n} rows: loc-x0, ") and cycles[0].value.endswith(", ..."), cycles


def _engines_here() -> list[str]:
    from iraq_frontiers.validation.backends import ENGINES, unavailable

    return ["pandera", *[e for e in ENGINES if unavailable(e) is None]]


def test_keys_differing_only_in_unicode_normalisation_are_reported(tmp_path: Path):
    nfc, nfd = unicodedata.normalize("NFC", "it-café"), unicodedata.normalize("NFD", "it-café")
    kelvin = "it-\u212a"  # KELVIN SIGN: its NFC is the ASCII letter K, so an ASCII key can be the other spelling
    assert nfc != nfd and unicodedata.normalize("NFC", kelvin) == "it-K"
    items = csv_bytes(f"{nfc},A,1,2024-01-01", f"{nfd},B,2,2024-01-01", "it-3,C,3,2024-01-01", "it-K,D,4,2024-01-01",
                      f"{kelvin},E,5,2024-01-01", f"{kelvin},F,6,2024-01-01", f"{nfd},G,7,2024-01-01")
    reports = {engine: iraq_frontiers.validate(package(tmp_path / engine, items=items), engine=engine) for engine in _engines_here()}
    for engine, report in reports.items():
        found = [(p.row, "normalis" in p.message) for p in report.problems if p.code == "primary-key-duplicate"]
        # rows 6 and 7 repeat a spelling (exact duplicates); rows 2 and 5 are each the first of another spelling
        assert sorted(found) == [(2, True), (5, True), (6, False), (7, False)] and report.exit_code == 1, (engine, report.format_text())
        assert [p.to_dict() for p in report.problems] == [p.to_dict() for p in reports["pandera"].problems], engine


def test_resource_names_differing_only_in_unicode_normalisation_are_reported(tmp_path: Path):
    desc = descriptor()
    second = json.loads(json.dumps(desc["resources"][0]))
    desc["resources"][0]["name"], second["name"] = unicodedata.normalize("NFC", "café"), unicodedata.normalize("NFD", "café")
    desc["resources"].append(second)
    report = iraq_frontiers.validate(package(tmp_path, desc))
    assert "descriptor-invalid" in report.codes() and report.exit_code == 1, report.format_text()


@pytest.mark.parametrize("schema_url", ["https://datapackage.org/profiles/3.0/datapackage.json",
                                        "https://datapackage.org/profiles/2.5/datapackage.json"])
def test_an_unknown_profile_version_is_refused(tmp_path: Path, schema_url: str):
    desc = descriptor()
    desc["$schema"] = schema_url
    report = iraq_frontiers.validate(package(tmp_path, desc))
    assert report.exit_code == 2 and report.codes() == {"profile-unsupported"}, report.format_text()
    assert "1.0" in report.problems[0].message and "2.0" in report.problems[0].message


@pytest.mark.parametrize("schema_url", [None, "https://datapackage.org/profiles/1.0/datapackage.json",
                                        "https://datapackage.org/profiles/2.0/datapackage.json"])
def test_known_profile_versions_are_accepted(tmp_path: Path, schema_url):
    desc = descriptor()
    if schema_url is None:
        del desc["$schema"]
    else:
        desc["$schema"] = schema_url
    report = iraq_frontiers.validate(package(tmp_path, desc))
    assert report.valid, report.format_text()


@pytest.mark.parametrize("inside", ["release", ".", "sub/deeper"])
def test_build_out_inside_the_input_package_is_refused(tmp_path: Path, inside: str):
    source = tmp_path / "pkg"
    shutil.copytree(REPO / "datapackage", source)
    before = sorted(p.relative_to(source) for p in source.rglob("*"))
    done = run("build", str(source), "--out", str(source / inside))
    no_traceback(done)
    assert done.returncode == 2 and "inside" in done.stderr, done.stderr
    assert sorted(p.relative_to(source) for p in source.rglob("*")) == before


@pytest.mark.parametrize("engine", ["pandera", "duckdb"])
def test_an_extra_parquet_column_is_reported_as_in_csv(tmp_path: Path, engine: str):
    import pyarrow as pa

    folder = parquet_package(tmp_path / "p", items_table(count=pa.array([3, 0, 2]), extra=pa.array(["x", "y", "z"])))
    report = iraq_frontiers.validate(folder, engine=engine)
    assert [(p.code, p.table, p.field) for p in report.problems] == [("extra-column", "items", "extra")], report.format_text()


@pytest.mark.parametrize("content,says", [(b"id,name,count,day\nit-1,a,1,2024-01-01\n", "CSV"), (b"PK\x03\x04rest", "zip"),
                                          (b"\x89PNG\r\n\x1a\n....", "not a Parquet file")])
def test_a_parquet_name_holding_other_bytes_is_refused(tmp_path: Path, content: bytes, says: str):
    folder = package(tmp_path / "p", descriptor("items.parquet"))
    (folder / "items.parquet").write_bytes(content)
    done = run("validate", str(folder), "--quiet")
    assert done.returncode == 2 and "resource-unreadable" in done.stdout and says in done.stdout, done.stdout


def test_the_parquet_expansion_limit_bounds_what_is_held_in_memory(tmp_path: Path, monkeypatch):
    """Read into memory (the reference engine), a Parquet file may expand to the limit; read in place (the
    default engine, a row group at a time), each row group may: a 100M-event package validates."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from iraq_frontiers.io import parquet_reader

    n = 3000
    table = items_table(id=pa.array([f"it-{i}" for i in range(n)]), name=pa.array([f"name {i:06d}" for i in range(n)]),
                        count=pa.array(range(n), pa.int64()), day=pa.array([19753] * n, pa.int32()).cast(pa.date32()))
    folder = parquet_package(tmp_path / "p", table)
    pq.write_table(table, folder / "items.parquet", row_group_size=500)
    sizes = [pq.ParquetFile(folder / "items.parquet").metadata.row_group(i).total_byte_size for i in range(6)]
    monkeypatch.setattr(parquet_reader, "MAX_PARQUET_UNCOMPRESSED", max(sizes) + 1)  # each row group fits, the file does not
    assert iraq_frontiers.validate(folder).exit_code == 0
    refused = iraq_frontiers.validate(folder, engine="pandera")
    assert refused.codes() == {"resource-unreadable"} and "the Parquet file expands to" in refused.problems[0].message
    monkeypatch.setattr(parquet_reader, "MAX_PARQUET_UNCOMPRESSED", min(sizes) - 1)  # no row group fits: refused on both
    for engine in ("duckdb", "pandera"):
        assert iraq_frontiers.validate(folder, engine=engine).codes() == {"resource-unreadable"}, engine
