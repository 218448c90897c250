"""The release's history: the previous release in --out, the version's dated CHANGELOG section, and
RELEASE_NOTES.md (rows per table, changes since the previous release, changelog)."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from iraq_frontiers.schema.metadata import package_metadata, repo_root
from iraq_frontiers.release.errors import NoChangelogSection, ReleaseError


def find_previous(out: Path, version: str) -> Path | None:
    """The newest release folder in `out` older than `version` (a folder named by its version with parquet/)."""
    from iraq_frontiers.release.versioning import Version, is_semver

    current = Version.parse(version)
    found = []
    if Path(out).is_dir():
        for child in Path(out).iterdir():
            if child.is_dir() and is_semver(child.name) and (child / "parquet" / "datapackage.json").is_file():
                v = Version.parse(child.name)
                if v < current:
                    found.append((v.sort_key(), child))
    return max(found)[1] if found else None


@dataclass
class ChangelogSection:
    version: str
    date: str | None  # YYYY-MM-DD from the heading `## [version] - date`
    body: str


def default_changelog(source: str | os.PathLike | None = None) -> Path | None:
    """CHANGELOG.md of the source checkout, else beside the source package, else in the current folder, else the
    one bundled in the installed wheel."""
    root = repo_root()
    candidates = [root / "CHANGELOG.md"] if root else []
    if source is not None:
        candidates.append(Path(source).resolve().parent / "CHANGELOG.md")
    candidates.append(Path.cwd() / "CHANGELOG.md")
    candidates.append(Path(__file__).resolve().parents[1] / "_data" / "CHANGELOG.md")  # bundled in the wheel
    return next((c for c in candidates if c.is_file()), None)


def changelog_section(version: str, changelog: Path | None) -> ChangelogSection | None:
    """CHANGELOG.md's section `## [version] - YYYY-MM-DD` (Keep a Changelog), or None when absent or empty."""
    if changelog is None or not Path(changelog).is_file():
        return None
    text = _read_changelog(Path(changelog))
    m = re.search(rf"^## \[{re.escape(version)}\]([^\n]*)\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    if not m or not m.group(2).strip():
        return None
    date = re.search(r"\b(\d{4}-\d{2}-\d{2})\b", m.group(1))
    return ChangelogSection(version, date.group(1) if date else None, m.group(2).strip())


def _read_changelog(path: Path) -> str:
    """The CHANGELOG's text; one that cannot be read or is not UTF-8 is refused naming the file and the place."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReleaseError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ReleaseError(f"{path} is not UTF-8: invalid byte 0x{data[exc.start]:02x} at byte offset {exc.start} (line {line}); "
                           "save it as UTF-8") from None


def release_section(version: str, changelog: Path | None) -> ChangelogSection:
    """The CHANGELOG section a release needs: present, not empty, dated, and agreeing with package.json's date."""
    where = changelog or "CHANGELOG.md"
    section = changelog_section(version, changelog)
    if section is None:
        raise NoChangelogSection(
            f"{where} has no section `## [{version}] - YYYY-MM-DD` (or it is empty): a release needs the changes of its "
            f"version. Rename `## [Unreleased]` to `## [{version}] - <date>` and start a new `## [Unreleased]` above it "
            "(docs/versioning.md); outside a source checkout pass --changelog PATH")
    declared = (package_metadata().get("citation") or {}).get("date-released")
    if section.date is None:
        raise NoChangelogSection(f"{where}: the heading of section [{version}] has no release date (`## [{version}] - YYYY-MM-DD`)")
    if declared and str(declared) != section.date:
        raise NoChangelogSection(f"{where} dates {version} {section.date}, but citation.date-released in schemas/package.json "
                                 f"says {declared}: make them agree")
    return section


def release_notes(version: str, created: str | None, rows: dict[str, int], files: dict[str, int],
                  diff=None, previous_version: str | None = None, changelog: str | None = None, limit: int = 100,
                  coverage: str | None = None) -> str:
    meta = package_metadata()
    out = [f"# {meta.get('title', meta['name'])} — {version}", ""]
    if created:
        out += [f"Released {created[:10]}.", ""]
    if coverage:  # what is in the data (iraq_frontiers.release.coverage), before the table-by-table counts
        out += [coverage.rstrip("\n"), ""]
    out += ["## Tables", "", "| table | rows | Parquet bytes | CSV bytes |", "|---|---:|---:|---:|"]
    for name in rows:
        out.append(f"| {name} | {rows[name]} | {files.get(f'parquet/{name}.parquet', 0)} | {files.get(f'csv/{name}.csv', 0)} |")
    out.append(f"| **total** | {sum(rows.values())} | | |")
    out += ["", "## Changes since the previous release", ""]
    if diff is None:
        out.append("First release: there is no previous release to compare with.")
    elif diff.identical:
        out.append(f"No differences in the data or the schemas since {previous_version}.")
    else:
        out.append(f"Compared with {previous_version}. The changes need a **{diff.required_bump or 'no'}** version bump.")
        out.append("")
        out += ["| table | status | rows added | rows removed | rows changed | fields added | fields removed | fields retyped |",
                "|---|---|---:|---:|---:|---|---|---|"]
        for t in diff.tables:
            if t.status == "same":
                continue
            retyped = ", ".join(f"{r['field']} ({r['old']} → {r['new']})" for r in t.fields_retyped)
            out.append(f"| {t.table} | {t.status} | {len(t.added)} | {len(t.removed)} | {len(t.changed)} | "
                       f"{', '.join(t.fields_added)} | {', '.join(t.fields_removed)} | {retyped} |")
        for t in diff.tables:
            if t.status == "same" or not (t.added or t.removed or t.changed):
                continue
            out += ["", f"### {t.table}", ""]
            for label, keys in (("Added", t.added), ("Removed", t.removed)):
                if keys:
                    shown = ", ".join(f"`{_key(k)}`" for k in keys[:limit])
                    more = f" and {len(keys) - limit} more" if len(keys) > limit else ""
                    out.append(f"- {label}: {shown}{more}")
            if t.changed:
                out.append(f"- Changed ({len(t.changed)}):")
                for c in t.changed[:limit]:
                    out.append(f"  - `{_key(c['key'])}`: {', '.join(c['fields'])}")
                if len(t.changed) > limit:
                    out.append(f"  - … and {len(t.changed) - limit} more (`iraq-frontiers diff` lists all)")
    sources = [x for x in meta.get("sources", []) if x.get("description")]
    if sources:  # CC BY 4.0 asks for attribution: the package's sources, as in the descriptor
        out += ["", "## Sources and attribution", ""] + [f"- **{x['title']}**: {x['description']}" for x in sources]
    if changelog:
        out += ["", "## Changelog", "", changelog]
    out += ["", "## Files", "",
            "- `parquet/`: typed Parquet (zstd), `locations` as GeoParquet 1.1; `csv/`: CSV (see the CSV policy); "
            "each with a self-contained `datapackage.json` (Data Package v2).",
            f"- `iraq-frontiers-{version}-parquet.zip`, `iraq-frontiers-{version}-csv.zip`: the same folders zipped.",
            "- `site/`: the release's static site; open `site/index.html` from disk (no server, no network).",
            "- `SHA256SUMS`: check with `sha256sum -c SHA256SUMS`.", ""]
    return "\n".join(out)


def _key(key: dict[str, Any]) -> str:
    return " / ".join(str(v) for v in key.values())
