"""GeoParquet 1.1 for the locations table: a WKB point `geometry` column (OGC:CRS84) and its `geo` metadata."""
from __future__ import annotations

import json
import struct
from typing import Any


GEO_TABLE = "locations"
GEOMETRY = "geometry"
GEO_NOTE = (" The Parquet file also has a `geometry` column (GeoParquet 1.1: WKB points in OGC:CRS84, "
            "longitude/latitude on WGS84, null where the place has no coordinates), derived from "
            "`longitude` and `latitude`, which it keeps.")


def wkb_point(lon: float, lat: float) -> bytes:
    """ISO WKB of a 2D point, little-endian."""
    return struct.pack("<BIdd", 1, 1, float(lon), float(lat))


def geometry_column(table):
    """WKB points from longitude/latitude (null where either is null)."""
    import pyarrow as pa

    lons = table.column("longitude").to_pylist()
    lats = table.column("latitude").to_pylist()
    return pa.array([None if x is None or y is None else wkb_point(x, y) for x, y in zip(lons, lats)], pa.binary())


def geo_metadata(table) -> bytes:
    """GeoParquet 1.1 file metadata for the `geometry` column (no `crs` key: OGC:CRS84 by the spec)."""
    lons = [x for x, y in zip(table.column("longitude").to_pylist(), table.column("latitude").to_pylist()) if x is not None and y is not None]
    lats = [y for x, y in zip(table.column("longitude").to_pylist(), table.column("latitude").to_pylist()) if x is not None and y is not None]
    column: dict[str, Any] = {"encoding": "WKB", "geometry_types": ["Point"]}
    if lons:
        column["bbox"] = [min(lons), min(lats), max(lons), max(lats)]
    meta = {"version": "1.1.0", "primary_column": GEOMETRY, "columns": {GEOMETRY: column}}
    return json.dumps(meta, separators=(",", ":")).encode("utf-8")
