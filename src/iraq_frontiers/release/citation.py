"""How to cite the dataset: BibTeX, APA, CITATION.cff and .zenodo.json, all from schemas/package.json.

The one source is schemas/package.json: name, version, title, description, homepage, keywords,
licences, contributors (those with the role "creator" are the authors, in order; other roles are
DataCite contributor types, e.g. "DataCurator") and its `citation` block (message, repository,
date-released, doi). A DOI, once set, appears in every format (and as the descriptor's `id`).
Every function takes an optional `meta` (default: schemas/package.json); the build passes the
metadata with the release date of the version's CHANGELOG section. CITATION.cff and .zenodo.json at the repository root
are generated (`iraq-frontiers citation-files`) and checked by the tests; never edit them by hand.

    >>> import iraq_frontiers
    >>> print(iraq_frontiers.cite("bibtex"))
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from iraq_frontiers.schema.metadata import package_metadata

STYLES = ("apa", "bibtex", "cff")
CFF_HEADER = "# Generated from schemas/package.json by `iraq-frontiers citation-files`: do not edit.\n"
ZENODO_LICENSES = {"CC-BY-4.0": "cc-by-4.0", "CC0-1.0": "cc-zero", "MIT": "mit"}


# Data Package v2 recommends DataCite's contributorType for `roles`; "creator" marks the authors.
DATACITE_ROLES = ("ContactPerson", "DataCollector", "DataCurator", "DataManager", "Distributor", "Editor",
                  "HostingInstitution", "Producer", "ProjectLeader", "ProjectManager", "ProjectMember",
                  "RegistrationAgency", "RegistrationAuthority", "RelatedPerson", "Researcher", "ResearchGroup",
                  "RightsHolder", "Sponsor", "Supervisor", "WorkPackageLeader", "Other")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _meta(meta: dict[str, Any] | None = None) -> dict[str, Any]:
    return meta if meta is not None else package_metadata()


def _citation(meta: dict[str, Any] | None = None) -> dict[str, Any]:
    return _meta(meta).get("citation") or {}


def with_release_date(released: str, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    """The package metadata with citation.date-released set (the build sets it from the CHANGELOG section)."""
    meta = _meta(meta)
    return {**meta, "citation": {**(meta.get("citation") or {}), "date-released": released}}


def _person(c: dict[str, Any]) -> dict[str, str]:
    """{"family", "given"[, "affiliation"]} for a person, {"name"} for an organisation or group."""
    if c.get("familyName"):
        person = {"family": c["familyName"], "given": c.get("givenName", "")}
        if c.get("organization"):
            person["affiliation"] = c["organization"]
        if c.get("path"):
            person["orcid" if "orcid.org" in c["path"] else "url"] = c["path"]
        return person
    return {"name": c.get("title") or c.get("organization") or "Unknown"}


def authors(meta: dict[str, Any] | None = None) -> list[dict[str, str]]:
    """The dataset's authors, in order: contributors with the role "creator" (all contributors when none has it)."""
    people = _meta(meta).get("contributors") or []
    creators = [c for c in people if "creator" in (c.get("roles") or [])] or people
    return [_person(c) for c in creators]


def other_contributors(meta: dict[str, Any] | None = None) -> list[tuple[dict[str, str], str]]:
    """(contributor, DataCite contributorType) for each DataCite role a contributor has besides "creator"."""
    out = []
    for c in _meta(meta).get("contributors") or []:
        for role in c.get("roles") or []:
            if role in DATACITE_ROLES:
                out.append((_person(c), role))
    return out


def _license(meta: dict[str, Any] | None = None) -> str | None:
    licenses = _meta(meta).get("licenses") or []
    return licenses[0].get("name") if licenses else None


def _url(meta: dict[str, Any] | None = None) -> str | None:
    doi = _citation(meta).get("doi")
    if doi:
        return f"https://doi.org/{doi}"
    return _citation(meta).get("repository") or _meta(meta).get("homepage")


def _date(meta: dict[str, Any] | None = None) -> str | None:
    released = _citation(meta).get("date-released")
    return str(released) if released else None


