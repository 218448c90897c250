"""Zip archives, extracted with bounds on entry count, per-entry and total size and compression ratio; no links,
no encrypted entries, no entry leaving the package folder."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

from iraq_frontiers.problems import Problem
from iraq_frontiers.io.core import InputError, clip

MAX_ARCHIVE_TOTAL_BYTES = 4 * 1024**3
MAX_ARCHIVE_MEMBER_BYTES = 2 * 1024**3
MAX_ARCHIVE_ENTRIES = 10_000
MAX_ARCHIVE_RATIO = 200  # uncompressed / compressed, checked for entries over 1 MiB


def _archive_error(label: str, message: str) -> InputError:
    return InputError(Problem("archive-unreadable", message, file=label))


def _safe_extract(archive: Path, dest: Path) -> None:
    label = str(archive)
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _archive_error(label, f"not a readable zip archive: {exc}") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ARCHIVE_ENTRIES:
            raise _archive_error(label, f"archive has {len(infos)} entries; the limit is {MAX_ARCHIVE_ENTRIES}")
        total = 0
        root = dest.resolve()
        names: set[str] = set()
        for info in infos:
            name = info.filename
            if "\x00" in name or "\\" in name or re.match(r"^[A-Za-z]:", name):
                raise _archive_error(label, f"archive entry {name!r} has a NUL, a backslash or a drive letter in its name")
            target = (dest / name).resolve()
            if name.startswith("/") or ".." in Path(name).parts or not target.is_relative_to(root):
                raise _archive_error(label, f"archive entry {name!r} would extract outside the package folder")
            key = name.rstrip("/")
            if key in names:
                raise _archive_error(label, f"archive has two entries named {name!r}")
            names.add(key)
            if info.flag_bits & 0x1:
                raise _archive_error(label, f"archive entry {name!r} is encrypted")
            if info.file_size > MAX_ARCHIVE_MEMBER_BYTES:
                raise _archive_error(label, f"archive entry {name!r} is {info.file_size} bytes uncompressed; limit {MAX_ARCHIVE_MEMBER_BYTES}")
            if info.file_size > 1024 * 1024 and info.file_size > MAX_ARCHIVE_RATIO * max(info.compress_size, 1):
                raise _archive_error(label, f"archive entry {name!r} has compression ratio above {MAX_ARCHIVE_RATIO} (zip bomb?)")
            total += info.file_size
            if total > MAX_ARCHIVE_TOTAL_BYTES:
                raise _archive_error(label, f"archive expands beyond {MAX_ARCHIVE_TOTAL_BYTES} bytes")
            ftype = (info.external_attr >> 16) & 0o170000
            if ftype == 0o120000:  # symlink entry
                raise _archive_error(label, f"archive entry {name!r} is a symbolic link")
            if ftype not in (0, 0o100000, 0o040000):
                raise _archive_error(label, f"archive entry {name!r} is not a regular file or folder")
        try:
            for info in infos:
                if info.is_dir():
                    (dest / info.filename).mkdir(parents=True, exist_ok=True)
                    continue
                target = dest / info.filename
                target.parent.mkdir(parents=True, exist_ok=True)
                written = 0
                with zf.open(info) as src, open(target, "xb") as out:
                    while chunk := src.read(1 << 20):
                        written += len(chunk)
                        if written > info.file_size:  # header lied about the size
                            raise _archive_error(label, f"archive entry {info.filename!r} is larger than its header says")
                        out.write(chunk)
        except InputError:
            raise
        except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError, ValueError, OSError) as exc:
            # CRC mismatch, truncated data, unsupported compression, password needed, disk full...
            raise _archive_error(label, f"cannot extract the archive: {type(exc).__name__}: {clip(str(exc))}") from None
