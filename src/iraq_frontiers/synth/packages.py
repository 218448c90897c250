"""Synthetic data packages for benchmarks and validator tests.

synthesize(out, events=N) writes a package that is valid under every validation layer (descriptor,
tables, keys, domain rules): per N events about N/20 locations, N/50 actors, N/10 sources,
1.5 claims and 2 actor links per event, plus quantities, actor relations and claim links. Event
status is derived from the claims' stances by iraq_frontiers.validation.status, so the package passes the
status rule. Columns are generated with numpy and pyarrow, a chunk of events at a time (each chunk
from its own seeded generator), so the output is the same for a seed whatever the machine, and
10M events take minutes, not hours.

With errors=K, K errors of every injectable class are planted and a manifest
(`injected-errors.json` beside the descriptor) lists the problems the validator must report:
code, table, key, row and field. A planted error that must trigger a second problem (a withdrawn
status without a reason is also inconsistent with the claims) lists both; a NaN in a required number
is one type-error only (one bad cell gives one problem).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHUNK_EVENTS = 500_000  # events per generation chunk (and per Parquet row group of events)
MANIFEST = "injected-errors.json"
# Error classes planted by errors=K, each with the problems it must produce (code, field).
# unique-duplicate cannot be planted: no schema has a unique field other than its primary key.
ERROR_CLASSES = (
    "type-error", "required", "enum", "minimum", "maximum", "pattern", "min-length", "max-length",
    "primary-key-duplicate", "foreign-key-orphan",
    "date-order", "date-incomplete", "date-precision", "figures-order", "withdrawn-without-reason",
    "status-inconsistent", "event-unsupported", "coordinates-incomplete", "coordinate-precision",
    "span-incomplete", "span-empty", "span-outside-document", "span-without-document",
    "claim-without-subject", "self-link",
)
_EVENT_ERRORS = ("enum", "minimum", "max-length", "date-order", "date-incomplete", "figures-order",
                 "withdrawn-without-reason", "status-inconsistent")
_PLANTED_SPAN_HASH = "0" * 64  # a well-formed hash for a planted span (its text is not what is being tested)
_CLAIM_ERRORS = ("required", "date-precision", "span-incomplete", "span-empty", "span-outside-document",
                 "span-without-document")
_LINK_ERRORS = ("primary-key-duplicate", "foreign-key-orphan")
_PUBLISHERS = ["Synthetic Wire", "Frontier Daily", "Border Monitor", "Gulf Observer", "Tigris News",
               "Euphrates Post", "Zagros Times", "Desert Herald", "Kurdistan Ledger", "Levant Review"]
_COUNTRIES = ["IQ", "SY", "TR", "IR", "JO", "SA", "KW", "US", "RU", "GB"]
_LANGUAGES = ["en", "ar", "ku", "tr", "fa", "en-GB"]


@dataclass
class SynthResult:
    out: Path
    rows: dict[str, int]
    injected: list[dict[str, Any]] = field(default_factory=list)  # expected problems


def _enum(table: str, name: str) -> list[str]:
    from iraq_frontiers.schema.metadata import table_schema

    for f in table_schema(table)["fields"]:
        if f["name"] == name:
            return list(f["constraints"]["enum"])
    raise KeyError(f"{table}.{name}")


def _width(n: int) -> int:
    return max(1, len(str(max(n - 1, 0))))


def _ids(prefix: str, idx, width: int):
    """prefix + zero-padded decimal index, as a pyarrow string array."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    digits = pc.utf8_lpad(pa.array(np.asarray(idx, dtype=np.int64)).cast(pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _take(values: list[str], idx):
    import numpy as np
    import pyarrow as pa

    return pa.array(values, pa.string()).take(pa.array(np.asarray(idx, dtype=np.int64)))


def _text(*parts):
    import pyarrow.compute as pc

    return pc.binary_join_element_wise(*parts, "")


def _int(values, mask=None):
    import numpy as np
    import pyarrow as pa

    return pa.array(np.asarray(values, dtype=np.int64), pa.int64(), mask=mask)


def _float(values, mask=None):
    import numpy as np
    import pyarrow as pa

    return pa.array(np.asarray(values, dtype=np.float64), pa.float64(), mask=mask)


def _date(days, mask=None):
    """Dates from days since 1970-01-01 (numpy int), null where mask."""
    import numpy as np
    import pyarrow as pa

    return pa.array(np.asarray(days, dtype=np.int32), pa.int32(), mask=mask).cast(pa.date32())


def _nulls(n: int, typ):
    import pyarrow as pa

    return pa.nulls(n, typ)


def _single_dates(rng, n: int, precisions: list[str], p: list[float]):
    """(days, mask, precision index) for a single date with its precision (day/week/month/year/unknown)."""
    import numpy as np

    prec = rng.choice(len(precisions), size=n, p=p)
    days = rng.integers(14610, 20454, size=n)  # 2010-01-01 .. 2025-12-31
    d = days.astype("datetime64[D]")
    names = np.array(precisions)[prec]
    month_start = d.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    year_start = d.astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    out = np.where(names == "month", month_start, np.where(names == "year", year_start, days))
    mask = names == "unknown"
    return out, mask, prec


