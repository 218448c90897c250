"""curate: the curation workbench: register a document, find evidence spans, check and review a curation.

`iraq-frontiers curate add-source|span|check|review` (wired in iraq_frontiers.cli.curate) is how a
new article is added: see docs/curation.md. One module per step: texts (exact texts, hashes,
anchoring), store (appending curated rows to the package's CSV files), check (re-anchoring every
span, duplicate suspects), dupes (duplicate suspects), review (the HTML page for a second coder),
gazetteer (coordinates and external ids of places, from openly licensed reference data).

May import: importers, validation, io, schema and the base modules. Never release, synth or cli.
"""
