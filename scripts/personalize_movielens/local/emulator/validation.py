"""Requests checked against botocore's service model, as the service checks them.

botocore validates types and required members on the client, but not maximum lengths, patterns
or enums; the service does, and answers with the AWS validation wording
("1 validation error detected: Value 'x' at 'name' failed to satisfy constraint: ...").
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from typing import Any

import botocore.loaders
from botocore.model import ListShape, MapShape, ServiceModel, Shape, StringShape, StructureShape

from .errors import InvalidInput


@functools.cache
def service_model(service: str) -> ServiceModel:
    """The installed botocore model of `personalize` or `personalize-runtime`."""
    loader = botocore.loaders.create_loader()
    return ServiceModel(loader.load_service_model(service, "service-2"), service_name=service)


@functools.cache
def error_statuses(service: str) -> dict[str, int]:
    """Error code -> HTTP status, for the errors whose shape in the model names one (the
    REST-JSON runtime: ResourceNotFoundException is 404); the JSON control plane names none."""
    model = service_model(service)
    statuses = {}
    for name in model.shape_names:
        shape = model.shape_for(name)
        error = shape.metadata.get("error") or {}
        if shape.metadata.get("exception") and "httpStatusCode" in error:
            statuses[error.get("code", name)] = int(error["httpStatusCode"])
    return statuses


#: Java's Unicode property classes as the models write them: `\p{ASCII}`, `\p{L}`, ...
_PROPERTY = re.compile(r"\\p\{(\w+)\}")


@functools.cache
def _category_ranges(category: str) -> str:
    r"""The code points of a Unicode general category (`L` letters, `N` numbers, `Z`
    separators) as ranges to put inside a [...] class: Python's re has no `\p{...}`."""
    ranges: list[str] = []
    start = previous = -2
    for point in range(sys.maxunicode + 2):
        inside = point <= sys.maxunicode and unicodedata.category(chr(point)).startswith(category)
        if inside and point == previous + 1:
            previous = point
            continue
        if previous >= 0:
            ranges.append(f"\\U{start:08x}-\\U{previous:08x}")
        start = previous = point if inside else -2
    return "".join(ranges)


def _property(match: re.Match[str]) -> str:
    name = match.group(1)
    if name == "ASCII":
        return r"[\x00-\x7F]"
    return _category_ranges(name)  # the models use these inside a [...] class only


@functools.cache
def _regex(pattern: str) -> re.Pattern[str]:
    r"""The model's (Java) pattern for Python; the service matches the whole value (Java's
    matches()), so callers use fullmatch. Tag keys and values are `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`."""
    return re.compile(_PROPERTY.sub(_property, pattern), re.DOTALL)


def validate(service: str, operation: str, params: Any) -> dict[str, Any]:
    """Check `params` against the operation's input shape; raise InvalidInput with every error."""
    model = service_model(service)
    try:
        op = model.operation_model(operation)
    except Exception:
        raise InvalidInput(f"Unknown operation {operation}.") from None
    if not isinstance(params, dict):
        raise InvalidInput("The request body must be a JSON object.", code="SerializationException")
    errors: list[str] = []
    shape = op.input_shape
    if shape is not None:
        _check(shape, params, "", errors)
    if errors:
        count = len(errors)
        noun = "error" if count == 1 else "errors"
        raise InvalidInput(f"{count} validation {noun} detected: " + "; ".join(errors))
    return params


def _value_text(value: Any) -> str:
    if value is None:
        return "null"
    return f"'{value}'"


def _check(shape: Shape, value: Any, path: str, errors: list[str]) -> None:
    where = path or "request"
    kind = shape.type_name
    if isinstance(shape, StructureShape):
        if not isinstance(value, dict):
            errors.append(
                f"Value at '{where}' failed to satisfy constraint: Member must be an object"
            )
            return
        members = shape.members
        for name in shape.required_members:
            if value.get(name) is None:
                errors.append(
                    f"Value null at '{_join(path, name)}' failed to satisfy constraint: "
                    "Member must not be null"
                )
        for name, item in value.items():
            if name in members and item is not None:
                _check(members[name], item, _join(path, name), errors)
        return
    meta = shape.metadata
    if kind == "string":
        if not isinstance(value, str):
            errors.append(
                f"Value at '{where}' failed to satisfy constraint: Member must be a string"
            )
            return
        _length(value, meta, where, errors)
        if "pattern" in meta and not _regex(meta["pattern"]).fullmatch(value):
            errors.append(
                f"Value {_value_text(value)} at '{where}' failed to satisfy constraint: "
                f"Member must satisfy regular expression pattern: {meta['pattern']}"
            )
        enum = shape.enum if isinstance(shape, StringShape) else []
        if enum and value not in enum:
            errors.append(
                f"Value {_value_text(value)} at '{where}' failed to satisfy constraint: "
                f"Member must satisfy enum value set: [{', '.join(enum)}]"
            )
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            errors.append(
                f"Value at '{where}' failed to satisfy constraint: Member must be a number"
            )
            return
        if "min" in meta and value < meta["min"]:
            errors.append(
                f"Value '{value}' at '{where}' failed to satisfy constraint: "
                f"Member must have value greater than or equal to {meta['min']}"
            )
        if "max" in meta and value > meta["max"]:
            errors.append(
                f"Value '{value}' at '{where}' failed to satisfy constraint: "
                f"Member must have value less than or equal to {meta['max']}"
            )
    elif kind in ("double", "float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            errors.append(
                f"Value at '{where}' failed to satisfy constraint: Member must be a number"
            )
    elif kind == "boolean":
        if not isinstance(value, bool):
            errors.append(
                f"Value at '{where}' failed to satisfy constraint: Member must be a boolean"
            )
    elif isinstance(shape, ListShape):
        if not isinstance(value, list):
            errors.append(f"Value at '{where}' failed to satisfy constraint: Member must be a list")
            return
        _length(value, meta, where, errors)
        for index, item in enumerate(value):
            _check(shape.member, item, f"{where}.{index + 1}.member", errors)
    elif isinstance(shape, MapShape):
        if not isinstance(value, dict):
            errors.append(f"Value at '{where}' failed to satisfy constraint: Member must be a map")
            return
        _length(value, meta, where, errors)
        for key, item in value.items():
            _check(shape.key, key, f"{where}.key", errors)
            _check(shape.value, item, f"{where}.{key}", errors)


def _length(value: Any, meta: dict[str, Any], where: str, errors: list[str]) -> None:
    shown = _value_text(value) if isinstance(value, str) else "at"
    prefix = f"Value {shown} at '{where}'" if isinstance(value, str) else f"Value at '{where}'"
    del shown
    if "min" in meta and len(value) < meta["min"]:
        errors.append(
            f"{prefix} failed to satisfy constraint: "
            f"Member must have length greater than or equal to {meta['min']}"
        )
    if "max" in meta and len(value) > meta["max"]:
        errors.append(
            f"{prefix} failed to satisfy constraint: "
            f"Member must have length less than or equal to {meta['max']}"
        )


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
