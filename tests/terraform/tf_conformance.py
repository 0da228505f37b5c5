"""Typed conformance of evaluated values: CloudFormation schemas for awscc, types for aws.

The values come from tf_tree (the stack evaluated by Terraform itself), so a value built by a
template, a for-expression or a module input is checked as the provider will receive it.

- awscc resources: each argument the block sets is converted to CloudFormation's property names
  and validated with jsonschema against the type's resource schema from cfn-lint (type, enum,
  pattern, lengths, items, nested objects, additionalProperties); required properties must be
  set. Values that are only known after apply ("__unknown__:...") are skipped.
- every resource and data source: each argument's value has the Terraform type the pinned
  provider schema gives it (a list where a string goes, a map where a list of objects goes, a
  string that is not a number or a bool where one goes), as Terraform would convert it.

Problems name the file and line of the argument.
"""

from __future__ import annotations

from typing import Any

import cfn_schemas as cfn
import jsonschema
from hcl_text import Attribute
from tf_static import display_path
from tf_tree import UNKNOWN, Instance


def _unknown(value: Any) -> bool:
    if isinstance(value, str):
        return value.startswith(UNKNOWN)
    if isinstance(value, list):
        return any(_unknown(v) for v in value)
    if isinstance(value, dict):
        return any(_unknown(v) for v in value.values())
    return False


def _where(instance: Instance, attribute: str | None = None) -> str:
    item = instance.block.attribute(attribute) if attribute else None
    line = item.line if item is not None else instance.block.line
    return f"{display_path(instance.file)}:{line}"


def _set_arguments(instance: Instance) -> dict[str, Any]:
    """The arguments the block itself sets (not the computed defaults the harness merged in):
    attributes, nested blocks, and the blocks that `dynamic "NAME"` writes (NAME)."""
    names = set()
    for item in instance.block.body:
        if isinstance(item, Attribute):
            names.add(item.name)
        elif item.type == "dynamic":
            names.add(item.labels[0])
        elif item.type not in ("lifecycle", "provisioner", "connection"):
            names.add(item.type)
    return {k: v for k, v in instance.values.items() if k in names}


# --- CloudFormation schemas (awscc) -------------------------------------------------------


def _to_cfn(root: dict[str, Any], node: dict[str, Any], value: Any) -> Any:
    """awscc's snake_case value -> CloudFormation's shape (property names), for validation."""
    node = cfn.resolve(root, node)
    if isinstance(value, dict):
        names = cfn.properties(root, node)
        props = node.get("properties", {})
        return {
            names.get(k, k): _to_cfn(root, props.get(names.get(k, k), {}), v)
            for k, v in value.items()
            if v is not None
        }
    if isinstance(value, list):
        return [_to_cfn(root, node.get("items", {}), v) for v in value]
    return value


def cfn_problems(instances: list[Instance]) -> list[str]:
    problems = []
    for instance in instances:
        if instance.kind != "resource" or not instance.type.startswith("awscc_"):
            continue
        cfn_type = cfn.cfn_type_for(instance.type)
        root = cfn.schema(cfn_type)
        names = cfn.properties(root)
        source = f"{cfn_type}, cfn-lint {cfn.cfn_lint_version()}"
        arguments = _set_arguments(instance)
        for prop in root.get("required", []):
            attribute = cfn.snake(prop)
            if arguments.get(attribute) is None:
                problems.append(
                    f"{_where(instance)}: {instance.address}: required property {prop} "
                    f"({attribute}) is not set ({source})"
                )
        for attribute, value in arguments.items():
            if value is None:
                continue
            prop = names.get(attribute)
            if prop is None:
                problems.append(
                    f"{_where(instance, attribute)}: {instance.address}: {attribute!r} is not a "
                    f"property of {source}"
                )
                continue
            node = root["properties"][prop]
            validator = jsonschema.Draft7Validator(
                {**node, "definitions": root.get("definitions", {})}
            )
            for error in validator.iter_errors(_to_cfn(root, node, value)):
                if _unknown(error.instance):
                    continue
                path = "".join(f"[{p!r}]" for p in error.absolute_path)
                problems.append(
                    f"{_where(instance, attribute)}: {instance.address}.{attribute}{path}: "
                    f"{_short(error.message)} ({prop} in {source})"
                )
    return problems


