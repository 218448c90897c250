"""Shared test configuration: the thorough tier and locating the reference material in ../shared."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Fast tier: few examples per property. Thorough tier (IRAQ_FRONTIERS_SLOW=1): many more.
settings.register_profile("fast", max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
settings.register_profile("thorough", max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile("thorough" if os.environ.get("IRAQ_FRONTIERS_SLOW") == "1" else "fast")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def pytest_addoption(parser):
    parser.addoption("--run-slow", action="store_true", help="run the thorough tier (tests marked slow)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--run-slow") or os.environ.get("IRAQ_FRONTIERS_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="thorough tier: run with --run-slow or IRAQ_FRONTIERS_SLOW=1")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def shared_folder(env: str, *parts: str) -> Path | None:
    """A reference folder from an environment variable or ../shared, or None when absent."""
    if os.environ.get(env):
        p = Path(os.environ[env])
        return p if p.is_dir() else None
    p = SHARED.joinpath(*parts)
    return p if p.is_dir() else None


@pytest.fixture(scope="session")
def profiles_dir() -> Path:
    p = shared_folder("IRAQ_FRONTIERS_PROFILES", "profiles", "datapackage-2.0")
    if p is None or not (p / "datapackage.json").is_file():
        pytest.skip("official Data Package 2.0 profiles not found (set IRAQ_FRONTIERS_PROFILES or provide ../shared/profiles)")
    return p


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def curated_release(tmp_path_factory) -> Path:
    """A release of the curated datapackage/ (built once per session, dated by its CHANGELOG section). Read only."""
    from iraq_frontiers.release import build as release

    saved = os.environ.pop("SOURCE_DATE_EPOCH", None)
    try:
        return release.build_release(REPO / "datapackage", tmp_path_factory.mktemp("curated-release")).folder
    finally:
        if saved is not None:
            os.environ["SOURCE_DATE_EPOCH"] = saved
