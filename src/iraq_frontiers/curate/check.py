"""Re-anchor every evidence span in the exact texts, strictly, and list duplicate suspects.

Fails closed: a document whose bytes differ from its recorded sha256, a span outside its text, a
curated claim without a span, a span whose text no longer hashes to span_sha256, or a document no
claim points into is an error (with a corpus manifest, so is a listed text not registered). A
span is never moved to where its words are now; the curator re-spans it (`curate span`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from iraq_frontiers.curate.dupes import Suspect, suspects
from iraq_frontiers.curate.store import read_rows
from iraq_frontiers.curate.texts import TextError, document_path, read_text, sha256_hex, span_hash, span_offsets

TABLES = ("sources", "actors", "locations", "events", "claims", "event_actors", "actor_relations")


@dataclass
class CheckReport:
    errors: list[str] = field(default_factory=list)
    suspects: list[Suspect] = field(default_factory=list)
    spans_checked: int = 0
    documents_checked: int = 0

    def format_text(self) -> str:
        lines = [f"checked {self.documents_checked} document(s) and {self.spans_checked} evidence span(s)"]
        lines += [f"error: {e}" for e in self.errors]
        lines += [f"duplicate suspect: {s.describe()}" for s in self.suspects]
        lines.append("OK" if not self.errors else f"{len(self.errors)} error(s)")
        return "\n".join(lines)


def curated(rows: list[dict]) -> list[dict]:
    return [r for r in rows if r.get("origin", "curated") == "curated"]


def load_curated(data_dir: Path) -> dict[str, list[dict]]:
    """The curated rows of the tables the workbench reads (imported layers left out)."""
    tables = {t: read_rows(data_dir, t) for t in TABLES}
    sources = {s["id"] for s in curated(tables["sources"])}
    events = {e["id"] for e in curated(tables["events"])}
    tables = {t: curated(rows) for t, rows in tables.items()}
    tables["event_actors"] = [r for r in tables["event_actors"] if r["event_id"] in events]
    tables["claims"] = [c for c in tables["claims"] if c["source_id"] in sources]
    return tables


def find_document(name: str, sources_dirs) -> Path:
    """The document in the first of the folders holding it (the first folder's path when none does); never a
    path outside them (texts.document_path)."""
    dirs = [Path(d) for d in ([sources_dirs] if isinstance(sources_dirs, (str, Path)) else sources_dirs)]
    paths = [document_path(d, name) for d in dirs]  # TextError: a name leading out of the folders (`../x`, `/dev/zero`)
    return next((p for p in paths if p.is_file()), paths[0])


def load_texts(sources: list[dict], sources_dir, report: CheckReport) -> dict[str, str]:
    """source id -> exact text, for every source with a document whose bytes match its sha256.

    `sources_dir` is a folder or a list of folders (the seeds and a corpus's texts, say)."""
    texts = {}
    for s in sources:
        if not s["document"]:
            continue
        try:
            path = find_document(s["document"], sources_dir)
            text, data = read_text(path)
        except TextError as exc:
            report.errors.append(f"sources {s['id']}: {exc}")
            continue
        report.documents_checked += 1
        if sha256_hex(data) != s["sha256"]:
            report.errors.append(f"sources {s['id']}: {path.name} has sha256 {sha256_hex(data)}, the row records {s['sha256'] or '(none)'}")
        elif str(len(text)) != s["text_length"]:
            report.errors.append(f"sources {s['id']}: {path.name} has {len(text)} characters, the row records {s['text_length'] or '(none)'}")
        else:
            texts[s["id"]] = text
    return texts


def check_spans(claims: list[dict], texts: dict[str, str], documents: dict[str, str], report: CheckReport) -> None:
    for c in claims:
        where = f"claims {c['id']}"
        if c["source_id"] not in documents:
            report.errors.append(f"{where}: source {c['source_id']} holds no document text to point into")
            continue
        if c["source_id"] not in texts:
            continue  # the document's own error is reported once
        if not c["span_start"] or not c["span_end"]:
            report.errors.append(f"{where}: no evidence span (every curated claim points at its evidence)")
            continue
        try:
            start, end = span_offsets(c)
        except TextError as exc:
            report.errors.append(str(exc))
            continue
        text = texts[c["source_id"]]
        report.spans_checked += 1
        if not 0 <= start < end <= len(text):
            report.errors.append(f"{where}: span [{start}, {end}) lies outside the text (0..{len(text)})")
        elif not c["span_sha256"]:
            report.errors.append(f"{where}: span_sha256 is empty; record the hash `curate span` prints")
        elif span_hash(text, start, end) != c["span_sha256"]:
            report.errors.append(f"{where}: the text at [{start}, {end}) no longer matches span_sha256 "
                                 f"(now {text[start:end][:60]!r}); re-span the claim, never shift the offsets blindly")


def check_coverage(tables: dict[str, list[dict]], report: CheckReport, manifest: list[dict] | None = None) -> None:
    """Every document has at least one claim; with a manifest, every text it lists is a source with its URL."""
    claimed = {c["source_id"] for c in tables["claims"]}
    for s in tables["sources"]:
        if s["document"] and s["id"] not in claimed:
            report.errors.append(f"sources {s['id']}: no claim points into {s['document']} (every text is curated claim by claim)")
    if manifest is None:
        return
    by_document = {s["document"]: s for s in tables["sources"] if s["document"]}
    for row in manifest:
        s = by_document.get(f"{row['doc_id']}.txt")
        if s is None:
            report.errors.append(f"manifest {row['doc_id']}: not registered as a source (`curate add-manifest`)")
        elif row.get("url") and s["url"] != row["url"]:
            report.errors.append(f"sources {s['id']}: url differs from the manifest's for {row['doc_id']}")


def run_check(data_dir: Path, sources_dir, manifest: list[dict] | None = None) -> CheckReport:
    report = CheckReport()
    tables = load_curated(data_dir)
    documents = {s["id"]: s["document"] for s in tables["sources"] if s["document"]}
    texts = load_texts(tables["sources"], sources_dir, report)
    check_spans(tables["claims"], texts, documents, report)
    check_coverage(tables, report, manifest)
    report.suspects = suspects(tables)
    return report
