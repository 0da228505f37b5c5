"""Event trackers: where PutEvents (`emulator/events.py`) records a dataset group's events.

From the API reference (CreateEventTracker, DeleteDatasetGroup) and the developer guide
(recording-events.html):

- "Only one event tracker can be associated with a dataset group. You will get an error if you
  call CreateEventTracker using the same dataset group as an existing event tracker.": the
  emulator answers ResourceAlreadyExistsException naming the tracker (the reference does not
  say which of its errors it is);
- the answer carries a `trackingId`, "which you pass as a parameter when you use the PutEvents
  operation"; "The event tracker must be in the ACTIVE state before using the tracking ID";
- statuses "CREATE PENDING > CREATE IN_PROGRESS > ACTIVE -or- CREATE FAILED" and
  "DELETE PENDING > DELETE IN_PROGRESS";
- "Before you delete a dataset group, you must delete ... All associated event trackers"
  (dataset_groups.py).

Deleting a tracker keeps the events it recorded: they were appended to the dataset group's
Interactions data, which the tracker does not own.
"""

from __future__ import annotations

import uuid
from typing import Any

from ..errors import AlreadyExists
from ..service import Emulator
from ..store import public
from .common import (
    ACTIVE,
    PENDING,
    SETTLED,
    advance,
    delete,
    listing,
    operation,
    require_status,
)

KIND = "event_tracker"


def tracker_of_group(emu: Emulator, group_arn: str) -> dict[str, Any] | None:
    """The dataset group's event tracker (at most one), whatever its status."""
    return next((t for t in emu.store.all(KIND) if t["datasetGroupArn"] == group_arn), None)


@operation("CreateEventTracker")
def create_event_tracker(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    """An event tracker's ARN ends in a generated ID, not its name (the Service Authorization
    Reference: `event-tracker/${ResourceId}`; AWS's recorded notebook outputs show
    `event-tracker/` and eight hex digits), unlike the other families' ARNs."""
    arn = emu.arn(region, f"event-tracker/{uuid.uuid4().hex[:8]}")
    group_arn = p["datasetGroupArn"]
    with emu.store.lock:
        group = emu.store.get("dataset_group", group_arn)
        require_status(group, group_arn, {ACTIVE}, "dataset group")
        taken = [t["eventTrackerArn"] for t in emu.store.all(KIND) if t["name"] == p["name"]]
        if taken:
            raise AlreadyExists(f"An event tracker named {p['name']} exists: {taken[0]}.")
        existing = tracker_of_group(emu, group_arn)
        if existing is not None:
            raise AlreadyExists(
                "Only one event tracker can be associated with a dataset group: "
                f"{group_arn} already has {existing['eventTrackerArn']}."
            )
        tracking_id = str(uuid.uuid4())
        emu.store.add(
            KIND,
            arn,
            {
                "name": p["name"],
                "eventTrackerArn": arn,
                "accountId": emu.account_id,
                "trackingId": tracking_id,
                "datasetGroupArn": group_arn,
                "status": PENDING,
                "_tags": p.get("tags", []),
            },
        )
    advance(emu, KIND, arn)
    return {"eventTrackerArn": arn, "trackingId": tracking_id}


@operation("DescribeEventTracker")
def describe_event_tracker(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    return {"eventTracker": public(emu.store.get(KIND, p["eventTrackerArn"]))}


@operation("ListEventTrackers")
def list_event_trackers(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    items = emu.store.all(KIND)
    if p.get("datasetGroupArn"):
        items = [t for t in items if t["datasetGroupArn"] == p["datasetGroupArn"]]
    return listing("ListEventTrackers", items, p)


@operation("DeleteEventTracker")
def delete_event_tracker(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    arn = p["eventTrackerArn"]
    with emu.store.lock:
        tracker = emu.store.get(KIND, arn)
        require_status(tracker, arn, SETTLED, "event tracker")
        delete(emu, KIND, arn)
    return {}
