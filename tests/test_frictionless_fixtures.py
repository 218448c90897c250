"""Issue 17: on frictionless-py's own test fixtures, we are never laxer than `frictionless validate`.

The fixtures are a pruned, vendored copy of frictionless-py's `data/` folder (MIT licence; origin,
commit and pruning in tests/fixtures/frictionless/SOURCE.md): nothing is fetched at test time.
Package-level cases are built from them (build_cases):

- `package:` every package descriptor (JSON or YAML, written as JSON beside it) whose resources are
  local files;
- `resource:` every resource descriptor, wrapped in a package of its own;
- `schema:` every schema file, paired with each CSV file of its folder whose header it describes;
- `table:` every CSV file (gzip-compressed too), with the schema frictionless infers for it (so
  every file's reading semantics are compared: blank and ragged rows, headers, encodings, types).

Each case is validated by both validators. Every case where the verdicts differ must be one of the
deliberate differences (conformance.DIFFERENCES, shown with its reason in docs/validation.md); a
listed difference that no longer occurs fails too. Where frictionless finds errors we must too,
but for differences listed as such (ours "valid"). We must never crash (`internal-error`).
Thorough tier: about 45 s (frictionless's inference and validation).
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from fnmatch import fnmatchcase as fnmatch
from pathlib import Path

import pytest

from iraq_frontiers.validation.conformance import DIFFERENCES

pytestmark = pytest.mark.slow

FIXTURES = Path(__file__).parent / "fixtures" / "frictionless" / "data"
CASE_PREFIX = "__case__"


@dataclass
class Case:
    name: str
    descriptor: Path  # written beside the files it names


def _load(path: Path):
    import yaml

    text = path.read_text(encoding="utf-8")
    try:
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError):
        return None


def _is_remote(value) -> bool:
    return isinstance(value, str) and "://" in value


def _local_resource(resource) -> bool:
    """A resource that reads only local files (remote ones would be fetched by frictionless)."""
    if not isinstance(resource, dict):
        return False
    paths = resource.get("path")
    paths = paths if isinstance(paths, list) else [paths]
    if any(_is_remote(p) for p in paths) or _is_remote(resource.get("schema")) or _is_remote(resource.get("dialect")):
        return False
    return resource.get("path") is not None or "data" in resource


def _csv_header(path: Path) -> list[str] | None:
    import csv

    try:
        with path.open(encoding="utf-8", newline="") as fh:
            return next(csv.reader(fh), None)
    except (UnicodeDecodeError, csv.Error, OSError):
        return None


def build_cases(root: Path) -> list[Case]:
    """Write a package descriptor for every case into the copy of the fixtures at `root`."""
    from frictionless import FrictionlessException, describe

    cases: list[Case] = []

    def add(name: str, folder: Path, descriptor: dict) -> None:
        path = folder / f"{CASE_PREFIX}{len(cases):03d}.json"
        path.write_text(json.dumps(descriptor, ensure_ascii=False, default=str), encoding="utf-8")
        cases.append(Case(name, path))

    descriptors = sorted(p for p in root.rglob("*") if p.suffix in (".json", ".yaml", ".yml") and p.is_file())
    schemas: list[tuple[Path, dict]] = []
    for path in descriptors:
        rel = path.relative_to(root).as_posix()
        d = _load(path)
        if not isinstance(d, dict) or _is_remote(d.get("profile")):
            continue
        if isinstance(d.get("resources"), list):
            if all(_local_resource(r) for r in d["resources"]):
                add(f"package:{rel}", path.parent, d)
        elif "path" in d or "data" in d:
            if _local_resource(d):
                add(f"resource:{rel}", path.parent, {"name": "case", "resources": [{"name": "case", **d}]})
        elif isinstance(d.get("fields"), list) and not json.dumps(d).count("://"):
            schemas.append((path, d))
    csvs = sorted(p for p in root.rglob("*") if p.name.endswith((".csv", ".csv.gz")) and p.is_file())
    for path, schema in schemas:
        names = [f.get("name") for f in schema["fields"] if isinstance(f, dict)]
        for table in csvs:
            if table.parent == path.parent and _csv_header(table) == names:
                rel = f"{path.relative_to(root).as_posix()}+{table.name}"
                add(f"schema:{rel}", path.parent, {"name": "case", "resources": [{"name": "case", "path": table.name, "schema": schema}]})
    for table in csvs:
        try:
            resource = describe(str(table), type="resource")
        except FrictionlessException:  # a file frictionless cannot read at all: no schema to compare with
            continue
        inferred = resource.to_descriptor()
        inferred["path"] = table.name
        inferred["name"] = "case"
        dialect = inferred.get("dialect")
        if isinstance(dialect, dict) and isinstance(dialect.get("csv"), dict):  # frictionless's own form -> Table Dialect
            inferred["dialect"] = {**{k: v for k, v in dialect.items() if k != "csv"}, **dialect["csv"]}
        for f in inferred.get("schema", {}).get("fields", []):
            if f.get("type") == "any":  # inferred for columns of empty cells only: text reads them the same way
                f["type"] = "string"
        add(f"table:{table.relative_to(root).as_posix()}", table.parent, {"name": "case", "resources": [inferred]})
    return cases


def frictionless_valid(descriptor: Path) -> tuple[bool, list[str]]:
    """frictionless's verdict and the types of the errors it found."""
    from frictionless import validate

    report = validate(str(descriptor))
    return report.valid, sorted({row[0] for row in report.flatten(["type"])})


