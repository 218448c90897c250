"""cli: the iraq-frontiers command line (entry point `iraq_frontiers.cli:main`).

app (the parser, exit codes, main, and the validate / descriptor / docs commands) and one thin
module per group of subcommands, each with a register(subparsers) function: release, synth,
importers, site, curate. A command parses its arguments and calls the library.

May import: every folder. Nothing imports cli (but its own modules).
"""
from iraq_frontiers.cli.app import main

__all__ = ["main"]
