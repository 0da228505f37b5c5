"""The Avro schema files in `terraform/schemas/`: read here, and by Terraform with file().

They are the single source of each dataset's columns: the CSV writer, the validator, the
local emulator and the Terraform stack all read the same files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .errors import DataError
from .paths import schemas_dir

#: Dataset types Personalize knows, and the schema file that describes each in this project.
SCHEMA_FILES: dict[str, str] = {
    "Interactions": "interactions.json",
    "Items": "items.json",
    "Users": "users.json",
}
#: The Interactions variant with EVENT_TYPE and EVENT_VALUE (for the event-value threshold).
EVENT_VALUE_SCHEMA_FILE = "interactions_event_value.json"
#: A Domain dataset group's schemas, by domain: the fields the developer guide requires
#: (VIDEO-ON-DEMAND-interactions-dataset.html: USER_ID, ITEM_ID, TIMESTAMP, EVENT_TYPE;
#: VIDEO-ON-DEMAND-items-dataset.html: ITEM_ID, GENRES categorical, CREATION_TIMESTAMP),
#: plus MovieLens's YEAR on Items ("You are free to add additional fields"). The custom Users
#: schema is already one of the domain's (VIDEO-ON-DEMAND-users-dataset.html: USER_ID and
#: "1 metadata field (categorical string or numerical)"), so both groups share users.json.
DOMAIN_SCHEMA_FILES: dict[str, dict[str, str]] = {
    "VIDEO_ON_DEMAND": {
        "Interactions": "video_on_demand_interactions.json",
        "Items": "video_on_demand_items.json",
        "Users": "users.json",
    },
}

DATASET_TYPES = ("Interactions", "Items", "Users", "Actions", "Action_Interactions")


@dataclass(frozen=True)
class SchemaField:
    """One column: its name, Avro type (without null), whether null is allowed, categorical."""

    name: str
    avro_type: str
    nullable: bool
    categorical: bool = False


@dataclass(frozen=True)
class DatasetSchema:
    """A parsed Personalize Avro schema."""

    name: str
    fields: tuple[SchemaField, ...]
    path: Path | None = None

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> SchemaField:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def has(self, name: str) -> bool:
        return name in self.field_names


def parse_schema(text: str, source: str = "<schema>") -> DatasetSchema:
    """Parse the Avro JSON Personalize accepts: a record of fields, types optionally with null."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{source}: not valid JSON ({exc.msg} at line {exc.lineno}).") from exc
    if not isinstance(doc, dict) or doc.get("type") != "record" or "fields" not in doc:
        raise DataError(f"{source}: an Avro schema must be a record with 'fields'.")
    fields = []
    for raw in doc["fields"]:
        avro = raw.get("type")
        nullable = False
        if isinstance(avro, list):
            nullable = "null" in avro
            non_null = [t for t in avro if t != "null"]
            if len(non_null) != 1:
                raise DataError(f"{source}: field {raw.get('name')!r} must have one non-null type.")
            avro = non_null[0]
        if not isinstance(avro, str):
            raise DataError(f"{source}: field {raw.get('name')!r} has an unsupported type.")
        fields.append(
            SchemaField(
                name=raw["name"],
                avro_type=avro,
                nullable=nullable,
                categorical=bool(raw.get("categorical", False)),
            )
        )
    return DatasetSchema(name=doc.get("name", ""), fields=tuple(fields))


def load_schema_file(path: Path) -> DatasetSchema:
    """Parse one schema file."""
    schema = parse_schema(path.read_text(encoding="utf-8"), source=str(path))
    return DatasetSchema(name=schema.name, fields=schema.fields, path=path)


def schema_path(
    dataset_type: str, with_event_value: bool = False, domain: str | None = None
) -> Path:
    """The schema file for a dataset type: the domain's when a domain is given, else the custom
    one (the event-value variant for Interactions if asked)."""
    if domain is not None:
        files = DOMAIN_SCHEMA_FILES.get(domain)
        if files is None:
            known = ", ".join(DOMAIN_SCHEMA_FILES)
            raise DataError(f"No schemas for domain {domain!r} (known: {known}).")
        if dataset_type not in files:
            raise DataError(
                f"No {domain} schema for dataset type {dataset_type!r} (known: {', '.join(files)})."
            )
        return schemas_dir() / files[dataset_type]
    if dataset_type == "Interactions" and with_event_value:
        return schemas_dir() / EVENT_VALUE_SCHEMA_FILE
    try:
        return schemas_dir() / SCHEMA_FILES[dataset_type]
    except KeyError:
        known = ", ".join(SCHEMA_FILES)
        raise DataError(
            f"No schema file for dataset type {dataset_type!r} (known: {known})."
        ) from None


def load_schema(
    dataset_type: str, with_event_value: bool = False, domain: str | None = None
) -> DatasetSchema:
    """The parsed schema of a dataset type, from `terraform/schemas/`."""
    return load_schema_file(schema_path(dataset_type, with_event_value, domain))
