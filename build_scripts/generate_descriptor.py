"""Regenerate datapackage/datapackage.json from schemas/ (thin entry: `iraq-frontiers descriptor`)."""
import sys

from iraq_frontiers.cli.app import main

if __name__ == "__main__":
    sys.exit(main(["descriptor", *sys.argv[1:]]))
