"""The Avro schema files are the single source of columns: parse them as Personalize reads them."""

import json

import pytest

from personalize_movielens.errors import DataError
from personalize_movielens.paths import schemas_dir
from personalize_movielens.schemas import (
    SCHEMA_FILES,
    load_schema,
    parse_schema,
    schema_path,
)


def test_interactions_schema_is_the_seed_guides() -> None:
    schema = load_schema("Interactions")
    assert schema.field_names == ["USER_ID", "ITEM_ID", "TIMESTAMP"]
    assert schema.field("TIMESTAMP").avro_type == "long"


def test_event_value_variant_adds_event_columns() -> None:
    schema = load_schema("Interactions", with_event_value=True)
    assert schema.field_names[:3] == ["USER_ID", "ITEM_ID", "TIMESTAMP"]
    assert schema.field("EVENT_VALUE").avro_type in {"float", "double"}
    assert schema.has("EVENT_TYPE")


def test_items_genres_is_categorical_and_nullable() -> None:
    genres = load_schema("Items").field("GENRES")
    assert genres.categorical and genres.nullable


@pytest.mark.parametrize("path", sorted(schemas_dir().glob("*.json")), ids=lambda p: p.name)
def test_every_schema_file_is_a_personalize_record(path) -> None:
    doc = json.loads(path.read_text())
    assert doc["type"] == "record"
    assert doc["namespace"] == "com.amazonaws.personalize.schema"
    assert doc["version"] == "1.0"
    names = [f["name"] for f in doc["fields"]]
    assert len(names) == len(set(names))


def test_every_known_dataset_type_has_a_file() -> None:
    for dataset_type in SCHEMA_FILES:
        assert schema_path(dataset_type).is_file()


def test_unknown_dataset_type_is_a_clear_error() -> None:
    with pytest.raises(DataError, match="Actions"):
        schema_path("Actions")


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("{not json", "not valid JSON"),
        ('{"type": "enum"}', "must be a record"),
        ('{"type": "record", "fields": [{"name": "A", "type": ["null"]}]}', "one non-null type"),
    ],
)
def test_bad_schema_text_names_the_rule(text: str, rule: str) -> None:
    with pytest.raises(DataError, match=rule):
        parse_schema(text, source="x.json")
