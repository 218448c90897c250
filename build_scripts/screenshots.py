"""Make README.md's screenshots of the release site, from the current release, in headless Chromium.

    python build_scripts/screenshots.py [--release release/0.1.0] [--out docs/screenshots]

Without --release, builds a release of datapackage/ into a temporary folder first. Opens its site/ from disk
(file://, network off) in Debian's chromium (/usr/bin/chromium, or $IRAQ_FRONTIERS_CHROMIUM) driven by
Playwright ([test] extra) and writes overview.png, map.png, border-sy.png, disagreements.png and event.png (the al-Tanf strike, May 2017), then
screenshots.json: the fingerprint of the site pages they show. tests/test_screenshots.py fails when that
fingerprint is not the current release's (the pictures are older than the site they show): run this again.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("IRAQ_FRONTIERS_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AL_TANF_STRIKE = "evt-us-strike-pro-government-forces-al-tanf"
# the pages the pictures show, and what they load
PAGES = ("index.html", f"events/{AL_TANF_STRIKE}.html", "borders/sy.html", "disagreements.html")
SHOTS = ("overview.png", "map.png", "border-sy.png", "disagreements.png", "event.png")


def fingerprint(site: Path) -> str:
    """sha256 over the pages the screenshots show and the site's assets (styles, script, basemap)."""
    h = hashlib.sha256()
    files = [site / p for p in PAGES] + sorted((site / "assets").rglob("*"))
    for path in files:
        if path.is_file():
            h.update(path.relative_to(site).as_posix().encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def shoot(site: Path, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
            page = context.new_page()
            page.goto((site / "index.html").as_uri())
            page.locator("#map svg").first.wait_for()
            page.screenshot(path=str(out / "overview.png"))
            page.locator("#map").screenshot(path=str(out / "map.png"))
            page.goto((site / "borders" / "sy.html").as_uri())
            page.locator("#map").screenshot(path=str(out / "border-sy.png"))
            page.goto((site / "disagreements.html").as_uri())
            page.screenshot(path=str(out / "disagreements.png"))
            page.goto((site / "events" / f"{AL_TANF_STRIKE}.html").as_uri())
            page.screenshot(path=str(out / "event.png"), full_page=True)
            context.close()
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--release", type=Path, help="a built release folder (default: build one of datapackage/ first)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots", help="where the PNGs go (default: docs/screenshots)")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).is_file():
        print(f"screenshots: {CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) "
              "or set IRAQ_FRONTIERS_CHROMIUM", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="iraq-frontiers-shots-") as tmp:
        release = args.release
        if release is None:
            from iraq_frontiers.release.build import build_release

            os.environ.pop("SOURCE_DATE_EPOCH", None)  # dated by its CHANGELOG section, like the tests' release
            release = build_release(REPO / "datapackage", Path(tmp) / "release").folder
        site = release / "site"
        if not (site / "index.html").is_file():
            print(f"screenshots: {site / 'index.html'} not found: give a release folder (--release)", file=sys.stderr)
            return 2
        shoot(site, args.out)
        import pyarrow.parquet as pq

        meta = {"made_by": "build_scripts/screenshots.py", "version": release.name, "site": fingerprint(site),
                "events": pq.read_metadata(release / "parquet" / "events.parquet").num_rows,
                "pictures": {name: hashlib.sha256((args.out / name).read_bytes()).hexdigest() for name in SHOTS}}
        (args.out / "screenshots.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {', '.join(SHOTS)} and screenshots.json in {args.out} (release {meta['version']}, {meta['events']} events)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
