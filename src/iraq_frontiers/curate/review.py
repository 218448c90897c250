"""The review page for a second coder: every claim beside its highlighted evidence, grouped by event.

One self-contained HTML file (no script, no network): events in order, each with its claims; a
claim shows claimant, stance and statement beside the source text around its span, the span
highlighted, and the links from and to it (relation and kind of disagreement). Claims about actors
or places only come last. Every value from the data or the texts is HTML-escaped.
"""
from __future__ import annotations

from fnmatch import fnmatch
from html import escape
from pathlib import Path

from iraq_frontiers.io.disk import write_bytes
from iraq_frontiers.curate.store import read_rows

CONTEXT = 160  # characters of text shown on each side of a span

STYLE = """body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:72em;color:#222}
h2{border-top:2px solid #888;padding-top:.6em;margin-top:2em}.meta{color:#555;font-size:90%}
.claim{display:grid;grid-template-columns:1fr 1.3fr;gap:1em;border-top:1px solid #ddd;padding:.6em 0}
.evidence{font-family:Georgia,serif;background:#fafafa;padding:.4em .6em;white-space:pre-wrap}
mark{background:#ffe57f}.links li{font-size:90%}.kind{font-weight:600;color:#a40}.missing{color:#b00}"""


def _span(c: dict) -> tuple[int, int] | None:
    from iraq_frontiers.curate.texts import TextError, span_offsets

    try:
        return span_offsets(c)
    except TextError:
        return None  # shown without evidence; `curate check` names the cell


def _claim_html(c: dict, texts: dict[str, str], names: dict[str, str], links: dict[str, list[str]]) -> str:
    who = names.get(c["claimant_id"], c["claimant_id"]) or c["claimant_description"] or "(the source itself)"
    via = f" via {escape(names.get(c['relayed_via_id'], c['relayed_via_id']))}" if c["relayed_via_id"] else ""
    text = texts.get(c["source_id"])
    span = _span(c) if text is not None and c["span_start"] and c["span_end"] else None
    if span is not None:
        s, e = span
        evidence = (f"…{escape(text[max(0, s - CONTEXT):s])}<mark>{escape(text[s:e])}</mark>"
                    f"{escape(text[e:e + CONTEXT])}…")
    else:
        evidence = '<span class="missing">(no evidence span, or the document text is not available)</span>'
    link_items = "".join(f"<li>{item}</li>" for item in links.get(c["id"], []))
    return (f'<div class="claim" id="{escape(c["id"])}"><div><b>{escape(c["id"])}</b> '
            f'<span class="meta">{escape(c["source_id"])} · {escape(who)}{via} · <i>{escape(c["stance"])}</i>'
            f'{" · anonymous" if c["anonymous"] == "true" else ""}'
            f'{" · " + escape(c["statement_date"]) + " (" + escape(c["statement_date_precision"]) + ")" if c["statement_date"] else ""}</span>'
            f'<p>{escape(c["statement"])}</p>{"<ul class=links>" + link_items + "</ul>" if link_items else ""}'
            f'{"<p class=meta>" + escape(c["notes"]) + "</p>" if c["notes"] else ""}</div>'
            f'<div class="evidence">{evidence}</div></div>')


def _links(rows: list[dict]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for r in rows:
        kind = f' <span class="kind">{escape(r["kind"])}</span>' if r.get("kind") else ""
        note = f" — {escape(r['notes'])}" if r.get("notes") else ""
        out.setdefault(r["claim_id"], []).append(
            f'{escape(r["relation"])}{kind} <a href="#{escape(r["other_claim_id"])}">{escape(r["other_claim_id"])}</a>{note}')
        out.setdefault(r["other_claim_id"], []).append(
            f'is {escape(r["relation"])}{kind} by <a href="#{escape(r["claim_id"])}">{escape(r["claim_id"])}</a>{note}')
    return out


def review_html(tables: dict[str, list[dict]], texts: dict[str, str]) -> str:
    names = {a["id"]: a["name"] for a in tables["actors"]}
    links = _links(tables["claim_links"])
    by_event: dict[str, list[dict]] = {}
    for c in tables["claims"]:
        by_event.setdefault(c["event_id"], []).append(c)
    parts = ["<!doctype html><html lang=en><meta charset=utf-8><title>Curation review</title>",
             f"<style>{STYLE}</style><h1>Curation review</h1>",
             f"<p class=meta>{len(tables['events'])} events, {len(tables['claims'])} claims, "
             f"{len(tables['claim_links'])} links. Check each statement against its highlighted evidence: "
             "does the span cover all that the statement says, is the stance right, is every disagreement linked?</p>"]
    for e in tables["events"]:
        flags = f"{escape(e['status'])}{' · contested' if e.get('contested') == 'true' else ''}"
        when = f"{e['date_start']}..{e['date_end']} ({e['date_precision']})" if e["date_start"] else "undated"
        parts.append(f'<h2 id="{escape(e["id"])}">{escape(e["id"])}</h2><p class=meta>{escape(e["type"])} · {escape(when)} · '
                     f'{escape(e["location_id"] or "no location")} · {flags}</p><p>{escape(e["summary"])}</p>')
        parts += [_claim_html(c, texts, names, links) for c in by_event.get(e["id"], [])]
    parts.append("<h2>Claims about actors and places</h2>")
    parts += [_claim_html(c, texts, names, links) for c in by_event.get("", [])]
    return "\n".join(parts) + "\n</html>\n"


def select(tables: dict[str, list[dict]], only: str) -> dict[str, list[dict]]:
    """The part of the curation one review covers: the claims of the documents matching the glob `only`
    (e.g. `fc-zakho-2022-*`, one incident of a corpus), their events, and every link touching them."""
    docs = {s["id"] for s in tables["sources"] if s["document"] and fnmatch(s["document"], only)}
    claims = [c for c in tables["claims"] if c["source_id"] in docs]
    ids, events = {c["id"] for c in claims}, {c["event_id"] for c in claims}
    return {**tables, "sources": [s for s in tables["sources"] if s["id"] in docs], "claims": claims,
            "events": [e for e in tables["events"] if e["id"] in events],
            "claim_links": [r for r in tables["claim_links"] if r["claim_id"] in ids or r["other_claim_id"] in ids]}


def write_review(data_dir: Path, texts: dict[str, str], out: Path, only: str | None = None) -> int:
    """Write the review page (of the documents matching the glob `only`, when given); returns the number of claims shown."""
    from iraq_frontiers.curate.check import load_curated

    tables = load_curated(data_dir)
    tables["claim_links"] = read_rows(data_dir, "claim_links")
    claim_ids = {c["id"] for c in tables["claims"]}
    tables["claim_links"] = [r for r in tables["claim_links"] if r["claim_id"] in claim_ids]
    if only:
        tables = select(tables, only)
    write_bytes(out, review_html(tables, texts).encode("utf-8"))
    return len(tables["claims"])
