"""How to cite the dataset: BibTeX, APA, CITATION.cff and .zenodo.json, all from schemas/package.json.

The one source is schemas/package.json: name, version, title, description, homepage, keywords,
licences, contributors (those with the role "creator" are the authors) and its `citation` block
(message, repository, date-released, doi). CITATION.cff and .zenodo.json at the repository root
are generated (`iraq-frontiers citation-files`) and checked by the tests; never edit them by hand.

    >>> import iraq_frontiers
    >>> print(iraq_frontiers.cite("bibtex"))
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from iraq_frontiers.metadata import package_metadata

STYLES = ("apa", "bibtex", "cff")
CFF_HEADER = "# Generated from schemas/package.json by `iraq-frontiers citation-files`: do not edit.\n"
ZENODO_LICENSES = {"CC-BY-4.0": "cc-by-4.0", "CC0-1.0": "cc-zero", "MIT": "mit"}


def _meta() -> dict[str, Any]:
    return package_metadata()


def _citation() -> dict[str, Any]:
    return _meta().get("citation") or {}


def authors() -> list[dict[str, str]]:
    """The dataset's authors: contributors with the role "creator" (all contributors when none has it).

    Each is {"name": ...} for an organisation or group, or {"family": ..., "given": ...} for a person.
    """
    people = _meta().get("contributors") or []
    creators = [c for c in people if "creator" in (c.get("roles") or [])] or people
    out = []
    for c in creators:
        if c.get("familyName"):
            person = {"family": c["familyName"], "given": c.get("givenName", "")}
            if c.get("organization"):
                person["affiliation"] = c["organization"]
            out.append(person)
        else:
            out.append({"name": c.get("title") or c.get("organization") or "Unknown"})
    return out


def _license() -> str | None:
    licenses = _meta().get("licenses") or []
    return licenses[0].get("name") if licenses else None


def _url() -> str | None:
    doi = _citation().get("doi")
    if doi:
        return f"https://doi.org/{doi}"
    return _citation().get("repository") or _meta().get("homepage")


def _year() -> str | None:
    released = _citation().get("date-released")
    return str(released)[:4] if released else None


def _yaml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid YAML double-quoted scalar


def citation_cff() -> str:
    """The text of CITATION.cff (Citation File Format 1.2.0, type dataset)."""
    meta, cit = _meta(), _citation()
    lines = [CFF_HEADER.rstrip("\n"), "cff-version: 1.2.0", f"message: {_yaml(cit.get('message', 'If you use this dataset, please cite it as below.'))}",
             "type: dataset", f"title: {_yaml(meta['title'])}", f"version: {_yaml(meta['version'])}"]
    if cit.get("date-released"):
        lines.append(f"date-released: {cit['date-released']}")
    if cit.get("doi"):
        lines.append(f"doi: {_yaml(cit['doi'])}")
    lines.append("authors:")
    for a in authors():
        if "name" in a:
            lines.append(f"  - name: {_yaml(a['name'])}")
        else:
            lines.append(f"  - family-names: {_yaml(a['family'])}")
            if a.get("given"):
                lines.append(f"    given-names: {_yaml(a['given'])}")
            if a.get("affiliation"):
                lines.append(f"    affiliation: {_yaml(a['affiliation'])}")
    if meta.get("description"):
        lines.append(f"abstract: {_yaml(meta['description'])}")
    if _license():
        lines.append(f"license: {_yaml(_license())}")
    if meta.get("homepage"):
        lines.append(f"url: {_yaml(meta['homepage'])}")
    if cit.get("repository"):
        lines.append(f"repository-code: {_yaml(cit['repository'])}")
    if meta.get("keywords"):
        lines.append("keywords:")
        lines.extend(f"  - {_yaml(k)}" for k in meta["keywords"])
    return "\n".join(lines) + "\n"


def zenodo_metadata() -> dict[str, Any]:
    """The .zenodo.json deposit metadata (Zenodo's legacy upload format)."""
    meta, cit = _meta(), _citation()
    creators = []
    for a in authors():
        if "name" in a:
            creators.append({"name": a["name"]})
        else:
            c = {"name": f"{a['family']}, {a['given']}".rstrip(", ")}
            if a.get("affiliation"):
                c["affiliation"] = a["affiliation"]
            creators.append(c)
    out: dict[str, Any] = {
        "title": meta["title"],
        "version": meta["version"],
        "upload_type": "dataset",
        "description": meta.get("description", ""),
        "creators": creators,
        "access_right": "open",
    }
    lic = _license()
    if lic:
        out["license"] = ZENODO_LICENSES.get(lic, lic.lower())
    if meta.get("keywords"):
        out["keywords"] = list(meta["keywords"])
    if cit.get("date-released"):
        out["publication_date"] = str(cit["date-released"])
    if cit.get("doi"):
        out["doi"] = cit["doi"]
    related = [u for u in (cit.get("repository"), meta.get("homepage")) if u]
    if related:
        out["related_identifiers"] = [{"identifier": related[0], "relation": "isSupplementedBy", "scheme": "url"}]
    return out


def zenodo_json() -> str:
    return json.dumps(zenodo_metadata(), indent=2, ensure_ascii=False) + "\n"


def _bibtex_escape(text: str) -> str:
    for ch in "&%$#_":
        text = text.replace(ch, "\\" + ch)
    return text


def bibtex() -> str:
    meta, cit = _meta(), _citation()
    names = []
    for a in authors():
        names.append("{" + a["name"] + "}" if "name" in a else f"{a['family']}, {a['given']}".rstrip(", "))
    key = f"{meta['name'].replace('-', '_')}_{meta['version'].replace('.', '_').replace('-', '_')}"
    fields = [("author", " and ".join(names)), ("title", "{" + _bibtex_escape(meta["title"]) + "}")]
    if _year():
        fields.append(("year", _year()))
    fields.append(("version", meta["version"]))
    fields.append(("note", f"Data set, version {meta['version']}"))
    if cit.get("doi"):
        fields.append(("doi", cit["doi"]))
    if _url():
        fields.append(("url", _url()))
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields)
    return f"@misc{{{key},\n{body}\n}}\n"


