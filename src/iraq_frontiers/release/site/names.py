"""The one way an id becomes a file name, a link or an anchor of the site.

The site is built from packages a user hands us, whose descriptor may not carry the id patterns of
this project's schemas: an id can be `../../x`, hold `#`, `?`, `%`, `/`, spaces, markup or control
characters, or differ from another only by case. `safe_name` maps any id to a name that is
- safe: only `a-z 0-9 - _ .` and `~`, never `.` or `..`, never starting with `.` or `-`, at most
  ~100 characters, never a reserved device name on Windows; usable as a file name on any system and
  in a URL or fragment without encoding;
- unique: an id that is already such a name (the project's ids are) is kept as it is; any other id is
  encoded as a readable part, `~` (which no kept id contains) and 16 hex digits of its sha256, so two
  ids never share a name (case-insensitive file systems included: kept ids are lower case);
- stable: the same id gives the same name in every build.

Every page written for a record and every link or anchor to it goes through this module (the
templates' `name` filter), so a link always names the file that was written.
"""
from __future__ import annotations

import hashlib
import re

_KEPT = re.compile(r"[a-z0-9][a-z0-9_-]*(?:\.[a-z0-9_-]+)*")  # no '..', no leading or trailing dot
_MAX = 100
_WINDOWS = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def safe_name(record_id: object) -> str:
    """A file name / URL path segment / fragment for `record_id` (see the module docstring)."""
    text = "" if record_id is None else str(record_id)
    if len(text) <= _MAX and _KEPT.fullmatch(text) and text.split(".")[0] not in _WINDOWS:
        return text
    readable = re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")[:60].strip("-") or "id"
    return f"{readable}~{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()[:16]}"


def page_path(folder: str, record_id: object) -> str:
    """The site-relative path of a record's page, e.g. events/<name>.html."""
    return f"{folder}/{safe_name(record_id)}.html"
