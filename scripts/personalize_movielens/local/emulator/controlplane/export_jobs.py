"""Dataset export jobs: a dataset's records written as CSV to S3, with the role's permission.

From the developer guide (export-data.html, export-permissions.html) and the API reference:

- the job writes the dataset's records to a CSV file with a header row of the schema's fields,
  under the `jobOutput` path (the file's name, `<path><jobName>/part-00000.csv`, is the
  emulator's: the guide says only "one or more CSV files");
- the role must allow s3:PutObject and s3:ListBucket on the output bucket, and so must the
  bucket policy for personalize.amazonaws.com ("PutObject and ListBucket Actions"); the role is
  assumed as for imports (`imports.check_access`);
- `ingestionMode` BULK is the data imported by dataset import jobs, PUT the records put one by
  one (PutEvents, PutUsers, PutItems), ALL both; "The default value is PUT". Every record the
  emulator holds came from an import job, so PUT exports a header only and ALL what BULK does,
  with ALL's rule for Items and Users (the newest record of an ID);
- "For records that match exactly for all fields, Amazon Personalize exports just one record";
- "You can't export data in an Action interactions dataset or Actions dataset": refused when the
  job is created (InvalidInputException), the emulator's choice of when;
- statuses CREATE PENDING > CREATE IN_PROGRESS > ACTIVE -or- CREATE FAILED.

The API has no DeleteDatasetExportJob. `kmsKeyArn` of the destination is kept, not used.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import polars as pl

from ....data import rules
from ....schemas import DatasetSchema, parse_schema
from .. import imports
from ..errors import InvalidInput
from ..service import Emulator
from ..store import public
from .common import (
    ACTIVE,
    PENDING,
    Resource,
    advance,
    listing,
    operation,
    require_status,
    unique_name,
)

EXPORT_DOC = "https://docs.aws.amazon.com/personalize/latest/dg/export-permissions.html"
DEFAULT_MODE = "PUT"
NOT_EXPORTABLE = ("Actions", "Action_Interactions")
#: The ID whose newest record ALL keeps, per dataset type.
ID_FIELDS = {"Items": "ITEM_ID", "Users": "USER_ID"}


@operation("CreateDatasetExportJob")
def create_dataset_export_job(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    arn = emu.arn(region, f"dataset-export-job/{p['jobName']}")
    with emu.store.lock:
        dataset = emu.store.get("dataset", p["datasetArn"])
        require_status(dataset, p["datasetArn"], {ACTIVE}, "dataset")
        if dataset["datasetType"] in NOT_EXPORTABLE:
            raise InvalidInput(
                "You can't export data in an Action interactions dataset or Actions dataset. "
                f"{p['datasetArn']} is of type {dataset['datasetType']}."
            )
        unique_name(emu, "dataset_export_job", arn)
        emu.store.add(
            "dataset_export_job",
            arn,
            {
                "jobName": p["jobName"],
                "datasetExportJobArn": arn,
                "datasetArn": p["datasetArn"],
                "ingestionMode": p.get("ingestionMode") or DEFAULT_MODE,
                "roleArn": p["roleArn"],
                "jobOutput": p["jobOutput"],
                "status": PENDING,
                "_tags": p.get("tags", []),
            },
        )
    advance(emu, "dataset_export_job", arn, lambda job: _export(emu, job))
    return {"datasetExportJobArn": arn}


@operation("DescribeDatasetExportJob")
def describe_dataset_export_job(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    job = emu.store.get("dataset_export_job", p["datasetExportJobArn"])
    return {"datasetExportJob": public(job)}


@operation("ListDatasetExportJobs")
def list_dataset_export_jobs(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    items = emu.store.all("dataset_export_job")
    if p.get("datasetArn"):
        items = [j for j in items if j["datasetArn"] == p["datasetArn"]]
    return listing("ListDatasetExportJobs", items, p)


def records(frame: pl.LazyFrame, dataset_type: str, mode: str) -> pl.LazyFrame:
    """The rows a job of `mode` exports from the dataset's (bulk) rows."""
    if mode == "PUT":
        return frame.head(0)  # nothing was put one by one
    frame = frame.unique(maintain_order=True)
    if mode == "ALL" and ID_FIELDS.get(dataset_type) in frame.collect_schema().names():
        frame = frame.unique(subset=[ID_FIELDS[dataset_type]], keep="last", maintain_order=True)
    return frame


def output_key(job: Resource) -> imports.Location:
    """Where the job writes: `<path><jobName>/part-00000.csv` (a path without a trailing "/"
    is taken as a folder)."""
    path: str = job["jobOutput"]["s3DataDestination"]["path"]
    if not path.startswith("s3://"):
        raise imports.ImportFailure(f"Only s3:// output paths can be written, got {path}.")
    folder = imports.Location.parse(path)
    prefix = folder.key if folder.is_prefix else folder.key + "/"
    return imports.Location(folder.bucket, f"{prefix}{job['jobName']}/part-00000.csv")


def _export(emu: Emulator, job: Resource) -> None:
    """The job's work (on a background thread): check the access, then write the CSV."""
    imports.require_aws(emu)
    with contextlib.ExitStack() as stack:
        with emu.store.lock:
            dataset = emu.store.find("dataset", job["datasetArn"])
            if dataset is None:
                raise imports.ImportFailure(f"Dataset {job['datasetArn']} no longer exists.")
            schema = parse_schema(
                emu.store.get("schema", dataset["schemaArn"])["schema"],
                source=dataset["schemaArn"],
            )
            (frame,) = stack.enter_context(emu.store.reading(dataset["datasetArn"]))
        target = output_key(job)
        s3 = emu.aws("s3")
        try:
            s3.head_bucket(Bucket=target.bucket)
        except s3.exceptions.ClientError:
            raise imports.ImportFailure(
                f"The output bucket {target.bucket} does not exist."
            ) from None
        bucket_arn = f"arn:aws:s3:::{target.bucket}"
        wanted = [("s3:ListBucket", bucket_arn), ("s3:PutObject", f"{bucket_arn}/{target.key}")]
        imports.check_access(
            emu, job["roleArn"], job["datasetExportJobArn"], target.bucket, wanted, EXPORT_DOC
        )
        rows = records(_rows(frame, schema), dataset["datasetType"], job["ingestionMode"])
        tmp = stack.enter_context(emu.scratch("export-"))
        path = Path(tmp) / "part-00000.csv"
        rows.sink_csv(path, engine="streaming")
        s3.upload_file(str(path), target.bucket, target.key)


def _rows(frame: pl.LazyFrame | None, schema: DatasetSchema) -> pl.LazyFrame:
    """The dataset's rows, or none with the schema's columns when nothing was imported."""
    if frame is None:
        return pl.LazyFrame(schema=rules.polars_schema(schema))
    return frame