def _apa_author(a: dict[str, str]) -> str:
    if "name" in a:
        return a["name"]
    initials = " ".join(f"{part[0]}." for part in a.get("given", "").split() if part)
    return f"{a['family']}, {initials}".rstrip(", ")


def apa() -> str:
    meta = _meta()
    names = [_apa_author(a) for a in authors()]
    if len(names) > 1:
        who = ", ".join(names[:-1]) + ", & " + names[-1]
    else:
        who = names[0] if names else "Anonymous"
    year = _year() or "n.d."
    url = _url()
    text = f"{who}{'' if who.endswith('.') else '.'} ({year}). {meta['title']} (Version {meta['version']}) [Data set]."
    if url:
        text += f" {url}"
    return text + "\n"


def also_cite() -> list[dict[str, str]]:
    """Works to cite beside the dataset (the imported layers' and gazetteers' own citations): package.json citation.also-cite."""
    return list(_citation().get("also-cite") or [])


def cite(style: str = "apa") -> str:
    """The dataset's citation: style "apa", "bibtex" or "cff" (the text of CITATION.cff).

    apa and bibtex end with the works the data draws on (UCDP GED, GeoNames), which CC BY 4.0 asks to cite too.
    """
    if style == "apa":
        extra = "".join(f"- {w['apa']} — for {w['for']}\n" for w in also_cite())
        return apa() + (f"\nThe data draws on these works; please cite them too:\n{extra}" if extra else "")
    if style == "bibtex":
        return bibtex() + "".join(f"\n{w['bibtex']}\n" for w in also_cite())
    if style == "cff":
        return citation_cff()
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
