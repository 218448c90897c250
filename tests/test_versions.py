"""One version everywhere; the semver bump rule; `iraq-frontiers diff`; citation files (issue 4)."""
from __future__ import annotations

import json
import re
import tomllib

import pytest
import yaml

from _release_helpers import REPO, actor, read_json, write_csv_package
from iraq_frontiers.release import build as release, citation
from iraq_frontiers.cli.app import main
from iraq_frontiers.schema.descriptor import build_descriptor
from iraq_frontiers.release.diff import diff_packages
from iraq_frontiers.schema.metadata import package_metadata
from iraq_frontiers.release.versioning import Version, VersionError, bump_level, check_bump, required_version


def _package_json_version() -> str:
    # Read the file itself, not through the toolkit.
    return json.loads((REPO / "schemas" / "package.json").read_text(encoding="utf-8"))["version"]


def test_one_version_everywhere(tmp_path, monkeypatch):
    import iraq_frontiers

    version = _package_json_version()
    assert Version.parse(version)
    # pyproject: hatch reads the version with this path and pattern.
    hatch = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["hatch"]["version"]
    assert "version" in tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dynamic"]
    m = re.search(hatch["pattern"], (REPO / hatch["path"]).read_text(encoding="utf-8"))
    assert hatch["path"] == "schemas/package.json" and m and m.group("version") == version
    assert read_json(REPO / "datapackage" / "datapackage.json")["version"] == version
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    assert str(cff["version"]) == version
    assert read_json(REPO / ".zenodo.json")["version"] == version
    assert iraq_frontiers.__version__ == version
    assert main(["--version"]) == 0
    # The release folder and its descriptors.
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    result = release.build_release(write_csv_package(tmp_path / "src", {"actors": [actor("act-a")]}), tmp_path / "out")
    assert result.folder.name == version
    for fmt in ("parquet", "csv"):
        assert read_json(result.folder / fmt / "datapackage.json")["version"] == version
        assert (result.folder / f"iraq-frontiers-{version}-{fmt}.zip").is_file()


def test_version_cli_prints_package_json_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == _package_json_version()


# --- semver and the bump rule -----------------------------------------------------------------

@pytest.mark.parametrize("old,new,level", [
    ("1.2.3", "2.0.0", "major"), ("1.2.3", "1.3.0", "minor"), ("1.2.3", "1.2.4", "patch"),
    ("1.2.3", "1.2.3", None), ("0.1.0", "0.1.1", "patch"), ("1.2.3", "2.1.5", "major"),
    ("1.0.0-rc.1", "1.0.0", None),
])
def test_bump_level(old, new, level):
    assert bump_level(old, new) == level


@pytest.mark.parametrize("bad", ["1.2", "v1.2.3", "01.2.3", "1.2.3.4", "", "1.2.x"])
def test_not_semver(bad):
    with pytest.raises(VersionError):
        Version.parse(bad)


def test_downgrade_refused():
    with pytest.raises(VersionError):
        bump_level("1.2.3", "1.2.2")
    assert check_bump("1.2.3", "1.2.2", None) is not None


@pytest.mark.parametrize("old,new,required,ok", [
    ("1.2.3", "2.0.0", "major", True), ("1.2.3", "1.3.0", "major", False),
    ("1.2.3", "1.3.0", "minor", True), ("1.2.3", "1.2.4", "minor", False),
    ("1.2.3", "1.2.4", "patch", True), ("1.2.3", "1.2.3", "patch", False),
    ("1.2.3", "1.2.3", None, True), ("1.2.3", "2.0.0", "patch", True),
])
def test_check_bump(old, new, required, ok):
    why = check_bump(old, new, required)
    assert (why is None) == ok
    if not ok:
        assert required in why


def test_required_version():
    assert required_version("1.2.3", "major") == "2.0.0"
    assert required_version("1.2.3", "minor") == "1.3.0"
    assert required_version("1.2.3", "patch") == "1.2.4"


# --- diff -------------------------------------------------------------------------------------

@pytest.fixture
def pair(tmp_path):
    old = write_csv_package(tmp_path / "old", {"actors": [
        actor("act-a", description="Before.", aliases=["x"]), actor("act-b"), actor("act-c")]})
    new = write_csv_package(tmp_path / "new", {"actors": [
        actor("act-a", description="After.", aliases=["x", "y"]), actor("act-c"), actor("act-d"), actor("act-e")]})
    return old, new


def test_diff_rows_by_primary_key(pair):
    d = diff_packages(*pair)
    t = d.table("actors")
    assert t.status == "changed" and t.rows_old == 3 and t.rows_new == 4
    assert t.added == [{"id": "act-d"}, {"id": "act-e"}]
    assert t.removed == [{"id": "act-b"}]
    assert t.changed == [{"key": {"id": "act-a"}, "fields": {
        "aliases": {"old": ["x"], "new": ["x", "y"]}, "description": {"old": "Before.", "new": "After."}}}]
    assert d.table("events").status == "same"
    assert d.required_bump == "major"  # a row was removed
    assert not d.identical


