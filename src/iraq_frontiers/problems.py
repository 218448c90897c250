"""Problem records and the validation report.

Every problem has a stable code (listed in CODES with its meaning), the file, table, row (and, in
CSV, the physical line), primary key and field where it applies, the offending value and a message.
A program reads Report.to_dict(); a person reads Report.format_text().

A message quotes a value from input with `quote()`: a long value is clipped inside the quotes and its
length said after them, so a message is bounded and its explanation is never cut.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from iraq_frontiers.terminal import escape

# code -> (layer, meaning). Layer "input" problems mean the package could not be read at all
# or was refused (exit code 2); every other problem is invalid data (exit code 1), except layer
# "internal": a bug in the toolkit, not in the input (exit code 3, never expected).
CODES: dict[str, tuple[str, str]] = {
    # input: unreadable or refused
    "path-not-found": ("input", "The path given does not exist."),
    "descriptor-unreadable": ("input", "The descriptor is not readable JSON, not an object, or too large or deep."),
    "archive-unreadable": ("input", "The zip archive is corrupt, unsafe (escaping paths, bomb) or holds no datapackage.json."),
    "path-unsafe": ("input", "A resource path is absolute, contains '..', or leads outside the package folder."),
    "remote-refused": ("input", "A resource points to a URL; remote data is never fetched unless allowed."),
    "resource-unreadable": ("input", "A resource file is missing, not a regular file, empty, or cannot be parsed as its format."),
    "encoding-error": ("input", "A CSV file is not UTF-8 text (UTF-16, Latin-1...) or holds NUL bytes; the message gives the byte offset."),
    "setting-invalid": ("input", "An environment setting of the toolkit (IRAQ_FRONTIERS_...) has a value it cannot use."),
    "engine-unavailable": ("input", "The engine asked for cannot run here: pyspark or Java is missing, or the Spark master or Spark Connect server cannot be used."),
    "release-corrupt": ("input", "A release file differs from SHA256SUMS or from its descriptor's bytes/hash, is missing, or is not listed (`iraq-frontiers verify`)."),
    "profile-unsupported": ("input", "The descriptor's `$schema` names a profile the toolkit does not know (a Data Package version other than 1.0 and 2.0, or a custom profile): refused, not checked against the wrong rules."),
    "csv-malformed": ("input", "A CSV file cannot be split into cells (unclosed quote, text after a closing quote, blank first line)."),
    # (a) descriptor
    "descriptor-invalid": ("descriptor", "The descriptor does not conform to the Data Package v2 profile."),
    "schema-unsupported": ("descriptor", "A Table Schema uses a type or feature the toolkit does not support."),
    "foreign-key-target-missing": ("descriptor", "A foreign key references a resource or field that does not exist."),
    # (b) per table
    "missing-column": ("table", "A field of the schema is absent from the data."),
    "extra-column": ("table", "The data has a column the schema does not define."),
    "duplicate-column": ("table", "The data has the same column name twice."),
    "bytes-mismatch": ("table", "A resource file's size differs from the descriptor's `bytes`."),
    "hash-mismatch": ("table", "A resource file's hash differs from the descriptor's `hash`."),
    "ragged-row": ("table", "A CSV row has more or fewer cells than the header (missing cells are read as empty, extra cells are not read)."),
    "blank-row": ("table", "A row is blank: no cells, or every cell empty (not read; blank lines at the end of a CSV file are ignored)."),
    "cell-too-large": ("table", "A cell is larger than 1 MiB (it is read as empty)."),
    "control-character": ("table", "A value holds a control character (other than tab, line feed, carriage return)."),
    "type-error": ("table", "A value cannot be read as the field's type."),
    "required": ("table", "A required field is empty."),
    "enum": ("table", "A value is not in the field's vocabulary."),
    "minimum": ("table", "A value is below the field's minimum."),
    "maximum": ("table", "A value is above the field's maximum."),
    "pattern": ("table", "A value does not match the field's pattern."),
    "min-length": ("table", "A value is shorter than the field's minLength."),
    "max-length": ("table", "A value is longer than the field's maxLength."),
    "format": ("table", "A value is not of the field's string format (email, uri, uuid or binary)."),
    # (c) cross-table integrity
    "primary-key-duplicate": ("integrity", "Two rows share a primary key, or keys that differ only in Unicode normalisation (NFC vs NFD)."),
    "unique-duplicate": ("integrity", "Two rows share a value that must be unique."),
    "foreign-key-orphan": ("integrity", "A reference points to a key that does not exist in the referenced table."),
    # (d) domain rules
    "date-order": ("domain", "An end date is before its start date."),
    "date-incomplete": ("domain", "One end of a date range is given without the other."),
    "date-precision": ("domain", "A date is inconsistent with its precision (e.g. month precision not on the 1st)."),
    "coordinates-incomplete": ("domain", "Only one of latitude and longitude is given."),
    "coordinates-outside-country": ("domain", "A point lies outside its country's bounding box (latitude and longitude swapped?)."),
    "coordinate-precision": ("domain", "Coordinates are present with precision 'none', or missing with another precision."),
    "figures-order": ("domain", "Figures are not ordered low <= best <= high."),
    "event-unsupported": ("domain", "An event has no claim about it."),
    "status-inconsistent": ("domain", "An event's status differs from the status derived from its claims."),
    "withdrawn-without-reason": ("domain", "A withdrawn event has no withdrawn_reason."),
    "span-incomplete": ("domain", "Only one of span_start and span_end is given."),
    "span-empty": ("domain", "An evidence span does not have span_start < span_end."),
    "span-outside-document": ("domain", "An evidence span ends beyond the source's text_length."),
    "span-without-document": ("domain", "An evidence span points into a source that records no text_length."),
    "span-hash": ("domain", "An evidence span without span_sha256, or span_sha256 without a span."),
    "anonymous-inconsistent": ("domain", "A claim's anonymous flag disagrees with its claimant (an unnamed_person actor is anonymous, a named one is not)."),
    "figures-unbacked": ("domain", "An event gives a figure that no claim about it backs (a count_killed quantity or a dataset-record claim)."),
    "contested-inconsistent": ("domain", "An event's contested flag differs from what its claims' disagreement links give."),
    "link-kind": ("domain", "A contradicts link without a disagreement kind, or a kind on another relation."),
    "claim-without-subject": ("domain", "A claim is about no event, actor or location."),
    "self-link": ("domain", "A relation or link points from a row to itself."),
    "reference-cycle": ("domain", "Following a self-reference (locations.parent_id) from a row leads back to it through other rows: a loop."),
    "source-date-implausible": ("domain", "A source's published_date is before 1900-01-01 or after the day of validation (a placeholder such as UCDP's 1753, or a typo): import it as unknown, the original kept in notes."),
    "source-before-event": ("domain", "A claim about an event cites a source published before the event began (the source's whole date window lies before the event's date_start)."),
    # a bug in the toolkit (never the input's fault): reported instead of a traceback
    "internal-error": ("internal", "The toolkit failed unexpectedly (a bug: please report it with the message)."),
}

# Codes that are warnings, not errors: listed and counted like any problem, but the package stays valid
# (Report.valid, exit code 0). Every other code is an error.
WARNINGS: frozenset[str] = frozenset({"source-before-event"})


def severity(code: str) -> str:
    """'warning' for a code in WARNINGS, else 'error'."""
    return "warning" if code in WARNINGS else "error"


MAX_VALUE_CHARS = 500  # longer offending values are clipped in problems
MAX_QUOTED_CHARS = 200  # a value quoted in a message is clipped to this many characters


def quote(value: Any, n: int = MAX_QUOTED_CHARS) -> str:
    """A value from input, quoted for a message (its repr); beyond n characters a string is clipped and its
    length given after the quote (in a list or object, each string so), so the rest of the message stays whole."""
    if isinstance(value, str):
        return repr(value) if len(value) <= n else f"{value[:n]!r}... ({len(value)} characters)"
    if isinstance(value, (list, tuple)):
        text = "[" + ", ".join(quote(v, n) for v in value[:50]) + (", ..." if len(value) > 50 else "") + "]"
    elif isinstance(value, dict):
        items = list(value.items())
        text = "{" + ", ".join(f"{quote(k, n)}: {quote(v, n)}" for k, v in items[:50]) + (", ..." if len(items) > 50 else "") + "}"
    else:
        text = repr(value)
    return text if len(text) <= 4 * n else f"{text[:4 * n]}... ({len(text)} characters)"


def quote_within(message: str, *values: Any) -> str:
    """A message from a library that embeds values' reprs (jsonschema: "'…' is not of type 'array'"),
    with each long repr clipped by quote() and the library's explanation kept whole."""
    for value in values:
        text = repr(value)
        if len(text) > MAX_QUOTED_CHARS and text in message:
            message = message.replace(text, quote(value))
    return message


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a package."""

    code: str
    message: str
    table: str | None = None
    field: str | None = None
    row: int | None = None  # 1-based data row (the header is not counted)
    key: dict[str, Any] | None = None  # primary-key values of the row, where known
    value: Any = None
    file: str | None = None
    line: int | None = None  # CSV: the physical line where the row's record starts (quoted cells may span lines)

    def __post_init__(self):
        if self.code not in CODES:
            raise ValueError(f"unknown problem code {self.code!r}")
        if isinstance(self.value, str) and len(self.value) > MAX_VALUE_CHARS:  # a 1 MB cell must not bloat the report
            object.__setattr__(self, "value", self.value[:MAX_VALUE_CHARS] + f"... ({len(self.value)} characters)")

    @property
    def layer(self) -> str:
        return CODES[self.code][0]

    @property
    def severity(self) -> str:
        return severity(self.code)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["layer"] = self.layer
        d["severity"] = self.severity
        d["value"] = _jsonable(self.value)
        return d

    def location(self) -> str:
        """Where the problem is, for a person: `items.csv line 5, table items row 4 [id=it-4], field count`."""
        where = self.file or ""
        if self.line is not None:
            where += f" line {self.line}" if where else f"line {self.line}"
        row = f"table {self.table}" if self.table else ""
        if self.row is not None:
            row += f" row {self.row}" if row else f"row {self.row}"
        key = {k: v for k, v in (self.key or {}).items() if v is not None}  # a blank row has no key to show
        if key:
            row += (" " if row else "") + "[" + ", ".join(f"{k}={v}" for k, v in key.items()) + "]"
        parts = [p for p in (where, row, f"field {self.field}" if self.field else "") if p]
        return ", ".join(parts) if parts else "package"


MAX_LISTED_PER_GROUP = 1_000  # problems listed per (code, table, field); the rest are counted
MAX_LISTED = 100_000  # problems listed in all


class ProblemList(list):
    """Problems found, listed up to a cap per (code, table, field) and in all, every one counted.

    A package with a million bad cells must not need a million records in memory: producers that
    find many cells at once list the first few (`room`) and count the rest (`count_more`); `totals`
    holds the exact number per (code, table, field) and `total` the grand total.
    """

    def __init__(self, items=()):
        super().__init__()
        self.totals: dict[tuple[str, str | None, str | None], int] = {}  # found
        self.listed: dict[tuple[str, str | None, str | None], int] = {}  # kept in the list
        self.extend(items)

    @property
    def total(self) -> int:
        return sum(self.totals.values())

    @property
    def omitted(self) -> int:
        return self.total - len(self)

    def room(self, code: str, table: str | None, fld: str | None) -> int:
        """How many more problems of this group would be listed."""
        return max(0, min(MAX_LISTED_PER_GROUP - self.listed.get((code, table, fld), 0), MAX_LISTED - len(self)))

    def append(self, problem: Problem) -> None:
        group = (problem.code, problem.table, problem.field)
        if self.room(*group):
            super().append(problem)
            self.listed[group] = self.listed.get(group, 0) + 1
        self.totals[group] = self.totals.get(group, 0) + 1

    def count_more(self, code: str, table: str | None, fld: str | None, n: int) -> None:
        """Count n problems of a group that are not listed."""
        if n > 0:
            self.totals[(code, table, fld)] = self.totals.get((code, table, fld), 0) + n

    def extend(self, problems) -> None:
        for p in problems:
            self.append(p)
        if isinstance(problems, ProblemList):  # and what the other list counted without listing
            for group, n in problems.totals.items():
                self.count_more(*group, n - problems.listed.get(group, 0))

    def __iadd__(self, problems):
        self.extend(problems)
        return self

    def __add__(self, problems):
        out = ProblemList(self)
        out.extend(problems)
        return out

    def __radd__(self, problems):  # list + ProblemList keeps the counts
        out = ProblemList(problems)
        out.extend(self)
        return out

    def clear(self) -> None:
        super().clear()
        self.totals.clear()
        self.listed.clear()


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else repr(value)
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)


@dataclass
class Report:
    """The outcome of validating one package (problems listed up to a cap, all counted)."""

    path: str
    problems: ProblemList = field(default_factory=ProblemList)
    tables: dict[str, int] = field(default_factory=dict)  # table -> rows read

    @property
    def valid(self) -> bool:
        """No problem other than warnings."""
        return not self.errors

    @property
    def errors(self) -> int:
        return sum(n for (code, _, _), n in self.problems.totals.items() if code not in WARNINGS)

    @property
    def warnings(self) -> int:
        return self.problems.total - self.errors

    @property
    def exit_code(self) -> int:
        layers = {CODES[code][0] for code, _, _ in self.problems.totals if code not in WARNINGS}
        if "internal" in layers:
            return 3
        if "input" in layers:
            return 2
        return 1 if layers else 0

    def codes(self) -> set[str]:
        return {code for code, _, _ in self.problems.totals}

    def to_dict(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for (code, _, _), n in self.problems.totals.items():
            counts[code] = counts.get(code, 0) + n
        return {
            "path": self.path,
            "valid": self.valid,
            "exit_code": self.exit_code,
            "tables": self.tables,
            "counts": counts,
            "total": self.problems.total,
            "warnings": self.warnings,  # of the total, problems that are warnings (problems.WARNINGS)
            "omitted": self.problems.omitted,  # found and counted, not listed (over the caps)
            "groups": [{"code": c, "table": t, "field": f, "count": n} for (c, t, f), n in self.problems.totals.items()],
            "problems": [p.to_dict() for p in self.problems],
        }

    def to_json(self) -> str:
        return escape(json.dumps(self.to_dict(), indent=2, ensure_ascii=False))  # still JSON: escapes are \uXXXX

    def format_text(self, limit: int = 200) -> str:
        total = self.problems.total
        if self.valid:
            rows = sum(self.tables.values())
            head = f"valid: {self.path} ({len(self.tables)} tables, {rows} rows)"
            if not total:
                return escape(head, newlines=True)
            lines = [f"{head}, with {total} warning(s)"]
        else:
            warned = f" (of which {self.warnings} warning(s))" if self.warnings else ""
            lines = [f"invalid: {self.path}: {total} problem(s){warned}"]
        for p in self.problems[:limit]:
            value = "" if p.value is None else f" (value: {_short(p.value)})"
            mark = "warning: " if p.code in WARNINGS else ""
            lines.append(f"  [{p.code}] {mark}{p.location()}: {p.message}{value}")
        if total > min(limit, len(self.problems)):
            lines.append(f"  ... and {total - min(limit, len(self.problems))} more; by code, table and field:")
            for (code, table, fld), n in sorted(self.problems.totals.items(), key=lambda kv: -kv[1])[:50]:
                lines.append(f"    {n:>9,}  [{code}] {table or 'package'}{f' field {fld}' if fld else ''}")
            lines.append("  (use --json for every listed problem and the full counts)")
        return "\n".join(escape(line, newlines=True) for line in lines)


def _short(value: Any, n: int = 80) -> str:
    return quote(value, n)
