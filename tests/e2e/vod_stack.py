"""A VIDEO_ON_DEMAND stack on the stand-in for the end-to-end tests of recommenders and filters
(a uniquely named helper module).

`local up` provisions a custom dataset group, so this provisions a VIDEO_ON_DEMAND one with boto3
the way the root stack does (dataset group, schemas and datasets with `domain`, from the
project's schema files), imports synthetic Watch data above the use cases' minimums ("At minimum
1000 item interactions records", "At minimum 25 unique user IDs with at least two item
interactions for each", VIDEO_ON_DEMAND-use-cases.html), creates the filters asked for, and
writes an outputs file naming it all.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from personalize_movielens.schemas import schema_path

VOD = "VIDEO_ON_DEMAND"
USERS, ITEMS = 60, 40


def _wait(describe: Any, key: str, until: tuple[str, ...] = ("ACTIVE", "CREATE FAILED")) -> dict:
    deadline = time.monotonic() + 60
    while (resource := describe()[key])["status"] not in until:
        assert time.monotonic() < deadline, f"{key} stuck in {resource['status']}"
        time.sleep(0.01)
    return resource


def _csv(header: list[str], rows: list[tuple[Any, ...]]) -> str:
    return "\n".join([",".join(header), *(",".join(map(str, r)) for r in rows)]) + "\n"


def _import(stand_in: Any, dataset_arn: str, name: str, text: str) -> None:
    outputs = stand_in.outputs
    key = f"{outputs.data_prefix}{name}.csv"
    stand_in.client("s3").put_object(Bucket=outputs.bucket_name, Key=key, Body=text.encode())
    personalize = stand_in.client("personalize")
    arn = personalize.create_dataset_import_job(
        jobName=name,
        datasetArn=dataset_arn,
        dataSource={"dataLocation": f"s3://{outputs.bucket_name}/{key}"},
        roleArn=outputs.personalize_role_arn,
    )["datasetImportJobArn"]
    job = _wait(
        lambda: personalize.describe_dataset_import_job(datasetImportJobArn=arn), "datasetImportJob"
    )
    assert job["status"] == "ACTIVE", job.get("failureReason")


def vod_stack(stand_in: Any, tmp_path: Path, filters: dict[str, str] | None = None) -> Path:
    """A VOD dataset group with data (and `filters`: name -> expression), and an outputs file
    of the contract's shape naming it."""
    fresh_stand_in = stand_in
    personalize = fresh_stand_in.client("personalize")
    group = personalize.create_dataset_group(name="vod", domain=VOD)["datasetGroupArn"]
    _wait(lambda: personalize.describe_dataset_group(datasetGroupArn=group), "datasetGroup")
    datasets, schemas = {}, {}
    for dtype in ("Interactions", "Items"):
        schemas[dtype] = personalize.create_schema(
            name=f"vod-{dtype.lower()}",
            schema=schema_path(dtype, domain=VOD).read_text(),
            domain=VOD,
        )["schemaArn"]
        datasets[dtype] = arn = personalize.create_dataset(
            name=f"vod-{dtype.lower()}",
            datasetGroupArn=group,
            datasetType=dtype,
            schemaArn=schemas[dtype],
        )["datasetArn"]
        _wait(lambda a=arn: personalize.describe_dataset(datasetArn=a), "dataset")
    start = 1_600_000_000
    watches = [
        (f"u{u:02d}", f"m{(u + k) % ITEMS:02d}", start + u * 100 + k, "Watch")
        for u in range(USERS)
        for k in range(18)
    ]
    _import(
        fresh_stand_in,
        datasets["Interactions"],
        "vod-interactions",
        _csv(["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"], watches),
    )
    items = [(f"m{i:02d}", "Comedy" if i % 2 else "Drama", start, 2000) for i in range(ITEMS)]
    _import(
        fresh_stand_in,
        datasets["Items"],
        "vod-items",
        _csv(["ITEM_ID", "GENRES", "CREATION_TIMESTAMP", "YEAR"], items),
    )
    filter_arns = {}
    for name, expression in (filters or {}).items():
        arn = personalize.create_filter(
            name=f"vod-{name}", datasetGroupArn=group, filterExpression=expression
        )["filterArn"]
        _wait(lambda a=arn: personalize.describe_filter(filterArn=a), "filter")
        filter_arns[name] = arn
    outputs = replace(
        fresh_stand_in.outputs,
        filter_arns=filter_arns,
        dataset_group_arn=group,
        dataset_arns=datasets,
        schema_arns=schemas,
        domain=VOD,
    )
    path = tmp_path / "vod-outputs.json"
    path.write_text(json.dumps(outputs.to_json()))
    return path


def recommenders(stand_in: Any, group: str) -> dict[str, dict]:
    listed = stand_in.client("personalize").list_recommenders(datasetGroupArn=group)
    return {r["name"]: r for r in listed["recommenders"]}
