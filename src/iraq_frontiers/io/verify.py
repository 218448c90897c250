"""Verify a release before anything reads it: every file against SHA256SUMS and the descriptors' bytes/hash.

    verify("release/0.1.0")                              # a release folder
    verify("release/0.1.0/iraq-frontiers-0.1.0-parquet.zip")   # a release zip
    verify("release/0.1.0/parquet")                      # a package folder of a release (its SHA256SUMS lines too)
    verify("work/package")                               # any package folder (its descriptor's bytes and hashes)

A release folder is checked file by file against its SHA256SUMS (a file missing, altered or not
listed is a finding) and then each package in it against its descriptor's `bytes` and `hash`. A
zip is extracted with the archive safety checks (which also check each entry's CRC) and its
package checked against its descriptor; a SHA256SUMS beside the zip must list it. A package folder
of a release (`parquet/`, `csv/` beside SHA256SUMS) is checked against the release's SHA256SUMS (its
own lines, and no unlisted file in it) as well as its descriptor: editing a file and its descriptor's
hash together is caught by whatever reads it (issue 27).

`release_package(path)` is the thin wrapper that `validate`, `diff`, `load` and `connect` call at
their entry point: it verifies a release folder, a zip, or a package folder inside a release, then
returns the package to read (a release folder's `parquet/`), and raises io.core.InputError
(code `release-corrupt`, exit 2) naming the first bad file. Working packages (datapackage/, synth
output) are not hashed: their size is unbounded and nobody published checksums for them.
"""
from __future__ import annotations

import hashlib
import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

SUMS = "SHA256SUMS"
PACKAGE_FOLDERS = ("parquet", "csv")  # a release folder's packages; the first one is what readers open
_SUMS_LINE = re.compile(r"^([0-9a-fA-F]{64}) [ *](.+)$")  # as `sha256sum -c`: either case of hex


@dataclass
class Finding:
    file: str
    message: str
    unreadable: Any = None  # the reader's Problem when the descriptor or archive cannot be opened at all

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


@dataclass
class Verification:
    target: str
    kind: str  # "release", "zip" or "package"
    checked: list[str] = field(default_factory=list)  # files whose bytes were checked
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "kind": self.kind, "ok": self.ok, "checked": len(self.checked),
                "findings": [{"file": f.file, "message": f.message} for f in self.findings]}


def _digest(path: Path, algorithm: str = "sha256") -> str:
    h = hashlib.new(algorithm)
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _is_file(path: Path) -> bool:
    """Path.is_file, False where the path cannot be looked at (no permission): the reader then reports it."""
    try:
        return path.is_file()
    except OSError:
        return False


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


def is_release_folder(path: Path) -> bool:
    return _is_dir(path) and _is_file(path / SUMS)


def _check_sums(folder: Path, result: Verification, only: set[str] | None = None, under: str | None = None) -> None:
    """Check files under folder against folder/SHA256SUMS: only the names in `only`, when given; only the
    files in the subfolder `under` (a package folder of the release), when given."""
    listed: dict[str, str] = {}
    text = (folder / SUMS).read_text(encoding="utf-8", errors="replace")
    lines = text.split("\n")  # exactly LF (splitlines would also split at other control characters)
    if lines[-1] == "":
        lines.pop()
    else:
        result.findings.append(Finding((folder / SUMS).as_posix(), "does not end with a line feed (truncated or altered)"))
    for number, line in enumerate(lines, 1):
        m = _SUMS_LINE.fullmatch(line)
        rel = m.group(2) if m else ""
        if not m or PurePosixPath(rel).is_absolute() or ".." in PurePosixPath(rel).parts:
            result.findings.append(Finding((folder / SUMS).as_posix(), f"line {number} is not `<sha256>  <relative path>`"))
            continue
        digest = m.group(1).lower()
        if listed.get(rel, digest) != digest and (only is None or rel in only):  # `sha256sum -c` checks both lines: one of them must fail
            result.findings.append(Finding((folder / rel).as_posix(), f"listed twice in {SUMS} with different hashes (line {number})"))
            continue
        listed[rel] = digest
    inside = folder.resolve()
    for rel in sorted(only - set(listed)) if only is not None else ():
        result.findings.append(Finding((folder / rel).as_posix(), f"not listed in {SUMS} beside it (not part of the release)"))
    if under is not None:
        listed = {rel: digest for rel, digest in listed.items() if rel.startswith(f"{under}/")}
    for rel, expected in sorted(listed.items()):
        if only is not None and rel not in only:
            continue
        path = folder / rel
        if not _is_file(path):
            result.findings.append(Finding((folder / rel).as_posix(), f"listed in {SUMS} but missing (or not readable)"))
            continue
        if not path.resolve().is_relative_to(inside):  # a symlink out of the release: not a released file
            result.findings.append(Finding((folder / rel).as_posix(), "is a link to a file outside the release"))
            continue
        try:
            digest = _digest(path)
        except OSError as exc:
            result.findings.append(Finding((folder / rel).as_posix(), f"cannot be read: {exc.strerror or exc}"))
            continue
        result.checked.append((folder / rel).as_posix())
        if digest != expected:
            result.findings.append(Finding((folder / rel).as_posix(), f"sha256 differs from {SUMS} (the file was altered or corrupted)"))
    if only is None:
        present = {p.relative_to(folder).as_posix() for p in (folder / (under or "")).rglob("*")
                   if p.is_file() and p.relative_to(folder).as_posix() != SUMS}
        for rel in sorted(present - set(listed)):
            result.findings.append(Finding((folder / rel).as_posix(), f"not listed in {SUMS} (not part of the release)"))


