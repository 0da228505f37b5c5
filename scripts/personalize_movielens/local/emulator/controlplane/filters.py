"""Filters: CreateFilter, DescribeFilter, ListFilters, DeleteFilter.

CreateFilter checks the expression at once (`emulator/filter_expression.py`) against the
group's schemas and refuses a broken one with InvalidInputException, as the service's
"Could not create filter. Invalid input symbol: ..." messages (troubleshooting.html) show;
then the filter moves CREATE PENDING -> CREATE IN_PROGRESS -> ACTIVE at the emulator's pace.
Quotas (limits.html): "Total number of filters per dataset group" 30, "Total number of distinct
dataset fields across all filters in a dataset group" 20. The runtime applies ACTIVE filters
(`emulator/filtering.py`).
"""

from __future__ import annotations

from typing import Any

from .. import filter_expression as fx
from ..errors import InUse, InvalidInput, LimitExceeded
from ..filtering import group_schemas
from ..service import Emulator
from ..store import public
from .common import (
    ACTIVE,
    BUSY,
    PENDING,
    SETTLED,
    Resource,
    advance,
    delete,
    listing,
    operation,
    require_status,
    unique_name,
)

MAX_FILTERS_PER_GROUP = 30


def filters_of(emu: Emulator, dataset_group_arn: str) -> list[Resource]:
    return [f for f in emu.store.all("filter") if f["datasetGroupArn"] == dataset_group_arn]


def _parsed(emu: Emulator, group_arn: str, text: str) -> fx.FilterExpression:
    """The expression checked against the language and the group's schemas."""
    try:
        schemas = {kind: schema for kind, (_, schema) in group_schemas(emu, group_arn).items()}
        return fx.resolve(fx.parse(text), schemas)
    except fx.FilterExpressionError as exc:
        raise InvalidInput(f"Could not create filter. Invalid Expression: {exc}") from None


@operation("CreateFilter")
def create_filter(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    arn = emu.arn(region, f"filter/{p['name']}")
    group_arn = p["datasetGroupArn"]
    with emu.store.lock:
        group = emu.store.get("dataset_group", group_arn)
        require_status(group, group_arn, {ACTIVE}, "dataset group")
        unique_name(emu, "filter", arn)
        parsed = _parsed(emu, group_arn, p["filterExpression"])
        others = filters_of(emu, group_arn)
        if len(others) >= MAX_FILTERS_PER_GROUP:
            raise LimitExceeded(
                f"Dataset group {group_arn} has {len(others)} filters; the quota is "
                f"{MAX_FILTERS_PER_GROUP} per dataset group."
            )
        fields = set(parsed.fields).union(*(f["_parsed"].fields for f in others))
        if len(fields) > fx.MAX_FIELDS_PER_GROUP:
            raise LimitExceeded(
                f"The filters of dataset group {group_arn} would use {len(fields)} distinct "
                f"dataset fields; the maximum across all filters in a dataset group is "
                f"{fx.MAX_FIELDS_PER_GROUP}."
            )
        emu.store.add(
            "filter",
            arn,
            {
                "name": p["name"],
                "filterArn": arn,
                "datasetGroupArn": group_arn,
                "filterExpression": p["filterExpression"],
                "status": PENDING,
                "_parsed": parsed,
                "_tags": p.get("tags", []),
            },
        )
    advance(emu, "filter", arn, lambda _: emu.faults.job_failure("filters"))
    return {"filterArn": arn}


@operation("DescribeFilter")
def describe_filter(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    return {"filter": public(emu.store.get("filter", p["filterArn"]))}


@operation("ListFilters")
def list_filters(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    items = emu.store.all("filter")
    if p.get("datasetGroupArn"):
        emu.store.get("dataset_group", p["datasetGroupArn"])
        items = filters_of(emu, p["datasetGroupArn"])
    return listing("ListFilters", items, p)


@operation("DeleteFilter")
def delete_filter(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    """filter-real-time.html: "You can't delete a filter while a batch inference job is in
    progress" (batch jobs, where the emulator has them, name their filterArn)."""
    arn = p["filterArn"]
    with emu.store.lock:
        resource = emu.store.get("filter", arn)
        require_status(resource, arn, SETTLED, "filter")
        jobs = emu.store.resources.get("batch_inference_job", {}).values()
        running = [j for j in jobs if j.get("filterArn") == arn and j.get("status") in BUSY]
        if running:
            raise InUse(f"Filter {arn} is used by a batch inference job in progress.")
        delete(emu, "filter", arn)
    return {}


def forget_filters(emu: Emulator, dataset_group_arn: str) -> None:
    """A deleted dataset group's filters go with it (DeleteDatasetGroup does not wait for them:
    the API reference lists event trackers, solutions and datasets as what must go first)."""
    for f in filters_of(emu, dataset_group_arn):
        emu.store.remove("filter", f["filterArn"])
