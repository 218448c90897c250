"""release: making a release from a valid package, and reading one.

build (build_release: validate, write Parquet and CSV packages, zips, site, notes, SHA256SUMS),
release_docs and docs (release documents; generated docs/), derived, dictionary, events_flat and
coverage (derived tables), diff and versioning (changes between releases, the version bump they
need), citation and croissant (how to cite; Croissant metadata), sqlite_export (SQLite and
Datasette), access (load() and connect(): the public way to read the data), site/ (the static site).

May import: validation, io, schema and the base modules. Never importers, curate, synth or cli.
"""
