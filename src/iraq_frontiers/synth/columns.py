"""Column builders for synthetic tables: ids, texts, numbers and dates as Arrow arrays (vectorised with numpy),
and the enum values a field allows (from schemas/)."""
from __future__ import annotations

from typing import Any


def _enum(table: str, name: str) -> list[str]:
    from iraq_frontiers.schema.metadata import table_schema

    for f in table_schema(table)["fields"]:
        if f["name"] == name:
            return list(f["constraints"]["enum"])
    raise KeyError(f"{table}.{name}")


def _width(n: int) -> int:
    return max(1, len(str(max(n - 1, 0))))


def _ids(prefix: str, idx, width: int):
    """prefix + zero-padded decimal index, as a pyarrow string array."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    digits = pc.utf8_lpad(pa.array(np.asarray(idx, dtype=np.int64)).cast(pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _take(values: list[str], idx):
    import numpy as np
    import pyarrow as pa

    return pa.array(values, pa.string()).take(pa.array(np.asarray(idx, dtype=np.int64)))


def _text(*parts):
    import pyarrow.compute as pc

    return pc.binary_join_element_wise(*parts, "")


def _int(values, mask=None):
    import numpy as np
    import pyarrow as pa

    return pa.array(np.asarray(values, dtype=np.int64), pa.int64(), mask=mask)


def _float(values, mask=None):
    import numpy as np
    import pyarrow as pa

    return pa.array(np.asarray(values, dtype=np.float64), pa.float64(), mask=mask)


def _date(days, mask=None):
    """Dates from days since 1970-01-01 (numpy int), null where mask."""
    import numpy as np
    import pyarrow as pa

    return pa.array(np.asarray(days, dtype=np.int32), pa.int32(), mask=mask).cast(pa.date32())


def _nulls(n: int, typ):
    import pyarrow as pa

    return pa.nulls(n, typ)


# Day numbers: events begin in 2010-2024 and sources are published in 2025, so no claim's source predates its
# event (rule source-before-event); statements are dated 2010-2025.
EVENT_DAYS, SOURCE_DAYS, ANY_DAYS = (14610, 20089), (20089, 20454), (14610, 20454)


def _single_dates(rng, n: int, precisions: list[str], p: list[float], days_range: tuple[int, int] = ANY_DAYS):
    """(days, mask, precision index) for a single date with its precision (day/week/month/year/unknown)."""
    import numpy as np

    prec = rng.choice(len(precisions), size=n, p=p)
    days = rng.integers(*days_range, size=n)  # [start, end) as day numbers from 1970-01-01
    d = days.astype("datetime64[D]")
    names = np.array(precisions)[prec]
    month_start = d.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    year_start = d.astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    out = np.where(names == "month", month_start, np.where(names == "year", year_start, days))
    mask = names == "unknown"
    return out, mask, prec


def _range_dates(rng, n: int, precisions: list[str], p: list[float]):
    """(start, end, mask, precision index) for a date range with its precision."""
    import numpy as np

    prec = rng.choice(len(precisions), size=n, p=p)
    names = np.array(precisions)[prec]
    days = rng.integers(*EVENT_DAYS, size=n)
    d = days.astype("datetime64[D]")
    m = d.astype("datetime64[M]")
    y = d.astype("datetime64[Y]")
    m0 = m.astype("datetime64[D]").astype(np.int64)
    m1 = (m + 1).astype("datetime64[D]").astype(np.int64) - 1
    y0 = y.astype("datetime64[D]").astype(np.int64)
    y1 = (y + 1).astype("datetime64[D]").astype(np.int64) - 1
    span = rng.integers(0, 3, size=n)
    start = np.select([names == "month", names == "year"], [m0, y0], days)
    end = np.select([names == "month", names == "year", names == "week"], [m1, y1, days + 6], days + span)
    mask = names == "unknown"
    return start, end, mask, prec


def _replace(table, column: str, positions: list[int], values: list[Any]):
    """A copy of `table` with `column` set to `values` at `positions`."""
    import pyarrow as pa

    i = table.schema.get_field_index(column)
    col = table.column(i).combine_chunks()
    data = col.to_pylist()
    for pos, value in zip(positions, values):
        data[pos] = value
    return table.set_column(i, table.schema.field(i), pa.array(data, col.type))


def _pydate(days: int):
    import datetime

    return datetime.date(1970, 1, 1) + datetime.timedelta(days=int(days))
