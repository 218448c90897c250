"""Shared test configuration: the thorough tier and locating the reference material in ../shared."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Fast tier: few examples per property (8: each example of the validator's properties validates whole packages),
# always the same ones (derandomized: CI never meets a new
# counterexample by chance; the thorough tier, IRAQ_FRONTIERS_SLOW=1, draws many more at random).
settings.register_profile("fast", max_examples=8, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
settings.register_profile("thorough", max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile("thorough" if os.environ.get("IRAQ_FRONTIERS_SLOW") == "1" else "fast")

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


MAX_WORKERS = 4  # each worker builds its own curated release and may start Spark's JVM: more cost more than they save


def pytest_xdist_auto_num_workers(config):
    """`-n auto` (pyproject's addopts): one worker per CPU, at most MAX_WORKERS; `-n 0` runs in one process."""
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def pytest_addoption(parser):
    parser.addoption("--run-slow", action="store_true", help="run the thorough tier (tests marked slow; includes --run-paths)")
    parser.addoption("--run-paths", action="store_true",
                     help="run the user's paths (tests marked paths: isolated wheel builds, fresh venvs, the browser); .ci/run does")


def pytest_collection_modifyitems(config, items):
    """Three tiers: the fast tier (always); the user's paths (`paths`: --run-paths or IRAQ_FRONTIERS_PATHS=1, every CI
    run); the thorough tier (`slow`: --run-slow or IRAQ_FRONTIERS_SLOW=1, which runs the user's paths too)."""
    slow = config.getoption("--run-slow") or os.environ.get("IRAQ_FRONTIERS_SLOW") == "1"
    paths = slow or config.getoption("--run-paths") or os.environ.get("IRAQ_FRONTIERS_PATHS") == "1"
    skip_slow = pytest.mark.skip(reason="thorough tier: run with --run-slow or IRAQ_FRONTIERS_SLOW=1")
    skip_paths = pytest.mark.skip(reason="the user's paths (CI runs them): run with --run-paths or IRAQ_FRONTIERS_PATHS=1")
    for item in items:
        if "slow" in item.keywords and not slow:
            item.add_marker(skip_slow)
            item.tier_skipped = True
        elif "paths" in item.keywords and not paths:
            item.add_marker(skip_paths)
            item.tier_skipped = True


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Under .ci/run (IRAQ_FRONTIERS_CI=1) a test of the user's paths (`paths`) or one CI must run (`ci`) may not skip:
    a missing chromium, Datasette or `build` fails the run instead of leaving the check out unnoticed."""
    outcome = yield
    report = outcome.get_result()
    if (report.skipped and os.environ.get("IRAQ_FRONTIERS_CI") == "1" and not hasattr(report, "wasxfail")
            and not getattr(item, "tier_skipped", False)  # left out of this run's tier: not a check skipped
            and ("paths" in item.keywords or "ci" in item.keywords)):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped under IRAQ_FRONTIERS_CI=1, where it must run: {reason}"


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


# --- the fast tier's measured time (docs/testing.md) ----------------------------------------------------------------
TIMING_START = "<!-- timing:start (written by tests/conftest.py when IRAQ_FRONTIERS_RECORD_TIMING=1) -->"
TIMING_END = "<!-- timing:end -->"
_SESSION: dict = {}


def pytest_sessionstart(session):
    import time

    _SESSION["start"] = time.monotonic()
    _SESSION["cpu"] = _cpu()
    _SESSION["load"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else None


def _cpu() -> float:
    """CPU seconds used so far by this process and the processes it waited for (subprocesses)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def timing_block(seconds: float, cpu: float, passed: int, skipped: int, when: str, cpus: int, load: float | None) -> str:
    """docs/testing.md's measured figure of the fast tier."""
    busy = (f" (load average {load:.1f} at the start: other work shared the CPUs, so the wall time is longer than on an "
            "idle machine)") if load is not None and load > cpus / 2 else ""
    return (f"Last measured {when}: **{seconds / 60:.1f} minutes** wall time for the whole fast tier (`python -m pytest`, "
            f"{passed} passed, {skipped} skipped) on a {cpus}-core machine{busy}; {cpu / 60:.1f} CPU-minutes "
            "(this process and its subprocesses; Spark's JVM and Datasette's server not counted).")


def pytest_sessionfinish(session, exitstatus):
    """With IRAQ_FRONTIERS_RECORD_TIMING=1, a complete, passing fast-tier run writes its wall time into docs/testing.md."""
    import datetime as dt
    import time

    config = session.config
    if os.environ.get("IRAQ_FRONTIERS_RECORD_TIMING") != "1" or exitstatus != 0 or "start" not in _SESSION:
        return
    if hasattr(config, "workerinput"):
        return  # a pytest-xdist worker: the controller, which saw every test, writes the figure
    if config.getoption("--run-slow") or config.getoption("--run-paths") or config.getoption("keyword") or config.getoption("markexpr"):
        return  # only the fast tier as a developer runs it
    if [Path(a).resolve() for a in config.args] not in ([REPO / "tests"], [REPO]) and config.args:
        return
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    passed = len(reporter.stats.get("passed", [])) if reporter else 0
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    doc = REPO / "docs" / "testing.md"
    text = doc.read_text(encoding="utf-8")
    head, rest = text.split(TIMING_START, 1)
    tail = rest.split(TIMING_END, 1)[1]
    block = timing_block(time.monotonic() - _SESSION["start"], _cpu() - _SESSION["cpu"], passed, skipped, dt.date.today().isoformat(),
                         os.cpu_count() or 1, _SESSION["load"])
    doc.write_text(f"{head}{TIMING_START}\n{block}\n{TIMING_END}{tail}", encoding="utf-8")