def _yaml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML double-quoted scalar


def citation_cff(meta: dict[str, Any] | None = None) -> str:
    """The text of CITATION.cff (Citation File Format 1.2.0, type dataset)."""
    meta = _meta(meta)
    cit = _citation(meta)
    lines = [CFF_HEADER.rstrip("\n"), "cff-version: 1.2.0", f"message: {_yaml(cit.get('message', 'If you use this dataset, please cite it as below.'))}",
             "type: dataset", f"title: {_yaml(meta['title'])}", f"version: {_yaml(meta['version'])}"]
    if _date(meta):
        lines.append(f"date-released: {_date(meta)}")
    if cit.get("doi"):
        lines.append(f"doi: {_yaml(cit['doi'])}")
    lines.append("authors:")
    for a in authors(meta):
        if "name" in a:
            lines.append(f"  - name: {_yaml(a['name'])}")
        else:
            lines.append(f"  - family-names: {_yaml(a['family'])}")
            if a.get("given"):
                lines.append(f"    given-names: {_yaml(a['given'])}")
            if a.get("affiliation"):
                lines.append(f"    affiliation: {_yaml(a['affiliation'])}")
            if a.get("orcid"):
                lines.append(f"    orcid: {_yaml(a['orcid'])}")
    if meta.get("description"):
        lines.append(f"abstract: {_yaml(meta['description'])}")
    if _license(meta):
        lines.append(f"license: {_yaml(_license(meta))}")
    if meta.get("homepage"):
        lines.append(f"url: {_yaml(meta['homepage'])}")
    if cit.get("repository"):
        lines.append(f"repository-code: {_yaml(cit['repository'])}")
    if meta.get("keywords"):
        lines.append("keywords:")
        lines.extend(f"  - {_yaml(k)}" for k in meta["keywords"])
    return "\n".join(lines) + "\n"


def _zenodo_person(a: dict[str, str]) -> dict[str, str]:
    if "name" in a:
        return {"name": a["name"]}
    c = {"name": f"{a['family']}, {a['given']}".rstrip(", ")}
    if a.get("affiliation"):
        c["affiliation"] = a["affiliation"]
    if a.get("orcid"):
        c["orcid"] = a["orcid"].rstrip("/").rsplit("/", 1)[-1]
    return c


def zenodo_metadata(meta: dict[str, Any] | None = None) -> dict[str, Any]:
    """The .zenodo.json deposit metadata (Zenodo's legacy upload format; contributors typed by DataCite role)."""
    meta = _meta(meta)
    cit = _citation(meta)
    out: dict[str, Any] = {
        "title": meta["title"],
        "version": meta["version"],
        "upload_type": "dataset",
        "description": meta.get("description", ""),
        "creators": [_zenodo_person(a) for a in authors(meta)],
        "access_right": "open",
    }
    contributors = [{**_zenodo_person(a), "type": role} for a, role in other_contributors(meta)]
    if contributors:
        out["contributors"] = contributors
    lic = _license(meta)
    if lic:
        out["license"] = ZENODO_LICENSES.get(lic, lic.lower())
    if meta.get("keywords"):
        out["keywords"] = list(meta["keywords"])
    if _date(meta):
        out["publication_date"] = _date(meta)
    if cit.get("doi"):
        out["doi"] = cit["doi"]
    related = [u for u in (cit.get("repository"), meta.get("homepage")) if u]
    if related:
        out["related_identifiers"] = [{"identifier": related[0], "relation": "isSupplementedBy", "scheme": "url"}]
    return out


def zenodo_json(meta: dict[str, Any] | None = None) -> str:
    return json.dumps(zenodo_metadata(meta), indent=2, ensure_ascii=False) + "\n"


def _bibtex_escape(text: str) -> str:
    for ch in "&%$#_":
        text = text.replace(ch, "\\" + ch)
    return text


