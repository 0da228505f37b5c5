"""Dataset groups: the container every other resource family belongs to.

A group is deleted only once its datasets, solutions, recommenders and event trackers are gone
(ResourceInUseException otherwise), the order `terraform destroy` and the tool's cleanup must
follow. A group created with a `domain` is a Domain dataset group: its datasets take schemas of
that domain (`datasets.py`), it takes recommenders of that domain's use cases
(`recommenders.py`), and custom solutions too ("You can still add custom resources, such as
solutions and solution versions trained for custom use cases", create-domain-dataset-group.html).
"""

from __future__ import annotations

from typing import Any

from ..errors import InUse, InvalidInput
from ..service import Emulator
from ..store import public
from .common import (
    PENDING,
    SETTLED,
    advance,
    delete,
    listing,
    operation,
    require_status,
    unique_name,
)
from .filters import forget_filters


@operation("CreateDatasetGroup")
def create_dataset_group(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    arn = emu.arn(region, f"dataset-group/{p['name']}")
    if p.get("kmsKeyArn") and not p.get("roleArn"):
        raise InvalidInput(
            "roleArn is required when kmsKeyArn is given: Personalize uses the role to "
            "access the key."
        )
    with emu.store.lock:
        unique_name(emu, "dataset_group", arn)
        emu.store.add(
            "dataset_group",
            arn,
            {
                "name": p["name"],
                "datasetGroupArn": arn,
                "status": PENDING,
                "roleArn": p.get("roleArn"),
                "kmsKeyArn": p.get("kmsKeyArn"),
                "domain": p.get("domain"),
                "_tags": p.get("tags", []),
            },
        )
    advance(emu, "dataset_group", arn)
    result = {"datasetGroupArn": arn}
    if p.get("domain"):
        result["domain"] = p["domain"]
    return result


@operation("DescribeDatasetGroup")
def describe_dataset_group(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    return {"datasetGroup": public(emu.store.get("dataset_group", p["datasetGroupArn"]))}


@operation("ListDatasetGroups")
def list_dataset_groups(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    return listing("ListDatasetGroups", emu.store.all("dataset_group"), p)


@operation("DeleteDatasetGroup")
def delete_dataset_group(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    arn = p["datasetGroupArn"]
    with emu.store.lock:
        group = emu.store.get("dataset_group", arn)
        require_status(group, arn, SETTLED, "dataset group")
        datasets = [d for d in emu.store.all("dataset") if d["datasetGroupArn"] == arn]
        solutions = [s for s in emu.store.all("solution") if s["datasetGroupArn"] == arn]
        recommenders = [r for r in emu.store.all("recommender") if r["datasetGroupArn"] == arn]
        trackers = [t for t in emu.store.all("event_tracker") if t["datasetGroupArn"] == arn]
        if datasets or solutions or recommenders or trackers:
            raise InUse(
                f"Dataset group {arn} still has {len(datasets)} dataset(s), "
                f"{len(solutions)} solution(s), {len(recommenders)} recommender(s) and "
                f"{len(trackers)} event tracker(s); "
                "delete them first."
            )
        delete(emu, "dataset_group", arn, also=lambda: forget_filters(emu, arn))
    return {}
