"""Writing files: an operating-system error (disk full, read-only file system, no permission) names the file
being written, whichever library was writing it.

Python names the file only for errors when opening it; a write that fails later (disk full) and the
errors of Arrow, polars or SQLite name none, or the file being read (shutil.copyfile's source). Every
writer of the toolkit writes inside `writing(path)`, which gives the error the path it was writing; the
command line prints `os_error_message(exc)` (exit 2).
"""
from __future__ import annotations

import errno
import os
import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from iraq_frontiers.terminal import shown_path

# Errors about the file being written, whatever file the library named (copyfile names its source).
_WRITE_ERRORS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EFBIG}
_NUMBER_IN_TEXT = re.compile(r"(?:os error|errno) (\d+)", re.IGNORECASE)  # Rust: "(os error 28)"; Arrow: "[errno 28]"


def error_number(exc: OSError) -> int | None:
    """The errno of an OSError, also when a library gave it only in its message."""
    if exc.errno:
        return exc.errno
    m = _NUMBER_IN_TEXT.search(str(exc))
    return int(m.group(1)) if m else None


@contextmanager
def writing(path: str | os.PathLike) -> Iterator[None]:
    """Run a write of `path`; an OSError that does not name the file written comes out naming `path`."""
    try:
        yield
    except OSError as exc:
        number = error_number(exc)
        if exc.filename is not None and number not in _WRITE_ERRORS:
            raise  # it names its own file (e.g. a folder that cannot be created)
        text = os.strerror(number) if number else (exc.strerror or str(exc))
        raise OSError(number or 0, text, os.fspath(path)) from exc


def write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Path(path).write_bytes(data), an error naming the path."""
    with writing(path):
        Path(path).write_bytes(data)


def os_error_message(exc: OSError) -> str:
    """What a person reads: 'cannot write FILE: No space left on device'."""
    number = error_number(exc)
    why = os.strerror(number) if number else (exc.strerror or str(exc))
    if exc.filename is None:
        return f"cannot write: {why}"
    verb = "write" if number in _WRITE_ERRORS else "use"
    return f"cannot {verb} {shown_path(exc.filename)}: {why}"


def replace_file(path: str | os.PathLike, data: bytes) -> None:
    """Write `data` as the new content of `path` all at once: a temporary file beside it, then a rename. A full
    disk or a crash leaves the old content whole (writing in place would leave it cut off)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write_bytes(tmp, data)
        with writing(path):
            os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
