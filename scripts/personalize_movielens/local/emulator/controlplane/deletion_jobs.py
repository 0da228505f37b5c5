"""Data deletion jobs: the users listed in a CSV in S3 deleted from a dataset group's datasets.

From the developer guide (delete-records.html) and the API reference:

- "Your input file must be a CSV file with a single USER_ID column that lists the users IDs";
  it is read as imports read theirs (one object, or the .csv files under a folder), with the
  role's and the bucket policy's s3:GetObject and s3:ListBucket: "These permissions are the
  same as importing data" (`imports.fetch`), and its IDs follow the import rules;
- the job deletes "users and their data, including their metadata and interactions data":
  every row with a listed USER_ID goes from each dataset of the group that has a USER_ID column
  (Interactions, Users, Action interactions); `numDeleted` is "The number of records deleted by
  a COMPLETED job" (rows, over all the datasets);
- statuses "PENDING > IN_PROGRESS > COMPLETED -or- FAILED".

Not emulated: the guide also removes the users from models. Here a trained solution version
keeps what it learned until a new one is trained, which the guide asks for anyway ("Make sure to
create a new solution version"). The API has no DeleteDataDeletionJob.

The job moves through the statuses every job has here (`common.advance`: CREATE PENDING,
CREATE IN_PROGRESS, ACTIVE, CREATE FAILED); it is shown with the names of its own API.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from ....schemas import parse_schema
from .. import imports
from ..service import Emulator
from ..store import Store, public, scan
from .common import (
    ACTIVE,
    FAILED,
    IN_PROGRESS,
    PENDING,
    Resource,
    advance,
    listing,
    operation,
    require_status,
    unique_name,
)

#: The lifecycle's statuses as a data deletion job names them.
STATUSES = {PENDING: "PENDING", IN_PROGRESS: "IN_PROGRESS", ACTIVE: "COMPLETED", FAILED: "FAILED"}
USER_ID = "USER_ID"
#: The input file's one column, checked by the import rules for user IDs.
USERS_FILE = parse_schema(
    json.dumps(
        {
            "type": "record",
            "name": "Users",
            "namespace": "com.amazonaws.personalize.schema",
            "fields": [{"name": USER_ID, "type": "string"}],
            "version": "1.0",
        }
    ),
    source="the data deletion input file",
)


def shown(job: Resource) -> Resource:
    """The job as the API shows it, with its own status names (numDeleted is set by the work
    at its very end, just before the job turns COMPLETED)."""
    view = public(job)
    view["status"] = STATUSES.get(view["status"], view["status"])
    return view


@operation("CreateDataDeletionJob")
def create_data_deletion_job(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    arn = emu.arn(region, f"data-deletion-job/{p['jobName']}")
    with emu.store.lock:
        group = emu.store.get("dataset_group", p["datasetGroupArn"])
        require_status(group, p["datasetGroupArn"], {ACTIVE}, "dataset group")
        unique_name(emu, "data_deletion_job", arn)
        emu.store.add(
            "data_deletion_job",
            arn,
            {
                "jobName": p["jobName"],
                "dataDeletionJobArn": arn,
                "datasetGroupArn": p["datasetGroupArn"],
                "dataSource": p["dataSource"],
                "roleArn": p["roleArn"],
                "status": PENDING,
                "_tags": p.get("tags", []),
            },
        )
    advance(emu, "data_deletion_job", arn, lambda job: _delete_users(emu, job))
    return {"dataDeletionJobArn": arn}


@operation("DescribeDataDeletionJob")
def describe_data_deletion_job(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    return {"dataDeletionJob": shown(emu.store.get("data_deletion_job", p["dataDeletionJobArn"]))}


@operation("ListDataDeletionJobs")
def list_data_deletion_jobs(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    items = emu.store.all("data_deletion_job")
    if p.get("datasetGroupArn"):
        items = [j for j in items if j["datasetGroupArn"] == p["datasetGroupArn"]]
    return listing("ListDataDeletionJobs", [shown(j) for j in items], p)


def _delete_users(emu: Emulator, job: Resource) -> None:
    """The job's work (on a background thread): read the user IDs, delete their rows."""
    url = job["dataSource"].get("dataLocation")
    if not url:
        raise imports.ImportFailure("The data source names no dataLocation.")
    store = emu.store
    ids = imports.fetch(emu, url, job["roleArn"], job["dataDeletionJobArn"], USERS_FILE, "Users")
    try:
        listed = scan([ids]).select(pl.col(USER_ID).unique()).collect(engine="streaming")
    finally:
        store.discard([ids])
    with store.lock:
        arns = [
            d["datasetArn"]
            for d in store.all("dataset")
            if d["datasetGroupArn"] == job["datasetGroupArn"]
        ]
    is_listed = pl.col(USER_ID).is_in(listed.get_column(USER_ID).implode())
    deleted = 0
    # Each file with listed users is swapped for a copy without them; files that an import
    # adds or replaces meanwhile are left as that import made them.
    with store.rewrite_lock, store.holding(*arns) as snapshot:
        for arn, files in zip(arns, snapshot, strict=True):
            copies = _without(store, files, is_listed)
            swapped = store.replace_rows(arn, {old: new for old, (new, _) in copies.items()})
            deleted += sum(copies[old][1] for old in swapped)
    job["numDeleted"] = deleted


def _without(
    store: Store, files: tuple[Path, ...], listed: pl.Expr
) -> dict[Path, tuple[Path, int]]:
    """Each file with `listed` rows -> a new file of its other rows, and how many went."""
    copies: dict[Path, tuple[Path, int]] = {}
    try:
        for file in files:
            rows = scan([file])
            if USER_ID not in rows.collect_schema().names():
                break
            count = rows.filter(listed).select(pl.len()).collect(engine="streaming").item()
            if count:
                copies[file] = (store.sink(rows.filter(~listed)), count)
    except BaseException:
        store.discard(new for new, _ in copies.values())
        raise
    return copies
