"""Build a versioned release into release/<version>/ (thin entry: `iraq-frontiers build`).

    python build_scripts/build_release.py [SOURCE] [--out DIR] [--force] [--previous PATH] [--json]
"""
import sys

from iraq_frontiers.cli.app import main

if __name__ == "__main__":
    sys.exit(main(["build", *sys.argv[1:]]))
