"""Give every CSV of a package the fields its schema has gained, as empty cells in schema order.

    python build_scripts/add_schema_fields.py [PACKAGE]

When a field is added to schemas/ (say events.ucdp_conflict_id), each existing row needs an empty
cell for it. This inserts them and changes nothing else: rows keep their other cells, in their
order; a file whose header has a column the schema lacks, or the schema's columns in another
order, is refused (exit 1) and left as it is. Required fields get empty cells too, which
`iraq-frontiers validate` then reports: fill them in by hand or by their tool.
"""
import csv
import io
import sys
from pathlib import Path

from iraq_frontiers.importers.layer import record_values, replace_file, split_records
from iraq_frontiers.schema.metadata import table_names, table_schema


def _line(values: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerow(values)
    return out.getvalue().encode("utf-8")


def add_fields(path: Path, fields: list[str]) -> list[str]:
    """Insert empty cells for the schema fields missing from path's header; returns the fields added."""
    records = split_records(path.read_bytes())
    header = record_values(records[0])
    unknown = [h for h in header if h not in fields]
    if unknown or [f for f in fields if f in header] != header:
        raise ValueError(f"{path}: header {header} is not the schema's fields {fields} in order with some left out")
    missing = [f for f in fields if f not in header]
    if not missing:
        return []
    lines = [_line(fields)]
    for record in records[1:]:
        row = dict(zip(header, record_values(record)))
        lines.append(_line([row.get(f, "") for f in fields]))
    replace_file(path, b"".join(lines))
    return missing


if __name__ == "__main__":
    package = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "datapackage"
    status = 0
    for table in table_names():
        try:
            added = add_fields(package / f"{table}.csv", [f["name"] for f in table_schema(table)["fields"]])
        except ValueError as exc:
            print(f"add_schema_fields: {exc}", file=sys.stderr)
            status = 1
            continue
        if added:
            print(f"{table}: added {', '.join(added)}")
    sys.exit(status)
