"""validation: checking a package, layer by layer, into a report of problems.

run (validate(): the layers in order), descriptor_checks and schema_guard (a: the descriptor and
the schema keywords the toolkit enforces or refuses), table_checks and fastpath (b: each table
against its schema), integrity (c: primary, unique and foreign keys), domain, geo_checks and status
(d: the domain rules; status derives an event's status from its claims), conformance (what of Data
Package v2 / Table Schema is supported, as data for the docs).

May import: io, schema and the base modules. Never release, importers, curate, synth or cli.
"""