def bibtex(meta: dict[str, Any] | None = None) -> str:
    """A BibTeX @misc entry (biblatex reads it as well): authors, title, year, month, version, DOI, URL."""
    meta = _meta(meta)
    cit = _citation(meta)
    names = ["{" + _bibtex_escape(a["name"]) + "}" if "name" in a else _bibtex_escape(f"{a['family']}, {a['given']}".rstrip(", "))
             for a in authors(meta)]
    key = f"{meta['name'].replace('-', '_')}_{meta['version'].replace('.', '_').replace('-', '_')}"
    fields = [("author", "{" + " and ".join(names) + "}"), ("title", "{{" + _bibtex_escape(meta["title"]) + "}}")]
    date = _date(meta)
    if date:
        fields.append(("year", "{" + date[:4] + "}"))
        if len(date) >= 7:
            fields.append(("month", MONTHS[int(date[5:7]) - 1]))  # a month macro, unquoted
    fields.append(("version", "{" + meta["version"] + "}"))
    fields.append(("note", "{" + f"Data set, version {meta['version']}" + "}"))
    if cit.get("doi"):
        fields.append(("doi", "{" + cit["doi"] + "}"))
    if _url(meta):
        fields.append(("url", "{" + _url(meta) + "}"))
    body = ",\n".join(f"  {k} = {v}" for k, v in fields)
    return f"@misc{{{key},\n{body}\n}}\n"


def _apa_author(a: dict[str, str]) -> str:
    if "name" in a:
        return a["name"]
    initials = " ".join(f"{part[0]}." for part in a.get("given", "").split() if part)
    return f"{a['family']}, {initials}".rstrip(", ")


def apa(meta: dict[str, Any] | None = None) -> str:
    """APA 7 reference for a data set: Authors. (Year). Title (Version v) [Data set]. URL (the DOI when set)."""
    meta = _meta(meta)
    names = [_apa_author(a) for a in authors(meta)]
    if len(names) > 1:
        who = ", ".join(names[:-1]) + ", & " + names[-1]
    else:
        who = names[0] if names else "Anonymous"
    year = (_date(meta) or "n.d.")[:4]
    url = _url(meta)
    text = f"{who}{'' if who.endswith('.') else '.'} ({year}). {meta['title']} (Version {meta['version']}) [Data set]."
    if url:
        text += f" {url}"
    return text + "\n"


def also_cite(meta: dict[str, Any] | None = None) -> list[dict[str, str]]:
    """Works to cite beside the dataset (the imported layers' and gazetteers' own citations): package.json citation.also-cite."""
    return list(((meta or _meta()).get("citation") or {}).get("also-cite") or [])


def cite(style: str = "apa", meta: dict[str, Any] | None = None) -> str:
    """The dataset's citation: style "apa", "bibtex" or "cff" (the text of CITATION.cff), in any letter case.

    apa and bibtex end with the works the data draws on (UCDP GED, GeoNames), which CC BY 4.0 asks to cite too.
    """
    key = str(style).lower()
    if key == "apa":
        extra = "".join(f"- {w['apa']} — for {w['for']}\n" for w in also_cite(meta))
        return apa(meta) + (f"\nThe data draws on these works; please cite them too:\n{extra}" if extra else "")
    if key == "bibtex":
        return bibtex(meta) + "".join(f"\n{w['bibtex']}\n" for w in also_cite(meta))
    if key == "cff":
        return citation_cff(meta)
    raise ValueError(f"unknown citation style {style!r}; choose one of {', '.join(STYLES)}")


def citation_files() -> dict[str, str]:
    """File name (at the repository root) -> generated text."""
    return {"CITATION.cff": citation_cff(), ".zenodo.json": zenodo_json()}


def write_citation_files(root: Path) -> list[Path]:
    written = []
    for name, text in citation_files().items():
        path = Path(root) / name
        path.write_bytes(text.encode("utf-8"))
        written.append(path)
    return written


def stale_citation_files(root: Path) -> list[str]:
    """Names of citation files under root that are missing or differ from a fresh generation."""
    stale = []
    for name, text in citation_files().items():
        path = Path(root) / name
        if not path.is_file() or path.read_bytes() != text.encode("utf-8"):
            stale.append(name)
    return stale