def test_diff_identical_and_formats(pair, tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    old, _ = pair
    built = release.build_release(old, tmp_path / "rel")
    # CSV folder vs its own Parquet release vs the zip: no differences.
    for other in (built.folder / "parquet", built.folder / f"iraq-frontiers-{built.version}-csv.zip"):
        d = diff_packages(old, other)
        assert d.identical and d.required_bump is None, d.format_text()


def test_diff_schema_changes(tmp_path):
    base = build_descriptor("csv")
    rows = {"actors": [actor("act-a")]}
    old = write_csv_package(tmp_path / "old", rows)
    new_desc = json.loads(json.dumps(base))
    actors = next(r for r in new_desc["resources"] if r["name"] == "actors")
    actors["schema"]["fields"].append({"name": "founded", "type": "integer"})
    new = write_csv_package(tmp_path / "new", rows, new_desc)
    (new / "actors.csv").write_text((new / "actors.csv").read_text().replace("\n", ",\n").replace("notes,\n", "notes,founded\n", 1))
    d = diff_packages(old, new)
    assert d.table("actors").fields_added == ["founded"] and d.required_bump == "minor"
    d = diff_packages(new, old)
    assert d.table("actors").fields_removed == ["founded"] and d.required_bump == "major"
    # Retyping a field is major; editing a description is a patch.
    retyped = json.loads(json.dumps(base))
    f = next(f for r in retyped["resources"] if r["name"] == "actors" for f in r["schema"]["fields"] if f["name"] == "notes")
    f["type"] = "integer"
    d = diff_packages(old, write_csv_package(tmp_path / "retyped", {"actors": [actor("act-a")]}, retyped))
    assert d.table("actors").fields_retyped == [{"field": "notes", "old": "string", "new": "integer"}]
    assert d.required_bump == "major"
    described = json.loads(json.dumps(base))
    next(r for r in described["resources"] if r["name"] == "actors")["schema"]["fields"][1]["description"] = "Changed."
    d = diff_packages(old, write_csv_package(tmp_path / "described", rows, described))
    assert d.table("actors").schema_details_changed and d.required_bump == "patch"


def test_diff_cli_text_and_json(pair, capsys):
    old, new = pair
    assert main(["diff", str(old), str(new)]) == 0
    text = capsys.readouterr().out
    assert "required version bump: major" in text
    assert "+ act-d" in text and "- act-b" in text and "~ act-a" in text
    assert 'description: "Before." -> "After."' in text
    assert main(["diff", str(old), str(new), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    actors = data["tables"]["actors"]
    assert data["required_bump"] == "major" and actors["counts"] == {"added": 2, "removed": 1, "changed": 1}
    assert actors["changed"][0]["fields"]["description"] == {"old": "Before.", "new": "After."}
    assert main(["diff", str(old), str(new), "--exit-code"]) == 1
    assert main(["diff", str(old), str(old), "--exit-code"]) == 0
    assert "no differences" in capsys.readouterr().out
    assert main(["diff", str(old), str(old.parent / "missing")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "missing" in err


# --- citation ---------------------------------------------------------------------------------

def test_citation_files_generated_from_package_json():
    assert citation.stale_citation_files(REPO) == [], "run `iraq-frontiers citation-files`"
    meta = json.loads((REPO / "schemas" / "package.json").read_text(encoding="utf-8"))
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "dataset"
    assert cff["title"] == meta["title"] and cff["license"] == meta["licenses"][0]["name"]
    creators = [c["title"] for c in meta["contributors"] if "creator" in c.get("roles", [])]
    assert [a["name"] for a in cff["authors"]] == creators
    zen = read_json(REPO / ".zenodo.json")
    assert zen["upload_type"] == "dataset" and zen["title"] == meta["title"]
    assert [c["name"] for c in zen["creators"]] == creators
    assert zen["license"] == meta["licenses"][0]["name"].lower()


def test_citation_files_check_cli(tmp_path, capsys):
    assert main(["citation-files", "--dir", str(tmp_path), "--check"]) == 1
    assert main(["citation-files", "--dir", str(tmp_path)]) == 0
    assert main(["citation-files", "--dir", str(tmp_path), "--check"]) == 0
    (tmp_path / "CITATION.cff").write_text("edited\n")
    assert main(["citation-files", "--dir", str(tmp_path), "--check"]) == 1


def test_cite_styles(capsys):
    meta = package_metadata()
    version = meta["version"]
    bib = citation.cite("bibtex")
    assert bib.startswith("@misc{") and f"version = {{{version}}}" in bib and meta["title"] in bib
    assert bib.count("{") == bib.count("}")
    year = str(meta["citation"]["date-released"])[:4]
    apa = citation.cite("apa")
    assert f"(Version {version}) [Data set]" in apa and f"({year})" in apa
    assert f"year = {{{year}}}" in bib and "month = " in bib
    assert yaml.safe_load(citation.cite("cff"))["version"] == version
    assert citation.cite("APA") == apa and citation.cite("BibTeX") == bib
    with pytest.raises(ValueError):
        citation.cite("mla")
    assert main(["cite", "--style", "BIBTEX"]) == 0 and capsys.readouterr().out == bib


RICH = {"contributors": [
    {"title": "Ada Lovelace", "givenName": "Ada Augusta", "familyName": "Lovelace", "organization": "Analytical Society",
     "path": "https://orcid.org/0000-0002-1825-0097", "roles": ["creator", "DataCurator"]},
    {"title": "Kurdish Border Monitor", "roles": ["creator"]},
    {"title": "Grace Hopper", "givenName": "Grace", "familyName": "Hopper", "roles": ["creator", "Editor"]},
    {"title": "Open Data Fund", "roles": ["Sponsor"]},
], "citation": {"message": "Cite this.", "repository": "https://example.org/repo", "date-released": "2026-03-04",
                "doi": "10.5281/zenodo.1234"}}


def test_every_citation_format_agrees_with_package_json(monkeypatch):
    """Authors (persons and groups, in order), DataCite roles, the release date and a DOI flow from package.json
    into CFF, Zenodo, APA, BibTeX and the descriptor."""
    import iraq_frontiers.schema.descriptor as descriptor

    meta = {**package_metadata(), **RICH}
    monkeypatch.setattr(citation, "package_metadata", lambda: meta)
    monkeypatch.setattr(descriptor, "package_metadata", lambda: meta)
    creators = [c for c in meta["contributors"] if "creator" in c["roles"]]
    doi = meta["citation"]["doi"]

    cff = yaml.safe_load(citation.cite("cff"))
    got = [(a.get("family-names"), a.get("given-names"), a.get("name")) for a in cff["authors"]]
    assert got == [(c.get("familyName"), c.get("givenName"), None if c.get("familyName") else c["title"]) for c in creators]
    assert cff["authors"][0]["orcid"] == creators[0]["path"] and cff["authors"][0]["affiliation"] == creators[0]["organization"]
    assert str(cff["date-released"]) == "2026-03-04" and cff["doi"] == doi and cff["message"] == "Cite this."

    zen = citation.zenodo_metadata()
    assert [c["name"] for c in zen["creators"]] == ["Lovelace, Ada Augusta", "Kurdish Border Monitor", "Hopper, Grace"]
    assert zen["creators"][0]["orcid"] == "0000-0002-1825-0097"
    assert sorted((c["name"], c["type"]) for c in zen["contributors"]) == [
        ("Hopper, Grace", "Editor"), ("Lovelace, Ada Augusta", "DataCurator"), ("Open Data Fund", "Sponsor")]
    assert zen["publication_date"] == "2026-03-04" and zen["doi"] == doi

    apa = citation.cite("apa")
    assert apa.startswith("Lovelace, A. A., Kurdish Border Monitor, & Hopper, G. (2026). ")
    assert apa.rstrip().endswith(f"https://doi.org/{doi}")

    bib = citation.cite("bibtex")
    fields = dict(re.findall(r"^  (\w+) = (.*?),?$", bib, flags=re.M))
    assert fields["author"] == "{Lovelace, Ada Augusta and {Kurdish Border Monitor} and Hopper, Grace}"
    assert fields["year"] == "{2026}" and fields["month"] == "mar" and fields["doi"] == "{" + doi + "}"
    assert fields["url"] == "{https://doi.org/" + doi + "}"

    built = descriptor.build_descriptor("csv")
    assert built["id"] == f"https://doi.org/{doi}" and built["contributors"] == meta["contributors"]
    # no DOI: no id, and the repository is the URL
    undated = {**meta, "citation": {**meta["citation"], "doi": None, "date-released": None}}
    monkeypatch.setattr(citation, "package_metadata", lambda: undated)
    monkeypatch.setattr(descriptor, "package_metadata", lambda: undated)
    assert "id" not in descriptor.build_descriptor("csv") and "(n.d.)" in citation.cite("apa")
    assert "doi" not in citation.cite("bibtex") and "year" not in citation.cite("bibtex")


def test_readme_and_changelog():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "## How to cite" in readme and "CITATION.cff" in readme
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "## [Unreleased]" in changelog
    headings = re.findall(r"^## \[(\d+\.\d+\.\d+[^\]]*)\]", changelog, flags=re.M)
    current = Version.parse(_package_json_version())
    for h in headings:  # no changelog section for a version newer than the package's
        assert not current < Version.parse(h)
    assert "bump" in (REPO / "docs" / "versioning.md").read_text(encoding="utf-8")
