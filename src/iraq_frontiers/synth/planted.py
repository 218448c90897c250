"""Planted errors: the classes errors=K plants, where each goes (decided before any row is generated), and how
each is planted into a chunk of events with the problem the validator must report."""
from __future__ import annotations

from iraq_frontiers.synth.columns import _pydate, _replace

# Error classes planted by errors=K, each with the problems it must produce (code, field).
# unique-duplicate cannot be planted: no schema has a unique field other than its primary key.
ERROR_CLASSES = (
    "type-error", "required", "enum", "minimum", "maximum", "pattern", "min-length", "max-length",
    "primary-key-duplicate", "foreign-key-orphan",
    "date-order", "date-incomplete", "date-precision", "figures-order", "withdrawn-without-reason",
    "status-inconsistent", "event-unsupported", "coordinates-incomplete", "coordinate-precision",
    "span-incomplete", "span-empty", "span-outside-document", "span-without-document",
    "claim-without-subject", "self-link", "source-date-implausible", "source-before-event",
)
_EVENT_ERRORS = ("enum", "minimum", "max-length", "date-order", "date-incomplete", "figures-order",
                 "withdrawn-without-reason", "status-inconsistent")
_PLANTED_SPAN_HASH = "0" * 64  # a well-formed hash for a planted span (its text is not what is being tested)
_CLAIM_ERRORS = ("required", "date-precision", "span-incomplete", "span-empty", "span-outside-document",
                 "span-without-document", "source-before-event")
_LINK_ERRORS = ("primary-key-duplicate", "foreign-key-orphan")
_EARLY_SOURCE_DAYS = 10957  # 2000-01-01: before every synthetic event (synth.columns.EVENT_DAYS)


def plant_source_errors(run, row0: int) -> None:
    """After the sources' first row0 rows: K sources dated 1753-01-01 (each a source-date-implausible) and K
    dated 2000-01-01, held texts of 30,000 characters (every span fits), which the source-before-event class
    makes a claim cite (run.early_sources)."""
    import pyarrow as pa

    K = run.K
    bad, early = [f"src-x-date-{j}" for j in range(K)], [f"src-x-early-{j}" for j in range(K)]
    run.writers["sources"].write(run.table_of("sources", {
        "id": pa.array(bad + early), "title": pa.array(["Synthetic source with a planted date"] * 2 * K),
        "publisher": pa.array(["Synthetic Wire"] * 2 * K), "published_date_precision": pa.array(["day"] * 2 * K),
        "published_date": pa.array([_pydate(-79257)] * K + [_pydate(_EARLY_SOURCE_DAYS)] * K, pa.date32()),
        "published_date_basis": pa.array(["unknown"] * 2 * K), "language": pa.array(["en"] * 2 * K),
        "kind": pa.array(["news_article"] * 2 * K), "text_length": pa.array([None] * K + [30000] * K, pa.int64())}, 2 * K))
    for j, sid in enumerate(bad):
        run.expect("source-date-implausible", "sources", "published_date", row0 + j + 1, {"id": sid})
    run.early_sources = early


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


def plant_chunk_errors(run, a: int, err_local, ev, cl, ea, cq, cln, first, tl, q_claims, two,
                       claim_offset: int, q_offset: int, link_offset: int):
    """Plant the errors the plan puts in events a.. of this chunk (err_local: chunk-local event -> errors) into
    the chunk's tables, and list the problems each must produce. Returns the tables (events, claims,
    event_actors, claim_quantities, claim_links)."""
    import numpy as np

    expect, nodoc_sources, statuses = run.expect, run.nodoc_sources, run.statuses
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
            elif cls == "source-before-event":  # a dated event whose first claim cites a source from 2000
                ev = _replace(ev, "date_precision", [loc_i], ["day"])
                ev = _replace(ev, "date_start", [loc_i], [_pydate(18000)])
                ev = _replace(ev, "date_end", [loc_i], [_pydate(18000)])
                cl = _replace(cl, "source_id", [fc], [run.early_sources[j]])
                expect("source-before-event", "claims", "source_id", crow, ckey)
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
    return ev, cl, ea, cq, cln
