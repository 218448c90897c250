"""Hatch build hook: put the Parquet package, built from datapackage/, into the wheel.

The wheel ships iraq_frontiers/_data/parquet/ (datapackage.json + one .parquet per table), built
by the same code as `iraq-frontiers build` (iraq_frontiers.release.build.build_parquet_data), so the
packaged data is always the curated data of the commit the wheel is built from: nothing built is
committed. Editable installs skip it (a source checkout reads datapackage/ directly).
Needs pyarrow and polars at build time (see [build-system] requires in pyproject.toml).
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CustomBuildHook(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def initialize(self, version, build_data):
        if self.target_name != "wheel" or version == "editable":
            return
        root = Path(self.root)
        sys.path.insert(0, str(root / "src"))
        try:
            from iraq_frontiers.release.build import build_parquet_data

            self._tmp = Path(tempfile.mkdtemp(prefix="iraq-frontiers-wheel-"))
            build_parquet_data(root / "datapackage", self._tmp / "parquet")
        finally:
            sys.path.remove(str(root / "src"))
        build_data["force_include"][str(self._tmp / "parquet")] = "iraq_frontiers/_data/parquet"

    def finalize(self, version, build_data, artifact_path):
        tmp = getattr(self, "_tmp", None)
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
