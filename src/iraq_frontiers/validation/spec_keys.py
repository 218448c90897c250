"""The check specification, part 3: primary keys, unique keys and foreign keys (layer (c))."""
from __future__ import annotations

from typing import Any

from iraq_frontiers.io.core import ROW
from iraq_frontiers.problems import quote
from iraq_frontiers.schema.compiler import field_type
from iraq_frontiers.validation.spec import Check, TableSpec, q


def as_list(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _tuple_value(fields: list[str]) -> str:
    return f"t.{q(fields[0])}" if len(fields) == 1 else "[" + ", ".join(f"CAST(t.{q(f)} AS VARCHAR)" for f in fields) + "]"


def _not_null(alias: str, fields: list[str]) -> str:
    return " AND ".join(f"{alias}.{q(f)} IS NOT NULL" for f in fields)


def key_checks(tables: dict[str, TableSpec], schemas: dict[str, dict[str, Any]]) -> list[Check]:
    """Primary keys, then unique fields and uniqueKeys: a row whose key repeats an earlier row's."""
    out = []
    for t in tables.values():
        schema = schemas[t.name]
        pk = as_list(schema.get("primaryKey"))
        sets = [(pk, "primary-key-duplicate", "primary key")] if pk else []
        seen = {tuple(pk)}
        for fields in [[f["name"]] for f in schema.get("fields", []) if f.get("constraints", {}).get("unique")] + \
                      [as_list(u) for u in schema.get("uniqueKeys", []) or []]:
            if tuple(fields) not in seen:
                seen.add(tuple(fields))
                sets.append((fields, "unique-duplicate", "unique key"))
        for fields, code, what in sets:
            if not t.has(*fields):
                continue
            part = ", ".join(q(f) for f in fields)
            repeats = (f"SELECT {q(ROW)} FROM (SELECT {q(ROW)}, row_number() OVER (PARTITION BY {part} ORDER BY {q(ROW)}) AS n "
                       f"FROM {q(t.name)} WHERE {_not_null(q(t.name), fields)}) WHERE n > 1")
            groups = f"SELECT count(*) AS n FROM {q(t.name)} t WHERE {_not_null('t', fields)} GROUP BY {part}"
            # The screen counts distinct hashes: equal keys hash alike, so there are no more distinct hashes
            # than distinct keys, and 0 repeated hashes proves 0 repeated keys (a collision only makes the
            # exact count run). Half the time of grouping by the key itself (string keys, 2M rows).
            hashes = f"SELECT count(*) - count(DISTINCT hash({part})) FROM {q(t.name)} t WHERE {_not_null('t', fields)}"
            out.append(Check(code, t.name, ",".join(fields), f"{what} {fields} repeats a value of an earlier row",
                             f"t.{q(ROW)} IN ({repeats})", _tuple_value(fields), key=t.key, layer="keys",
                             count_query=f"SELECT coalesce(sum(n - 1), 0) FROM ({groups}) g WHERE n > 1", screen=hashes))
            if code == "primary-key-duplicate":
                out += _normalisation_checks(t, fields)
    return out


def normalisation_message(fields: list[str]) -> str:
    return (f"primary key {fields} differs from an earlier row's only in Unicode normalisation (composed vs decomposed "
            "characters, NFC vs NFD): the two look the same; write both in NFC")


def _normalisation_checks(t: TableSpec, fields: list[str]) -> list[Check]:
    """Primary keys equal once normalised to NFC but not as written (NFC 'é' vs NFD 'e' + accent): each
    such row after the first of its normalised key, once per spelling (exact repeats are reported above).

    Only keys with a non-ASCII character can have another form, so the windows run over the rows whose
    normalised key is that of such a row (none, in most packages: one scan, then nothing)."""
    types = {f["name"]: field_type(f) for f in t.fields}
    texts = [f for f in fields if types.get(f) == "string"]
    if not texts:
        return []

    def key(alias: str, normalise: bool) -> str:
        cols = [f"nfc_normalize({alias}.{q(f)})" if normalise and f in texts else f"{alias}.{q(f)}" for f in fields]
        return cols[0] if len(cols) == 1 else "[" + ", ".join(f"CAST({c} AS VARCHAR)" for c in cols) + "]"

    non_ascii = " OR ".join(f"strlen(x.{q(f)}) <> length(x.{q(f)})" for f in texts)
    given = f"FROM {q(t.name)} x WHERE {_not_null('x', fields)} AND ({non_ascii})"
    candidates = f"SELECT DISTINCT {key('x', True)} {given}"
    raw = ", ".join(q(f) for f in fields)
    # The rows in a window: those with a non-ASCII key (each its own candidate), and those whose key as written
    # is a candidate; an ASCII key is its own NFC, so every row kept has its normalised key among the candidates.
    rows = (f"SELECT {q(ROW)} FROM (SELECT {q(ROW)}, row_number() OVER (PARTITION BY nk ORDER BY {q(ROW)}) AS n, "
            f"row_number() OVER (PARTITION BY nk, {raw} ORDER BY {q(ROW)}) AS m FROM (SELECT x.{q(ROW)}, "
            + ", ".join(f"x.{q(f)}" for f in fields) + f", {key('x', True)} AS nk FROM {q(t.name)} x WHERE {_not_null('x', fields)} "
            f"AND (({non_ascii}) OR {key('x', False)} IN ({candidates}))) y) z WHERE n > 1 AND m = 1")
    # The screen: no key with a non-ASCII character, no candidate (one scan, a fifth of the windows' time at 1M).
    return [Check("primary-key-duplicate", t.name, ",".join(fields), normalisation_message(fields), f"t.{q(ROW)} IN ({rows})",
                  _tuple_value(fields), key=t.key, layer="keys", count_query=f"SELECT count(*) FROM ({rows}) c",
                  screen=f"SELECT count(*) {given}")]


def foreign_key_checks(tables: dict[str, TableSpec], schemas: dict[str, dict[str, Any]]) -> list[Check]:
    """Every foreign key (composite, self-referencing): a reference with every field given must match
    a row of the target. A null in any field of the reference is not checked (SQL MATCH SIMPLE)."""
    out = []
    for t in tables.values():
        for fk in schemas[t.name].get("foreignKeys", []) or []:
            fields = as_list(fk.get("fields"))
            ref = fk.get("reference", {})
            target = ref.get("resource") or t.name
            ref_fields = as_list(ref.get("fields"))
            if target not in tables or len(fields) != len(ref_fields) or not t.has(*fields) or not tables[target].has(*ref_fields):
                continue  # the descriptor layer reports it, or the table was not read
            types = {f["name"]: field_type(f) for f in t.fields}
            ref_types = {f["name"]: field_type(f) for f in tables[target].fields}
            pairs = []
            for a, b in zip(fields, ref_fields):  # compare as text only where the types differ
                same = types[a] == ref_types[b]
                pairs.append(f"t.{q(a)} = p.{q(b)}" if same else f"CAST(t.{q(a)} AS VARCHAR) = CAST(p.{q(b)} AS VARCHAR)")
            # An anti-join, not NOT EXISTS: DuckDB plans the correlated form as a mark join, 2-3x slower.
            orphans = f"ANTI JOIN {q(target)} p ON {' AND '.join(pairs)}"
            shown_fields, shown_target, shown_ref = list(fields), target, list(ref_fields)
            share = {}
            if all(types[a] == ref_types[b] for a, b in zip(fields, ref_fields)):  # one anti-join per referenced key
                share = dict(shared=f"{target}{ref_fields}",
                             shared_rows=", ".join(f"t.{q(a)} AS __k{j}__" for j, a in enumerate(fields)) + f" FROM {q(t.name)} t WHERE {_not_null('t', fields)}",
                             shared_join=f"ANTI JOIN {q(target)} p ON "
                                         + " AND ".join(f"r.__k{j}__ = p.{q(b)}" for j, b in enumerate(ref_fields)))
            out.append(Check("foreign-key-orphan", t.name, ",".join(fields), "", _not_null("t", fields), _tuple_value(fields),
                             joins=orphans, key=t.key, layer="keys",
                             describe=lambda v, _d, a=shown_fields, b=shown_target, c=shown_ref: f"{a} = {quote(v)} has no match in {b}{c}",
                             **share))
    return out


