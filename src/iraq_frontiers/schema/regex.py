"""The one regex dialect of a Table Schema `pattern` here, and its translation for every engine.

The dialect is Python's `re` (what frictionless-py uses), matched against the whole value as
`re.fullmatch` does (`abc` does not match `abc\\n`), Unicode throughout: `\\d` is any decimal digit
(category Nd: `١٢٣` matches `^\\d+$`), `\\w` any letter, number or `_` (`[\\p{L}\\p{N}_]`), `\\s` any
character Python's `str.isspace` accepts. Every engine runs the same translation (`engine_regex`):
RE2 (DuckDB; Spark through pyarrow) and Rust's regex (polars, the Pandera reference) get the classes
spelt out as Unicode property classes, escaped punctuation as `\\xHH`, and `^(?:…)\\z` around it.

Constructs the engines cannot all run with Python's meaning are refused (`refusal` names the construct;
the validator reports it as `schema-unsupported`, exit 1, before any engine runs): word boundaries
`\\b \\B`, the anchors `\\A \\Z`, `^` or `$` anywhere but at the start or end of the pattern (or of a
top-level alternative), back-references and octal escapes, inline flags and every `(?…)` group but
`(?:…)`, look-around, `\\p{…}` (not Python's syntax), `\\N{…}`, possessive quantifiers, `\\D \\W \\S` inside
`[…]`, nested classes and class set operators (`[[`, `&&`, `--`, `~~`, `||`), a `{` that is not a
quantifier, quantifier bounds over 1000, and any escape of a letter Python does not define.
Characters assigned after the Unicode version of Python or of an engine may be classed differently.
"""
from __future__ import annotations

import re
import warnings
from functools import lru_cache

MAX_REPEAT = 1000  # RE2's bound on a counted repetition

# Python's \s (str.isspace), as code points: tests/test_hostile_issue27.py checks it over all of Unicode
_SPACE = [(0x09, 0x0D), (0x1C, 0x20), (0x85, 0x85), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A), (0x2028, 0x2029),
          (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000)]
SPACE_MEMBERS = "".join(f"\\x{{{a:x}}}" if a == b else f"\\x{{{a:x}}}-\\x{{{b:x}}}" for a, b in _SPACE)
WORD_MEMBERS = r"\p{L}\p{N}_"
_SIMPLE = {"a": r"\x07", "f": r"\x0c", "n": r"\n", "r": r"\r", "t": r"\t", "v": r"\x0b"}
_OUTSIDE = {"d": r"\p{Nd}", "D": r"\P{Nd}", "w": f"[{WORD_MEMBERS}]", "W": f"[^{WORD_MEMBERS}]",
            "s": f"[{SPACE_MEMBERS}]", "S": f"[^{SPACE_MEMBERS}]"}
_INSIDE = {"d": r"\p{Nd}", "w": WORD_MEMBERS, "s": SPACE_MEMBERS}
_REFUSED_ESCAPES = {"b": "a word boundary \\b (a backspace inside […])", "B": "\\B (not a word boundary)", "A": "the anchor \\A", "Z": "the anchor \\Z",
                    "p": "\\p{…} (a Unicode property: not in Python's re)", "P": "\\P{…} (a Unicode property: not in Python's re)",
                    "N": "\\N{…} (a named character)"}


class Refused(ValueError):
    """A pattern outside the dialect (the message names the construct)."""


def refusal(pattern: str) -> str | None:
    """Why `pattern` is outside the dialect, or None."""
    try:
        engine_regex(pattern)
    except Refused as exc:
        return str(exc)
    return None


def python_regex(pattern: str) -> str:
    """The whole-value regex for Python's re (pandas frames): the pattern as written, `re.fullmatch`-anchored."""
    engine_regex(pattern)  # refused patterns raise here too
    return f"^(?:{pattern})\\Z"


@lru_cache(maxsize=1024)
def engine_regex(pattern: str) -> str:
    """The whole-value regex for RE2 and Rust's regex with the dialect's meaning. Raises Refused."""
    try:
        body = _translate(pattern)  # the constructs refused by name first (`\\p{L}`: "a Unicode property")
    except (ValueError, IndexError) as exc:
        if isinstance(exc, Refused):
            raise
        body = None  # malformed (a short \\x escape): Python's message below
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Python's FutureWarning on nested sets and set operators
        try:
            re.compile(pattern)
        except (re.error, FutureWarning, RecursionError, OverflowError) as exc:
            raise Refused(f"Python's re rejects the pattern ({str(exc)[:200]})") from None
    if body is None:
        raise Refused("the pattern cannot be read")
    return f"^(?:{body})\\z"


