"""UCDP's own record of each imported event (schemas/ucdp_events.json): the GED id, release and file, and what the
events table does not hold (event clarity, precision codes, deaths by side, the names UCDP writes)."""
from __future__ import annotations


def ucdp_records(ev):
    """UCDP's own record of each event (schemas/ucdp_events.json): what the events table does not hold."""
    import polars as pl

    def text(col: str) -> pl.Expr:
        return pl.col(col).fill_null("") if col in ev.columns else pl.lit("")

    return ev.select(
        pl.col("event_id"), pl.col("id").alias("ged_id"), pl.col("release").alias("ged_release"),
        pl.when(pl.col("ged_file").fill_null("") != "").then(pl.col("ged_file")).otherwise(pl.col("release")).alias("ged_file"),
        (pl.col("event_clarity").cast(pl.Int64, strict=False) if "event_clarity" in ev.columns else pl.lit(None, pl.Int64)).alias("event_clarity"),
        "date_prec", "where_prec", "deaths_a", "deaths_b", "deaths_civilians", "deaths_unknown", "side_a", "side_b",
        text("dyad_name").alias("dyad_name"), text("conflict_name").alias("conflict_name"), text("code_status").alias("code_status"),
    ).with_columns(pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in ("dyad_name", "conflict_name", "code_status"))
