"""The DuckDB engine's screen (backends.loop.Engine.screen): one streaming polars scan of a Parquet
file read where it lies, proving some of its table's checks have no row before DuckDB counts them.

Why polars: one scan reads the file once for the cell, field and key checks together, where DuckDB
would read it again per query, and its regex engine tests a character class at a fraction of the
cost of a regular expression call per cell in DuckDB. A screen only clears: False says nothing,
and the check is counted by DuckDB as ever, so messages, rows and counts are DuckDB's own.

Soundness (a screen must never clear a check DuckDB would count rows for): the cell conditions are
the reader's own (io.cells); each field or key condition is the check's own on the raw column (the
view only reads more cells as NULL, and leaves rows out, so it can fail no more rows). Where the two
engines could disagree the condition is not written (the check runs in DuckDB): a pattern with a
construct whose set of characters Rust's regex (polars: Unicode `\\d`, `\\w`, `\\s`) could make
larger than RE2's (DuckDB: ASCII), an enum or a bound of another type than the column's, lengths
if DuckDB's `length` does not count code points as polars does.
"""
from __future__ import annotations

import re
from typing import Any

from iraq_frontiers.validation.spec import Check, anchored

_LITERAL_ESCAPES = set(".^$|()?*+[]{}\\-")  # escaped, the character itself in RE2 and in Rust's regex
_MAX_REPEAT = 1000  # RE2's limit on {n,m}
_REPEAT = re.compile(r"\{(\d+)(,(\d*))?\}")
# The repeated-key screen holds a 64-bit hash per row in memory (measured: ~+450 MiB of peak RSS for 20M rows):
# above this, DuckDB's query (which spills) runs. 25M keeps a 10M-event package's keys in the one scan.
MAX_KEY_ROWS = 25_000_000


def screen(tables, name: str, checks: list[Check]) -> list[bool]:
    """For each of `checks` (table `name`'s cell, field and key checks), whether the scan proves it has no row."""
    import polars as pl

    cleared = [False] * len(checks)
    if tables.screened.get(name) is not None or name not in tables.parquet_files:
        return cleared  # the reader's data: its cells are screened already
    schema = tables.schemas[name]
    fields = {f["name"]: f for f in schema.get("fields", [])}
    try:
        lf = pl.scan_parquet(tables.parquet_files[name])
        dtypes = lf.collect_schema()
        clears: dict[str, list[int]] = {}  # an output column (false: no row) -> the checks it clears
        exprs = []
        raw = [i for i, check in enumerate(checks) if check.source == "raw"]
        cells = _cell_problems(list(fields.values()), dtypes) if raw else None
        if cells is not None:
            exprs.append(cells.any().alias("cells"))
            clears["cells"] = raw
        for i, check in enumerate(checks):
            found = None
            if check.source == "view" and check.layer == "table" and check.field in fields:
                failing = _field_problems(check.code, fields[check.field], dtypes.get(check.field), tables)
                found = None if failing is None else failing.fill_null(True).any()
            elif check.layer == "keys" and tables.heights[name] <= MAX_KEY_ROWS:
                found = _key_problems(check, fields, dtypes)
            if found is not None:
                exprs.append(found.alias(f"c{i}"))
                clears[f"c{i}"] = [i]
        if not exprs:
            return cleared
        result = lf.select(exprs).collect(engine="streaming").row(0, named=True)
    except Exception:  # noqa: BLE001 - whatever polars cannot read (invalid UTF-8...), the checks say in their words
        return cleared
    except BaseException as exc:  # a damaged file can make polars' Rust code panic (PanicException is a BaseException)
        if type(exc).__name__ != "PanicException":
            raise
        return cleared  # the checks then read the file with DuckDB, which names what is wrong with it
    for column, idx in clears.items():
        if result[column] is False:
            for i in idx:
                cleared[i] = True
    return cleared