def _range_dates(rng, n: int, precisions: list[str], p: list[float]):
    """(start, end, mask, precision index) for a date range with its precision."""
    import numpy as np

    prec = rng.choice(len(precisions), size=n, p=p)
    names = np.array(precisions)[prec]
    days = rng.integers(14610, 20454, size=n)
    d = days.astype("datetime64[D]")
    m = d.astype("datetime64[M]")
    y = d.astype("datetime64[Y]")
    m0 = m.astype("datetime64[D]").astype(np.int64)
    m1 = (m + 1).astype("datetime64[D]").astype(np.int64) - 1
    y0 = y.astype("datetime64[D]").astype(np.int64)
    y1 = (y + 1).astype("datetime64[D]").astype(np.int64) - 1
    span = rng.integers(0, 3, size=n)
    start = np.select([names == "month", names == "year"], [m0, y0], days)
    end = np.select([names == "month", names == "year", names == "week"], [m1, y1, days + 6], days + span)
    mask = names == "unknown"
    return start, end, mask, prec


def _replace(table, column: str, positions: list[int], values: list[Any]):
    """A copy of `table` with `column` set to `values` at `positions`."""
    import pyarrow as pa

    i = table.schema.get_field_index(column)
    col = table.column(i).combine_chunks()
    data = col.to_pylist()
    for pos, value in zip(positions, values):
        data[pos] = value
    return table.set_column(i, table.schema.field(i), pa.array(data, col.type))


class _Writer:
    """Writes a table a chunk at a time, as Parquet (zstd) or CSV (the package's CSV dialect)."""

    def __init__(self, path: Path, schema, fmt: str, table_schema: dict):
        self.path, self.schema, self.fmt, self.rows = path, schema, fmt, 0
        self.list_fields = {f["name"]: (f.get("listDelimiter") or f.get("delimiter") or ",") for f in table_schema["fields"]
                            if f.get("listDelimiter") or f.get("type") == "list"}
        if fmt == "parquet":
            import pyarrow.parquet as pq

            self.writer = pq.ParquetWriter(path, schema, compression="zstd")
        else:
            self.fh = open(path, "wb")

    def write(self, table) -> None:
        import pyarrow as pa

        table = pa.Table.from_arrays(table.columns, schema=self.schema)
        self.rows += table.num_rows
        if self.fmt == "parquet":
            self.writer.write_table(table, row_group_size=1 << 21)
            return
        import polars as pl

        frame = pl.from_arrow(table)
        if self.list_fields:
            frame = frame.with_columns([pl.col(c).list.join(d) for c, d in self.list_fields.items()])
        frame.write_csv(self.fh, include_header=self.rows == table.num_rows, line_terminator="\n", float_precision=None,
                        date_format="%Y-%m-%d")

    def close(self) -> None:
        if self.fmt == "parquet":
            self.writer.close()
        else:
            if self.rows == 0:  # an empty table still has its header
                self.fh.write((",".join(self.schema.names) + "\n").encode("utf-8"))
            self.fh.close()


class _Plan:
    """Where the K errors of each class go, decided before any row is generated."""

    def __init__(self, rng, k: int, n_events: int):
        import numpy as np

        self.k = k
        classes = list(_EVENT_ERRORS) + list(_CLAIM_ERRORS) + list(_LINK_ERRORS) + ["type-error", "self-link"]
        need = len(classes) * k
        if k and need > n_events // 2:
            raise ValueError(f"{k} errors of every class need at least {2 * need} events")
        picked: list[int] = []
        seen: set[int] = set()
        while len(picked) < need:
            for i in rng.integers(0, n_events, size=need * 2).tolist():
                if i not in seen and len(picked) < need:
                    seen.add(i)
                    picked.append(i)
        self.by_event: dict[int, list[tuple[str, int]]] = {}
        it = iter(picked)
        for cls in classes:
            for j in range(k):
                if cls == "self-link" and j % 3 != 2:
                    continue  # self-links rotate: locations, actor relations, claim links (this one)
                self.by_event.setdefault(next(it), []).append((cls, j))
        self.events = np.array(sorted(self.by_event), dtype=np.int64)

    def in_range(self, a: int, b: int) -> dict[int, list[tuple[str, int]]]:
        return {i: v for i, v in self.by_event.items() if a <= i < b}


def synthetic_metadata(events: int, seed: int, errors: int) -> dict[str, str]:
    """Name, title and description of a synthetic package: never the curated dataset's, so that it is not
    mistaken for (or released as) the curated data."""
    planted = f", with {errors} planted error(s) per class" if errors else ""
    return {
        "name": "iraq-frontiers-synthetic",
        "title": f"Synthetic iraq-frontiers package ({events} events, seed {seed}{planted})",
        "description": "Generated by `iraq-frontiers synth` for tests and benchmarks: every value is synthetic, drawn "
                       "to fit the iraq-frontiers schemas. It describes no real event and must not be cited as data.",
    }


