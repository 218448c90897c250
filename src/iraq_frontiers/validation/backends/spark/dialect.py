"""The specification's SQL (DuckDB's dialect) as Spark SQL with DuckDB's semantics.

sqlglot maps the syntax (quoting, function names, list literals, lambdas). What it cannot know is
where the two engines give different answers for the same SQL; each such place is rewritten here:

- regexes: Spark's RLIKE is java.util.regex (backtracking: `(a+)+$` on a long cell never ends;
  `$` also matches before a final line break; other classes and flags). A pattern of a schema
  runs on RE2, DuckDB's engine, as a vectorised Arrow UDF (`ifr_regexp_matches`, pyarrow's RE2);
  only the reader's control-character class, a plain set of code points that every engine reads
  alike and that cannot backtrack, runs natively;
- a double as text: Java writes 1.0E-5 where DuckDB (and Python's repr) write 1e-05
  (`ifr_double_text`, the shortest repr, exactly DuckDB's output);
- day numbers: DATEDIFF(DAY, a, b) goes through timestamps in Spark and overflows past year
  294247; the two-argument DATEDIFF counts days directly (dates to +-5.8 million years);
- Unicode normalisation: Spark has no `nfc_normalize` (`ifr_nfc_normalize`, Python's unicodedata);
- `isinf` (none in Spark), `strlen` (bytes: OCTET_LENGTH) and `len` of a list (SIZE) are spelt
  out. NaN (equal to itself, above +inf), -0.0 (equal to 0.0, one group) and int64 overflow (an
  error under ANSI mode, set by session.py) already agree between the two engines.
"""
from __future__ import annotations

from functools import lru_cache

SOURCE = "duckdb"
REGEX_UDF = "ifr_regexp_matches"
DOUBLE_TEXT_UDF = "ifr_double_text"
NFC_UDF = "ifr_nfc_normalize"


def native_patterns() -> frozenset[str]:
    """Regexes that mean the same in java.util.regex and RE2 and cannot backtrack: run natively."""
    from iraq_frontiers.io.cells import CONTROL_CHARACTERS

    return frozenset({CONTROL_CHARACTERS})


@lru_cache(maxsize=4096)
def to_spark(sql: str, names: tuple[tuple[str, str], ...], doubles: frozenset[tuple[str, str]]) -> str:
    """`sql` for Spark: tables renamed (names: (table, view alias) pairs), semantics rewritten.

    doubles: (table, field) pairs of DOUBLE columns (their casts to text are rewritten)."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(sql, read=SOURCE)
    renamed = dict(names)
    aliases: dict[str, set[str]] = {}  # alias (or bare table name) in the query -> tables it names
    for table in tree.find_all(exp.Table):
        name = table.name
        aliases.setdefault(table.alias_or_name, set()).add(name)
        if name in renamed:
            table.set("this", exp.to_identifier(renamed[name], quoted=True))
            if not table.alias:  # keep the query's own name for its columns (`events.id`)
                table.set("alias", exp.TableAlias(this=exp.to_identifier(name, quoted=True)))
    native = native_patterns()

    def is_double(node) -> bool:
        if not isinstance(node, exp.Column):
            return False
        tables = aliases.get(node.table, set()) if node.table else {t for ts in aliases.values() for t in ts}
        return any((t, node.name) in doubles for t in tables)

    def rewrite(node):
        if isinstance(node, exp.RegexpLike):
            pattern = node.expression
            if isinstance(pattern, exp.Literal) and pattern.is_string and pattern.this in native:
                return node
            return exp.Anonymous(this=REGEX_UDF, expressions=[node.this, pattern])
        if isinstance(node, exp.IsInf):
            return exp.EQ(this=exp.Abs(this=node.this), expression=exp.cast(exp.Literal.string("Infinity"), "DOUBLE"))
        if isinstance(node, exp.Anonymous) and node.name.lower() == "strlen":
            return exp.Anonymous(this="OCTET_LENGTH", expressions=node.expressions)
        if isinstance(node, exp.Anonymous) and node.name.lower() == "nfc_normalize":
            return exp.Anonymous(this=NFC_UDF, expressions=node.expressions)
        if isinstance(node, exp.Length) and isinstance(node.this, exp.ArrayFilter):
            return exp.Anonymous(this="SIZE", expressions=[node.this])
        if isinstance(node, exp.DateDiff) and (node.text("unit") or "").upper() == "DAY":
            return exp.Anonymous(this="DATEDIFF", expressions=[node.this, node.expression])
        if isinstance(node, exp.Cast) and node.to.is_type(*exp.DataType.TEXT_TYPES) and is_double(node.this):
            return exp.Anonymous(this=DOUBLE_TEXT_UDF, expressions=[node.this])
        return node

    return tree.transform(rewrite).sql(dialect="spark")


def register_functions(spark) -> None:
    """Register the UDFs the rewritten SQL calls (Arrow batches, no row loop in the JVM).

    They are defined here, inside, so that they travel to the executors by value: a cluster's
    workers need pyarrow (pyspark's own dependency), not iraq-frontiers."""
    from pyspark.sql.functions import arrow_udf

    def regexp_matches(values, patterns):
        """RE2 search of each value for its pattern (DuckDB's regexp_matches); null stays null."""
        import pyarrow as pa
        import pyarrow.compute as pc

        distinct = pc.unique(patterns.drop_null()).to_pylist()
        if len(distinct) == 1:  # the usual case: one constant pattern per call
            return pc.match_substring_regex(values, distinct[0])
        out = [None] * len(values)
        for pattern in distinct:
            where = pc.fill_null(pc.equal(patterns, pattern), False)
            hits = pc.match_substring_regex(pc.filter(values, where), pattern).to_pylist()
            for i, hit in zip(pc.indices_nonzero(where).to_pylist(), hits):
                out[i] = hit
        return pa.array(out, pa.bool_())

    def double_text(values):
        """Doubles as DuckDB casts them to text: Python's shortest repr (1e-05, 36.5, -0.0, inf, nan)."""
        import pyarrow as pa

        return pa.array([None if v is None else repr(float(v)) for v in values.to_pylist()], pa.string())

    def nfc_normalize(values):
        """Each value in Unicode normalisation form C (DuckDB's nfc_normalize); null stays null."""
        import unicodedata

        import pyarrow as pa

        return pa.array([None if v is None else unicodedata.normalize("NFC", v) for v in values.to_pylist()], pa.string())

    spark.udf.register(REGEX_UDF, arrow_udf(regexp_matches, "boolean"))
    spark.udf.register(NFC_UDF, arrow_udf(nfc_normalize, "string"))
    spark.udf.register(DOUBLE_TEXT_UDF, arrow_udf(double_text, "string"))
