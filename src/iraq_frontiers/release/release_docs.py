"""The files that make a release explain itself, generated at build time from schemas/ and the CHANGELOG.

Each release folder, and each zip, holds:

    README.md      what the data is, its row counts, how to open it (Python, R, DuckDB, Spark, a spreadsheet, SQLite)
    LICENSE-DATA   the data licence (the repository's LICENSE-DATA, bundled in the wheel)
    CITATION.cff   the citation of this version, dated with the release date
    CODEBOOK.md    every table, field and vocabulary (the data dictionary)
    CHANGELOG.md   the CHANGELOG section of this version

A zip holds its package at the top level (datapackage.json beside the tables), which is the layout
frictionless-py's `Package("….zip")` opens; its README's paths are written for that layout.
"""
from __future__ import annotations

import re
from typing import Any

from iraq_frontiers.schema.metadata import bundled_file, package_metadata, release_table_names, source_schema, table_names

LAYOUTS = ("release", "parquet", "csv")  # the release folder, or the top level of a format's zip
DOCUMENTS = ("README.md", "LICENSE-DATA", "CITATION.cff", "CODEBOOK.md", "CHANGELOG.md")
SQLITE_FILE = "iraq-frontiers.sqlite"
DATASETTE_METADATA = "datasette-metadata.json"
CROISSANT_FILE = "croissant.json"


def _path(layout: str, fmt: str, table: str) -> str:
    return f"{fmt}/{table}.{fmt}" if layout == "release" else f"{table}.{fmt}"


def _example_table(rows: dict[str, int]) -> str:
    return "events" if "events" in rows else next(iter(rows))


def _summary(table: str) -> str:
    """The first sentence of a table's description (its title when it has none), for the README's table list."""
    schema = source_schema(table) if table in release_table_names() else {}
    text = schema.get("description") or schema.get("title") or table
    head = re.split(r"(?<=[.;])\s", text, maxsplit=1)[0]
    return head.replace("|", "\\|")


