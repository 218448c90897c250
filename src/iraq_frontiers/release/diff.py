"""Compare two data packages table by table: fields added, removed and retyped; rows added,
removed and changed by primary key, with each changed field's value before and after.

Either side may be a datapackage.json, a folder holding one, or a .zip of one, with CSV or Parquet
resources (so a curated folder can be compared with a published release). Each side is read with
its own descriptor's schemas. The difference decides the smallest allowed version bump
(iraq_frontiers.release.versioning, docs/versioning.md).
"""
from __future__ import annotations

import datetime as dt
import json
import re
import os
from dataclasses import dataclass, field
from typing import Any

from iraq_frontiers.schema.compiler import field_type
from iraq_frontiers.terminal import escape
from iraq_frontiers.release.versioning import LEVELS


@dataclass
class Snapshot:
    """A package's tables as typed polars frames, with their schemas."""

    label: str
    version: str | None
    schemas: dict[str, dict[str, Any]]
    frames: dict[str, Any]  # table -> polars.DataFrame (schema columns only)


def read_snapshot(path: str | os.PathLike) -> Snapshot:
    """Read every table of a package exactly. Raises io.core.InputError when it cannot be read,
    and UnreadableCells when a schema cannot be followed or a value cannot be read as its type (a
    diff would show such a cell as changed to empty)."""
    from iraq_frontiers.io.core import ROW, InputError
    from iraq_frontiers.io.package import open_package, read_table
    from iraq_frontiers.problems import ProblemList
    from iraq_frontiers.validation.schema_guard import check_resources, first_resources

    from iraq_frontiers.io.verify import release_package

    schemas: dict[str, dict[str, Any]] = {}
    frames: dict[str, Any] = {}
    problems = ProblemList()
    with open_package(release_package(path)) as pkg:  # anything in a release is verified first (diff, build, site)
        guard, refused = check_resources(pkg.descriptor)
        problems.extend(guard)
        for resource in first_resources(pkg.descriptor):
            if not isinstance(resource.get("schema"), dict):
                continue
            name = resource.get("name")
            if not isinstance(name, str) or name in refused or not isinstance(resource["schema"].get("fields"), list):
                continue
            try:
                data, found = read_table(pkg, resource)
            except InputError as exc:
                problems.append(exc.problem)
                continue
            problems.extend(found)
            schemas[name] = resource["schema"]
            frames[name] = data.frame.drop(ROW)
        version = pkg.descriptor.get("version")
    if problems.total:
        raise UnreadableCells(str(path), problems)
    return Snapshot(str(path), version if isinstance(version, str) else None, schemas, frames)


class UnreadableCells(Exception):
    """A package whose schemas or values cannot be read exactly: nothing is compared."""

    def __init__(self, label: str, problems):
        self.label = label
        self.problems = problems
        super().__init__(f"{label}: {problems.total} problem(s) reading the package; fix them (see `iraq-frontiers validate`) before comparing")


def snapshot_from_arrow(label: str, version: str | None, tables: dict[str, Any], schemas: dict[str, dict[str, Any]]) -> Snapshot:
    """A snapshot of tables held in memory (Arrow tables)."""
    import polars as pl

    frames = {}
    for name, table in tables.items():
        names = [f["name"] for f in schemas[name]["fields"]]
        frames[name] = pl.from_arrow(table.select(names))
    return Snapshot(label, version, dict(schemas), frames)


def _pk(schema: dict[str, Any]) -> list[str]:
    pk = schema.get("primaryKey") or []
    return [pk] if isinstance(pk, str) else list(pk)


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "to_list"):  # polars Series inside list columns
        return [_jsonable(v) for v in value.to_list()]
    return value


def _schema_details(schema: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(schema, sort_keys=True, default=str))


