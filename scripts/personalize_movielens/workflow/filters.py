"""`--filter NAME --filter-value KEY=VALUE`: a filter of the stack, and its values quoted as
GetRecommendations requires.

The filters are Terraform's (the `filter_arns` output, name -> ARN); their expressions are read
from the service (DescribeFilter), since only the expression says which `$` placeholders a filter
has. The developer guide (filter-real-time.html, "Applying a filter"): "if your filter
expression has a `$GENRE` parameter, provide "GENRE" as the key, and a genre or genres, such as
`"Comedy"`, as the value. Separate multiple values with a comma. For example,
`"\\"comedy\\",\\"drama\\",\\"horror\\""`", and "For filter expressions that use an INCLUDE
element to include items, you must provide values for all parameters that are defined in the
expression."

A placeholder compared with `=`, `<`, `<=`, `>` or `>=` is numerical data ("Use =, <, <=, >, >=
operators to test numerical data, including data passed in a placeholder parameter",
filter-expressions.html): its one value is passed as the number, unquoted.

The sizes are the API's (botocore's personalize-runtime model, GetRecommendations'
`filterValues`: at most 25 keys, each value at most 1000 characters): a longer value is refused
here in one line naming the key, rather than sent for the service to echo back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from ..errors import CloudError, ConfigError
from .context import WorkflowContext
from .resources import describe_filter

_PLACEHOLDER = re.compile(r"\$([A-Za-z0-9_]+)")
_COMPARED = re.compile(r"(<=|>=|=|<|>)\s*$")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
Kind = Literal["string", "number"]
#: botocore's personalize-runtime model: FilterValues {"max": 25} (keys), FilterAttributeValue
#: {"max": 1000} (characters of one key's value, as sent: quoted and comma-joined).
MAX_FILTER_KEYS = 25
MAX_FILTER_VALUE_CHARS = 1000


@dataclass(frozen=True)
class AppliedFilter:
    """What GetRecommendations gets: the filter's ARN and its values (None when it has none)."""

    name: str
    arn: str
    values: dict[str, str] | None


def placeholders(expression: str) -> dict[str, Kind]:
    """Each `$NAME` of the expression: a number after a comparison operator, else strings."""
    found: dict[str, Kind] = {}
    for match in _PLACEHOLDER.finditer(expression):
        before = expression[: match.start()]
        found[match.group(1)] = "number" if _COMPARED.search(before) else "string"
    return found


def required_placeholders(expression: str) -> set[str]:
    """The placeholders of the expression's INCLUDE parts (`|` separates the parts): the API
    needs a value for each; an EXCLUDE part without values is skipped by the service."""
    return {
        name
        for part in expression.split("|")
        if part.strip().upper().startswith("INCLUDE")
        for name in placeholders(part)
    }


def filter_arn(ctx: WorkflowContext, name: str) -> str:
    """The ARN of the stack's filter `name` (the `filter_arns` output), or one line naming them."""
    known = ctx.outputs.filter_arns
    if name not in known:
        choices = ", ".join(sorted(known)) or "none (the stack's filter_arns output is empty)"
        raise ConfigError(f"--filter {name}: unknown filter; the stack's filters are {choices}.")
    return known[name]


def parse_pairs(pairs: Iterable[str]) -> list[tuple[str, str]]:
    """`KEY=VALUE` options as pairs; anything else is one line."""
    parsed = []
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().lstrip("$")
        if not sep or not key or not value:
            raise ConfigError(
                f"--filter-value {pair[:60]!r}: expected KEY=VALUE, e.g. GENRE=Comedy."
            )
        check_size(key, value)
        parsed.append((key, value))
    keys = {key for key, _ in parsed}
    if len(keys) > MAX_FILTER_KEYS:
        raise ConfigError(
            f"--filter-value: {len(keys)} keys; the API takes at most {MAX_FILTER_KEYS} "
            "(GetRecommendations filterValues)."
        )
    return parsed


def check_size(key: str, value: str) -> None:
    """A value longer than the API takes is one line naming the key and the limit (the value
    itself is not echoed: it is the long thing)."""
    if len(value) > MAX_FILTER_VALUE_CHARS:
        raise ConfigError(
            f"--filter-value {key}: {len(value):,} characters as sent; the API takes at most "
            f"{MAX_FILTER_VALUE_CHARS} per key (GetRecommendations filterValues)."
        )


def quote_values(
    filter_name: str, expression: str, pairs: list[tuple[str, str]]
) -> dict[str, str] | None:
    """`filterValues` for the expression: strings each wrapped in double quotes and joined by
    commas (repeat `--filter-value` for several), a number as it is. Every key must be one of
    the expression's placeholders, and every INCLUDE placeholder needs a value."""
    kinds = placeholders(expression)
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        if key not in kinds:
            has = ", ".join(f"${k}" for k in kinds) if kinds else "no placeholders"
            raise ConfigError(
                f"--filter-value {key}={value}: filter {filter_name} has no ${key} placeholder "
                f"(it has {has}: {expression})."
            )
        if '"' in value:
            raise ConfigError(f"--filter-value {key}={value}: a value cannot hold a double quote.")
        grouped.setdefault(key, []).append(value)
    missing = sorted(required_placeholders(expression) - set(grouped))
    if missing:
        raise ConfigError(
            f"--filter {filter_name}: its INCLUDE expression needs a value for "
            f"{', '.join('$' + m for m in missing)} ({expression}); the API requires one for "
            f"every INCLUDE placeholder.",
            hint=f"Add --filter-value {missing[0]}=VALUE.",
        )
    values = {}
    for key, given in grouped.items():
        if kinds[key] == "number":
            if len(given) > 1 or not _NUMBER.fullmatch(given[0]):
                raise ConfigError(
                    f"--filter-value {key}: ${key} is compared as a number in {expression}; "
                    "give one number."
                )
            values[key] = given[0]
        else:
            values[key] = ",".join(f'"{value}"' for value in given)
        check_size(key, values[key])
    return values or None


def apply_filter(ctx: WorkflowContext, name: str, pairs: Iterable[str]) -> AppliedFilter:
    """The filter `name` with its values checked against its expression (DescribeFilter)."""
    parsed = parse_pairs(pairs)
    arn = filter_arn(ctx, name)
    described = describe_filter(ctx, arn)
    if described is None:
        raise CloudError(
            f"--filter {name}: {arn} does not exist in the service.",
            hint="Run `terraform apply` (filters are Terraform's), or `local up` for the stand-in.",
        )
    if described.get("status") not in {"ACTIVE", None}:
        raise CloudError(f"--filter {name} is {described['status']}, not ACTIVE.")
    return AppliedFilter(name, arn, quote_values(name, described["filterExpression"], parsed))


def no_filter_values(pairs: Iterable[str]) -> None:
    """--filter-value without --filter is one line."""
    if list(pairs):
        raise ConfigError("--filter-value needs --filter NAME (the filter it sets values of).")
