"""synth: synthetic data packages for benchmarks and validator tests.

packages (synthesize(): large valid packages, optionally with planted errors and their manifest),
strategies (Hypothesis strategies drawing consistent multi-table packages; needs the `test` extra).

May import: validation, io, schema and the base modules. Never release, importers, curate or cli.
"""