@dataclass
class TableDiff:
    """How one table differs between two packages."""

    table: str
    status: str  # "added", "removed", "changed" or "same"
    primary_key: list[str] = field(default_factory=list)
    rows_old: int = 0
    rows_new: int = 0
    fields_added: list[str] = field(default_factory=list)
    fields_removed: list[str] = field(default_factory=list)
    fields_retyped: list[dict[str, str]] = field(default_factory=list)  # {field, old, new}
    key_changed: bool = False  # primary key differs: rows cannot be matched
    schema_details_changed: bool = False  # descriptions, constraints, keys other than the primary key
    added: list[dict[str, Any]] = field(default_factory=list)  # primary keys of added rows
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)  # {key, fields: {name: {old, new}}}
    by_layer: dict[str, dict[str, int]] = field(default_factory=dict)  # layer -> {added, removed, changed}

    @property
    def required_bump(self) -> str | None:
        if self.status == "removed" or self.fields_removed or self.fields_retyped or self.key_changed or self.removed:
            return "major"
        if self.status == "added" or self.fields_added or self.added:
            return "minor"
        if self.changed or self.schema_details_changed:
            return "patch"
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "status": self.status,
            "required_bump": self.required_bump,
            "primary_key": self.primary_key,
            "rows": {"old": self.rows_old, "new": self.rows_new},
            "counts": {"added": len(self.added), "removed": len(self.removed), "changed": len(self.changed)},
            "fields_added": self.fields_added,
            "fields_removed": self.fields_removed,
            "fields_retyped": self.fields_retyped,
            "key_changed": self.key_changed,
            "schema_details_changed": self.schema_details_changed,
            "added": self.added,
            "removed": self.removed,
            "changed": self.changed,
            "by_layer": self.by_layer,
        }


@dataclass
class PackageDiff:
    """How a new package differs from an old one."""

    old: str
    new: str
    old_version: str | None
    new_version: str | None
    tables: list[TableDiff]

    @property
    def required_bump(self) -> str | None:
        levels = [t.required_bump for t in self.tables]
        return max(levels, key=lambda lv: LEVELS[lv], default=None)

    @property
    def identical(self) -> bool:
        return all(t.status == "same" for t in self.tables)

    def table(self, name: str) -> TableDiff:
        return next(t for t in self.tables if t.table == name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": {"path": self.old, "version": self.old_version},
            "new": {"path": self.new, "version": self.new_version},
            "identical": self.identical,
            "required_bump": self.required_bump,
            "tables": {t.table: t.to_dict() for t in self.tables},
        }

    def to_json(self) -> str:
        return escape(json.dumps(self.to_dict(), indent=2, ensure_ascii=False))

    def format_text(self, limit: int = 50) -> str:
        """A report for people; at most `limit` rows listed per kind of change and table."""
        head = f"{self.old} ({self.old_version or '?'}) -> {self.new} ({self.new_version or '?'})"
        if self.identical:
            return escape(f"{head}: no differences", newlines=True)
        lines = [head, f"required version bump: {self.required_bump or 'none'}"]
        for t in self.tables:
            if t.status == "same":
                continue
            lines.extend(_table_text(t, limit))
        return "\n".join(escape(line, newlines=True) for line in lines)


def _key_text(key: dict[str, Any]) -> str:
    return ", ".join(str(v) for v in key.values()) if len(key) > 1 else str(next(iter(key.values()), ""))


