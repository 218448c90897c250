"""Load the dataset: `load(table)`, `connect()`, `datapackage_path()`. No network, ever.

An installed wheel carries the released Parquet package (iraq_frontiers/_data/parquet/); in a
source checkout without it, the curated CSV package (datapackage/) is read instead, typed the same
way. Any other package (a release folder, a zip, a datapackage.json) can be given as `path`.

    import iraq_frontiers as ifr
    events = ifr.load("events")                      # pandas DataFrame (nullable dtypes)
    events = ifr.load("events", backend="polars")    # or "arrow"
    con = ifr.connect()                              # DuckDB: every table is a view
    con.sql("select type, count(*) from events group by all").show()
    flat = ifr.load("events_flat")                   # one row per event (derived; see docs/events-flat.md)

The base install (`pip install iraq-frontiers`) needs only pyarrow: `load(t, backend="arrow")`.
pandas, polars and DuckDB are used when installed; when not, the error names the extra to install
(`iraq-frontiers[pandas]`, `[polars]`, `[duckdb]`).

`load` returns exactly the schema's fields, in schema order. In Parquet, `locations` also has a
GeoParquet `geometry` column (WKB points): read it with geopandas.read_parquet, or in DuckDB.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from iraq_frontiers.extras import require

_HERE = Path(__file__).resolve().parents[1]  # the iraq_frontiers package folder
BACKENDS = ("pandas", "polars", "arrow")


def packaged_path() -> Path | None:
    """The Parquet package bundled in an installed wheel, or None."""
    p = _HERE / "_data" / "parquet" / "datapackage.json"
    return p if p.is_file() else None


def datapackage_path() -> Path:
    """The datapackage.json that load() and connect() read by default.

    The Parquet package inside an installed wheel; in a source checkout, the curated
    datapackage/datapackage.json (CSV).
    """
    p = packaged_path()
    if p is not None:
        return p
    from iraq_frontiers.schema.metadata import repo_root

    root = repo_root()
    if root is not None and (root / "datapackage" / "datapackage.json").is_file():
        return root / "datapackage" / "datapackage.json"
    raise FileNotFoundError("no iraq-frontiers data found: neither a packaged Parquet release "
                            "(iraq_frontiers/_data/parquet) nor a source checkout's datapackage/")


def _resolve(path: str | os.PathLike | None, verify: bool = True) -> Path:
    """The package to read; a release folder or zip is verified first (iraq_frontiers.io.verify)."""
    from iraq_frontiers.io.package import checked_path
    from iraq_frontiers.io.verify import release_package

    p = datapackage_path() if path is None else Path(checked_path(path))  # a URL refused as given, bytes decoded
    if verify:
        p = release_package(p)
    if p.is_dir() and (p / "datapackage.json").is_file():
        return p / "datapackage.json"
    return p


def tables(path: str | os.PathLike | None = None) -> list[str]:
    """The table names of the package, in package order."""
    from iraq_frontiers.io.package import open_package

    with open_package(_resolve(path)) as pkg:
        return [r["name"] for r in pkg.descriptor.get("resources", []) if isinstance(r, dict) and "name" in r]


def _read_arrow(table: str, path: str | os.PathLike | None, verify: bool = True):
    """The table typed per its schema. Raises ValueError naming the file, table, row and field of the first
    value that cannot be read as its type (InputError, a ValueError too, for a file that cannot be read at all)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from iraq_frontiers.schema.compiler import arrow_schema
    from iraq_frontiers.io.core import ROW
    from iraq_frontiers.io.package import is_inline, open_package, read_table, resource_file, resource_format
    from iraq_frontiers.io.writers import to_arrow

    with open_package(_resolve(path, verify)) as pkg:
        resources = {r.get("name"): r for r in pkg.descriptor.get("resources", []) if isinstance(r, dict)}
        if table not in resources and table in _missing_derived(resources):
            return _derive(table, path, resources)
        if table not in resources:
            from iraq_frontiers.schema.metadata import derived_table_names

            if table in derived_table_names():  # a curated package lacks what a release derives: derive it
                from iraq_frontiers.release.tables import read_tables, with_derived

                return with_derived(read_tables(_resolve(path)))[table]
            raise ValueError(f"no table {table!r} in {pkg.label}; the tables are: {', '.join(n for n in resources if n)}")
        resource = resources[table]
        schema = resource.get("schema")
        if not isinstance(schema, dict):
            raise ValueError(f"table {table!r} has no inline schema")
        file = None if is_inline(resource) else resource_file(pkg, resource)
        if file is not None and resource_format(resource, file) == "parquet":
            target = arrow_schema(schema)
            try:
                return pq.read_table(file, columns=target.names).cast(target)
            except (pa.ArrowException, OSError):
                pass  # a column missing or of another type, or not Parquet at all: the validator's reader says which
        require("polars", "polars", "reading a CSV package")
        data, problems = read_table(pkg, resource)  # unreadable: InputError, named by _naming as for a bad value
        if problems:
            first = problems[0]
            raise ValueError(f"{first.location()}: {first.message} (run `iraq-frontiers validate`)")
        return to_arrow(data.frame.drop(ROW), schema)


