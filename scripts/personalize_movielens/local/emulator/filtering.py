"""A filter applied to one runtime request: the filter checked (ACTIVE, same dataset group),
the request's filterValues bound, and the data it reads gathered once (the user's history, the
current user's and item's rows, candidate items' rows) to decide which ranked items stay.

The runtime calls `applied_filter` once per request and `Applied.keep` on each ranked list it
cuts (runtime.py, `ranked`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from ...schemas import parse_schema
from . import filter_expression as fx
from . import history
from .errors import InvalidInput, not_found
from .service import Emulator


def group_schemas(emu: Emulator, dataset_group_arn: str) -> dict[str, Any]:
    """Dataset type -> (dataset ARN, parsed schema) of the group's datasets."""
    found: dict[str, Any] = {}
    with emu.store.lock:
        for d in emu.store.all("dataset"):
            if d["datasetGroupArn"] == dataset_group_arn:
                schema = emu.store.get("schema", d["schemaArn"])
                found[d["datasetType"]] = (d["datasetArn"], parse_schema(schema["schema"]))
    return found


@dataclass
class Applied:
    """The filter of one request, bound to its values, user and current item."""

    emu: Emulator
    bound: fx.Bound
    datasets: dict[str, Any]
    event_types: Mapping[str, frozenset[str]] = field(default_factory=dict)
    user: Mapping[str, Any] | None = None
    current_item: Mapping[str, Any] | None = None

    def keep(self, ranked: Iterable[tuple[str, Any]]) -> list[tuple[str, Any]]:
        """The ranked (item, score) pairs the filter lets through, in order."""
        pairs = list(ranked)
        ids = [item for item, _ in pairs]
        facts = fx.Facts(
            items=self._rows("Items", ids),
            event_types=self.event_types,
            user=self.user,
            current_item=self.current_item,
            categorical=self._categorical(),
        )
        allowed = set(fx.keep(self.bound, ids, facts))
        return [pair for pair in pairs if pair[0] in allowed]

    def _categorical(self) -> frozenset[tuple[str, str]]:
        return frozenset(
            (dataset_type, f.name)
            for dataset_type, (_, schema) in self.datasets.items()
            for f in schema.fields
            if f.categorical
        )

    def _rows(self, dataset_type: str, ids: list[str]) -> dict[str, dict[str, Any]]:
        """ID -> the fields the filter reads, for the rows of `ids` (empty if none read)."""
        return rows(self.emu, self.datasets, self.bound.needs(), dataset_type, ids)


def rows(
    emu: Emulator,
    datasets: Mapping[str, Any],
    needs: frozenset[tuple[str, str]],
    dataset_type: str,
    ids: list[str],
) -> dict[str, dict[str, Any]]:
    """ID -> the needed fields of the dataset's rows with those IDs (the last row of an ID)."""
    fields = sorted(f for d, f in needs if d == dataset_type)
    if not fields or dataset_type not in datasets or not ids:
        return {}
    key = "USER_ID" if dataset_type == "Users" else "ITEM_ID"
    arn = datasets[dataset_type][0]
    with emu.store.reading(arn) as (frame,):
        if frame is None:
            return {}
        found = (
            frame.filter(pl.col(key).is_in(ids))
            .select(pl.col(key).cast(pl.String), *fields)
            .unique(subset=key, keep="last", maintain_order=True)
            .collect()
        )
    return {row[key]: row for row in found.iter_rows(named=True)}


def applied_filter(
    emu: Emulator,
    p: Mapping[str, Any],
    dataset_group_arn: str,
    user_id: str | None,
    item_id: str | None,
) -> Applied | None:
    """The request's filter (filterArn, filterValues), ready to apply; None without one.

    InvalidInputException for a filter that is not ACTIVE or belongs to another dataset group,
    values the filter does not take or lacks, and CurrentItem without an itemId."""
    values: Mapping[str, str] = p.get("filterValues") or {}
    arn = p.get("filterArn")
    if not arn:
        if values:
            raise InvalidInput("filterValues were given without a filterArn.")
        return None
    with emu.store.lock:
        resource = emu.store.find("filter", arn)
        if resource is None:
            raise not_found(arn)
        status, group, parsed = (
            resource["status"],
            resource["datasetGroupArn"],
            resource["_parsed"],
        )
    if status != "ACTIVE":
        raise InvalidInput(f"Filter {arn} is in status {status}, not ACTIVE.")
    if group != dataset_group_arn:
        raise InvalidInput(
            f"Filter {arn} belongs to dataset group {group}, not to {dataset_group_arn} "
            "of the recommendations asked."
        )
    if parsed.uses_current_item and not item_id:
        raise InvalidInput(
            f"Filter {arn} uses CurrentItem: apply it only to related items recommendations "
            "(itemId)."
        )
    try:
        bound = fx.bind(parsed, values)
    except fx.FilterExpressionError as exc:
        raise InvalidInput(str(exc)) from None
    datasets = group_schemas(emu, dataset_group_arn)
    needs = bound.needs()
    applied = Applied(emu, bound, datasets)
    if user_id and any(d == "Interactions" for d, _ in needs):
        applied.event_types = history.event_types_by_item(emu, dataset_group_arn, user_id)
    if user_id:
        applied.user = rows(emu, datasets, needs, "Users", [user_id]).get(user_id)
    if item_id:
        applied.current_item = rows(emu, datasets, needs, "Items", [item_id]).get(item_id)
    return applied