def _check_descriptor(package: Path, result: Verification, shown: str) -> None:
    """Check each resource's file against the `bytes` and `hash` its descriptor declares."""
    from iraq_frontiers.io.core import InputError
    from iraq_frontiers.io.package import open_package, resource_file

    try:
        with open_package(package) as pkg:
            for resource in pkg.descriptor.get("resources", []):
                if not isinstance(resource, dict) or not ("bytes" in resource or "hash" in resource):
                    continue
                file = resource_file(pkg, resource)
                name = f"{shown}/{os.path.relpath(file, pkg.base_dir.resolve())}"
                declared_bytes = resource.get("bytes")
                if declared_bytes is not None and file.stat().st_size != declared_bytes:
                    result.findings.append(Finding(name, f"is {file.stat().st_size} bytes; the descriptor says {declared_bytes}"))
                    continue
                declared = resource.get("hash")
                if isinstance(declared, str) and declared:
                    algorithm, _, value = declared.rpartition(":")
                    algorithm = algorithm or "md5"  # Data Package v1: a bare hash is MD5
                    if algorithm not in hashlib.algorithms_guaranteed:
                        result.findings.append(Finding(name, f"the descriptor's hash uses an unknown algorithm {algorithm!r}"))
                        continue
                    if _digest(file, algorithm) != value.lower():
                        result.findings.append(Finding(name, f"{algorithm} differs from the descriptor's hash (the file was altered or corrupted)"))
                        continue
                result.checked.append(name)
    except InputError as exc:  # a corrupted descriptor is a finding about that file, not a crash
        result.findings.append(Finding(f"{shown}/{Path(exc.problem.file or 'datapackage.json').name}", exc.problem.message,
                                       exc.problem))


def _release_of(target: Path) -> Path | None:
    """The release folder that `target` (a package folder of it, or its descriptor) sits in, if any."""
    folder = target if _is_dir(target) else target.parent
    return folder.parent if folder.name in PACKAGE_FOLDERS and is_release_folder(folder.parent) else None


def verify(path: str | os.PathLike) -> Verification:
    """Verify a release folder, a release zip or a package (see the module docstring).

    Raises io.core.InputError when the path cannot be read at all (missing, not a package).
    """
    from iraq_frontiers.io.core import InputError
    from iraq_frontiers.problems import Problem

    target = Path(path)
    if is_release_folder(target):
        result = Verification(str(target), "release")
        _check_sums(target, result)
        for sub in PACKAGE_FOLDERS:
            if _is_file(target / sub / "datapackage.json"):
                _check_descriptor(target / sub, result, f"{target.as_posix()}/{sub}")
        return result
    if _is_file(target) and zipfile.is_zipfile(target):
        result = Verification(str(target), "zip")
        if _is_file(target.parent / SUMS):
            _check_sums(target.parent, result, only={target.name})
        if result.ok:  # an altered zip is not opened further
            _check_descriptor(target, result, target.as_posix())
        return result
    if not target.exists():
        raise InputError(Problem("path-not-found", f"no such file or folder: {target}", file=str(target)))
    result = Verification(str(target), "package")
    release = _release_of(target)
    if release is not None:  # a package folder of a release: its files against the release's SHA256SUMS too
        _check_sums(release, result, under=(target if target.is_dir() else target.parent).name)
    _check_descriptor(target, result, (target if target.is_dir() else target.parent).as_posix())
    return result


def release_package(path: str | os.PathLike) -> Path:
    """Verify `path` and return the package to read: a release folder's Parquet package, else `path`.

    Raises io.core.InputError (`release-corrupt`) naming the first file that fails verification.
    A path that does not exist is returned unchanged (the reader reports it).
    """
    from iraq_frontiers.io.core import InputError
    from iraq_frontiers.problems import Problem

    target = Path(path)
    try:
        if not target.exists():
            return target
    except OSError:  # (a folder above it without permission): the reader reports it
        return target
    in_release = _release_of(target) is not None
    if not (is_release_folder(target) or (_is_file(target) and zipfile.is_zipfile(target)) or in_release):  # never open a FIFO
        return target  # a working package (curated, synthetic): the validator reads it as it is
    result = verify(target)
    if not result.ok:
        first = result.findings[0]
        if first.unreadable is not None and result.kind != "release":
            raise InputError(first.unreadable)  # not a damaged release but input the reader refuses: its own problem
        more = f" (and {len(result.findings) - 1} more problem(s); run `iraq-frontiers verify {target}`)" if len(result.findings) > 1 else ""
        raise InputError(Problem("release-corrupt", f"verification failed: {first.message}{more}", file=first.file))
    if result.kind == "release":
        for sub in PACKAGE_FOLDERS:
            if _is_file(target / sub / "datapackage.json"):
                return target / sub
        raise InputError(Problem("release-corrupt", f"release folder {target} holds no parquet/ or csv/ package", file=str(target)))
    return target
