"""Put an imported layer into the curated package's CSV files, beside the curated rows.

The curated rows of datapackage/*.csv are edited by people and reviewed as text diffs, so an
import must leave them byte for byte as they are. `merge_layer` therefore works on the raw CSV
records: every record that is not in the layer keeps its exact bytes and its place; the layer's
records are dropped and the newly imported ones appended after the rest, in the importer's
(deterministic) order, written by the package's CSV writer.

Which rows belong to a layer is read from the ids: every id the UCDP importer makes carries the
namespace `<prefix>-ucdp-` (evt-ucdp-<GED id>, clm-ucdp-…, src-ucdp-…, act-ucdp-…, loc-ucdp-…), and
link tables belong to the layer of the row they hang from (LAYER_KEY); the US Government claims
(importers/usgov.py) use `<prefix>-usgov-`. The layers follow the curated rows in the order of
NAMESPACE, so a layer re-imported alone lands where it was. Where a table has an
`origin` field it must agree with the namespace (checked, so a mislabelled row is an error, not a
silent deletion).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from iraq_frontiers.io.disk import replace_file

# table -> the column whose id decides the row's layer
LAYER_KEY = {
    "sources": "id", "actors": "id", "locations": "id", "events": "id", "claims": "id",
    "claim_quantities": "claim_id", "event_actors": "event_id", "actor_relations": "claim_id", "claim_links": "claim_id", "ucdp_events": "event_id",
}
# the layers in their order in the files (after the curated rows): a re-imported layer goes back to its place
NAMESPACE = {"ucdp-ged": re.compile(r"^[a-z]+-ucdp-"), "us-gov": re.compile(r"^[a-z]+-usgov-")}
# the origins a layer's rows may carry (default: the layer's own name): the UCDP import writes GED and Candidate rows
ORIGINS = {"ucdp-ged": {"ucdp-ged", "ucdp-candidate"}}


class LayerError(Exception):
    """The package cannot take the layer (a row's origin disagrees with its id's namespace)."""


def records(data: bytes, where: str = "the layer") -> list[tuple[bytes, list[str]]]:
    """(exact bytes, cells) of each CSV record of `data`, header first, read by the validator's reader
    (io.csv_records: RFC 4180, a quote inside an unquoted cell is literal, lines break at LF, CR, CRLF only).
    Raises LayerError naming `where` and the line when the bytes are not UTF-8 CSV."""
    from iraq_frontiers.io.csv_records import CsvSplitError, csv_records

    try:
        return [(rec.raw.encode("utf-8"), rec.cells) for rec in csv_records(data.decode("utf-8"))]
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise LayerError(f"{where}: not UTF-8 (invalid byte at offset {exc.start}, line {line})") from None
    except CsvSplitError as exc:
        raise LayerError(f"{where}: cannot split the file into cells: {exc.describe()}") from None


def split_records(data: bytes) -> list[bytes]:
    """The CSV records of `data`, each with its line end, header first (records())."""
    return [raw for raw, _ in records(data)]


def record_values(record: bytes) -> list[str]:
    """The cells of one CSV record (split_records)."""
    return records(record)[0][1] if record else []


def in_layer(table: str, row: dict[str, str], layer: str) -> bool:
    """Whether a row (CSV text values by field name) belongs to `layer`."""
    key = row.get(LAYER_KEY[table]) or ""
    return bool(NAMESPACE[layer].match(key))


def merged(package: Path, table: str, layer_csv: str, layer: str) -> tuple[bytes, int, int]:
    """package/<table>.csv with its `layer` rows replaced by the records of `layer_csv` (header + rows):
    (new bytes, rows kept, rows from the layer). Nothing is written. The headers must agree."""
    path = Path(package) / f"{table}.csv"
    old = records(path.read_bytes(), str(path))
    new = [raw for raw, _ in records(layer_csv.encode("utf-8"))]
    if not old or old[0][0] != new[0]:
        raise LayerError(f"{path}: header differs from the schema's field order: run `iraq-frontiers descriptor` and fix the file first")
    header = old[0][1]
    later = list(NAMESPACE)[list(NAMESPACE).index(layer) + 1:]
    kept, at = [old[0][0]], None  # at: where the first row of a later layer is (the new rows go before it)
    for number, (record, cells) in enumerate(old[1:], start=2):
        row = dict(zip(header, cells))
        mine = in_layer(table, row, layer)
        origin = row.get("origin")
        if origin and (origin in ORIGINS.get(layer, {layer})) != mine:
            raise LayerError(f"{path} row {number} ({LAYER_KEY[table]} {row.get(LAYER_KEY[table])!r}): origin {origin!r} "
                             f"disagrees with the id's namespace ({'in' if mine else 'not in'} the {layer} layer)")
        if not mine:
            if at is None and any(in_layer(table, row, other) for other in later):
                at = len(kept)
            kept.append(record if record.endswith(b"\n") else record + b"\n")
    at = len(kept) if at is None else at
    return b"".join(kept[:at] + new[1:] + kept[at:]), len(kept) - 1, len(new) - 1


def merge_layer(package: Path, table: str, layer_csv: str, layer: str) -> tuple[int, int]:
    """Replace the `layer` rows of package/<table>.csv by the records of `layer_csv`; (rows kept, rows written)."""
    data, kept, written = merged(package, table, layer_csv, layer)
    replace_file(Path(package) / f"{table}.csv", data)
    return kept, written



def layer_csv(frame: Any, table: str) -> str:
    """The CSV text (header + rows) of an importer's frame, written as the package writes CSV."""
    from iraq_frontiers.schema.metadata import table_schema
    from iraq_frontiers.io.writers import csv_text, to_arrow


    import polars as pl

    from iraq_frontiers.schema.compiler import field_type, list_delimiter

    schema = table_schema(table)
    for f in schema["fields"]:  # the importer writes list fields as delimited text
        if field_type(f) == "list" and frame.schema[f["name"]] in (pl.String, pl.Null):
            frame = frame.with_columns(pl.col(f["name"]).cast(pl.String).str.split(list_delimiter(f)))
    return csv_text(to_arrow(frame, schema), schema, table)


def layer_csv_rows(rows: list[dict[str, Any]], table: str) -> str:
    """The CSV text (header + rows) of an importer's rows (dicts of typed values; lists as lists), as the package writes CSV."""
    from iraq_frontiers.io.writers import csv_text, to_arrow
    from iraq_frontiers.schema.metadata import table_schema

    schema = table_schema(table)
    return csv_text(to_arrow(rows, schema), schema, table)
