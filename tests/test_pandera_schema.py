"""iraq_frontiers.pandera_schema: the compiled Pandera schemas, public, check a user's own frames."""
from __future__ import annotations

import pytest

import iraq_frontiers


@pytest.mark.parametrize("backend", ["polars", "pandas"])
def test_a_users_frame_is_checked_and_a_bad_value_named(backend):
    from pandera.errors import SchemaErrors

    frame = iraq_frontiers.load("events", backend=backend)
    schema = iraq_frontiers.pandera_schema("events", backend=backend)
    schema.validate(frame, lazy=True)  # the released table passes
    if backend == "polars":
        import polars as pl

        bad = frame.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("FALSE")).otherwise(pl.col("type")).alias("type"))
        cases = lambda exc: exc.failure_cases.to_dicts()  # noqa: E731
    else:
        bad = frame.copy()
        bad.loc[0, "type"] = "FALSE"
        cases = lambda exc: exc.failure_cases.to_dict("records")  # noqa: E731
    with pytest.raises(SchemaErrors) as info:
        schema.validate(bad, lazy=True)
    failed = [c for c in cases(info.value) if c["column"] == "type"]
    assert [c["failure_case"] for c in failed] == ["FALSE"], failed


def test_unknown_table_or_backend_is_refused_by_name():
    with pytest.raises(ValueError, match="unknown table 'event'"):
        iraq_frontiers.pandera_schema("event")
    with pytest.raises(ValueError, match="unknown backend 'spark'"):
        iraq_frontiers.pandera_schema("events", backend="spark")
