"""`python -m iraq_frontiers.cli`: the command line."""
import sys

from iraq_frontiers.cli.app import main

sys.exit(main())
