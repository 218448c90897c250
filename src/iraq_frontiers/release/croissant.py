"""The release's Croissant 1.1 description (croissant.json), compiled from the Table Schemas.

Croissant (MLCommons) is the JSON-LD format Hugging Face, Kaggle and dataset search engines read.
The description names every Parquet file of the release (with its sha256) as a FileObject and every
table as a RecordSet: one Field per schema field with its type, description and source column, the
primary key as the RecordSet's `key`. Foreign keys are named in the field's description, not as
Croissant `references`: readers (mlcroissant) execute `references` as a join, which changes the
records a table yields, fails on chained keys and loops on a self-reference; the Data Package
descriptor carries the foreign keys. Tables come from what the
release holds, so a table added to the package is described without code changes.

Types: string -> sc:Text, integer -> sc:Integer, number -> sc:Float, boolean -> sc:Boolean,
date -> sc:Date, datetime -> sc:DateTime, list -> sc:Text with isArray.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from iraq_frontiers.schema.compiler import field_type
from iraq_frontiers.schema.metadata import package_metadata, source_schema

CONFORMS_TO = "http://mlcommons.org/croissant/1.1"
PARQUET_MEDIA_TYPE = "application/x-parquet"  # the encodingFormat Croissant readers expect for Parquet
DATA_TYPES = {"string": "sc:Text", "integer": "sc:Integer", "number": "sc:Float", "boolean": "sc:Boolean",
              "date": "sc:Date", "datetime": "sc:DateTime", "list": "sc:Text"}
# The Croissant 1.1 JSON-LD context (as in the specification).
CONTEXT: dict[str, Any] = {
    "@language": "en", "@vocab": "https://schema.org/", "arrayShape": "cr:arrayShape", "citeAs": "cr:citeAs",
    "column": "cr:column", "conformsTo": "dct:conformsTo", "containedIn": "cr:containedIn",
    "cr": "http://mlcommons.org/croissant/", "rai": "http://mlcommons.org/croissant/RAI/",
    "data": {"@id": "cr:data", "@type": "@json"}, "dataType": {"@id": "cr:dataType", "@type": "@vocab"},
    "dct": "http://purl.org/dc/terms/", "equivalentProperty": "cr:equivalentProperty",
    "examples": {"@id": "cr:examples", "@type": "@json"}, "extract": "cr:extract", "field": "cr:field",
    "fileProperty": "cr:fileProperty", "fileObject": "cr:fileObject", "fileSet": "cr:fileSet", "format": "cr:format",
    "includes": "cr:includes", "isArray": "cr:isArray", "isLiveDataset": "cr:isLiveDataset", "jsonPath": "cr:jsonPath",
    "key": "cr:key", "md5": "cr:md5", "parentField": "cr:parentField", "path": "cr:path", "recordSet": "cr:recordSet",
    "references": "cr:references", "regex": "cr:regex", "repeated": "cr:repeated", "replace": "cr:replace", "samplingRate": "cr:samplingRate",
    "sc": "https://schema.org/", "separator": "cr:separator", "source": "cr:source", "subField": "cr:subField",
    "transform": "cr:transform",
}


def _creators(meta: dict[str, Any]) -> list[dict[str, Any]]:
    from iraq_frontiers.release.citation import authors

    out = []
    for a in authors(meta):
        if "name" in a:
            out.append({"@type": "sc:Organization", "name": a["name"]})
        else:
            person = {"@type": "sc:Person", "name": f"{a['given']} {a['family']}".strip(), "givenName": a["given"],
                      "familyName": a["family"]}
            if a.get("orcid"):
                person["sameAs"] = a["orcid"]
            out.append(person)
    return out


def croissant(files: dict[str, Path], schemas: dict[str, dict[str, Any]], version: str,
              released: str | None = None) -> dict[str, Any]:
    """The Croissant description of a release.

    files: table -> its Parquet file, and schemas: table -> Table Schema, for every table of the release;
    content URLs are relative to the release folder (`parquet/<table>.parquet`).
    """
    from iraq_frontiers.release.citation import bibtex, with_release_date

    meta = with_release_date(released) if released else package_metadata()
    licence = (meta.get("licenses") or [{}])[0]
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "sc:Dataset",
        "conformsTo": CONFORMS_TO,
        "name": meta["name"],
        "alternateName": meta["title"],
        "description": meta.get("description", ""),
        "version": version,
        "license": licence.get("path") or licence.get("name"),
        "url": meta.get("homepage") or (meta.get("citation") or {}).get("repository"),
        "citeAs": bibtex(meta).strip(),
        "creator": _creators(meta),
        "keywords": list(meta.get("keywords") or []),
    }
    if released:
        doc["datePublished"] = released
    doi = (meta.get("citation") or {}).get("doi")
    if doi:
        doc["identifier"] = f"https://doi.org/{doi}"
    doc["distribution"] = [_file_object(table, path) for table, path in files.items()]
    doc["recordSet"] = [_record_set(table, schemas[table]) for table in files]
    return doc


def _file_id(table: str) -> str:
    return f"parquet/{table}.parquet"


def _file_object(table: str, path: Path) -> dict[str, Any]:
    data = Path(path).read_bytes()
    return {"@type": "cr:FileObject", "@id": _file_id(table), "name": f"{table}.parquet",
            "description": f"Table {table} (Parquet).", "contentUrl": _file_id(table),
            "contentSize": f"{len(data)} B", "encodingFormat": PARQUET_MEDIA_TYPE,
            "sha256": hashlib.sha256(data).hexdigest()}


def _record_set(table: str, schema: dict[str, Any]) -> dict[str, Any]:
    source = source_schema(table) if table in _known_tables() else {}
    refs = {}
    for fk in schema.get("foreignKeys", []):
        fields = [fk["fields"]] if isinstance(fk["fields"], str) else fk["fields"]
        ref_fields = fk["reference"]["fields"]
        ref_fields = [ref_fields] if isinstance(ref_fields, str) else ref_fields
        target = fk["reference"].get("resource") or table
        for mine, theirs in zip(fields, ref_fields):
            refs[mine] = f"{target}.{theirs}"
    fields = []
    for f in schema["fields"]:
        ftype = field_type(f)
        description = f.get("description", "")
        if f["name"] in refs:
            description = f"{description} Foreign key to {refs[f['name']]}.".strip()
        item: dict[str, Any] = {"@type": "cr:Field", "@id": f"{table}/{f['name']}", "name": f["name"],
                                "description": description, "dataType": DATA_TYPES[ftype],
                                "source": {"fileObject": {"@id": _file_id(table)}, "extract": {"column": f["name"]}}}
        if ftype == "list":
            item["isArray"] = True
        fields.append(item)
    record: dict[str, Any] = {"@type": "cr:RecordSet", "@id": table, "name": table,
                              "description": source.get("description") or source.get("title") or table, "field": fields}
    pk = schema.get("primaryKey") or []
    if pk:
        keys = [{"@id": f"{table}/{k}"} for k in pk]
        record["key"] = keys[0] if len(keys) == 1 else keys
    return record


def _known_tables() -> set[str]:
    from iraq_frontiers.schema.metadata import table_names

    return set(table_names())
