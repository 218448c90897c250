"""A corpus manifest as sources rows: one command registers every text of an incident (or of the corpus).

The manifest (MANIFEST.csv of ../shared/sources/frontier-corpus) has one row per text: doc_id,
incident_id, url, outlet, published, published_precision, title, chars, syndicated_copies, notes,
sha256. Each row becomes a curated sources row whose `document` is `<doc_id>.txt` (so spans are
checked against it), whose id is `src-<doc_id>` and whose publisher is a media_outlet actor:

- the outlet is the text of `outlet` before any parenthesis; a parenthesis naming a wire or agency
  text (`The Age (Reuters wire text)`, `UrduPoint (Sputnik text)`, `Hathalyoum (Shafaq News text)`)
  gives the original publisher, and the source's kind (`wire_story` for a wire agency, else `repost`);
- outlets and agencies are matched to actors by name or alias (case and spacing ignored); an outlet
  no actor names is reported, or added as a new media_outlet actor when asked (`add_outlets`);
- the title is the manifest's (copied from the text) cut to seven words with `[...]`, so no cell
  repeats eight words of a text; an untitled text gets a title in our words from the incident;
- the date and its precision are the manifest's (a month-precision date is its month's first day);
  the text's own sha256 is checked against the manifest's before anything is written.

The curator then corrects what a manifest cannot know (byline, a better date basis, notes).
"""
from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

from iraq_frontiers.curate.texts import TextError, read_text, sha256_hex

WIRES = {"reuters": "Reuters", "afp": "Agence France-Presse", "ap": "The Associated Press", "sputnik": "Sputnik"}
TITLE_WORDS = 7
_PAREN = re.compile(r"^(?P<outlet>[^(]+?)\s*\((?P<inside>[^)]*)\)\s*$")
_AGENCY = re.compile(r"(?:^|;\s*)(?P<agency>[^;]+?)\s+(?:wire\s+)?text$", re.I)


class ManifestError(ValueError):
    """A manifest that cannot be read, or a text that differs from its manifest row."""


@dataclass
class Plan:
    sources: list[dict] = field(default_factory=list)
    new_actors: list[dict] = field(default_factory=list)
    missing_outlets: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # doc ids already registered


def read_manifest(path: Path) -> list[dict[str, str]]:
    try:
        with Path(path).open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise ManifestError(f"{path}: cannot read ({exc.strerror or exc})") from None
    need = {"doc_id", "incident_id", "url", "outlet", "published", "published_precision", "title", "sha256"}
    if rows and not need <= set(rows[0]):
        raise ManifestError(f"{path}: columns {', '.join(sorted(need - set(rows[0])))} are missing")
    return rows


def parse_outlet(outlet: str) -> tuple[str, str | None, str]:
    """(publisher, original publisher or None, source kind) from a manifest's outlet cell."""
    m = _PAREN.match(outlet.strip())
    if not m:
        return outlet.strip(), None, "news_article"
    inside = m["inside"].strip()
    agency = _AGENCY.search(inside)
    if agency is None or agency["agency"].lower() in ("agency", "an agency"):
        return m["outlet"], None, "repost" if agency is not None else "news_article"
    name = agency["agency"].strip()
    wire = WIRES.get(name.lower())
    return m["outlet"], wire or name, "wire_story" if wire else "repost"


def _language(notes: str) -> str:
    """BCP 47 tag of a text the manifest's notes say is not in English (English otherwise)."""
    for word, tag in (("Dutch", "nl"), ("French", "fr"), ("German", "de"), ("Arabic-language", "ar")):
        if word in notes:
            return tag
    return "en"


def short_title(title: str) -> str:
    """The title cut to at most TITLE_WORDS words as the copy check counts them (runs of letters and digits:
    'PKK-abducted' is two), with '[...]' where it was cut."""
    kept, count = [], 0
    for word in title.split():
        n = len(re.findall(r"[^\W_]+", word))
        if count + n > TITLE_WORDS:
            return " ".join(kept) + " [...]"
        kept.append(word)
        count += n
    return title


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _norm(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip().lower())


def outlet_index(actors: list[dict]) -> dict[str, str]:
    """Normalised name or alias -> actor id, media outlets only."""
    out: dict[str, str] = {}
    for a in actors:
        if a["kind"] != "media_outlet":
            continue
        for name in [a["name"], *(a["aliases"].split("|") if a["aliases"] else [])]:
            out.setdefault(_norm(name), a["id"])
    return out


def plan(manifest: list[dict], texts_dir: Path, actors: list[dict], registered: set[str], *,
         incidents: set[str] | None = None, add_outlets: bool = False, descriptions: dict[str, str] | None = None) -> Plan:
    """The sources rows (and new outlet actors) for the manifest's texts of `incidents` (all when None)."""
    index = outlet_index(actors)
    result = Plan()

    def actor_for(name: str) -> str | None:
        key = _norm(name)
        if key in index:
            return index[key]
        if not add_outlets:
            if name not in result.missing_outlets:
                result.missing_outlets.append(name)
            return None
        new_id = f"act-{slug(name)}"
        index[key] = new_id
        result.new_actors.append({"id": new_id, "name": name, "kind": "media_outlet",
                                  "description": "News outlet or site that carried a text of the frontier corpus.",
                                  "notes": "Added from the corpus manifest's outlet column; country and aliases not yet curated."})
        return new_id

    for row in manifest:
        if incidents is not None and row["incident_id"] not in incidents:
            continue
        source_id = f"src-{row['doc_id']}"
        if source_id in registered:
            result.skipped.append(row["doc_id"])
            continue
        path = Path(texts_dir) / f"{row['doc_id']}.txt"
        try:
            text, data = read_text(path)
        except TextError as exc:
            raise ManifestError(str(exc)) from None
        if row["sha256"] and sha256_hex(data) != row["sha256"]:
            raise ManifestError(f"{path}: sha256 {sha256_hex(data)} differs from the manifest's {row['sha256']}")
        publisher, original, kind = parse_outlet(row["outlet"])
        precision = row["published_precision"] or ("day" if row["published"] else "unknown")
        date = row["published"] or None
        if date and precision == "month" and len(date) == 7:
            date += "-01"
        if date and precision == "month":
            date = date[:8] + "01"
        title = short_title(row["title"]) if row["title"] else f"Untitled page opening on {row['incident_id']}"
        if descriptions and not row["title"] and row["incident_id"] in descriptions:
            title = f"Untitled opening: {descriptions[row['incident_id']]}"
        notes = f"Registered from the corpus manifest ({row['doc_id']}); manifest outlet: {row['outlet']}."
        if row.get("notes"):
            notes += f" Manifest notes: {row['notes']}"
        result.sources.append({
            "id": source_id, "origin": "curated", "document": path.name, "title": title,
            "publisher": publisher, "publisher_id": actor_for(publisher),
            "original_publisher": original, "original_publisher_id": actor_for(original) if original else None,
            "published_date": date, "published_date_precision": precision,
            "published_date_basis": ("dateline" if date else "unknown"), "url": row["url"] or None,
            "language": _language(row.get("notes", "")), "kind": kind, "sha256": sha256_hex(data), "text_length": len(text), "notes": notes})
    return result