def _cell_problems(fields: list[dict[str, Any]], dtypes):
    """A polars expression true on a row with a cell the cell checks (spec_cells.cell_checks) report: a
    blank row, a cell over the size limit or with a control character, a value the dataset cannot
    hold. None when a column has a type the reader's conditions (io.cells) were not written for."""
    import polars as pl

    from iraq_frontiers.io.cells import CONTROL_CHARACTERS, MAX_CELL_BYTES, unrepresentable
    from iraq_frontiers.schema.compiler import field_type

    parts, empty = [], []
    for f in fields:
        fname, ftype = f["name"], field_type(f)
        c, dtype = pl.col(fname), dtypes.get(fname)
        if ftype == "string" and dtype == pl.String:
            empty.append(c.is_null() | (c == ""))
            parts += [c.str.len_bytes() > MAX_CELL_BYTES, c.str.contains(CONTROL_CHARACTERS)]
        elif ftype == "list" and dtype == pl.List(pl.String):
            items = pl.element().str
            parts.append(c.list.eval((items.len_bytes() > MAX_CELL_BYTES) | items.contains(CONTROL_CHARACTERS)).list.any())
        elif ftype in ("integer", "boolean") and dtype is not None and (dtype.is_integer() or dtype == pl.Boolean):
            pass
        elif not (ftype == "number" and dtype is not None and dtype.is_numeric() or ftype == "date" and dtype == pl.Date):
            return None  # a type the conditions were not written for: the checks run
        if ftype == "number":
            c = c.cast(pl.Float64)
        if ftype != "string":
            empty.append(c.is_null())
        parts += [condition for condition, _ in unrepresentable(f, c)]
    if empty:
        parts.append(pl.all_horizontal(empty))
    return pl.any_horizontal(parts) if parts else pl.lit(False)


def _key_problems(check: Check, fields: dict[str, dict[str, Any]], dtypes):
    """A polars expression true when the key check (spec_keys: a repeated primary or unique key, or a primary
    key repeated but for Unicode normalisation) may have a row; None where it is not written. Rows with a
    field empty (NULL in the view) are left out, as the check does. Repeats: fewer distinct hashes of the
    key than keys (equal keys hash alike; a collision only makes the check run). Normalisation: some key
    with a non-ASCII character (an ASCII text is its own NFC). Number fields are not screened: -0.0 and
    0.0 are one value in SQL, two bit patterns in a hash."""
    import polars as pl

    from iraq_frontiers.schema.compiler import field_type
    from iraq_frontiers.validation.spec_keys import normalisation_message

    names = check.field.split(",") if check.field else []
    if not names or any("," in f for f in fields) or not all(n in fields for n in names):
        return None
    cols, given, texts = [], [], []
    for n in names:
        ftype, dtype, c = field_type(fields[n]), dtypes.get(n), pl.col(n)
        if ftype == "string" and dtype == pl.String:
            given.append(c.is_not_null() & (c != ""))
            texts.append(c)
        elif ftype == "integer" and dtype is not None and dtype.is_integer():
            c = c.cast(pl.Int64)
            given.append(c.is_not_null())
        elif ftype == "date" and dtype == pl.Date or ftype == "boolean" and dtype == pl.Boolean:
            given.append(c.is_not_null())
        else:
            return None
        cols.append(c)
    keyed = pl.all_horizontal(given)
    if check.code == "primary-key-duplicate" and check.message == normalisation_message(names):
        if not texts:
            return None
        return (keyed & pl.any_horizontal([c.str.len_bytes() != c.str.len_chars() for c in texts])).fill_null(True).any()
    return pl.struct(cols).hash().filter(keyed).n_unique() < keyed.sum()


def _field_problems(code: str, f: dict[str, Any], dtype, tables):
    """A polars expression true on a row where the field check `code` (spec_fields.field_checks) may
    fail, on the raw column; None where it is not written (see the module's note: the check runs)."""
    import polars as pl

    from iraq_frontiers.schema.compiler import constraint_checks, field_type

    ftype = field_type(f)
    c = pl.col(f["name"])
    if ftype == "string" and dtype == pl.String:
        given = c.is_not_null() & (c != "")  # the view reads an empty string as NULL
    elif ftype == "integer" and dtype is not None and dtype.is_integer():
        c = c.cast(pl.Int64)
        given = c.is_not_null()
    elif ftype == "number" and dtype is not None and dtype.is_numeric():
        c = c.cast(pl.Float64)
        given = c.is_not_null()
    elif ftype == "list" and dtype == pl.List(pl.String) or ftype == "boolean" and dtype == pl.Boolean or ftype == "date" and dtype == pl.Date:
        given = c.is_not_null()
    else:
        return None
    if code == "required":
        return ~given
    args = [check.argument for check in constraint_checks(f) if check.code == code]
    if len(args) != 1:
        return None
    failing = _failing(code, args[0], c, ftype, tables)
    return None if failing is None else given & failing


