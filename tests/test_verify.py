"""`iraq-frontiers verify` and the readers that verify a release before reading it (issue 12)."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from _release_helpers import actor, write_csv_package
from iraq_frontiers.release import build as release
from iraq_frontiers.release.access import connect, load
from iraq_frontiers.cli.app import main
from iraq_frontiers.schema.metadata import package_metadata
from iraq_frontiers.io.core import InputError
from iraq_frontiers.validation.run import validate
from iraq_frontiers.io.verify import release_package, verify

VERSION = package_metadata()["version"]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    saved = os.environ.pop("SOURCE_DATE_EPOCH", None)
    try:
        tmp = tmp_path_factory.mktemp("verify")
        src = write_csv_package(tmp / "src", {"actors": [actor("act-a"), actor("act-b")]})
        return release.build_release(src, tmp / "out").folder
    finally:
        if saved is not None:
            os.environ["SOURCE_DATE_EPOCH"] = saved


def _flip(path: Path, at: int) -> bytes:
    data = path.read_bytes()
    path.write_bytes(data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:])
    return data


def test_intact_release_verifies(built, capsys):
    result = verify(built)
    assert result.ok and result.kind == "release"
    listed = (built / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    assert len(result.checked) >= len(listed) > 10
    assert main(["verify", str(built)]) == 0
    assert "verified" in capsys.readouterr().out
    for zipped in built.glob("*.zip"):
        assert verify(zipped).ok


def test_one_flipped_byte_in_any_file_is_caught(built, capsys):
    files = sorted(p for p in built.rglob("*") if p.is_file())
    assert len(files) > 10
    for path, at in ((p, at) for p in files for at in (0, 0.5, 1)):  # first, middle and last byte
        original = _flip(path, min(int(len(path.read_bytes()) * at), len(path.read_bytes()) - 1))
        try:
            result = verify(built)
            rel = path.relative_to(built).as_posix()
            assert not result.ok, rel
            assert any(f.file.endswith(rel) for f in result.findings) or path.name == "SHA256SUMS", (rel, result.findings)
            assert main(["verify", str(built), "--json"]) == 1
            assert json.loads(capsys.readouterr().out)["ok"] is False
        finally:
            path.write_bytes(original)
    assert verify(built).ok


def test_missing_and_unlisted_files(built):
    extra = built / "parquet" / "extra.txt"
    extra.write_text("not released")
    try:
        assert [f.file for f in verify(built).findings] == [extra.as_posix()]
    finally:
        extra.unlink()
    notes = built / "RELEASE_NOTES.md"
    saved = notes.read_bytes()
    notes.unlink()
    try:
        findings = verify(built).findings
        assert findings and "missing" in findings[0].message and findings[0].file.endswith("RELEASE_NOTES.md")
    finally:
        notes.write_bytes(saved)


def test_readers_take_a_release_folder_and_zip(built, capsys):
    zipped = built / f"iraq-frontiers-{VERSION}-parquet.zip"
    for target in (built, zipped, built / "parquet"):
        report = validate(target)
        assert report.valid, report.format_text()
        assert len(load("actors", path=target)) == 2
        assert connect(target).execute("select count(*) from actors").fetchall() == [(2,)]
    assert release_package(built) == built / "parquet"
    assert main(["diff", str(built), str(zipped), "--exit-code"]) == 0
    assert main(["validate", str(built)]) == 0
    capsys.readouterr()


@pytest.mark.parametrize("victim", ["parquet/actors.parquet", "csv/actors.csv", "zip"])
def test_readers_refuse_a_corrupted_release(built, victim, capsys):
    path = next(built.glob("*-parquet.zip")) if victim == "zip" else built / victim
    original = _flip(path, len(path.read_bytes()) - 30)
    try:
        # the zips hold their own copies: a damaged folder file leaves the zip intact, and the other way round
        targets = [path] if victim == "zip" else [built, path.parent]
        for target in targets:
            report = validate(target)
            assert report.exit_code == 2 and report.problems[0].code == "release-corrupt"
            assert report.problems[0].file.endswith(path.name)
            with pytest.raises(InputError, match="verification failed"):
                load("actors", path=target)
            with pytest.raises(InputError):
                connect(target)
        assert main(["validate", str(targets[0])]) == 2
        assert main(["diff", str(targets[0]), str(targets[0])]) == 2
        err = capsys.readouterr().err
        assert path.name in err and "Traceback" not in err
    finally:
        path.write_bytes(original)


def test_unreadable_descriptor_or_zip_is_a_finding(built):
    """A damaged descriptor or zip is reported as corruption (exit 1), not as unreadable input."""
    for path in (built / "parquet" / "datapackage.json", next(built.glob("*-csv.zip"))):
        original = path.read_bytes()
        path.write_bytes(original[: len(original) // 3])
        try:
            result = verify(built)
            assert not result.ok and any(path.name in f.file for f in result.findings), result.findings
            assert main(["verify", str(built)]) == 1
            zipped = verify(path) if path.suffix == ".zip" else None
            assert zipped is None or not zipped.ok
        finally:
            path.write_bytes(original)


# issue 27, class 4: SHA256SUMS is read as `sha256sum -c` reads it

def _sums(built: Path) -> tuple[Path, bytes]:
    path = built / "SHA256SUMS"
    return path, path.read_bytes()


def test_sums_conflicting_duplicate_line_fails(built):
    path, saved = _sums(built)
    first = saved.decode().splitlines()[0]
    digest, rel = first.split("  ", 1)
    other = ("0" if digest[0] != "0" else "1") + digest[1:]
    path.write_bytes(saved + f"{other}  {rel}\n".encode())
    try:
        result = verify(built)
        assert not result.ok and any("listed twice" in f.message and f.file.endswith(rel) for f in result.findings), result.findings
        assert main(["verify", str(built)]) == 1
        path.write_bytes(saved + f"{digest}  {rel}\n".encode())  # the same line twice: both checks pass
        assert verify(built).ok
    finally:
        path.write_bytes(saved)


def test_sums_upper_case_hex_is_accepted(built):
    path, saved = _sums(built)
    path.write_bytes(b"".join(line[:64].upper() + line[64:] for line in saved.splitlines(keepends=True)))
    try:
        assert verify(built).ok, verify(built).findings
    finally:
        path.write_bytes(saved)


def test_sums_listed_symlink_out_of_the_release_fails(built, tmp_path):
    notes = built / "RELEASE_NOTES.md"
    outside = tmp_path / "elsewhere.md"
    outside.write_bytes(notes.read_bytes())  # same bytes: the hash alone would pass
    saved = notes.read_bytes()
    notes.unlink()
    notes.symlink_to(outside)
    try:
        result = verify(built)
        assert not result.ok and any("outside the release" in f.message and f.file.endswith("RELEASE_NOTES.md")
                                     for f in result.findings), result.findings
        assert main(["verify", str(built)]) == 1
    finally:
        notes.unlink()
        notes.write_bytes(saved)


def test_sums_unlisted_zip_beside_them_fails(built, capsys):
    zipped = next(built.glob("*-parquet.zip"))
    stray = built / "stray-parquet.zip"
    stray.write_bytes(zipped.read_bytes())
    try:
        result = verify(stray)
        assert not result.ok and any("not listed" in f.message for f in result.findings), result.findings
        assert main(["verify", str(stray)]) == 1
        with pytest.raises(InputError, match="not listed"):
            load("actors", path=stray)
        assert verify(zipped).ok
    finally:
        stray.unlink()
    capsys.readouterr()


def test_package_folder_of_a_release_is_read_with_the_release_checksums(built, tmp_path, capsys):
    """Issue 27, class 3: a file of RELEASE/parquet edited together with its descriptor's bytes and hash."""
    import hashlib

    import pyarrow.parquet as pq

    data, desc = built / "parquet" / "actors.parquet", built / "parquet" / "datapackage.json"
    saved = {p: p.read_bytes() for p in (data, desc)}
    table = pq.read_table(data)
    names = table.column("name").to_pylist()
    pq.write_table(table.set_column(table.schema.get_field_index("name"), "name", [[f"{names[0]} (edited)", *names[1:]]]),
                   data, compression="zstd")
    descriptor = json.loads(saved[desc])
    for resource in descriptor["resources"]:
        if resource.get("path") == "actors.parquet":
            resource.update(bytes=data.stat().st_size, hash="sha256:" + hashlib.sha256(data.read_bytes()).hexdigest())
    desc.write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    try:
        assert verify(built / "parquet").findings, "the descriptor alone agrees: SHA256SUMS must not"
        for target in (built / "parquet", desc):
            report = validate(target)
            assert report.exit_code == 2 and report.problems[0].code == "release-corrupt", report.format_text()
            with pytest.raises(InputError, match="verification failed"):
                load("actors", path=target)
            with pytest.raises(InputError):
                connect(target)
        assert main(["verify", str(built / "parquet")]) == 1
        assert main(["diff", str(built / "parquet"), str(built / "csv")]) == 2
        site = main(["site", str(built / "csv"), "--out", str(tmp_path / "site"), "--previous", str(built / "parquet")])
        assert site == 2 and not (tmp_path / "site").exists()
        err = capsys.readouterr().err
        assert "actors.parquet" in err and "Traceback" not in err
    finally:
        for path, original in saved.items():
            path.write_bytes(original)
    assert verify(built / "parquet").ok and validate(built / "parquet").valid
    assert main(["diff", str(built / "parquet"), str(built / "csv")]) == 0
    capsys.readouterr()
