"""Events, claims and their link tables (event_actors, claim_quantities, claim_links), generated a chunk of
events at a time, each chunk from its own seeded generator; event status is derived from the claims' stances
(iraq_frontiers.validation.status), so the package passes the status rule."""
from __future__ import annotations

from iraq_frontiers.synth.columns import _date, _enum, _float, _ids, _int, _range_dates, _single_dates, _take, _text
from iraq_frontiers.synth.planted import plant_chunk_errors

CHUNK_EVENTS = 500_000  # events per generation chunk (and per Parquet row group of events)


def _events_and_claims(run) -> None:
    """Events, claims and their link tables, a chunk of events at a time."""
    import numpy as np
    import pyarrow as pa

    from iraq_frontiers.schema.metadata import stance_effects
    from iraq_frontiers.validation.status import CONTESTING_RELATION, EFFECTS, derive_status

    say, n, seed, plan, writers, table_of = run.say, run.n, run.seed, run.plan, run.writers, run.table_of
    n_loc, n_act, n_src = run.n_loc, run.n_act, run.n_src
    w_evt, w_clm, w_loc, w_act, w_src = run.w_evt, run.w_clm, run.w_loc, run.w_act, run.w_src
    text_length, hexes, kinds, actor_kind_idx = run.text_length, run.hexes, run.kinds, run.actor_kind_idx
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
    run.statuses = statuses
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

        ev, cl, ea, cq, cln = plant_chunk_errors(run, a, err_local, ev, cl, ea, cq, cln, first, tl, q_claims, two,
                                                 claim_offset, q_offset, link_offset)
        writers["events"].write(ev)
        writers["claims"].write(cl)
        writers["event_actors"].write(ea)
        writers["claim_quantities"].write(cq)
        writers["claim_links"].write(cln)
        claim_offset += n_cl
        q_offset += nq
        link_offset += nl
    n_claims_total = claim_offset
    run.n_claims_total = n_claims_total
