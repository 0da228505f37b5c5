"""Schemas: Avro documents checked when created, deleted at once (they have no status)."""

from __future__ import annotations

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


@operation("CreateSchema")
def create_schema(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    arn = emu.arn(region, f"schema/{p['name']}")
    parse_avro(p["schema"])
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
