"""The user's own copies of the source texts (--sources DIR), matched to `sources` by sha256.

Texts are read only from the folder the user names and shown only in the site built from it;
without them the site shows each claim's character offsets and the text's hash.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

MAX_TEXT_BYTES = 20 * 1024 * 1024  # larger files are not source articles: skipped, not read into memory
CONTEXT = 160  # characters shown each side of a span on an event page


class SourcesError(Exception):
    """The --sources folder cannot be used."""


def read_source_texts(folder: str | Path, wanted: set[str]) -> dict[str, str]:
    """sha256 -> text for the files under `folder` whose sha256 is in `wanted`."""
    folder = Path(folder)
    if not folder.is_dir():
        raise SourcesError(f"--sources {folder}: not a folder")
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.stat().st_size > MAX_TEXT_BYTES:
            continue
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest in wanted and digest not in found:
            try:
                found[digest] = data.decode("utf-8")
            except UnicodeDecodeError:
                raise SourcesError(f"{path}: matches a source's sha256 but is not UTF-8 text") from None
    return found


@dataclass
class Segment:
    text: str
    claims: tuple[str, ...]  # claims whose span covers this segment
    starts: tuple[str, ...]  # claims whose span starts here (anchors)


def segments(text: str, spans: list[tuple[str, int, int]]) -> list[Segment]:
    """Cut `text` at every span boundary so overlapping spans can each be marked."""
    spans = [(cid, max(0, s), min(len(text), e)) for cid, s, e in spans if s is not None and e is not None and s < e]
    cuts = sorted({0, len(text), *(s for _, s, _ in spans), *(e for _, _, e in spans)})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        covering = tuple(sorted(cid for cid, s, e in spans if s <= a and b <= e))
        starting = tuple(sorted(cid for cid, s, _ in spans if s == a))
        out.append(Segment(text[a:b], covering, starting))
    return out


def excerpt(text: str, start: int, end: int, context: int = CONTEXT) -> tuple[str, str, str]:
    """(before, span, after) around a claim's evidence, `context` characters each side at most."""
    a, b = max(0, start - context), min(len(text), end + context)
    return ("…" if a else "") + text[a:start], text[start:end], text[end:b] + ("…" if b < len(text) else "")


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def paragraph_of(text: str, start: int) -> tuple[int, int]:
    """(the paragraph holding character `start`, the number of paragraphs): paragraphs are blocks of the
    text between blank lines, counted from 1 as the text is stored (a headline or caption counts)."""
    starts = [0] + [m.end() for m in _PARAGRAPH_BREAK.finditer(text) if m.end() < len(text)]
    return sum(1 for s in starts if s <= start), len(starts)


def where_in_text(start: int | None, end: int | None, text: str | None, length: int | None) -> str | None:
    """Where a claim's evidence lies, as a reader says it: "in the 4th paragraph (of 17)" when the text is at
    hand, else how far into the text ("about halfway through its 5,210 characters")."""
    if start is None or end is None:
        return None
    if text is not None:
        n, total = paragraph_of(text, start)
        return f"in the {ordinal(n)} paragraph (of {total})"
    if not length:
        return None
    share = start / length
    position = ("near the start" if share < 0.15 else "about a quarter of the way in" if share < 0.35
                else "about halfway through" if share < 0.65 else "about three quarters of the way in" if share < 0.85
                else "near the end")
    return f"{position} of its {length:,} characters"


def external_url(url: object) -> str | None:
    """A source's address as a link, only when it is an http(s) URL (never `javascript:` or a local path)."""
    text = str(url or "").strip()
    return text if re.fullmatch(r"https?://[^\s\x00-\x1f\x7f<>\"']+", text, flags=re.IGNORECASE) else None
