"""Helpers for the filter conformance tests: answers checked against botocore's output shapes,
a filter created and waited for, and the items and interactions the runtime tests filter."""

from __future__ import annotations

from typing import Any

from botocore.validate import ParamValidator
from emu_helpers import wait_status

GUIDE = "https://docs.aws.amazon.com/personalize/latest/dg/"
INTERACTIONS_WITH_TYPES = ["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE", "EVENT_VALUE"]
ITEMS_HEADER = ["ITEM_ID", "GENRES", "YEAR"]


def assert_answer_shape(client: Any, operation: str, answer: dict[str, Any]) -> None:
    """The answer, as boto3 parsed it, has only the members and types of the model's output."""
    shape = client.meta.service_model.operation_model(operation).output_shape
    body = {k: v for k, v in answer.items() if k != "ResponseMetadata"}
    report = ParamValidator().validate(body, shape)
    assert not report.has_errors(), report.generate_report()


def create_filter(personalize: Any, group_arn: str, name: str, expression: str) -> dict[str, Any]:
    """Create a filter and wait until it settles; returns the described filter."""
    arn = personalize.create_filter(
        name=name, datasetGroupArn=group_arn, filterExpression=expression
    )["filterArn"]
    return wait_status(lambda: personalize.describe_filter(filterArn=arn), "filter")


def genres(i: int) -> str:
    return ("Comedy", "Drama", "Comedy|Drama")[i % 3]


def items_rows() -> list[tuple[str, str, int]]:
    """The 60 items of two_groups(): a00-a29, b00-b29, genres cycling, years 1980 + index."""
    return [(f"{prefix}{i:02d}", genres(i), 1980 + i) for prefix in ("a", "b") for i in range(30)]


def typed_interactions() -> list[tuple[str, str, int, str, float]]:
    """Users u00-u29 see 20 of the a-items, u30-u59 20 of the b-items (a sliding window);
    even steps are "watch", odd ones "click"."""
    rows = []
    for u in range(60):
        prefix, start = ("a", u) if u < 30 else ("b", u - 30)
        for t in range(20):
            item = f"{prefix}{(start + t) % 30:02d}"
            kind = "watch" if t % 2 == 0 else "click"
            rows.append((f"u{u:02d}", item, 1_600_000_000 + u * 100 + t, kind, 1.0))
    return rows