def _short(message: str, limit: int = 160) -> str:
    return message if len(message) <= limit else message[: limit - 3] + "..."


# --- Provider types (aws and awscc) ---------------------------------------------------------


def _type_problem(value: Any, value_type: str, nested: dict[str, Any] | None) -> str | None:
    """Why Terraform could not convert value to value_type, or None when it can."""
    if value is None or _unknown(value):
        return None
    if value_type == "string":
        return None if isinstance(value, str | int | float | bool) else f"a {_kind(value)}"
    if value_type == "number":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            return f"a {_kind(value)}"
        if isinstance(value, str):
            try:
                float(value)
            except ValueError:
                return f"the string {value!r}"
        return None
    if value_type == "bool":
        if isinstance(value, bool) or value in ("true", "false"):
            return None
        return f"a {_kind(value)}" if not isinstance(value, str) else f"the string {value!r}"
    if value_type.startswith(("list(", "set(")):
        if not isinstance(value, list):
            return f"a {_kind(value)}"
        inner = value_type[value_type.index("(") + 1 : -1]
        for index, item in enumerate(value):
            if (problem := _type_problem(item, inner, nested)) is not None:
                return f"item {index} is {problem}"
        return None
    if value_type.startswith("map("):
        if not isinstance(value, dict):
            return f"a {_kind(value)}"
        inner = value_type[4:-1]
        for key, item in value.items():
            if (problem := _type_problem(item, inner, nested)) is not None:
                return f"key {key!r} is {problem}"
        return None
    return None


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    return "map or object"


def _line_of(items: list[Any] | None, attribute: str, default: int) -> int:
    """The line of an attribute, a nested block or a `dynamic` block of that name."""
    for item in items or []:
        if getattr(item, "name", None) == attribute or getattr(item, "type", None) == attribute:
            return int(item.line)
        if getattr(item, "type", None) == "dynamic" and item.labels[:1] == [attribute]:
            return int(item.line)
    return default


def _check_object(
    label: str,
    file: str,
    line: int,
    values: dict[str, Any],
    schema: dict[str, Any],
    items: list[Any] | None,
) -> list[str]:
    """Type problems of an object's attributes; `items` are its source items, for lines."""
    problems = []
    for attribute, value in values.items():
        spec = schema["attributes"].get(attribute)
        if spec is None or value is None:
            continue
        where = f"{file}:{_line_of(items, attribute, line)}"
        nested = spec.get("nested")
        if nested is not None:
            if spec["kind"] in ("list", "set") and not isinstance(value, list):
                problems.append(f"{where}: {label}.{attribute} is a {_kind(value)}, not a list")
                continue
            elements = value if spec["kind"] in ("list", "set") else [value]
            blocks = [
                i.blocks("content")[0] if i.type == "dynamic" and i.blocks("content") else i
                for i in items or []
                if getattr(i, "type", None) == attribute
                or (getattr(i, "type", None) == "dynamic" and i.labels[:1] == [attribute])
            ]
            for index, element in enumerate(elements):
                sub_items = blocks[index].body if index < len(blocks) else None
                sub_line = blocks[index].line if index < len(blocks) else line
                if isinstance(element, dict):
                    problems.extend(
                        _check_object(
                            f"{label}.{attribute}[{index}]",
                            file,
                            sub_line,
                            element,
                            nested,
                            sub_items,
                        )
                    )
                elif not _unknown(element):
                    problems.append(
                        f"{where}: {label}.{attribute}: a {_kind(element)} is not an object"
                    )
            continue
        problem = _type_problem(value, spec["type"], None)
        if problem is not None:
            problems.append(
                f"{where}: {label}.{attribute} must be {spec['type']}, but is {problem}"
            )
    return problems


def type_problems(instances: list[Instance], schemas: dict[str, Any]) -> list[str]:
    problems = []
    for instance in instances:
        provider = schemas["providers"].get(instance.type.split("_", 1)[0])
        if provider is None:
            continue
        section = "resources" if instance.kind == "resource" else "data_sources"
        schema = provider[section].get(instance.type)
        if schema is None:
            continue
        problems.extend(
            _check_object(
                instance.address,
                display_path(instance.file),
                instance.block.line,
                _set_arguments(instance),
                schema,
                instance.block.body,
            )
        )
    return problems
