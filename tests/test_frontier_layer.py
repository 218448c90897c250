"""The UCDP frontier layer committed in datapackage/: reproduced byte for byte by the importer,
deaths kept exactly, the frontier rule, and the merge that leaves curated rows untouched."""
from __future__ import annotations

import csv
import gzip
import shutil
from pathlib import Path

import pytest

from iraq_frontiers.importers.frontier import TANF_POINT, TANF_RADIUS_KM, is_frontier, km_from_tanf
from iraq_frontiers.importers.layer import LayerError, merge_layer, split_records
from iraq_frontiers.importers.ucdp_mapping import CORE_TABLES
from iraq_frontiers.importers.ucdp import import_ged_into
from test_ucdp_import import external_dir

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "datapackage"
GED_FILE = "ged_syria_652_1601_1911.csv.gz"


def _ged_file() -> Path:
    folder = external_dir()
    if folder is None:
        pytest.skip("UCDP GED Syria extract not found (set IRAQ_FRONTIERS_EXTERNAL to the folder holding "
                    "ucdp-ged-syria-652-1601-1911/, or provide ../shared/external)")
    return folder / GED_FILE


def _rows(table: str) -> list[dict[str, str]]:
    with (PACKAGE / f"{table}.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_reimport_reproduces_the_committed_layer_byte_for_byte(tmp_path):
    """Strip the ucdp-ged rows from a copy of datapackage/, import the shared file into it: every
    CSV equals the committed one (curated rows untouched, layer rows regenerated identically)."""
    src = _ged_file()
    pkg = tmp_path / "datapackage"
    shutil.copytree(PACKAGE, pkg)
    for table in CORE_TABLES:
        header = split_records((pkg / f"{table}.csv").read_bytes())[0].decode("utf-8")
        kept, written = merge_layer(pkg, table, header, "ucdp-ged")
        assert written == 0
    assert (pkg / "events.csv").read_bytes() != (PACKAGE / "events.csv").read_bytes()  # the strip did remove rows
    result = import_ged_into(src, pkg, frontier=True)
    assert result.to_dict()["accounted_for"] and not result.rejected
    for table in CORE_TABLES:
        assert (pkg / f"{table}.csv").read_bytes() == (PACKAGE / f"{table}.csv").read_bytes(), \
            f"{table}.csv: the import does not reproduce the committed file; rerun `iraq-frontiers import ucdp-ged {src} --into datapackage --frontier`"


def test_layer_keeps_every_death_of_the_frontier_subset():
    """Sum of best (and low, high, civilians) over the layer = the same sums over the raw file's frontier rows."""
    src = _ged_file()
    with gzip.open(src, "rt", encoding="utf-8", newline="") as fh:
        raw = [r for r in csv.DictReader(fh)
               if is_frontier(r["adm_1"], float(r["latitude"]) if r["latitude"] else None, float(r["longitude"]) if r["longitude"] else None)]
    events = [e for e in _rows("events") if e["origin"] == "ucdp-ged"]
    assert {e["id"] for e in events} == {f"evt-ucdp-{r['id']}" for r in raw}
    assert sum(int(e["fatalities_best"]) for e in events) == sum(int(r["best"]) for r in raw)
    assert sum(int(e["fatalities_civilians"]) for e in events) == sum(int(r["deaths_civilians"]) for r in raw)
    by_id = {f"evt-ucdp-{r['id']}": r for r in raw}
    for e in events:  # ids, conflict and dyad kept as fields
        r = by_id[e["id"]]
        assert (e["ucdp_conflict_id"], e["ucdp_dyad_id"]) == (r["conflict_new_id"], r["dyad_new_id"]), e["id"]


def test_layer_rows_follow_the_curated_rows_and_name_their_layer():
    from iraq_frontiers.importers.layer import NAMESPACE

    for table in ("sources", "events", "claims"):
        origins = [r["origin"] for r in _rows(table)]
        first = origins.index("ucdp-ged")
        assert set(origins[:first]) == {"curated"} and set(origins[first:]) <= set(NAMESPACE), table
        layers = [o for i, o in enumerate(origins[first:]) if i == 0 or o != origins[first + i - 1]]
        assert layers == sorted(set(layers), key=list(NAMESPACE).index), table  # each layer one block, in NAMESPACE order
    claims = [c for c in _rows("claims") if c["origin"] == "ucdp-ged"]
    assert {c["claimant_id"] for c in claims} == {"act-ucdp-program"}  # UCDP is the claimant of its coding


def test_frontier_rule():
    assert km_from_tanf(*TANF_POINT) == pytest.approx(0, abs=1e-6)
    lat, lon = TANF_POINT
    one_km_lat = 1 / 111.2
    assert is_frontier("Homs Governorate", lat + (TANF_RADIUS_KM - 1) * one_km_lat, lon)
    assert not is_frontier("Homs Governorate", lat + (TANF_RADIUS_KM + 1) * one_km_lat, lon)
    assert not is_frontier("Homs Governorate", None, None)
    assert is_frontier("Deir ez Zor Governorate", None, None) and is_frontier(" Al Hasakah Governorate ", 36.5, 40.7)
    assert not is_frontier("Ar Raqqah Governorate", 35.95, 39.0) and not is_frontier(None, lat, lon)


def test_split_records_keeps_line_breaks_inside_quotes():
    data = b'id,notes\na,"one\nline, ""two"""\nb,plain\n'
    assert split_records(data) == [b"id,notes\n", b'a,"one\nline, ""two"""\n', b"b,plain\n"]
    assert split_records(b"id\nx") == [b"id\n", b"x"]


def test_merge_layer_keeps_other_rows_and_refuses_a_mislabelled_row(tmp_path):
    (tmp_path / "events.csv").write_bytes(b'id,origin,notes\nevt-a,curated,"x\ny"\nevt-ucdp-1,ucdp-ged,old\nevt-b,curated,z\n')
    kept, written = merge_layer(tmp_path, "events", "id,origin,notes\nevt-ucdp-2,ucdp-ged,new\n", "ucdp-ged")
    assert (kept, written) == (2, 1)
    assert (tmp_path / "events.csv").read_bytes() == b'id,origin,notes\nevt-a,curated,"x\ny"\nevt-b,curated,z\nevt-ucdp-2,ucdp-ged,new\n'
    (tmp_path / "events.csv").write_bytes(b"id,origin,notes\nevt-ucdp-3,curated,oops\n")
    with pytest.raises(LayerError, match="row 2"):
        merge_layer(tmp_path, "events", "id,origin,notes\n", "ucdp-ged")
    with pytest.raises(LayerError, match="header"):
        merge_layer(tmp_path, "events", "id,notes\n", "ucdp-ged")


def test_a_refused_import_changes_no_file(tmp_path):
    """A table the layer cannot be merged into (here the last one has a stale header) stops the import before any write."""
    src = _ged_file()
    pkg = tmp_path / "datapackage"
    shutil.copytree(PACKAGE, pkg)
    for table in CORE_TABLES:  # strip the layer so that an import would change the files
        merge_layer(pkg, table, split_records((pkg / f"{table}.csv").read_bytes())[0].decode("utf-8"), "ucdp-ged")
    last = pkg / f"{CORE_TABLES[-1]}.csv"
    last.write_bytes(last.read_bytes().replace(b",notes\n", b",remarks\n", 1))
    before = {p.name: p.read_bytes() for p in pkg.glob("*.csv")}
    with pytest.raises(LayerError, match="header"):
        import_ged_into(src, pkg, frontier=True)
    assert {p.name: p.read_bytes() for p in pkg.glob("*.csv")} == before
