"""Exact document texts: their hashes and lengths, and evidence spans anchored in them.

Offsets count Unicode code points, 0-based, end exclusive (a W3C TextPositionSelector); a span's
text is hashed as its UTF-8 bytes. A quote is found with the exact words and, when they occur more
than once, the words just before or after them (a W3C TextQuoteSelector's prefix and suffix).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

MAX_TEXT_BYTES = 20 * 1024 * 1024  # a source document larger than this is refused, not read


class TextError(ValueError):
    """A document that cannot be used (unreadable, not UTF-8, too large) or a quote that cannot be anchored."""


def read_text(path: Path) -> tuple[str, bytes]:
    """The document's text and its exact bytes; refuses files that are missing, not regular files (a device
    such as /dev/zero, a FIFO, a socket: never opened, so never read without bound or waited on), too large
    or not UTF-8."""
    import os
    import stat

    path = Path(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise TextError(f"{path}: not a regular file (a folder, device, FIFO or socket); give the document's text file")
        if info.st_size > MAX_TEXT_BYTES:
            raise TextError(f"{path}: {info.st_size} bytes, more than the {MAX_TEXT_BYTES} bytes accepted for a source document")
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # (a file swapped for a FIFO meanwhile: no wait)
        with os.fdopen(fd, "rb") as fh:
            data = fh.read(MAX_TEXT_BYTES + 1)  # bounded even if the file grows while it is read
    except OSError as exc:
        raise TextError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(data) > MAX_TEXT_BYTES:
        raise TextError(f"{path}: more than the {MAX_TEXT_BYTES} bytes accepted for a source document")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TextError(f"{path}: not UTF-8 (byte {exc.start}); convert the document to UTF-8 first") from None
    if text.startswith("\ufeff"):
        raise TextError(f"{path}: starts with a byte-order mark; remove it so offsets count from the first character")
    return text, data


def document_path(sources_dir: Path, document: str) -> Path:
    """Where a sources row's `document` lies: a file name inside the sources folder, never outside it
    (no absolute path, no `..`, no link leading out). Raises TextError."""
    folder = Path(sources_dir)
    path = folder / document
    if (not document or Path(document).is_absolute() or ".." in Path(document).parts
            or not path.resolve().is_relative_to(folder.resolve())):
        raise TextError(f"document {document!r} is not a file inside the sources folder {folder}")
    return path


def span_offsets(row: dict) -> tuple[int, int]:
    """A claim row's span_start and span_end as integers. Raises TextError naming the claim and the cell."""
    out = []
    for name in ("span_start", "span_end"):
        value = row.get(name) or ""
        if not (value.isascii() and value.isdigit()):
            raise TextError(f"claims {row.get('id')}: {name} {value[:40]!r} is not a whole number of characters")
        out.append(int(value))
    return out[0], out[1]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def span_hash(text: str, start: int, end: int) -> str:
    """SHA-256 of the UTF-8 bytes of text[start:end] (what claims.span_sha256 stores)."""
    return sha256_hex(text[start:end].encode("utf-8"))


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    sha256: str
    exact: str
    prefix: str
    suffix: str

    def as_dict(self) -> dict:
        return {"type": "TextPositionSelector", "start": self.start, "end": self.end, "span_sha256": self.sha256,
                "quote": {"type": "TextQuoteSelector", "exact": self.exact, "prefix": self.prefix, "suffix": self.suffix}}


def _occurrences(text: str, words: str) -> list[int]:
    out, i = [], text.find(words)
    while i >= 0:
        out.append(i)
        i = text.find(words, i + 1)
    return out


def anchor(text: str, words: str, prefix: str = "", suffix: str = "", context: int = 32) -> Span:
    """The one place where `words` occur (preceded by `prefix`, followed by `suffix`); TextError otherwise."""
    if not words:
        raise TextError("the quote is empty")
    hits = [i for i in _occurrences(text, words)
            if text[max(0, i - len(prefix)):i] == prefix and text[i + len(words):i + len(words) + len(suffix)] == suffix]
    if not hits:
        raise TextError("the words are not in the document" + (" with that prefix/suffix" if prefix or suffix else "")
                        + " (the quote must match exactly, including punctuation and curly quotes)")
    if len(hits) > 1:
        raise TextError(f"the words occur {len(hits)} times (at offsets {', '.join(map(str, hits[:10]))}); "
                        "add --prefix or --suffix with the words just before or after them")
    start = hits[0]
    end = start + len(words)
    return Span(start, end, span_hash(text, start, end), words,
                text[max(0, start - context):start], text[end:end + context])
