"""Schemas: Avro documents checked when created, deleted at once (they have no status).

A schema created with a `domain` must fit one of the domain's dataset types: its required fields
with their types, and any reserved keyword it uses with the keyword's type. The rules are the
developer guide's VIDEO-ON-DEMAND-datasets-and-schemas.html ("Reserved categorical string fields
must have categorical set to true, while reserved string fields can't be categorical"); the
emulator has none for ECOMMERCE, whose schemas get the general checks only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ....errors import DataError
from ....schemas import DatasetSchema, parse_schema
from ..errors import InUse, InvalidInput
from ..service import Emulator
from ..store import public
from .common import listing, operation, unique_name


def parse_avro(text: str) -> DatasetSchema:
    """The schema, or InvalidInputException as the service answers a broken one."""
    try:
        return parse_schema(text, source="schema")
    except (DataError, KeyError, TypeError, AttributeError) as exc:
        message = exc.message if isinstance(exc, DataError) else str(exc)
        raise InvalidInput(f"The schema is not a valid Avro schema: {message}") from None


@dataclass(frozen=True)
class FieldRule:
    """A field's required Avro type; `categorical` True: must be, False: must not be, None:
    either; `textual`: must be a textual string."""

    avro_type: str
    categorical: bool | None = None
    textual: bool = False

    def describe(self) -> str:
        kind = "categorical " if self.categorical else "textual " if self.textual else ""
        return f"{kind}{self.avro_type}"


_STRING, _LONG, _FLOAT = FieldRule("string", False), FieldRule("long"), FieldRule("float")
_CATEGORICAL, _ANY_STRING = FieldRule("string", True), FieldRule("string")
#: domain -> dataset type -> (required fields, reserved keywords), each with its type.
DOMAIN_FIELDS: dict[str, dict[str, tuple[dict[str, FieldRule], dict[str, FieldRule]]]] = {
    "VIDEO_ON_DEMAND": {
        "Interactions": (
            {
                "USER_ID": _ANY_STRING,
                "ITEM_ID": _ANY_STRING,
                "TIMESTAMP": _LONG,
                "EVENT_TYPE": _ANY_STRING,
            },
            {
                "EVENT_VALUE": _FLOAT,
                "IMPRESSION": _STRING,
                "RECOMMENDATION_ID": _STRING,
                "EVENT_ATTRIBUTION_SOURCE": _STRING,
            },
        ),
        "Items": (
            {"ITEM_ID": _ANY_STRING, "GENRES": _CATEGORICAL, "CREATION_TIMESTAMP": _LONG},
            {
                "PRICE": _FLOAT,
                "DURATION": _FLOAT,
                "GENRE_L2": _CATEGORICAL,
                "GENRE_L3": _CATEGORICAL,
                "AVERAGE_RATING": _FLOAT,
                "PRODUCT_DESCRIPTION": FieldRule("string", False, textual=True),
                "CONTENT_OWNER": _CATEGORICAL,
                "CONTENT_CLASSIFICATION": _CATEGORICAL,
            },
        ),
        "Users": ({"USER_ID": _ANY_STRING}, {"SUBSCRIPTION_MODEL": _CATEGORICAL}),
    },
}


#: user-dataset-requirements.html: "At least one metadata field is required, and you can add up
#: to 25 metadata fields"; custom-datasets-and-schemas.html (and the VIDEO_ON_DEMAND page) list
#: for Users "USER_ID (string)" and "1 metadata field (categorical string or numerical)".
MAX_USER_METADATA_FIELDS = 25
NUMERICAL_TYPES = frozenset({"int", "long", "float", "double"})


def users_metadata_problems(schema: DatasetSchema) -> list[str]:
    """What keeps a schema's fields beside USER_ID from being a Users dataset's metadata."""
    metadata = [f for f in schema.fields if f.name != "USER_ID"]
    fit = [
        f
        for f in metadata
        if (f.avro_type == "string" and f.categorical) or f.avro_type in NUMERICAL_TYPES
    ]
    problems = []
    if not fit:
        problems.append(
            "it needs at least 1 metadata field (categorical string or numerical) besides USER_ID"
        )
    if len(metadata) > MAX_USER_METADATA_FIELDS:
        problems.append(
            f"it has {len(metadata)} metadata fields (at most {MAX_USER_METADATA_FIELDS})"
        )
    return problems


def domain_problems(text: str, domain: str, dataset_type: str) -> list[str]:
    """What keeps the schema `text` from being a `dataset_type` schema of `domain` (empty: it
    is one, or the emulator has no rules for the domain or type)."""
    rules = DOMAIN_FIELDS.get(domain, {}).get(dataset_type)
    if rules is None:
        return []
    required, reserved = rules
    raw = {f.get("name"): f for f in json.loads(text).get("fields", []) if isinstance(f, dict)}
    schema = parse_avro(text)
    problems = [f"it lacks required field {name}" for name in required if not schema.has(name)]
    if dataset_type == "Users":
        problems += users_metadata_problems(schema)
    for name, rule in {**required, **reserved}.items():
        if not schema.has(name):
            continue
        field = schema.field(name)
        textual = bool(raw.get(name, {}).get("textual", False))
        if (
            field.avro_type != rule.avro_type
            or (rule.categorical is not None and field.categorical != rule.categorical)
            or textual != rule.textual
        ):
            problems.append(f"field {name} must be of type {rule.describe()}")
    return problems


def check_domain_schema(text: str, domain: str) -> None:
    """InvalidInputException unless the schema fits a dataset type of the domain: the one its
    record name names (Interactions, Items, Users), or else any."""
    types = DOMAIN_FIELDS.get(domain)
    if not types:
        return
    name = str(json.loads(text).get("name", ""))
    named = [t for t in types if t.lower() == name.lower()]
    found = {t: domain_problems(text, domain, t) for t in (named or types)}
    if any(not problems for problems in found.values()):
        return
    dataset_type, problems = min(found.items(), key=lambda pair: len(pair[1]))
    raise InvalidInput(
        f"The schema is not a valid {domain} {dataset_type} schema: {'; '.join(problems)}."
    )


@operation("CreateSchema")
def create_schema(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    arn = emu.arn(region, f"schema/{p['name']}")
    parse_avro(p["schema"])
    if p.get("domain"):
        check_domain_schema(p["schema"], p["domain"])
    with emu.store.lock:
        unique_name(emu, "schema", arn)
        emu.store.add(
            "schema",
            arn,
            {"name": p["name"], "schemaArn": arn, "schema": p["schema"], "domain": p.get("domain")},
        )
    return {"schemaArn": arn}


@operation("DescribeSchema")
def describe_schema(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    return {"schema": public(emu.store.get("schema", p["schemaArn"]))}


@operation("ListSchemas")
def list_schemas(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    return listing("ListSchemas", emu.store.all("schema"), p)


@operation("DeleteSchema")
def delete_schema(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    arn = p["schemaArn"]
    with emu.store.lock:
        emu.store.get("schema", arn)
        users = [d["datasetArn"] for d in emu.store.all("dataset") if d["schemaArn"] == arn]
        if users:
            raise InUse(f"Schema {arn} is used by dataset(s) {', '.join(users)}.")
        emu.store.remove("schema", arn)
    return {}
