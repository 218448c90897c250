"""README.md's screenshots show the current site (issue 24): build_scripts/screenshots.py made them from a release
and recorded the fingerprint of the pages they show; when the site of the current release differs, they are
older than the site and this fails, saying which command makes them again."""
from __future__ import annotations

import hashlib
import importlib.util
import json

import pyarrow.parquet as pq

from _release_helpers import REPO

SHOTS = REPO / "docs" / "screenshots"


def _script():
    spec = importlib.util.spec_from_file_location("screenshots", REPO / "build_scripts" / "screenshots.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_screenshots_are_of_the_current_site(curated_release):
    script = _script()
    meta = json.loads((SHOTS / "screenshots.json").read_text(encoding="utf-8"))
    again = "run `python build_scripts/screenshots.py` (needs chromium and the [test] extra) and commit docs/screenshots/"
    assert meta["site"] == script.fingerprint(curated_release / "site"), f"the screenshots are older than the site they show: {again}"
    assert meta["events"] == pq.read_metadata(curated_release / "parquet" / "events.parquet").num_rows, again
    assert sorted(meta["pictures"]) == sorted(script.SHOTS)
    for name, digest in meta["pictures"].items():  # the pictures are the ones the script made (none replaced by hand)
        assert hashlib.sha256((SHOTS / name).read_bytes()).hexdigest() == digest, f"{name} was not made by the script: {again}"
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert all(f"docs/screenshots/{name}" in readme for name in script.SHOTS)


def test_fingerprint_sees_a_changed_page(tmp_path, curated_release):
    """The check can fail: a changed event page or stylesheet changes the fingerprint."""
    import shutil

    script = _script()
    site = tmp_path / "site"
    shutil.copytree(curated_release / "site", site)
    before = script.fingerprint(site)
    page = site / script.PAGES[1]
    page.write_text(page.read_text(encoding="utf-8") + "<!-- changed -->", encoding="utf-8")
    assert script.fingerprint(site) != before
    css = site / "assets" / "site.css"
    changed = script.fingerprint(site)
    css.write_text(css.read_text(encoding="utf-8") + "\n/* changed */", encoding="utf-8")
    assert script.fingerprint(site) != changed
