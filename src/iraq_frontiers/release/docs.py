"""Generate the documentation that is compiled from metadata (never edited by hand).

docs/data-dictionary.md: every table, field, vocabulary and the event-status rule, from schemas/.
docs/validation.md: the block between the `codes` markers, from problems.CODES, and the block
between the `support` markers, from conformance.FEATURES and conformance.DIFFERENCES.
"""
from __future__ import annotations

from pathlib import Path

from iraq_frontiers.schema.compiler import field_type
from iraq_frontiers.validation.conformance import DIFFERENCES, FEATURES
from iraq_frontiers.schema.metadata import package_metadata, release_table_names, source_schema, table_names, vocabularies
from iraq_frontiers.problems import CODES, WARNINGS
from iraq_frontiers.validation.status import contested_markdown, rules_markdown

CODES_START, CODES_END = "<!-- codes:start -->", "<!-- codes:end -->"
SUPPORT_START, SUPPORT_END = "<!-- support:start -->", "<!-- support:end -->"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _constraints(field: dict) -> str:
    c = dict(field.get("constraints", {}))
    parts = []
    if c.pop("required", False):
        parts.append("required")
    if c.pop("unique", False):
        parts.append("unique")
    for key, value in c.items():
        parts.append(f"{key} `{value}`")
    if field.get("vocabulary"):
        parts.append(f"vocabulary [`{field['vocabulary']}`](#vocabulary-{field['vocabulary'].replace('_', '-')})")
    if field_type(field) == "list":
        parts.append(f"list joined with `{field['listDelimiter']}` in CSV")
    return ", ".join(parts)


def data_dictionary() -> str:
    meta = package_metadata()
    out = [f"# Data dictionary — {meta['title']}", "",
           "Generated from `schemas/` by `iraq-frontiers docs`; do not edit by hand.", "",
           f"Version {meta['version']}. Every table has a primary key; every reference is a declared foreign key.", ""]
    for table in release_table_names():  # curated tables, then those a release derives from them
        s = source_schema(table)
        out += [f"## {table}", "", s.get("description", ""), "",
                f"Primary key: `{', '.join(s['primaryKey'])}`."]
        for fk in s.get("foreignKeys", []):
            ref = fk["reference"]
            out.append(f"Foreign key: `{', '.join(fk['fields'])}` → `{ref.get('resource', table)}.{', '.join(ref['fields'])}`.")
        out += ["", "| field | type | constraints | description |", "|---|---|---|---|"]
        for f in s["fields"]:
            ftype = "list of string" if field_type(f) == "list" else f.get("type", "string")
            out.append(f"| `{f['name']}` | {ftype} | {_cell(_constraints(f))} | {_cell(f.get('description', ''))} |")
        out.append("")
    out += ["## Vocabularies", ""]
    for name, vocab in vocabularies().items():
        out += [f"### Vocabulary {name}", "", vocab["description"], "", "| value | meaning |", "|---|---|"]
        for value, meaning in vocab["values"].items():
            extra = "".join(f" ({k}: {v})" for k, v in meaning.items() if k != "description")
            out.append(f"| `{value}` | {_cell(meaning['description'])}{_cell(extra)} |")
        out.append("")
    out += ["## Event status", "",
            "An event's `status` is derived from the effects of the stances of the claims about it "
            "(vocabulary `stance`); the first rule that holds gives the status. The validator reports "
            "`status-inconsistent` when the stored status differs.", "", rules_markdown(), "",
            "## Contested events", "", contested_markdown(), "",
            "## Event figures", "",
            "`fatalities_low`, `fatalities_best`, `fatalities_high` and `fatalities_civilians` hold only what the "
            "event's own claims establish. Each figure must be backed by a claim about the event that states a count "
            "of people killed (`claim_quantities` kind `count_killed`) or that is a dataset record (a source of kind "
            "`dataset_record`, such as a UCDP GED event, whose coding carries the event's figures). A single-source "
            "cumulative count or a contested figure stays in `claim_quantities`. The validator reports "
            "`figures-unbacked` otherwise.", ""]
    return "\n".join(out)


def codes_block() -> str:
    lines = [CODES_START, "", "| code | layer | meaning |", "|---|---|---|"]
    lines += [f"| `{code}` | {layer}{' (warning)' if code in WARNINGS else ''} | {_cell(meaning)} |"
              for code, (layer, meaning) in CODES.items()]
    return "\n".join(lines + ["", CODES_END])


def support_block() -> str:
    lines = [SUPPORT_START, "", "| feature | supported | if refused | how it is read, or why refused |", "|---|---|---|---|"]
    for f in FEATURES:
        lines.append(f"| {_cell(f.feature)} | {'yes' if f.supported else '**no**'} | {f'`{f.code}`' if f.code else ''} | {_cell(f.note)} |")
    lines += ["", "Every case built from frictionless-py's own test fixtures (`tests/test_frictionless_fixtures.py`) where "
              "our verdict differs from `frictionless validate`:", "",
              "| cases | ours | frictionless | why |", "|---|---|---|---|"]
    lines += [f"| {', '.join(f'`{c}`' for c in d.cases)} | {d.ours} | {d.theirs} | {_cell(d.reason)} |" for d in DIFFERENCES]
    return "\n".join(lines + ["", SUPPORT_END])


def _with_block(text: str, start_marker: str, end_marker: str, block: str) -> str:
    start, end = text.index(start_marker), text.index(end_marker) + len(end_marker)
    return text[:start] + block + text[end:]


def with_codes(validation_md: str) -> str:
    return _with_block(validation_md, CODES_START, CODES_END, codes_block())


def with_support(validation_md: str) -> str:
    return _with_block(validation_md, SUPPORT_START, SUPPORT_END, support_block())


def generated_files(docs_dir: Path) -> dict[Path, str]:
    """Each generated doc file and the text it should have (the README's coverage block when the
    package beside docs_dir is there)."""
    validation = docs_dir / "validation.md"
    files = {
        docs_dir / "data-dictionary.md": data_dictionary(),
        validation: with_support(with_codes(validation.read_text(encoding="utf-8"))),
    }
    readme, package = docs_dir.parent / "README.md", docs_dir.parent / "datapackage"
    if readme.is_file() and (package / "datapackage.json").is_file():
        from iraq_frontiers.release.coverage import coverage_markdown, with_coverage
        from iraq_frontiers.release.tables import read_tables

        from iraq_frontiers.release.frontier_doc import frontier_markdown, with_frontier

        tables = read_tables(package)
        files[readme] = with_coverage(readme.read_text(encoding="utf-8"), coverage_markdown(tables))
        frontier = docs_dir / "frontier.md"
        if frontier.is_file():
            files[frontier] = with_frontier(frontier.read_text(encoding="utf-8"), frontier_markdown(tables))
    return files
