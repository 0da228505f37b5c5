"""The CloudFormation resource schemas that cfn-lint ships: an independent source for the checks.

hashicorp/awscc is generated from the CloudFormation registry's resource schemas, and Cloud
Control runs each type's handlers with the caller's permissions. cfn-lint (PyPI, pinned in the
dev extra) carries those schemas per region: property types, enums, patterns, lengths, required
and create-only properties, and each handler's IAM permissions. Nothing here is written from the
project's own understanding; the checks compare the HCL against what these files say.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import metadata, resources
from typing import Any

REGION = "us-east-1"


def cfn_lint_version() -> str:
    return metadata.version("cfn-lint")


def _schemas_dir() -> Any:
    return resources.files("cfnlint") / "data" / "schemas"


@cache
def schema_date() -> str:
    """When cfn-lint took the schemas from the registry (its version.json)."""
    return json.loads((_schemas_dir() / "version.json").read_text(encoding="utf-8"))["schema_date"]


@cache
def _index(region: str = REGION) -> dict[str, str]:
    """CloudFormation type name -> schema file id, for one region."""
    text = (_schemas_dir() / "providers" / f"{region}.json").read_text(encoding="utf-8")
    return json.loads(text)


@cache
def schema(cfn_type: str, region: str = REGION) -> dict[str, Any]:
    """The resource schema of a CloudFormation type, e.g. AWS::Personalize::Dataset."""
    file_id = _index(region).get(cfn_type)
    if file_id is None:
        raise KeyError(f"{cfn_type} is not in cfn-lint's schemas for {region}")
    text = (_schemas_dir() / "resources" / f"{file_id}.json").read_text(encoding="utf-8")
    return json.loads(text)


def snake(name: str) -> str:
    """awscc's attribute names: CloudFormation's names in snake_case (KMSKeyArn -> kms_key_arn)."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return name.lower()


@cache
def awscc_types(region: str = REGION) -> dict[str, str]:
    """awscc type -> CloudFormation type: awscc_personalize_dataset -> AWS::Personalize::Dataset."""
    result = {}
    for cfn_type in _index(region):
        parts = cfn_type.split("::")
        if len(parts) == 3 and parts[0] == "AWS":
            result[f"awscc_{snake(parts[1])}_{snake(parts[2])}"] = cfn_type
    return result


def cfn_type_for(awscc_type: str) -> str:
    try:
        return awscc_types()[awscc_type]
    except KeyError:
        raise KeyError(f"{awscc_type} has no CloudFormation type in cfn-lint's schemas") from None


def resolve(root: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local $ref (#/definitions/X) to its definition."""
    seen = 0
    while "$ref" in node and seen < 20:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise KeyError(f"non-local $ref {ref}")
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        seen += 1
    return node


def properties(root: dict[str, Any], node: dict[str, Any] | None = None) -> dict[str, str]:
    """snake_case attribute name -> CloudFormation property name, for an object node."""
    node = resolve(root, node if node is not None else root)
    return {snake(name): name for name in node.get("properties", {})}


def create_only(root: dict[str, Any]) -> set[str]:
    """Top-level properties whose change replaces the resource (createOnlyProperties)."""
    return {
        pointer.split("/")[2]
        for pointer in root.get("createOnlyProperties", [])
        if pointer.startswith("/properties/")
    }


def read_only(root: dict[str, Any]) -> set[str]:
    return {
        pointer.split("/")[2]
        for pointer in root.get("readOnlyProperties", [])
        if pointer.startswith("/properties/")
    }


def handler_permissions(root: dict[str, Any], handlers: tuple[str, ...]) -> set[str]:
    """IAM actions the type's handlers need (create, read, update, delete, list)."""
    return {
        action
        for name in handlers
        for action in root.get("handlers", {}).get(name, {}).get("permissions", [])
    }
