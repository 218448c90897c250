"""Invariants of the metadata: every field defined once and documented, keys and references sound,
and every artefact compiled from schemas/ in step with it (descriptor, docs)."""
from __future__ import annotations

import json

import pytest

from iraq_frontiers.schema.compiler import TYPE_MAP, arrow_schema, constraint_checks, field_type, pandera_pandas_schema, pandera_polars_schema
from iraq_frontiers.schema.descriptor import build_descriptor, dumps
from iraq_frontiers.release.docs import generated_files
from iraq_frontiers.schema.metadata import package_metadata, release_table_names, schemas_dir, source_schema, table_schema, vocabularies
from iraq_frontiers.validation.status import EFFECTS

TABLES = release_table_names()  # curated and derived tables: every schema file


def _fields(table):
    return {f["name"]: f for f in source_schema(table)["fields"]}


def test_every_schema_file_is_a_listed_resource():
    files = {p.stem for p in schemas_dir().glob("*.json")} - {"package", "vocabularies"}
    assert files == set(TABLES)


@pytest.mark.parametrize("table", TABLES)
def test_every_field_is_documented_and_typed(table):
    schema = source_schema(table)
    assert schema.get("title") and schema.get("description"), f"{table}: resource title/description missing"
    names = [f["name"] for f in schema["fields"]]
    assert len(names) == len(set(names)), f"{table}: duplicate field names"
    for f in schema["fields"]:
        assert f.get("description", "").strip(), f"{table}.{f['name']} has no description"
        assert field_type(f) in TYPE_MAP, f"{table}.{f['name']}: unsupported type"
        constraint_checks(f)  # raises on constraints the compiler cannot honour


@pytest.mark.parametrize("table", TABLES)
def test_primary_key_fields_exist_and_are_required(table):
    schema = source_schema(table)
    pk = schema.get("primaryKey")
    assert pk, f"{table} has no primary key"
    fields = _fields(table)
    for k in pk:
        assert fields[k].get("constraints", {}).get("required"), f"{table}.{k} is in the primary key but not required"


@pytest.mark.parametrize("table", TABLES)
def test_every_foreign_key_points_at_a_key_of_matching_type(table):
    for fk in source_schema(table).get("foreignKeys", []):
        target = fk["reference"].get("resource", table)
        assert target in TABLES, f"{table}: foreign key to unknown table {target}"
        target_schema = source_schema(target)
        target_keys = [target_schema["primaryKey"]] + [[f["name"]] for f in target_schema["fields"] if f.get("constraints", {}).get("unique")]
        assert fk["reference"]["fields"] in target_keys, f"{table}{fk['fields']} -> {target}{fk['reference']['fields']} is not a key"
        for a, b in zip(fk["fields"], fk["reference"]["fields"]):
            assert field_type(_fields(table)[a]) == field_type(_fields(target)[b]), f"{table}.{a} and {target}.{b} differ in type"


def test_every_reference_field_is_a_declared_foreign_key():
    """A field named like a reference (*_id other than the table's own id) must be a declared foreign key."""
    for table in TABLES:
        declared = {f for fk in source_schema(table).get("foreignKeys", []) for f in fk["fields"]}
        for name in _fields(table):
            if name.endswith("_id") and name not in ("wikidata_id", "geonames_id", "ucdp_id", "ged_id", "coordinate_source_id") and name not in declared:
                if table.startswith("crosswalk_") or name.startswith("ucdp_"):
                    continue
                pytest.fail(f"{table}.{name} looks like a reference but is not a foreign key")


def test_vocabularies_are_documented_and_used():
    vocabs = vocabularies()
    used = {f["vocabulary"] for t in TABLES for f in source_schema(t)["fields"] if f.get("vocabulary")}
    assert used <= set(vocabs), f"fields name unknown vocabularies: {used - set(vocabs)}"
    assert set(vocabs) <= used, f"vocabularies no field uses: {set(vocabs) - used}"
    for name, vocab in vocabs.items():
        assert vocab["description"].strip(), name
        assert vocab["values"], name
        for value, meaning in vocab["values"].items():
            assert meaning["description"].strip(), f"{name}.{value} has no meaning"


def test_every_stance_has_a_known_effect():
    for stance, meaning in vocabularies()["stance"]["values"].items():
        assert meaning.get("effect") in EFFECTS, f"stance {stance}: effect {meaning.get('effect')!r}"


def test_vocabularies_compile_into_enums():
    for table in TABLES:
        compiled = {f["name"]: f for f in table_schema(table)["fields"]}
        for name, f in _fields(table).items():
            if f.get("vocabulary"):
                assert compiled[name]["constraints"]["enum"] == list(vocabularies()[f["vocabulary"]]["values"])


def test_committed_descriptor_equals_a_fresh_generation(repo):
    committed = (repo / "datapackage" / "datapackage.json").read_text(encoding="utf-8")
    assert committed == dumps(build_descriptor("csv")), "run `iraq-frontiers descriptor`"


def test_generated_docs_are_current(repo):
    for path, text in generated_files(repo / "docs").items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale: run `iraq-frontiers docs`"


def test_descriptor_matches_official_profiles(profiles_dir):
    import jsonschema

    descriptor = build_descriptor("csv")
    for profile, docs in [("datapackage.json", [descriptor]), ("dataresource.json", descriptor["resources"]),
                          ("tableschema.json", [r["schema"] for r in descriptor["resources"]])]:
        schema = json.loads((profiles_dir / profile).read_text(encoding="utf-8"))
        validator = jsonschema.validators.validator_for(schema)(schema)
        for doc in docs:
            errors = [e.message for e in validator.iter_errors(doc)]
            assert not errors, (profile, doc.get("name"), errors[:3])


def test_frictionless_validates_the_curated_package(repo):
    import frictionless

    report = frictionless.validate(str(repo / "datapackage" / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]


def test_package_metadata_names_every_table_once():
    assert len(TABLES) == len(set(TABLES))
    assert package_metadata()["name"] == package_metadata()["name"].lower()


@pytest.mark.parametrize("table", TABLES)
def test_compiled_schemas_follow_the_type_map(table):
    import pyarrow as pa

    schema = table_schema(table)
    arrow = arrow_schema(schema)
    assert arrow.names == [f["name"] for f in schema["fields"]]
    expected = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_(),
                "date": pa.date32(), "list": pa.list_(pa.string())}
    for f in schema["fields"]:
        assert arrow.field(f["name"]).type == expected[field_type(f)], f["name"]
        assert arrow.field(f["name"]).nullable == (not f.get("constraints", {}).get("required", False))
    assert set(pandera_polars_schema(schema).columns) == set(arrow.names)
    assert set(pandera_pandas_schema(schema).columns) == set(arrow.names)