def _translate(p: str) -> str:  # noqa: C901 - one pass over the pattern, one branch per construct
    out: list[str] = []
    i, n, depth = 0, len(p), 0
    in_class = False
    quantified = False  # the previous token was a quantifier
    lazy_ok = False  # ... and one `?` (lazy) may follow it
    while i < n:
        ch = p[i]
        if ch == "\\":
            code, i = _escape(p, i, in_class)
            out.append(code)
            quantified = False
            continue
        if in_class:
            if ch == "[" or p.startswith(("&&", "--", "~~", "||"), i):
                raise Refused(f"{p[i:i + 2]!r} inside […] (nested classes and set operators read differently between engines)")
            if ch == "]":
                in_class = False
            out.append(ch)
            i += 1
            continue
        if ch == "[":
            in_class = True
            j = i + 1 + (p[i + 1:i + 2] == "^")
            if p[j:j + 1] == "]":  # a `]` first in a class is literal
                out.append(p[i:j] + r"\x5d")
                i = j + 1
            else:
                out.append(p[i:j])
                i = j
            quantified = False
            continue
        if ch == "(":
            if p[i + 1:i + 2] == "?":
                if p[i + 2:i + 3] != ":":
                    raise Refused(f"the group {p[i:i + 4]!r}…: inline flags, look-around and named groups are not supported (use (?:…))")
                out.append("(?:")
                i += 3
            else:
                out.append("(")
                i += 1
            depth += 1
            quantified = False
            continue
        if ch == ")":
            depth -= 1
        elif ch == "^":
            if not (i == 0 or (p[i - 1] == "|" and depth == 0 and not _escaped(p, i - 1))):
                raise Refused("^ inside the pattern (only at its start or at the start of a top-level alternative)")
        elif ch == "$":
            if not (i == n - 1 or (p[i + 1] == "|" and depth == 0)):
                raise Refused("$ inside the pattern (only at its end or at the end of a top-level alternative)")
            out.append(r"\z")
            i += 1
            continue
        elif ch == "{":
            m = re.match(r"\{(\d+)(,(\d*))?\}", p[i:])
            if not m or not out:
                raise Refused("a { that is not a quantifier {n}, {n,} or {n,m} (write \\{ for a brace)")
            if int(m.group(1)) > MAX_REPEAT or (m.group(3) and int(m.group(3)) > MAX_REPEAT):
                raise Refused(f"the repetition {m.group(0)} (bounds up to {MAX_REPEAT})")
            if quantified:
                raise Refused(f"a quantifier after a quantifier ({p[max(0, i - 1):i + len(m.group(0))]})")
            out.append(m.group(0))
            i += len(m.group(0))
            quantified = lazy_ok = True
            continue
        elif ch == "}":
            out.append(r"\x7d")
            i += 1
            quantified = False
            continue
        elif ch in "*+?":
            if quantified and not (ch == "?" and lazy_ok):
                raise Refused(f"the possessive or repeated quantifier {p[i - 1:i + 1]!r}")
            out.append(ch)
            i += 1
            lazy_ok, quantified = not quantified, True
            continue
        elif ch == "]":
            out.append(r"\x5d")
            i += 1
            quantified = False
            continue
        out.append(ch)
        i += 1
        quantified = False
    return "".join(out)


def _escaped(p: str, i: int) -> bool:
    """Whether p[i] is escaped (an odd run of backslashes before it)."""
    k = i
    while k > 0 and p[k - 1] == "\\":
        k -= 1
    return (i - k) % 2 == 1


def _escape(p: str, i: int, in_class: bool) -> tuple[str, int]:
    """The translation of the escape at p[i] and the index after it."""
    e = p[i + 1:i + 2]
    if e in _OUTSIDE:
        if in_class:
            if e not in _INSIDE:
                raise Refused(f"\\{e} inside […] (write the class outside it, or negate the whole class)")
            return _INSIDE[e], i + 2
        return _OUTSIDE[e], i + 2
    if e in _REFUSED_ESCAPES:
        raise Refused(f"{_REFUSED_ESCAPES[e]}: not read alike by every engine")
    if e.isdigit():
        raise Refused(f"\\{e}: back-references and octal escapes are not supported")
    if e in _SIMPLE:
        return _SIMPLE[e], i + 2
    for letter, width in (("x", 2), ("u", 4), ("U", 8)):
        if e == letter:
            return f"\\x{{{int(p[i + 2:i + 2 + width], 16):x}}}", i + 2 + width
    if e.isascii() and not e.isalnum():
        return f"\\x{{{ord(e):x}}}", i + 2  # escaped punctuation: a literal, spelt so no engine reads a meaning into it
    raise Refused(f"the escape \\{e} (not read alike by every engine)")
