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
    """The document's text and its exact bytes; refuses files that are missing, too large or not UTF-8."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise TextError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if size > MAX_TEXT_BYTES:
        raise TextError(f"{path}: {size} bytes, more than the {MAX_TEXT_BYTES} bytes accepted for a source document")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TextError(f"{path}: not UTF-8 (byte {exc.start}); convert the document to UTF-8 first") from None
    if text.startswith("\ufeff"):
        raise TextError(f"{path}: starts with a byte-order mark; remove it so offsets count from the first character")
    return text, data


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