def _failing(code: str, arg: Any, c, ftype: str, tables):
    """The constraint's failure as DuckDB tests it (spec_fields._failing), or None where polars could differ."""
    import polars as pl

    from iraq_frontiers.schema.compiler import STRING_FORMATS

    if code == "enum" and ftype == "string" and all(isinstance(v, str) for v in arg):
        return ~c.is_in(pl.Series(list(arg), dtype=pl.String).implode())
    if code == "enum" and ftype == "integer" and all(_is_int64(v) for v in arg):
        return ~c.is_in(pl.Series(list(arg), dtype=pl.Int64).implode())
    if code in ("minimum", "maximum"):
        if ftype == "integer" and _is_int64(arg):
            return c < arg if code == "minimum" else c > arg
        if ftype == "number" and (_is_int64(arg) and abs(arg) <= 2**53 or isinstance(arg, float) and arg == arg and abs(arg) != float("inf")):
            return (c < float(arg) if code == "minimum" else c > float(arg)) | c.is_nan()  # NaN: DuckDB orders it above all
        return None
    if code in ("pattern", "format") and ftype == "string":
        pattern = arg if code == "pattern" else STRING_FORMATS.get(arg)
        if not isinstance(pattern, str) or not no_wider_in_polars(pattern):
            return None
        pl.Series([""], dtype=pl.String).str.contains(anchored(pattern))  # raises if polars cannot compile it
        return ~c.str.contains(anchored(pattern))
    if code in ("min-length", "max-length") and ftype == "string" and _is_int64(arg) and _length_counts_code_points(tables):
        n = c.str.len_chars()
        return n < arg if code == "min-length" else n > arg
    return None


def _is_int64(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63


def _length_counts_code_points(tables) -> bool:
    """Whether DuckDB's length() counts code points, as polars' len_chars does (not grapheme clusters)."""
    return tables.con.execute("SELECT length('e' || chr(769))").fetchone()[0] == 2


def no_wider_in_polars(pattern: str) -> bool:
    """Whether every value Rust's regex (polars) matches with this Table Schema pattern RE2 (DuckDB)
    matches too, so that polars finding no failure proves DuckDB finds none.

    Written for the constructs on which the two agree: ASCII literals, bracket classes of ASCII
    characters and ranges, escaped metacharacters, `\\xHH`, groups `(...)` and `(?:...)`, alternation,
    `* + ?` and `{n,m}` (n, m up to RE2's 1000), `^` and `$` (neither multi-line). Perl classes differ:
    Rust's are Unicode (`\\d` matches '٣'), RE2's ASCII; so `\\D`, `\\W`, `\\S` (a smaller set in polars)
    are accepted outside a negated class, `\\d`, `\\w`, `\\s` only inside one (`[^\\s]`: polars excludes more).
    Anything else (`.`, flags, `\\b`, `\\p{..}`, nested classes, Rust's class set operations) is refused."""
    if not pattern.isascii():
        return False
    i, n = 0, len(pattern)
    in_class = negated = False
    repeatable = False  # whether a quantifier may follow (refuses `**`, `a{2}+`, a leading `*`)
    quantified = False  # a quantifier just ended: one `?` (lazy) may follow
    while i < n:
        ch = pattern[i]
        if ch == "\\":
            e = pattern[i + 1:i + 2]
            if e in _LITERAL_ESCAPES and e:
                i += 2
            elif e == "x" and re.fullmatch(r"[0-9A-Fa-f]{2}", pattern[i + 2:i + 4]):
                i += 4
            elif e in ("d", "w", "s") and in_class and negated or e in ("D", "W", "S") and not (in_class and negated):
                i += 2
            else:
                return False
            repeatable, quantified = True, False
            continue
        if in_class:
            if ch == "[" or pattern.startswith(("&&", "--", "~~"), i):
                return False
            if ch == "]":
                in_class = False
            i += 1
            continue
        if ch == "[":
            negated = pattern.startswith("[^", i)
            i += 2 if negated else 1
            if pattern[i:i + 1] in ("]", ""):
                return False  # `[]...]`: a literal `]` in RE2, read otherwise elsewhere
            in_class, repeatable, quantified = True, True, False
            continue
        if ch in "*+?":
            if not repeatable and not (ch == "?" and quantified):
                return False
            repeatable, quantified = False, repeatable
            i += 1
            continue
        quantified = False
        if ch == "{":
            m = _REPEAT.match(pattern, i)
            if not m or not repeatable or max(int(m.group(1)), int(m.group(3) or 0)) > _MAX_REPEAT:
                return False
            i, repeatable, quantified = m.end(), False, True
            continue
        if ch == "(":
            if pattern.startswith("(?", i) and not pattern.startswith("(?:", i):
                return False
            i += 3 if pattern.startswith("(?:", i) else 1
            repeatable = False
            continue
        if ch in ".}]":
            return False
        repeatable = ch not in "|^$"  # a literal or `)`, not `|`, `^`, `$`
        i += 1
    return not in_class
