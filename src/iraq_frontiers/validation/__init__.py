"""validation: checking a package, layer by layer, into a report of problems.

run (validate(): the layers in order), descriptor_checks and schema_guard (a: the descriptor and
the schema keywords the toolkit enforces or refuses), spec and spec_* (b to d: every check of a
table against its schema, of keys across tables and of the domain rules, compiled to SQL),
backends/<engine> (what runs the specification: DuckDB by default, Spark), parquet_in_place (Parquet files
read where they lie); the reference engine: table_checks (b, Pandera), integrity (c), domain,
geo_checks and status (d; status derives an event's status from its claims); conformance (what of
Data Package v2 / Table Schema is supported, as data for the docs).

May import: io, schema and the base modules. Never release, importers, curate, synth or cli.
"""
