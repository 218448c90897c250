"""Characters a page must show rather than obey.

A package's text may hold C0 and C1 control characters and the bidi embeddings, overrides and isolates (U+202A-U+202E,
U+2066-U+2069), which HTML escaping leaves as they are: an override reverses the rest of its line in a browser (a title
can then read as something else), and a C0 control character in a chart's data makes vl-convert abort the process.
The site writes each as the text `\\uXXXX`, as the command line does (iraq_frontiers.terminal); tab, line feed and
carriage return are kept (a source text's lines).
"""
from __future__ import annotations

import re
from typing import Any

INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def visible(text: str) -> str:
    """`text` with every control and bidi embedding, override or isolate character written as `\\uXXXX`."""
    return INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def visible_values(value: Any) -> Any:
    """`value` (JSON-like: dicts, lists, strings) with `visible` applied to every string in it."""
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, dict):
        return {visible_values(k): visible_values(v) for k, v in value.items()}
    if isinstance(value, list):
        return [visible_values(v) for v in value]
    return value
