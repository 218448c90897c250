"""Descriptor and schema files: regular files only, strictly parsed JSON (no NaN, no duplicate keys), bounded in
size and depth."""
from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from iraq_frontiers.problems import Problem
from iraq_frontiers.io.core import InputError, clip

MAX_DESCRIPTOR_BYTES = 20 * 1024 * 1024
MAX_JSON_DEPTH = 64


def _json_depth(value: Any) -> int:
    depth, stack = 0, [(value, 1)]
    while stack:
        item, d = stack.pop()
        depth = max(depth, d)
        if depth > MAX_JSON_DEPTH:
            return depth
        if isinstance(item, dict):
            stack.extend((v, d + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, d + 1) for v in item)
    return depth


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise _DuplicateKey(k)
        out[k] = v
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _regular_file(path: Path, what: str, code: str, **where) -> None:
    """Refuse FIFOs, devices, sockets and folders before opening them (a FIFO would block forever)."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise InputError(Problem(code, f"cannot read {what}: {exc.strerror or exc}", **where)) from None
    if stat.S_ISDIR(mode):
        raise InputError(Problem(code, f"{what} is a folder, not a file", **where))
    if not stat.S_ISREG(mode):
        raise InputError(Problem(code, f"{what} is not a regular file (a FIFO, device or socket is never read)", **where))


def load_descriptor(path: Path, what: str = "descriptor", label: str | None = None) -> dict[str, Any]:
    """A JSON object from a file, strictly parsed and bounded (`what` and `label` name the file in messages)."""
    label = label or str(path)
    _regular_file(path, what, "descriptor-unreadable", file=label)
    size = path.stat().st_size
    if size > MAX_DESCRIPTOR_BYTES:
        raise InputError(Problem("descriptor-unreadable", f"{what} is {size} bytes; the limit is {MAX_DESCRIPTOR_BYTES}", file=label))
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_DESCRIPTOR_BYTES + 1)
    except OSError as exc:
        raise InputError(Problem("descriptor-unreadable", f"cannot read {what}: {exc.strerror or exc}", file=label)) from None
    if len(data) > MAX_DESCRIPTOR_BYTES:
        raise InputError(Problem("descriptor-unreadable", f"{what} is larger than the limit of {MAX_DESCRIPTOR_BYTES} bytes", file=label))
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise InputError(Problem("descriptor-unreadable", f"{what} is UTF-16 encoded; save it as UTF-8", file=label))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(Problem("descriptor-unreadable", f"{what} is not UTF-8 text (byte offset {exc.start})", file=label)) from None
    try:
        descriptor = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise InputError(Problem("descriptor-unreadable", f"{what} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", file=label)) from None
    except RecursionError:
        raise InputError(Problem("descriptor-unreadable", f"{what} JSON is nested deeper than {MAX_JSON_DEPTH} levels", file=label)) from None
    except _DuplicateKey as exc:
        raise InputError(Problem("descriptor-unreadable", f"{what} JSON has the key {clip(str(exc))!r} twice in one object (ambiguous)", file=label)) from None
    except ValueError as exc:  # NaN/Infinity constants; integers with thousands of digits
        raise InputError(Problem("descriptor-unreadable", f"{what} is not valid JSON: {clip(str(exc))}", file=label)) from None
    if not isinstance(descriptor, dict):
        raise InputError(Problem("descriptor-unreadable", f"{what} must be a JSON object, not {type(descriptor).__name__}", file=label))
    if _json_depth(descriptor) > MAX_JSON_DEPTH:
        raise InputError(Problem("descriptor-unreadable", f"{what} JSON is nested deeper than {MAX_JSON_DEPTH} levels", file=label))
    return descriptor
