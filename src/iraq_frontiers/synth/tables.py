"""The tables synth generates once (sources, actors, locations, actor relations, appended rows), the state
the steps share (_Run) and the chunked writer (Parquet or CSV)."""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any

from iraq_frontiers.io.disk import writing
from iraq_frontiers.synth.columns import SOURCE_DAYS, _date, _enum, _float, _ids, _int, _nulls, _replace, _single_dates, _take, _text, _width
from iraq_frontiers.synth.planted import _Plan, plant_source_errors

_PUBLISHERS = ["Synthetic Wire", "Frontier Daily", "Border Monitor", "Gulf Observer", "Tigris News",
               "Euphrates Post", "Zagros Times", "Desert Herald", "Kurdistan Ledger", "Levant Review"]
_COUNTRIES = ["IQ", "SY", "TR", "IR", "JO", "SA", "KW", "US", "RU", "GB"]
_LANGUAGES = ["en", "ar", "ku", "tr", "fa", "en-GB"]


class _Writer:
    """Writes a table a chunk at a time, as Parquet (zstd) or CSV (the package's CSV dialect). An OSError names
    the file (io.disk.writing); every writer is then closed quietly (a package is written whole or not at all)."""

    open_writers: list[_Writer] = []

    def __init__(self, path: Path, schema, fmt: str, table_schema: dict):
        self.path, self.schema, self.fmt, self.rows = path, schema, fmt, 0
        self.list_fields = {f["name"]: (f.get("listDelimiter") or f.get("delimiter") or ",") for f in table_schema["fields"]
                            if f.get("listDelimiter") or f.get("type") == "list"}
        with self._writing():
            if fmt == "parquet":
                import pyarrow.parquet as pq

                self.writer = pq.ParquetWriter(path, schema, compression="zstd")
            else:
                self.fh = open(path, "wb")
        _Writer.open_writers.append(self)

    def write(self, table) -> None:
        import pyarrow as pa

        table = pa.Table.from_arrays(table.columns, schema=self.schema)
        self.rows += table.num_rows
        with self._writing():
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
        with self._writing():
            if self.fmt == "parquet":
                self.writer.close()
            else:
                if self.rows == 0:  # an empty table still has its header
                    self.fh.write((",".join(self.schema.names) + "\n").encode("utf-8"))
                self.fh.close()
        _Writer.open_writers.remove(self)

    @contextmanager
    def _writing(self):
        try:
            with writing(self.path):
                yield
        except OSError:
            for writer in list(_Writer.open_writers):
                writer._discard()
            raise

    def _discard(self) -> None:
        """Close after a failed write without writing more (else each writer retries when garbage-collected)."""
        try:
            (self.writer if self.fmt == "parquet" else self.fh).close()
        except OSError:
            pass
        if self.fmt == "parquet":
            self.writer.is_open = False
        _Writer.open_writers.remove(self)


class _Run:
    """What the generation steps share: sizes and id widths, the Arrow schemas and writers, the plan,
    the problems the planted errors must produce, and what one step hands to the next."""

    def __init__(self, out: Path, n: int, fmt: str, seed: int, K: int, say):
        import numpy as np
        import pyarrow as pa

        from iraq_frontiers.schema.compiler import arrow_schema
        from iraq_frontiers.schema.metadata import table_names, table_schema

        self.out, self.n, self.seed, self.K, self.say = out, n, seed, K, say
        self.n_loc, self.n_act, self.n_src = max(10, n // 20), max(10, n // 50), max(5, n // 10)
        self.w_evt, self.w_clm, self.w_loc, self.w_act, self.w_src = (_width(n), _width(2 * n), _width(self.n_loc),
                                                                      _width(self.n_act), _width(self.n_src))
        self.plan = _Plan(np.random.default_rng([seed, 7, 7]), K, n)
        self.injected: list[dict[str, Any]] = []
        self.schemas = {t: table_schema(t) for t in table_names()}
        self.arrow = {}
        for t, s in self.schemas.items():
            sch = arrow_schema(s)
            if K:  # planted empty values must fit the schema; nullability is not what is being tested
                sch = pa.schema([f.with_nullable(True) for f in sch])
            self.arrow[t] = sch
        self.writers = {t: _Writer(out / f"{t}.{fmt}", self.arrow[t], fmt, self.schemas[t]) for t in table_names()}

    def expect(self, code, table, field, row, key):
        self.injected.append({"code": code, "table": table, "field": field, "row": int(row), "key": key})

    def table_of(self, t: str, cols: dict[str, Any], n_rows: int):
        import pyarrow as pa

        arrays = []
        for f in self.arrow[t]:
            if f.name == "origin" and f.name not in cols:  # every synthetic row says it is synthetic
                arrays.append(pa.array(["synthetic"] * n_rows, pa.string()))
                continue
            arrays.append(cols[f.name] if f.name in cols else _nulls(n_rows, f.type))
        return pa.Table.from_arrays(arrays, schema=self.arrow[t])


def _sources(run: _Run) -> None:
    """The sources table (plus one source without text_length per span-without-document error)."""
    import numpy as np
    import pyarrow as pa

    say, seed, K, n_src, w_src, writers, table_of = run.say, run.seed, run.K, run.n_src, run.w_src, run.writers, run.table_of
    say("sources")
    rng = np.random.default_rng([seed, 1])
    i = np.arange(n_src)
    sid = _ids("src-", i, w_src)
    pd_days, pd_mask, pd_prec = _single_dates(rng, n_src, ["day", "month", "year", "unknown"], [0.7, 0.2, 0.05, 0.05], SOURCE_DAYS)
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
    if K:
        plant_source_errors(run, n_src + K)
    run.src_cols, run.nodoc_sources, run.text_length, run.hexes = src_cols, nodoc_sources, text_length, hexes


def _actors(run: _Run) -> None:
    """The actors table, with the planted pattern and min-length errors."""
    import numpy as np
    import pyarrow as pa

    say, seed, K, n_act, w_act, writers, table_of, expect = run.say, run.seed, run.K, run.n_act, run.w_act, run.writers, run.table_of, run.expect
    min_length_code = "required"  # an empty string is read as empty (null) in CSV and Parquet alike
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
    run.aid, run.kinds, run.actor_kind_idx = aid, kinds, actor_kind_idx


def _locations(run: _Run) -> None:
    """The locations table: the first few are countries; every other place has an earlier parent."""
    import numpy as np
    import pyarrow as pa

    say, seed, K, n_loc, w_loc, writers, table_of, expect = run.say, run.seed, run.K, run.n_loc, run.w_loc, run.writers, run.table_of, run.expect
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


def _appended_rows(run: _Run) -> None:
    """Appended rows: events without claims, claims without subject (planted errors)."""
    import pyarrow as pa

    n, K, writers, table_of, expect = run.n, run.K, run.writers, run.table_of, run.expect
    src_cols, n_claims_total = run.src_cols, run.n_claims_total
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


def _actor_relations(run: _Run) -> None:
    """Actor relations (each supported by one of the first n claims, which always exist)."""
    import numpy as np

    say, n, seed, K, n_act, w_act, w_clm, writers, table_of, expect = (run.say, run.n, run.seed, run.K, run.n_act, run.w_act, run.w_clm,
                                                                   run.writers, run.table_of, run.expect)
    aid = run.aid
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
