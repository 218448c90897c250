"""importers: external conflict datasets converted into the iraq-frontiers schema.

Each importer writes a complete data package (CSV tables in schema order plus a generated
datapackage.json) that `iraq-frontiers validate` accepts, and reports every input row it could not
map, with the reason. Available: UCDP GED (`iraq_frontiers.importers.ucdp`); US Government strike claims
(`iraq_frontiers.importers.usgov`, the us-gov layer: usgov_places, usgov_link, usgov_tables); frontier (the frontier
layer's rows), layer (an imported layer merged into a package), linking (curated events linked to
UCDP events).

May import: validation, io, schema and the base modules. Never release, curate, synth or cli.
"""
