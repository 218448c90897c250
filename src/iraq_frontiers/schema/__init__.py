"""schema: the Table Schemas of schemas/ as the toolkit reads them, and what is compiled from them.

metadata (reading schemas/: tables, fields, vocabularies, the package's metadata and version),
compiler (a field's Arrow, polars and Pandera types and its constraint checks), descriptor (the
generated datapackage.json).

May import: the base modules (problems, terminal, extras). Imported by every other folder.
"""