def ours(descriptor: Path):
    from iraq_frontiers.validation.run import validate

    return validate(descriptor)


@pytest.fixture(scope="module")
def results(tmp_path_factory, profiles_dir):
    # Needs the official profiles: with frictionless's descriptor checks standing in, our verdicts differ.
    root = tmp_path_factory.mktemp("frictionless") / "data"
    shutil.copytree(FIXTURES, root)
    out = {}
    for case in build_cases(root):
        theirs, their_errors = frictionless_valid(case.descriptor)
        report = ours(case.descriptor)
        out[case.name] = (theirs, their_errors, report)
    return out


def test_enough_cases_are_built(results):
    kinds = {name.split(":", 1)[0] for name in results}
    assert kinds == {"package", "resource", "schema", "table"}
    assert len(results) >= 80


def test_we_never_crash(results):
    crashed = {name: r.format_text() for name, (_, _, r) in results.items() if "internal-error" in r.codes()}
    assert not crashed


def _listed(name: str, ours: str) -> bool:
    return any(d.ours == ours and any(fnmatch(name, c) for c in d.cases) for d in DIFFERENCES)


def test_never_laxer_than_frictionless_but_for_listed_differences(results):
    laxer = {n: errors for n, (theirs, errors, report) in results.items() if not theirs and report.exit_code == 0}
    unlisted = {n: e for n, e in laxer.items() if not _listed(n, "valid")}
    assert not unlisted, "valid for us, invalid for frictionless: " + json.dumps(unlisted, indent=1)


def test_every_stricter_verdict_is_listed_with_its_reason(results):
    stricter = {n: sorted(r.codes()) for n, (theirs, _, r) in results.items() if theirs and r.exit_code != 0}
    unlisted = {n: codes for n, codes in stricter.items() if not _listed(n, "invalid")}
    assert not unlisted, "invalid for us, valid for frictionless, with no reason listed: " + json.dumps(unlisted, indent=1)


def test_listed_differences_still_occur(results):
    """A listed difference that no longer occurs must go (the docs would be wrong)."""
    for d in DIFFERENCES:
        for pattern in d.cases:
            matched = [(theirs, r) for n, (theirs, _, r) in results.items() if fnmatch(n, pattern)]
            assert matched, f"{pattern}: no such case"
            for theirs, report in matched:
                got = ("valid" if report.exit_code == 0 else "invalid", "valid" if theirs else "invalid")
                assert got == (d.ours, d.theirs), f"{pattern}: ours {got[0]}, frictionless {got[1]}; listed as {d.ours}/{d.theirs}"


def test_summary(results, capsys):
    """Prints how the two validators compare (agree / stricter / laxer), for the record."""
    counts = {"agree": 0, "stricter": 0, "laxer": 0}
    for theirs, _, report in results.values():
        ok = report.exit_code == 0
        counts["agree" if ok == theirs else "stricter" if theirs else "laxer"] += 1
    with capsys.disabled():
        print(f"\nfrictionless fixtures: {len(results)} cases: {counts}")
    assert sum(counts.values()) == len(results)