def synthesize(out: str | Path, events: int, fmt: str = "parquet", seed: int = 0, errors: int = 0,
               progress=None) -> SynthResult:
    """Write a synthetic package of `events` events to folder `out` (see the module docstring)."""
    import numpy as np
    import pyarrow as pa

    from iraq_frontiers.schema.compiler import arrow_schema
    from iraq_frontiers.schema.descriptor import build_descriptor, write_descriptor
    from iraq_frontiers.schema.metadata import stance_effects, table_names, table_schema
    from iraq_frontiers.validation.status import CONTESTING_RELATION, EFFECTS, derive_status

    if fmt not in ("parquet", "csv"):
        raise ValueError("format must be parquet or csv")
    if events < 10:
        raise ValueError("at least 10 events")
    say = progress or (lambda _m: None)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    n = events
    n_loc, n_act, n_src = max(10, n // 20), max(10, n // 50), max(5, n // 10)
    w_evt, w_clm, w_loc, w_act, w_src = _width(n), _width(2 * n), _width(n_loc), _width(n_act), _width(n_src)
    K = errors
    plan = _Plan(np.random.default_rng([seed, 7, 7]), K, n)
    injected: list[dict[str, Any]] = []
    min_length_code = "required"  # an empty string is read as empty (null) in CSV and Parquet alike

    def expect(code, table, field, row, key):
        injected.append({"code": code, "table": table, "field": field, "row": int(row), "key": key})

    schemas = {t: table_schema(t) for t in table_names()}
    arrow = {}
    for t, s in schemas.items():
        sch = arrow_schema(s)
        if K:  # planted empty values must fit the schema; nullability is not what is being tested
            sch = pa.schema([f.with_nullable(True) for f in sch])
        arrow[t] = sch
    writers = {t: _Writer(out / f"{t}.{fmt}", arrow[t], fmt, schemas[t]) for t in table_names()}

    def table_of(t: str, cols: dict[str, Any], n_rows: int):
        arrays = []
        for f in arrow[t]:
            if f.name == "origin" and f.name not in cols:  # every synthetic row says it is synthetic
                arrays.append(pa.array(["synthetic"] * n_rows, pa.string()))
                continue
            arrays.append(cols[f.name] if f.name in cols else _nulls(n_rows, f.type))
        return pa.Table.from_arrays(arrays, schema=arrow[t])

    # ---- sources (plus one source without text_length per span-without-document error)
    say("sources")
    rng = np.random.default_rng([seed, 1])
    i = np.arange(n_src)
    sid = _ids("src-", i, w_src)
    pd_days, pd_mask, pd_prec = _single_dates(rng, n_src, ["day", "month", "year", "unknown"], [0.7, 0.2, 0.05, 0.05])
    text_length = rng.integers(2000, 30000, size=n_src)
    hexes = np.array([f"{b:02x}".encode() for b in range(256)], dtype="S2")
    sha = hexes[rng.integers(0, 256, size=(n_src, 32), dtype=np.uint8)].view("S64").ravel()
    src_cols = {
        "id": sid,
        "document": _text(sid, ".txt"),
        "title": _text("Synthetic source document ", sid),
        "publisher": _take(_PUBLISHERS, rng.integers(0, len(_PUBLISHERS), n_src)),
        "published_date": _date(pd_days, pd_mask),
        "published_date_precision": _take(["day", "month", "year", "unknown"], pd_prec),
        "published_date_basis": _take(_enum("sources", "published_date_basis"), rng.integers(0, len(_enum("sources", "published_date_basis")), n_src)),
        "url": _text("https://example.org/news/", sid),
        "language": _take(_LANGUAGES, rng.integers(0, len(_LANGUAGES), n_src)),
        "kind": _take(_enum("sources", "kind"), rng.integers(0, len(_enum("sources", "kind")), n_src)),
        "sha256": pa.array(sha).cast(pa.string()),
        "text_length": _int(text_length),
    }
    writers["sources"].write(table_of("sources", src_cols, n_src))
    nodoc_sources = []  # ids of the extra sources without text_length
    if K:
        extra = [f"src-x-nodoc-{j}" for j in range(K)]
        nodoc_sources = extra
        writers["sources"].write(table_of("sources", {
            "id": pa.array(extra), "title": pa.array(["Synthetic source without a held text"] * K),
            "publisher": pa.array(["Synthetic Wire"] * K), "published_date_precision": pa.array(["unknown"] * K),
            "published_date_basis": pa.array(["unknown"] * K), "language": pa.array(["en"] * K),
            "kind": pa.array(["news_article"] * K)}, K))

    # ---- actors
    say("actors")
    rng = np.random.default_rng([seed, 2])
    i = np.arange(n_act)
    aid = _ids("act-", i, w_act)
    kinds = _enum("actors", "kind")
    wd_mask = rng.random(n_act) < 0.3
    act_cols = {
        "id": aid,
        "name": _text("Synthetic actor ", aid),
        "kind": _take(kinds, actor_kind_idx := rng.integers(0, len(kinds), n_act)),
        "country": _take(_COUNTRIES, rng.integers(0, len(_COUNTRIES), n_act)),
        "aliases": pa.ListArray.from_arrays(pa.array(np.arange(n_act + 1, dtype=np.int32)), _text("Actor ", aid, " (alias)")),
        "description": pa.array(["A synthetic actor, generated for benchmarks and tests."] * n_act),
        "wikidata_id": pa.array(np.char.add("Q", (i + 100).astype(str)), pa.string(), mask=wd_mask),
    }
    actors = table_of("actors", act_cols, n_act)
    # Actor errors: pattern, min-length (rows chosen among actors).
    arng = np.random.default_rng([seed, 2, 1])
    a_rows = arng.choice(n_act, size=min(n_act, 2 * K), replace=False).tolist() if K else []
    if K and len(a_rows) < 2 * K:
        raise ValueError("too few actors for the planted errors; use more events")
    for j in range(K):
        r = a_rows[j]
        actors = _replace(actors, "wikidata_id", [r], ["X" + str(j)])
        expect("pattern", "actors", "wikidata_id", r + 1, {"id": actors.column("id")[r].as_py()})
        r = a_rows[K + j]
        actors = _replace(actors, "name", [r], [""])
        expect(min_length_code, "actors", "name", r + 1, {"id": actors.column("id")[r].as_py()})
    writers["actors"].write(actors)

    # ---- locations: the first few are countries; every other place has an earlier parent
    say("locations")
    rng = np.random.default_rng([seed, 3])
    i = np.arange(n_loc)
    lid = _ids("loc-", i, w_loc)
    lkinds = [k for k in _enum("locations", "kind") if k != "country"]
    n_countries = min(5, n_loc)
    is_country = i < n_countries
    parent = np.where(is_country, 0, (rng.random(n_loc) * np.maximum(i, 1)).astype(np.int64))
    cprec = _enum("locations", "coordinate_precision")
    cp = rng.integers(0, len(cprec), n_loc)
    cp_names = np.array(cprec)[cp]
    no_coords = (cp_names == "none") | is_country
    cp = np.where(is_country, cprec.index("none"), cp)
    country_idx = rng.integers(0, len(_COUNTRIES), n_loc)
    try:  # points inside their country's box (geo_checks), else anywhere in the region
        from iraq_frontiers.validation.geo_checks import COUNTRY_BOXES
    except ImportError:
        COUNTRY_BOXES = {}
    box = np.array([COUNTRY_BOXES.get(c, (29.0, 37.0, 38.7, 48.0)) for c in _COUNTRIES])[country_idx]
    lat = box[:, 0] + rng.random(n_loc) * (box[:, 1] - box[:, 0])
    lon = box[:, 2] + rng.random(n_loc) * (box[:, 3] - box[:, 2])
    loc_cols = {
        "id": lid,
        "name": _text("Synthetic place ", lid),
        "kind": pa.array(np.where(is_country, "country", np.array(lkinds)[rng.integers(0, len(lkinds), n_loc)])),
        "country": _take(_COUNTRIES, country_idx),
        "parent_id": pa.array(_ids("loc-", parent, w_loc).to_numpy(zero_copy_only=False), pa.string(), mask=is_country),
        "latitude": _float(np.round(lat, 5), no_coords),
        "longitude": _float(np.round(lon, 5), no_coords),
        "coordinate_precision": _take(cprec, cp),
        "geonames_id": _int(rng.integers(1, 10_000_000, n_loc), rng.random(n_loc) < 0.5),
        "wikidata_id": pa.array(np.char.add("Q", (i + 1000).astype(str)), pa.string(), mask=rng.random(n_loc) < 0.5),
    }
    locations = table_of("locations", loc_cols, n_loc)
    if K:
        lrng = np.random.default_rng([seed, 3, 1])
        with_coords = np.flatnonzero(~no_coords)
        n_self = len([j for j in range(K) if j % 3 == 0])
        if len(with_coords) < 3 * K + n_self:
            raise ValueError("too few locations for the planted errors; use more events")
        rows = lrng.choice(with_coords, size=3 * K + n_self, replace=False).tolist()
        key = lambda r: {"id": locations.column("id")[r].as_py()}  # noqa: E731
        for j in range(K):
            r = rows.pop()
            locations = _replace(locations, "longitude", [r], [200.0])
            locations = _replace(locations, "country", [r], [None])  # out of range, not also outside a country
            expect("maximum", "locations", "longitude", r + 1, key(r))
            r = rows.pop()
            locations = _replace(locations, "longitude", [r], [None])
            expect("coordinates-incomplete", "locations", "latitude", r + 1, key(r))
            r = rows.pop()
            locations = _replace(locations, "coordinate_precision", [r], ["none"])
            expect("coordinate-precision", "locations", "coordinate_precision", r + 1, key(r))
            if j % 3 == 0:
                r = rows.pop()
                locations = _replace(locations, "parent_id", [r], [key(r)["id"]])
                expect("self-link", "locations", "parent_id", r + 1, key(r))
    writers["locations"].write(locations)

    # ---- events, claims and their link tables, a chunk of events at a time
    effects = stance_effects()
    stances = _enum("claims", "stance")
    stance_bits = np.array([1 << EFFECTS.index(effects[s]) for s in stances], dtype=np.int64)
    status_of_mask = np.array([derive_status([e for b, e in enumerate(EFFECTS) if m >> b & 1]) for m in range(1 << len(EFFECTS))])
    statuses = [s for s in _enum("events", "status")]
    ev_types, ev_dp, ev_lp = _enum("events", "type"), _enum("events", "date_precision"), _enum("events", "location_precision")
    cl_dp = _enum("claims", "statement_date_precision")
    roles, q_kinds, q_units, q_quals = (_enum("event_actors", "role"), _enum("claim_quantities", "kind"),
                                        _enum("claim_quantities", "unit"), _enum("claim_quantities", "qualifier"))
    link_rel = _enum("claim_links", "relation")
    d_kinds = _enum("claim_links", "kind")
    stance_p = np.ones(len(stances))
    for s, weight in (("asserts", 6), ("reports", 6), ("confirms", 2), ("announces", 2), ("describes", 2)):
        if s in stances:
            stance_p[stances.index(s)] = weight
    stance_p /= stance_p.sum()
    claim_offset = 0
    q_offset = 0
    link_offset = 0
    n_claims_total = 0
    for c, a in enumerate(range(0, n, CHUNK_EVENTS)):
        b = min(n, a + CHUNK_EVENTS)
        m = b - a
        say(f"events {a:,}..{b:,} of {n:,}")
        rng = np.random.default_rng([seed, 10, c])
        errs = plan.in_range(a, b)
        err_local = {i - a: v for i, v in errs.items()}
        i = np.arange(a, b)
        eid = _ids("evt-", i, w_evt)
        # claims: 1 or 2 per event (1.5 on average), grouped by event
        counts = 1 + (rng.random(m) < 0.5).astype(np.int64)
        for loc_i, v in err_local.items():
            if any(cls == "self-link" for cls, _ in v):
                counts[loc_i] = 2  # needs a claim link, which needs two claims
        first = np.concatenate([[0], np.cumsum(counts)[:-1]])
        n_cl = int(counts.sum())
        cl_event = np.repeat(np.arange(m), counts)
        cl_global = claim_offset + np.arange(n_cl)
        cid = _ids("clm-", cl_global, w_clm)
        stance_idx = rng.choice(len(stances), size=n_cl, p=stance_p)
        mask_per_event = np.bitwise_or.reduceat(stance_bits[stance_idx], first)
        withdrawn = rng.random(m) < 0.01
        status = np.where(withdrawn, "withdrawn", status_of_mask[mask_per_event])
        # events
        ds, de, dmask, dprec = _range_dates(rng, m, ev_dp, [0.6, 0.1, 0.15, 0.1, 0.05] if len(ev_dp) == 5 else None)
        fat_none = rng.random(m) < 0.5
        low = rng.integers(0, 20, m)
        best = low + rng.integers(0, 10, m)
        high = best + rng.integers(0, 10, m)
        loc_idx = rng.integers(0, n_loc, m)
        type_idx = rng.integers(0, len(ev_types), m)
        ev_cols = {
            "id": eid,
            "type": _take(ev_types, type_idx),
            "date_start": _date(ds, dmask),
            "date_end": _date(de, dmask),
            "date_precision": _take(ev_dp, dprec),
            "location_id": pa.array(_ids("loc-", loc_idx, w_loc).to_numpy(zero_copy_only=False), pa.string(), mask=rng.random(m) < 0.05),
            "location_precision": _take(ev_lp, rng.integers(0, len(ev_lp), m)),
            "summary": _text("Synthetic ", _take(ev_types, type_idx), " event ", eid, ", reported by several sources near a frontier place."),
            "status": pa.array(status, pa.string()),
            "contested": pa.array(np.zeros(m, bool)),  # set from the claim links below
            "withdrawn_reason": pa.array(np.full(m, "Synthetic: withdrawn after review."), pa.string(), mask=~withdrawn),
            "is_background": pa.array(rng.random(m) < 0.1),
            "fatalities_low": _int(low, fat_none),
            "fatalities_best": _int(best, fat_none),
            "fatalities_high": _int(high, fat_none),
            "fatalities_civilians": _int(np.minimum(low, rng.integers(0, 5, m)), fat_none | (rng.random(m) < 0.5)),
        }
        ev = table_of("events", ev_cols, m)
        # claims
        src_idx = rng.integers(0, n_src, n_cl)
        tl = text_length[src_idx]
        has_span = rng.random(n_cl) < 0.8
        span_start = (rng.random(n_cl) * (tl - 300)).astype(np.int64) + 1
        span_end = span_start + rng.integers(1, 300, n_cl)
        claimant_none = rng.random(n_cl) < 0.3
        claimant_idx = rng.integers(0, n_act, n_cl)
        # anonymous exactly when the claimant is unnamed (rule anonymous-inconsistent)
        anonymous = claimant_none | (np.array(kinds)[actor_kind_idx[claimant_idx]] == "unnamed_person")
        span_hash = hexes[rng.integers(0, 256, size=(n_cl, 32), dtype=np.uint8)].view("S64").ravel()
        sd, smask, sprec = _single_dates(rng, n_cl, cl_dp, [0.6, 0.05, 0.2, 0.1, 0.05] if len(cl_dp) == 5 else None)
        cl_cols = {
            "id": cid,
            "source_id": _ids("src-", src_idx, w_src),
            "claimant_id": pa.array(_ids("act-", claimant_idx, w_act).to_numpy(zero_copy_only=False), pa.string(), mask=claimant_none),
            "claimant_description": pa.array(np.full(n_cl, "an unnamed official"), pa.string(), mask=~claimant_none),
            "anonymous": pa.array(anonymous),
            "relayed_via_id": pa.array(_ids("act-", rng.integers(0, n_act, n_cl), w_act).to_numpy(zero_copy_only=False), pa.string(), mask=rng.random(n_cl) < 0.9),
            "event_id": eid.take(pa.array(cl_event)),
            "stance": _take(stances, stance_idx),
            "statement": _text("The source says that event ", eid.take(pa.array(cl_event)), " took place as described; statement ", cid, "."),
            "statement_date": _date(sd, smask),
            "statement_date_precision": _take(cl_dp, sprec),
            "direct_quote": pa.array(rng.random(n_cl) < 0.2),
            "span_start": _int(span_start, ~has_span),
            "span_end": _int(span_end, ~has_span),
            "span_sha256": pa.array(span_hash, pa.string(), mask=~has_span),
        }
        cl = table_of("claims", cl_cols, n_cl)
        # event_actors: two distinct actors per event; the link cites the event's first claim
        a1 = rng.integers(0, n_act, m)
        a2 = (a1 + 1 + rng.integers(0, n_act - 1, m)) % n_act
        act_idx = np.empty(2 * m, np.int64)
        act_idx[0::2], act_idx[1::2] = a1, a2
        ea_event = np.repeat(np.arange(m), 2)
        ea_cols = {
            "event_id": eid.take(pa.array(ea_event)),
            "actor_id": _ids("act-", act_idx, w_act),
            "role": _take(roles, rng.integers(0, len(roles), 2 * m)),
            "claim_id": pa.array(cid.take(pa.array(first[ea_event])).to_numpy(zero_copy_only=False), pa.string(), mask=rng.random(2 * m) < 0.1),
            "fatalities": _int(rng.integers(0, 5, 2 * m), rng.random(2 * m) < 0.9),
        }
        ea = table_of("event_actors", ea_cols, 2 * m)
        # claim_quantities: about one claim in five states a figure
        has_q = rng.random(n_cl) < 0.2
        with_figures = ~fat_none
        for loc_i, v in err_local.items():  # planted figure errors must not also leave the figures unbacked
            if any(cls in ("minimum", "figures-order") for cls, _ in v):
                with_figures[loc_i] = True
        has_q[first[with_figures]] = True  # the event's figures are backed by its first claim (rule figures-unbacked)
        for loc_i, v in err_local.items():
            if any(cls == "type-error" for cls, _ in v):
                has_q[first[loc_i]] = True
        q_claims = np.flatnonzero(has_q)
        backs_figures = np.zeros(n_cl, bool)
        backs_figures[first[with_figures]] = True
        nq = len(q_claims)
        cq_cols = {
            "claim_id": cid.take(pa.array(q_claims)),
            "seq": _int(np.ones(nq)),
            "kind": _take(q_kinds, np.where(backs_figures[q_claims], q_kinds.index("count_killed"), rng.integers(0, len(q_kinds), nq))),
            "value": _float(rng.integers(1, 1000, nq)),
            "unit": _take(q_units, rng.integers(0, len(q_units), nq)),
            "qualifier": _take(q_quals, rng.integers(0, len(q_quals), nq)),
            "subject": pa.array(["synthetic figure"] * nq, pa.string()),
        }
        cq = table_of("claim_quantities", cq_cols, nq)
        # claim_links: a third of the events with two claims link the second to the first
        two = np.flatnonzero((counts == 2) & (rng.random(m) < 0.3))
        for loc_i, v in err_local.items():
            if any(cls == "self-link" for cls, _ in v) and loc_i not in set(two.tolist()):
                two = np.sort(np.append(two, loc_i))
        nl = len(two)
        rel_idx = rng.integers(0, len(link_rel), nl)
        contradicts = np.array(link_rel)[rel_idx] == CONTESTING_RELATION
        cln_cols = {
            "claim_id": cid.take(pa.array(first[two] + 1)),
            "relation": _take(link_rel, rel_idx),
            "other_claim_id": cid.take(pa.array(first[two])),
            "kind": pa.array(np.array(d_kinds)[rng.integers(0, len(d_kinds), nl)], pa.string(), mask=~contradicts),
        }
        contested = np.zeros(m, bool)
        contested[two[contradicts]] = True  # links join two claims of one event (status.derive_contested)
        ev = ev.set_column(ev.schema.get_field_index("contested"), "contested", pa.array(contested))
        cln = table_of("claim_links", cln_cols, nl)

        # plant this chunk's errors
        for loc_i, v in sorted(err_local.items()):
            g = a + loc_i
            ekey = {"id": ev.column("id")[loc_i].as_py()}
            erow = g + 1
            fc = int(first[loc_i])  # the event's first claim (chunk-local)
            ckey = {"id": cl.column("id")[fc].as_py()}
            crow = claim_offset + fc + 1
            for cls, j in v:
                if cls == "enum":
                    ev = _replace(ev, "type", [loc_i], ["not_a_type"])
                    expect("enum", "events", "type", erow, ekey)
                elif cls == "minimum":
                    ev = _replace(ev, "fatalities_civilians", [loc_i], [-1])
                    expect("minimum", "events", "fatalities_civilians", erow, ekey)
                elif cls == "max-length":
                    ev = _replace(ev, "summary", [loc_i], ["x" * 2001])
                    expect("max-length", "events", "summary", erow, ekey)
                elif cls == "date-order":
                    ev = _replace(ev, "date_precision", [loc_i], ["day"])
                    ev = _replace(ev, "date_start", [loc_i], [_pydate(18000)])
                    ev = _replace(ev, "date_end", [loc_i], [_pydate(17990)])
                    expect("date-order", "events", "date_end", erow, ekey)
                elif cls == "date-incomplete":
                    ev = _replace(ev, "date_precision", [loc_i], ["day"])
                    ev = _replace(ev, "date_start", [loc_i], [_pydate(18000)])
                    ev = _replace(ev, "date_end", [loc_i], [None])
                    expect("date-incomplete", "events", "date_end", erow, ekey)
                elif cls == "figures-order":
                    for col, val in (("fatalities_low", 5), ("fatalities_best", 3), ("fatalities_high", 10)):
                        ev = _replace(ev, col, [loc_i], [val])
                    expect("figures-order", "events", "fatalities_best", erow, ekey)
                elif cls == "withdrawn-without-reason":
                    ev = _replace(ev, "status", [loc_i], ["withdrawn"])
                    ev = _replace(ev, "withdrawn_reason", [loc_i], [None])
                    expect("withdrawn-without-reason", "events", "withdrawn_reason", erow, ekey)
                    expect("status-inconsistent", "events", "status", erow, ekey)
                elif cls == "status-inconsistent":
                    current = ev.column("status")[loc_i].as_py()
                    other = [s for s in statuses if s not in (current, "withdrawn")]
                    ev = _replace(ev, "status", [loc_i], [other[j % len(other)]])
                    expect("status-inconsistent", "events", "status", erow, ekey)
                elif cls == "required":
                    cl = _replace(cl, "statement", [fc], [None])
                    expect("required", "claims", "statement", crow, ckey)
                elif cls == "date-precision":
                    cl = _replace(cl, "statement_date_precision", [fc], ["month"])
                    cl = _replace(cl, "statement_date", [fc], [_pydate(18000)])  # 2019-04-14, not a 1st
                    expect("date-precision", "claims", "statement_date", crow, ckey)
                elif cls.startswith("span-"):
                    start = 10
                    tlen = int(tl[fc])
                    end = {"span-incomplete": None, "span-empty": start, "span-outside-document": tlen + 5,
                           "span-without-document": start + 5}[cls]
                    cl = _replace(cl, "span_start", [fc], [start])
                    cl = _replace(cl, "span_end", [fc], [end])
                    if "span_sha256" in cl.column_names:  # the planted span has a hash, so only the span rule fires
                        cl = _replace(cl, "span_sha256", [fc], [_PLANTED_SPAN_HASH])
                    if cls == "span-without-document":
                        cl = _replace(cl, "source_id", [fc], [nodoc_sources[j]])
                    expect(cls, "claims", "span_end", crow, ckey)
                elif cls == "primary-key-duplicate":
                    r = 2 * loc_i + 1
                    ea = _replace(ea, "actor_id", [r], [ea.column("actor_id")[r - 1].as_py()])
                    ea = _replace(ea, "role", [r], [ea.column("role")[r - 1].as_py()])
                    expect("primary-key-duplicate", "event_actors", "event_id,actor_id,role", 2 * g + 2,
                           {k: ea.column(k)[r].as_py() for k in ("event_id", "actor_id", "role")})
                elif cls == "foreign-key-orphan":
                    r = 2 * loc_i
                    ea = _replace(ea, "actor_id", [r], [f"act-x-missing-{j}"])
                    expect("foreign-key-orphan", "event_actors", "actor_id", 2 * g + 1,
                           {k: ea.column(k)[r].as_py() for k in ("event_id", "actor_id", "role")})
                elif cls == "type-error":
                    r = int(np.searchsorted(q_claims, fc))
                    cq = _replace(cq, "value", [r], [float("nan")])
                    qkey = {"claim_id": cq.column("claim_id")[r].as_py(), "seq": 1}
                    expect("type-error", "claim_quantities", "value", q_offset + r + 1, qkey)  # only: one bad cell, one problem
                elif cls == "self-link":
                    r = int(np.searchsorted(two, loc_i))
                    cln = _replace(cln, "other_claim_id", [r], [cln.column("claim_id")[r].as_py()])
                    expect("self-link", "claim_links", "other_claim_id", link_offset + r + 1,
                           {k: cln.column(k)[r].as_py() for k in ("claim_id", "relation", "other_claim_id")})
        writers["events"].write(ev)
        writers["claims"].write(cl)
        writers["event_actors"].write(ea)
        writers["claim_quantities"].write(cq)
        writers["claim_links"].write(cln)
        claim_offset += n_cl
        q_offset += nq
        link_offset += nl
    n_claims_total = claim_offset

    # ---- appended rows: events without claims, claims without subject
    if K:
        ev_extra = [f"evt-x-unsupported-{j}" for j in range(K)]
        writers["events"].write(table_of("events", {
            "id": pa.array(ev_extra), "type": pa.array(["other"] * K), "date_precision": pa.array(["unknown"] * K),
            "location_precision": pa.array(["unknown"] * K), "summary": pa.array(["Synthetic event that no claim is about."] * K),
            "status": pa.array(["reported"] * K), "contested": pa.array([False] * K), "is_background": pa.array([False] * K)}, K))
        for j, e in enumerate(ev_extra):
            expect("event-unsupported", "events", "id", n + j + 1, {"id": e})
        cl_extra = [f"clm-x-nosubject-{j}" for j in range(K)]
        writers["claims"].write(table_of("claims", {
            "id": pa.array(cl_extra), "source_id": src_cols["id"].slice(0, 1).take(pa.array([0] * K)),
            "anonymous": pa.array([False] * K), "claimant_description": pa.array(["an unnamed official"] * K),
            "stance": pa.array(["describes"] * K), "statement": pa.array(["A synthetic claim about nothing in particular."] * K),
            "statement_date_precision": pa.array(["unknown"] * K), "direct_quote": pa.array([False] * K)}, K))
        for j, cid_ in enumerate(cl_extra):
            expect("claim-without-subject", "claims", "event_id", n_claims_total + j + 1, {"id": cid_})

    # ---- actor relations (each supported by one of the first n claims, which always exist)
    say("actor relations")
    rng = np.random.default_rng([seed, 4])
    i = np.arange(n_act)
    obj = (i + 1 + rng.integers(0, n_act - 1, n_act)) % n_act
    rels = _enum("actor_relations", "relation")
    ar = table_of("actor_relations", {
        "subject_id": aid, "relation": _take(rels, rng.integers(0, len(rels), n_act)), "object_id": _ids("act-", obj, w_act),
        "claim_id": _ids("clm-", rng.integers(0, n, n_act), w_clm)}, n_act)
    if K:
        rows = np.random.default_rng([seed, 4, 1]).choice(n_act, size=len([j for j in range(K) if j % 3 == 1]), replace=False).tolist()
        for r in rows:
            ar = _replace(ar, "object_id", [r], [ar.column("subject_id")[r].as_py()])
            expect("self-link", "actor_relations", "object_id", r + 1,
                   {k: ar.column(k)[r].as_py() for k in ("subject_id", "relation", "object_id")})
    writers["actor_relations"].write(ar)

    # ---- reference tables synth does not model (crosswalks): the curated package's rows when they
    # reference no other table; anything else is written empty (still a valid package).
    for t in table_names():
        if writers[t].rows == 0 and not schemas[t].get("foreignKeys"):
            curated = _curated_rows(t, arrow[t])
            if curated is not None and curated.num_rows:
                writers[t].write(curated)

    rows = {}
    for t, wr in writers.items():
        wr.close()
        rows[t] = wr.rows
    say("descriptor")
    write_descriptor(out / "datapackage.json", build_descriptor(fmt, out, extra=synthetic_metadata(n, seed, K)))
    manifest = out / MANIFEST
    if K:
        manifest.write_text(json.dumps({"events": n, "seed": seed, "format": fmt, "errors_per_class": K,
                                        "classes": list(ERROR_CLASSES), "problems": injected}, indent=1) + "\n", encoding="utf-8")
    elif manifest.exists():
        manifest.unlink()
    return SynthResult(out, rows, injected)


def _pydate(days: int):
    import datetime

    return datetime.date(1970, 1, 1) + datetime.timedelta(days=int(days))


def _curated_rows(table: str, schema):
    """The rows of `table` in the curated package (datapackage/ in a source checkout), typed, or None."""
    from iraq_frontiers.schema.metadata import repo_root
    from iraq_frontiers.io.core import ROW, InputError
    from iraq_frontiers.io.package import open_package, read_table

    root = repo_root()
    if root is None or not (root / "datapackage" / f"{table}.csv").is_file():
        return None
    try:
        with open_package(root / "datapackage") as pkg:
            resource = next((r for r in pkg.descriptor.get("resources", []) if r.get("name") == table), None)
            if resource is None:
                return None
            data, problems = read_table(pkg, resource)
    except InputError:
        return None
    if problems:
        return None
    return data.frame.drop(ROW).to_arrow().select(schema.names).cast(schema)
