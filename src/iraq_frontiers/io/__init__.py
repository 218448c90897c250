"""io: opening a data package safely and reading its tables into typed frames; writing tables.

Reading never trusts the package (see docs/validation.md, "Bad input"):
- paths must stay inside the package folder and name regular files; URLs are refused, never fetched
  (package);
- archives are extracted with bounds on entry count, per-entry and total size and compression ratio
  (archive);
- descriptors are bounded in size and depth, must be strict JSON objects (no NaN, no duplicate keys)
  (json_file);
- CSV files must be UTF-8 (a UTF-8 byte-order mark is dropped); other encodings and NUL bytes are
  refused naming the byte offset and line; a file that cannot be split into cells is refused naming
  the line; rows with the wrong number of cells (still read: missing cells empty, extra cells
  dropped), blank rows (no cells, or every cell empty: not read), control characters and cells over
  1 MiB are invalid data naming the row and line (csv_reader, cells);
- a gzip-compressed CSV file is decompressed within the bounds of a zip entry; inline `data` takes
  the CSV route; a `schema` given as a path is read from inside the package (resolve_schema_files);
- Parquet files are checked for their magic bytes and a bounded uncompressed size before reading
  (parquet_reader);
- every value that cannot be read as its field's type becomes a `type-error` problem (the cell is
  then treated as empty), never a silent coercion.

Unreadable or refused input raises core.InputError (exit code 2). Errors raised while parsing a
user's file are turned into InputError here, at the boundary; anything else is a bug and is left to
the caller (validation reports it as `internal-error`). Also here: writers (tables to CSV and
Parquet, byte-reproducible) and verify (a release's SHA256SUMS: opening a release is verifying it).

May import: schema and the base modules (problems, terminal, extras).
"""