def _short(value: Any, n: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= n else text[: n - 3] + "..."


def _table_text(t: TableDiff, limit: int) -> list[str]:
    lines = ["", f"{t.table}: {t.status} (rows {t.rows_old} -> {t.rows_new}; bump {t.required_bump or 'none'})"]  # our own blank line
    if t.fields_added:
        lines.append(f"  fields added: {', '.join(t.fields_added)}")
    if t.fields_removed:
        lines.append(f"  fields removed: {', '.join(t.fields_removed)}")
    for r in t.fields_retyped:
        lines.append(f"  field retyped: {r['field']} {r['old']} -> {r['new']}")
    if t.key_changed:
        lines.append("  primary key changed: rows not matched")
    if t.schema_details_changed:
        lines.append("  schema details changed (descriptions, constraints or keys)")
    if len(t.by_layer) > 1 or (t.by_layer and "curated" not in t.by_layer):
        lines.append("  by layer: " + "; ".join(
            f"{layer} " + ", ".join(f"{n:,} {kind}" for kind, n in counts.items() if n) for layer, counts in sorted(t.by_layer.items())))
    for kind, rows in (("added", t.added), ("removed", t.removed)):
        if rows:
            lines.append(f"  {len(rows)} row(s) {kind}:")
            lines.extend(f"    {'+' if kind == 'added' else '-'} {_key_text(k)}" for k in rows[:limit])
            if len(rows) > limit:
                lines.append(f"    ... and {len(rows) - limit} more (use --json for all)")
    if t.changed:
        lines.append(f"  {len(t.changed)} row(s) changed:")
        for c in t.changed[:limit]:
            lines.append(f"    ~ {_key_text(c['key'])}")
            for fname, ch in c["fields"].items():
                lines.append(f"        {fname}: {_short(ch['old'])} -> {_short(ch['new'])}")
        if len(t.changed) > limit:
            lines.append(f"    ... and {len(t.changed) - limit} more (use --json for all)")
    return lines


_LAYER_ID = re.compile(r"^[a-z]+-(ucdp|usgov)-")  # the id namespaces of the imported layers (importers/layer.py)


def _layer(row: dict[str, Any], pk: list[str]) -> str:
    """The layer a row belongs to: its origin where the table has one, else its key's id namespace."""
    if row.get("origin"):
        return str(row["origin"])
    m = _LAYER_ID.match(str(row.get(pk[0]) or ""))
    return {"ucdp": "ucdp (GED and Candidate)", "usgov": "us-gov"}[m.group(1)] if m else "curated"


def _count_layers(d: "TableDiff", old_frame, new_frame) -> None:
    """Rows added, removed and changed per layer, so a reviewer sees which layer moved."""
    import polars as pl

    counts: dict[str, dict[str, int]] = {}
    for kind, keys, frame in (("added", d.added, new_frame), ("removed", d.removed, old_frame),
                              ("changed", [c["key"] for c in d.changed], new_frame)):
        if not keys:
            continue
        cols = d.primary_key + (["origin"] if "origin" in frame.columns else [])
        rows = frame.select(cols).join(pl.DataFrame(keys, schema={k: frame.schema[k] for k in d.primary_key}), on=d.primary_key,
                                       how="semi", nulls_equal=True).to_dicts()
        for row in rows:
            layer = counts.setdefault(_layer(row, d.primary_key), {"added": 0, "removed": 0, "changed": 0})
            layer[kind] += 1
    d.by_layer = counts


def _keys(frame, pk: list[str]) -> list[dict[str, Any]]:
    return [{k: _jsonable(v) for k, v in row.items()} for row in frame.select(pk).sort(pk, nulls_last=True).to_dicts()]


def diff_table(name: str, old_schema: dict | None, new_schema: dict | None, old_frame, new_frame) -> TableDiff:
    import polars as pl

    if old_schema is None:
        pk = _pk(new_schema)
        d = TableDiff(name, "added", pk, 0, new_frame.height)
        d.fields_added = [f["name"] for f in new_schema["fields"]]
        if pk and all(k in new_frame.columns for k in pk):
            d.added = _keys(new_frame, pk)
        return d
    if new_schema is None:
        pk = _pk(old_schema)
        d = TableDiff(name, "removed", pk, old_frame.height, 0)
        d.fields_removed = [f["name"] for f in old_schema["fields"]]
        if pk and all(k in old_frame.columns for k in pk):
            d.removed = _keys(old_frame, pk)
        return d

    old_types = {f["name"]: field_type(f) for f in old_schema["fields"]}
    new_types = {f["name"]: field_type(f) for f in new_schema["fields"]}
    pk_old, pk = _pk(old_schema), _pk(new_schema)
    d = TableDiff(name, "same", pk, old_frame.height, new_frame.height)
    d.fields_added = [f for f in new_types if f not in old_types]
    d.fields_removed = [f for f in old_types if f not in new_types]
    d.fields_retyped = [{"field": f, "old": old_types[f], "new": new_types[f]}
                        for f in new_types if f in old_types and old_types[f] != new_types[f]]
    d.key_changed = pk_old != pk
    # Anything else in the schema (descriptions, constraints, foreign keys): compare with the
    # fields' presence and types factored out.
    def _rest(schema, keep):
        s = _schema_details(schema)
        s["fields"] = [f for f in s["fields"] if f["name"] in keep]
        for f in s["fields"]:
            f.pop("type", None)
        s.pop("primaryKey", None)
        return s
    common = [f for f in new_types if f in old_types]
    d.schema_details_changed = _rest(old_schema, common) != _rest(new_schema, common)

    if d.key_changed or not pk or any(k not in old_frame.columns or k not in new_frame.columns for k in pk):
        d.key_changed = True
    else:
        compare = [f for f in common if f not in pk and old_types[f] == new_types[f]
                   and f in old_frame.columns and f in new_frame.columns]
        old_k = old_frame.unique(subset=pk, keep="first", maintain_order=True)
        new_k = new_frame.unique(subset=pk, keep="first", maintain_order=True)
        old_keys = old_k.select(pk)
        new_keys = new_k.select(pk)
        if new_keys.schema != old_keys.schema:
            old_keys = old_keys.cast(new_keys.schema)
            old_k = old_k.with_columns([pl.col(k).cast(new_keys.schema[k]) for k in pk])
        d.added = _keys(new_keys.join(old_keys, on=pk, how="anti", nulls_equal=True), pk)
        d.removed = _keys(old_keys.join(new_keys, on=pk, how="anti", nulls_equal=True), pk)
        if compare:
            both = old_k.select(pk + compare).join(new_k.select(pk + compare), on=pk, how="inner",
                                                   suffix="__new", nulls_equal=True)
            mask = pl.any_horizontal([pl.col(f).ne_missing(pl.col(f + "__new")) for f in compare])
            differing = both.filter(mask).sort(pk, nulls_last=True)
            for row in differing.to_dicts():
                fields = {}
                for f in compare:
                    before, after = _jsonable(row[f]), _jsonable(row[f + "__new"])
                    if before != after:
                        fields[f] = {"old": before, "new": after}
                if fields:
                    d.changed.append({"key": {k: _jsonable(row[k]) for k in pk}, "fields": fields})
        if all(new_k.schema[k] == pl.String for k in pk):  # keys of ids: each row's layer is known
            _count_layers(d, old_k, new_k)
    if (d.fields_added or d.fields_removed or d.fields_retyped or d.key_changed or d.schema_details_changed
            or d.added or d.removed or d.changed):
        d.status = "changed"
    return d


def diff_snapshots(old: Snapshot, new: Snapshot) -> PackageDiff:
    from iraq_frontiers.schema.metadata import derived_table_names

    names = list(new.schemas) + [n for n in old.schemas if n not in new.schemas]
    # A derived table (events_flat) is a function of the others: held by a release but never by the curated
    # package, so it is compared only when both sides hold it.
    derived = set(derived_table_names())
    names = [n for n in names if n not in derived or (n in old.schemas and n in new.schemas)]
    tables = [
        diff_table(n, old.schemas.get(n), new.schemas.get(n), old.frames.get(n), new.frames.get(n))
        for n in names
    ]
    return PackageDiff(old.label, new.label, old.version, new.version, tables)


def diff_packages(old: str | os.PathLike, new: str | os.PathLike) -> PackageDiff:
    """Compare two packages (paths to a descriptor, a folder or a zip). Raises io.core.InputError."""
    return diff_snapshots(read_snapshot(old), read_snapshot(new))
