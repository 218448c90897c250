"""Importers: external conflict datasets converted into the iraq-frontiers schema.

Each importer writes a complete data package (CSV tables in schema order plus a generated
datapackage.json) that `iraq-frontiers validate` accepts, and reports every input row it could not
map, with the reason. Available: UCDP GED (`iraq_frontiers.importers.ucdp`).
"""