def _missing_derived(resources) -> list[str]:
    """Derived tables (e.g. events_flat) a package does not hold: the curated datapackage/ never does."""
    from iraq_frontiers.schema.metadata import derived_table_names, table_names

    if not set(table_names()) <= set(resources):
        return []  # not a package of this dataset's schema: nothing to derive from
    return [t for t in derived_table_names() if t not in resources]


def _derive(table: str, path, resources):
    """A derived table built on the fly from the package's curated tables (as a release build does)."""
    from iraq_frontiers.release.derived import derive_table
    from iraq_frontiers.schema.metadata import table_names

    return derive_table(table, {t: _read_arrow(t, path) for t in table_names()})


def _to_pandas(table):
    import pyarrow as pa

    pd = require("pandas", "pandas", 'load() as a pandas DataFrame (the default; backend="arrow" needs only pyarrow)')

    mapping = {pa.int64(): pd.Int64Dtype(), pa.float64(): pd.Float64Dtype(), pa.bool_(): pd.BooleanDtype(),
               pa.string(): pd.StringDtype()}
    frame = table.to_pandas(types_mapper=mapping.get, date_as_object=False)
    for f in table.schema:
        if pa.types.is_date(f.type):
            frame[f.name] = frame[f.name].astype("datetime64[ns]")
        elif pa.types.is_list(f.type):
            frame[f.name] = pd.Series(table.column(f.name).to_pylist(), index=frame.index, dtype=object)
    return frame


def load(table: str, backend: str = "pandas", path: str | os.PathLike | None = None) -> Any:
    """One table, typed per its schema: a pandas DataFrame (default), a polars DataFrame or an Arrow table.

    pandas columns use nullable dtypes (Int64, Float64, boolean, string; dates as datetime64[ns];
    lists as Python lists), so a missing value is <NA>, never 0 or NaN-for-integers.
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    with _naming(path):
        data = _read_arrow(table, path)
    if backend == "arrow":
        return data
    if backend == "polars":
        return require("polars", "polars", 'load(backend="polars")').from_arrow(data)
    return _to_pandas(data)


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _typed_as_schema(file: Path, resource: dict[str, Any]) -> bool:
    """Whether a Parquet file holds every field of the schema with exactly its Arrow type (read from the footer):
    then a view reads it in place; otherwise it is read through load(), which names what does not fit."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from iraq_frontiers.schema.compiler import arrow_schema

    try:
        found = pq.read_schema(file)
        target = arrow_schema(resource["schema"])
    except (pa.ArrowException, OSError, KeyError, TypeError, ValueError):
        return False
    return all(f.name in found.names and found.field(f.name).type == f.type for f in target)


def connect(path: str | os.PathLike | None = None, database: str = ":memory:"):
    """A DuckDB connection with every table of the package as a view (Parquet files are read in place)."""
    with _naming(path):
        return _connect(path, database)


@contextmanager
def _naming(path):
    """An input refused by load() or connect() names its file (with the package's folder), table and field."""
    from iraq_frontiers.io.core import InputError

    try:
        yield
    except InputError as exc:
        p = exc.problem
        where = p.location()
        if path is not None and p.file and not Path(p.file).is_absolute() and p.file != str(path):
            folder = Path(path) if Path(path).is_dir() else Path(path).parent
            where = f"{(folder / p.file).as_posix()}{where[len(p.file):]}" if where.startswith(p.file) else where
        raise InputError(p, f"{where}: {p.message}") from None


def _connect(path, database):
    duckdb = require("duckdb", "duckdb", "connect()")

    from iraq_frontiers.io.core import InputError
    from iraq_frontiers.io.package import is_inline, open_package, resource_file, resource_format
    from iraq_frontiers.validation.schema_guard import check_resources, first_resources

    con = duckdb.connect(database)
    target = _resolve(path)
    with open_package(target) as pkg:
        clashes = [p for p in check_resources(pkg.descriptor)[0] if p.code == "descriptor-invalid"]
        if clashes:  # names SQL cannot tell apart (e.g. differing only in case): refused, never half-connected
            raise InputError(clashes[0])
        is_archive = target.is_file() and target.suffix.lower() == ".zip"
        for resource in first_resources(pkg.descriptor):
            if not isinstance(resource, dict) or not isinstance(resource.get("name"), str):
                continue
            name = resource["name"]
            file = None if is_inline(resource) else resource_file(pkg, resource)
            if file is not None and resource_format(resource, file) == "parquet" and not is_archive and _typed_as_schema(file, resource):
                con.execute(f"CREATE VIEW {_ident(name)} AS SELECT * FROM read_parquet({_sql_string(str(file))})")
            else:  # CSV (typed through the schema) or a zip that is extracted only for this call
                arrow = _read_arrow(name, target, verify=False)  # verified once above
                con.register(f"__arrow_{name}", arrow)
                con.execute(f"CREATE VIEW {_ident(name)} AS SELECT * FROM {_ident('__arrow_' + name)}")
        resources = {r.get("name"): r for r in pkg.descriptor.get("resources", []) if isinstance(r, dict)}
        for name in _missing_derived(resources):  # e.g. events_flat over the curated CSV package
            con.register(f"__arrow_{name}", _derive(name, target, resources))
            con.execute(f"CREATE VIEW {_ident(name)} AS SELECT * FROM {_ident('__arrow_' + name)}")
    return con