def readme(version: str, released: str | None, rows: dict[str, int], layout: str = "release",
           extras: frozenset[str] = frozenset(), coverage: str | None = None) -> str:
    """README.md of a release (layout "release") or of a format's zip (layout "parquet" or "csv").

    extras: names of optional release files present (the SQLite database, Croissant description).
    """
    meta = package_metadata()
    t = _example_table(rows)
    pq = _path(layout, "parquet", t)
    csv = _path(layout, "csv", t)
    descriptor = {"release": "parquet/datapackage.json", "parquet": "datapackage.json", "csv": "datapackage.json"}[layout]
    csv_descriptor = "csv/datapackage.json" if layout == "release" else "datapackage.json"
    licence = (meta.get("licenses") or [{}])[0]
    out = [f"# {meta['title']} — version {version}", "", meta.get("description", ""), ""]
    lead = f"Released {released}. " if released else ""
    out.append(lead + f"Licence: {licence.get('title') or licence.get('name')} (`LICENSE-DATA`); cite it as in "
                "`CITATION.cff` (below). Every table, field and vocabulary is documented in `CODEBOOK.md`; what "
                "changed in this version is in `CHANGELOG.md`.")
    what = {"release": "This folder is one release: the same tables as typed Parquet and as CSV.",
            "parquet": "This zip is the Parquet form of the release (typed columns; `locations` is GeoParquet 1.1), "
                       "with its Data Package descriptor `datapackage.json` at the top level.",
            "csv": "This zip is the CSV form of the release (UTF-8, header row, empty cell = missing), with its Data "
                   "Package descriptor `datapackage.json` at the top level."}[layout]
    out += ["", what, ""]
    if coverage:  # what is in the data (iraq_frontiers.release.coverage)
        out += [coverage.rstrip("\n"), ""]
    out += ["## Tables", "", "| table | rows | what it holds |", "|---|---:|---|"]
    for name in rows:
        out.append(f"| `{name}` | {rows[name]} | {_summary(name)} |")
    out += [f"| **total** | {sum(rows.values())} | {len(rows)} tables |", ""]

    out += ["## Files", ""]
    if layout == "release":
        out += ["- `parquet/`: one `.parquet` per table (zstd; `locations` also has a GeoParquet `geometry` column) "
                "and `datapackage.json` (Data Package v2: schemas, keys, sizes and sha256 hashes);",
                "- `csv/`: the same tables as CSV with their own `datapackage.json`;",
                f"- `iraq-frontiers-{version}-parquet.zip`, `iraq-frontiers-{version}-csv.zip`: each package zipped "
                "with these documents;"]
        if SQLITE_FILE in extras:
            out.append(f"- `{SQLITE_FILE}`: every table in one SQLite database (typed columns, primary and foreign keys, "
                       f"indexes); `{DATASETTE_METADATA}`: titles, descriptions, licence and source for Datasette;")
        if CROISSANT_FILE in extras:
            out.append(f"- `{CROISSANT_FILE}`: a Croissant 1.1 description (read by Hugging Face and dataset search engines);")
        if "dist" in extras:  # release/dist.py
            out.append(f"- `dist/`: the toolkit this release was built with, as a wheel (the data inside) and an sdist: "
                       f"`pip install dist/iraq_frontiers-{version}-py3-none-any.whl` (add `[pandas]`, `[polars]`, "
                       "`[duckdb]` or `[toolkit]` for more);")
        out += ["- `RELEASE_NOTES.md`: rows per table and the changes since the previous release;",
                "- `SHA256SUMS`: the sha256 of every file (`iraq-frontiers verify .` or `sha256sum -c SHA256SUMS`);"]
    out += ["- `README.md` (this file), `LICENSE-DATA`, `CITATION.cff`, `CODEBOOK.md`, `CHANGELOG.md`.", ""]

    out += ["## Open it", ""]
    if layout != "csv":
        dates = [f["name"] for f in (source_schema(t).get("fields", []) if t in release_table_names() else [])
                 if f.get("type") in ("date", "datetime")]
        as_datetime = [f"{t}[{dates!r}] = {t}[{dates!r}].apply(pd.to_datetime)   # Parquet dates come as objects"] if dates else []
        out += ["Python (pandas, polars or pyarrow; no toolkit needed):", "", "```python", "import pandas as pd",
                f'{t} = pd.read_parquet("{pq}", dtype_backend="numpy_nullable")', *as_datetime, "import polars as pl",
                f'{t} = pl.read_parquet("{pq}")', "```", "",
                "With the toolkit (`pip install iraq-frontiers`), every table typed per its schema, the release "
                "verified first:", "", "```python", "import iraq_frontiers as ifr",
                f'{t} = ifr.load("{t}", path="{"." if layout == "release" else "THIS.zip"}")   # backend="polars" or "arrow"',
                f'con = ifr.connect(path="{"." if layout == "release" else "THIS.zip"}")       # DuckDB, every table a view',
                "```", "",
                "R (the `arrow` package):", "", "```r", f'{t} <- arrow::read_parquet("{pq}")', "```", "",
                "DuckDB (SQL; from Python, `duckdb.sql(...).df()` or `.fetchall()` work on DuckDB 1.x and 2.x):", "",
                "```sql", f"SELECT * FROM read_parquet('{pq}') LIMIT 10;", "```", "",
                "Spark:", "", "```python", f'df = spark.read.parquet("{pq}")', "```", ""]
        if layout == "parquet":
            out += [f"For a spreadsheet, use the CSV zip (`iraq-frontiers-{version}-csv.zip`).", ""]
    if layout != "parquet":
        out += ["CSV with its schema, in Python (frictionless) or R (frictionless):", "", "```python",
                "from frictionless import Package", f'rows = Package("{csv_descriptor}").get_resource("{t}").read_rows()',
                "```", "", "```r", f'pkg <- frictionless::read_package("{csv_descriptor}")',
                f'{t} <- frictionless::read_resource(pkg, "{t}")', "```", "",
                f"A spreadsheet: import `{csv}` as UTF-8 comma-separated text through the import dialog (LibreOffice: "
                "Sheet → Insert Sheet from File; Excel: Data → From Text/CSV), with the columns set to Text. Do not "
                "double-click the file: some text cells start with `=`, `+`, `-` or `@` and are data, not formulas "
                "(values are never altered; see the CSV policy in the repository's docs).", ""]
    if layout == "release" and SQLITE_FILE in extras:
        out += ["SQLite and Datasette:", "", "```sh", f"sqlite3 {SQLITE_FILE} 'SELECT count(*) FROM {t}'",
                f"datasette {SQLITE_FILE} --metadata {DATASETTE_METADATA}", "```", ""]
    out += [f"The Data Package descriptor (`{descriptor}`) lists every field with its type, constraints and meaning; "
            "any Data Package reader can use it.", ""]
    if layout == "release":
        out += ["## Verify", "", "```sh", "iraq-frontiers verify .        # or: sha256sum -c SHA256SUMS", "```", ""]
    from iraq_frontiers.release.citation import apa, bibtex, with_release_date

    dated = with_release_date(released) if released else None
    out += ["## Cite", "", apa(dated).strip(), "", "```bibtex", bibtex(dated).strip(), "```", "",
            "Please also cite the sources the data draws on where you use them (see `sources` in the descriptor).", ""]
    return "\n".join(out)


def changelog_text(version: str, released: str | None, body: str) -> str:
    """CHANGELOG.md of a release: the section of its version only."""
    meta = package_metadata()
    heading = f"## [{version}]" + (f" - {released}" if released else "")
    return f"# Changelog — {meta['title']}\n\n{heading}\n\n{body.strip()}\n"


def release_documents(version: str, released: str | None, changelog_body: str, rows: dict[str, int],
                      layout: str = "release", extras: frozenset[str] = frozenset(), coverage: str | None = None) -> dict[str, bytes]:
    """File name -> bytes of the documents for a release folder or a zip (see the module docstring)."""
    from iraq_frontiers.release.citation import citation_cff, with_release_date
    from iraq_frontiers.release.docs import data_dictionary

    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}")
    texts: dict[str, Any] = {
        "README.md": readme(version, released, rows, layout, extras, coverage),
        "LICENSE-DATA": bundled_file("LICENSE-DATA").read_text(encoding="utf-8"),
        "CITATION.cff": citation_cff(with_release_date(released) if released else None),
        "CODEBOOK.md": data_dictionary(),
        "CHANGELOG.md": changelog_text(version, released, changelog_body),
    }
    return {name: texts[name].encode("utf-8") for name in DOCUMENTS}
