"""Dataset export jobs: the dataset's records as CSV in S3, with the permissions the guide asks.

Quotes: the API reference (botocore's model, checked below) and the developer guide's
"Exporting the training data in a dataset to Amazon S3" (export-data.html) and "Dataset export
job permissions requirements" (export-permissions.html).
"""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError
from emu_helpers import INTERACTIONS_HEADER, csv_text, error_of, interactions, wait_status
from s3_jobs import EXPORT_BUCKET, WRITE_ACTIONS, add_dataset, exported, run_export, writer

from personalize_movielens.local.emulator.controlplane import export_jobs
from personalize_movielens.local.emulator.validation import service_model

DEFAULT_QUOTE = "The default value is PUT"
STATUS_QUOTE = "CREATE PENDING > CREATE IN_PROGRESS > ACTIVE -or- CREATE FAILED"
DUPLICATES_QUOTE = (
    "For records that match exactly for all fields, Amazon Personalize exports just one record."
)
ALL_QUOTE = (
    "If you export both bulk and incremental data, Amazon Personalize exports only the newest "
    "items with the same ID (in Items dataset exports), and only users with the same ID (in "
    "Users dataset exports)."
)
ACTIONS_QUOTE = "You can't export data in an Action interactions dataset or Actions dataset."
PERMISSIONS_QUOTE = (
    "attach a new AWS Identity and Access Management (IAM) policy to your Amazon Personalize "
    "service role that grants the role permission to use the PutObject and ListBucket Actions on "
    "your bucket, and attach a bucket policy to your output Amazon S3 bucket that grants the "
    "Amazon Personalize principle permission to use the PutObject and ListBucket Actions."
)
PRIVILEGES = "Insufficient privileges for accessing data in S3."


def _model_doc(operation: str) -> str:
    doc = service_model("personalize").operation_model(operation).documentation
    return " ".join(re.sub(r"<[^>]+>", " ", doc).replace("&gt;", ">").split())


def _member_doc(shape: str, member: str) -> str:
    doc = service_model("personalize").shape_for(shape).members[member].documentation
    return " ".join(re.sub(r"<[^>]+>", " ", doc).split())


def test_the_quotes_are_the_api_references_and_the_modules() -> None:
    assert STATUS_QUOTE in _model_doc("CreateDatasetExportJob")
    assert "PutObject permissions" in _model_doc("CreateDatasetExportJob")
    assert DEFAULT_QUOTE in _member_doc("CreateDatasetExportJobRequest", "ingestionMode")
    module = " ".join(export_jobs.__doc__.split())
    for quote in (
        DEFAULT_QUOTE,
        DUPLICATES_QUOTE,
        ACTIONS_QUOTE,
        "PutObject and ListBucket Actions",
    ):
        assert quote.rstrip(".") in module, quote


def test_bulk_export_writes_the_records_with_a_header(aws, personalize, put_csv, run_import, slow):
    rows = interactions(3, 2)
    url = put_csv("ratings.csv", csv_text(INTERACTIONS_HEADER, [*rows, rows[0]]))
    assert run_import(url)["status"] == "ACTIVE"
    role = writer(aws, WRITE_ACTIONS, WRITE_ACTIONS, "exporter")
    slow(20)
    arn = personalize.create_dataset_export_job(
        jobName="bulk",
        datasetArn=aws.outputs.dataset_arns["Interactions"],
        ingestionMode="BULK",
        roleArn=role,
        jobOutput={"s3DataDestination": {"path": f"s3://{EXPORT_BUCKET}/exports/"}},
        tags=[{"tagKey": "Team", "tagValue": "recs"}],
    )["datasetExportJobArn"]
    assert arn.endswith(":dataset-export-job/bulk")
    seen: list[str] = []
    job = wait_status(
        lambda: personalize.describe_dataset_export_job(datasetExportJobArn=arn),
        "datasetExportJob",
        record=seen,
    )
    assert seen == ["CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE"]
    assert job["ingestionMode"] == "BULK" and job["roleArn"] == role
    assert job["jobOutput"]["s3DataDestination"]["path"] == f"s3://{EXPORT_BUCKET}/exports/"
    # "For records that match exactly for all fields, Amazon Personalize exports just one record."
    assert exported(aws, "bulk") == csv_text(INTERACTIONS_HEADER, rows)
    tags = personalize.list_tags_for_resource(resourceArn=arn)["tags"]
    assert tags == [{"tagKey": "Team", "tagValue": "recs"}]


def test_the_default_mode_is_put_and_exports_a_header_only(aws, personalize, put_csv, run_import):
    """Every record of the stand-in came from an import job: none was put one by one."""
    url = put_csv("ratings.csv", csv_text(INTERACTIONS_HEADER, interactions(2, 2)))
    assert run_import(url)["status"] == "ACTIVE"
    role = writer(aws, WRITE_ACTIONS, WRITE_ACTIONS, "exporter")
    job = run_export(personalize, aws.outputs.dataset_arns["Interactions"], role, "default")
    assert (job["status"], job["ingestionMode"]) == ("ACTIVE", "PUT")
    assert exported(aws, "default") == ",".join(INTERACTIONS_HEADER) + "\n"
    job = run_export(personalize, aws.outputs.dataset_arns["Interactions"], role, "all", "ALL")
    assert len(exported(aws, "all").splitlines()) == 1 + 4


def test_all_keeps_the_newest_item_of_an_id(aws, personalize, put_csv, run_import):
    first = "ITEM_ID,GENRES,YEAR\ni1,Comedy,1995\ni2,Drama,2001\n"
    assert run_import(put_csv("items.csv", first), dataset_type="Items")["status"] == "ACTIVE"
    newer = "ITEM_ID,GENRES,YEAR\ni1,Comedy|Romance,1995\n"
    job = run_import(put_csv("items-2.csv", newer), dataset_type="Items", mode="INCREMENTAL")
    assert job["status"] == "ACTIVE"
    role = writer(aws, WRITE_ACTIONS, WRITE_ACTIONS, "exporter")
    items = aws.outputs.dataset_arns["Items"]
    assert run_export(personalize, items, role, "items-bulk", "BULK")["status"] == "ACTIVE"
    assert exported(aws, "items-bulk").splitlines()[1:] == [
        "i1,Comedy,1995",
        "i2,Drama,2001",
        "i1,Comedy|Romance,1995",
    ]
    assert run_export(personalize, items, role, "items-all", "ALL")["status"] == "ACTIVE"
    assert exported(aws, "items-all").splitlines() == [
        "ITEM_ID,GENRES,YEAR",
        "i2,Drama,2001",
        "i1,Comedy|Romance,1995",
    ]


@pytest.mark.parametrize(
    ("role_actions", "bucket_actions", "expected"),
    [
        (["s3:ListBucket"], WRITE_ACTIONS, "add s3:PutObject on"),
        (["s3:PutObject"], WRITE_ACTIONS, "add s3:ListBucket on"),
        (WRITE_ACTIONS, ["s3:ListBucket"], "s3:PutObject on"),
        (WRITE_ACTIONS, ["s3:PutObject"], "s3:ListBucket on"),
    ],
)
def test_the_role_and_the_bucket_policy_must_allow_putobject_and_listbucket(
    aws, personalize, role_actions, bucket_actions, expected
):
    role = writer(aws, role_actions, bucket_actions, "half-exporter")
    job = run_export(personalize, aws.outputs.dataset_arns["Interactions"], role, "denied", "BULK")
    assert job["status"] == "CREATE FAILED"
    assert job["failureReason"].startswith(PRIVILEGES)
    assert expected in job["failureReason"]
    assert "export-permissions.html" in job["failureReason"]


def test_the_stacks_role_may_not_write(aws, personalize):
    """Least privilege: the stack's role reads the input prefix and writes nowhere."""
    job = personalize.create_dataset_export_job(
        jobName="stack-role",
        datasetArn=aws.outputs.dataset_arns["Interactions"],
        roleArn=aws.outputs.personalize_role_arn,
        jobOutput={"s3DataDestination": {"path": f"s3://{aws.outputs.bucket_name}/exports/"}},
    )["datasetExportJobArn"]
    job = wait_status(
        lambda: personalize.describe_dataset_export_job(datasetExportJobArn=job),
        "datasetExportJob",
    )
    assert job["status"] == "CREATE FAILED" and "s3:PutObject" in job["failureReason"]


def test_a_missing_output_bucket_fails_the_job(aws, personalize):
    role = writer(aws, WRITE_ACTIONS, WRITE_ACTIONS, "exporter")
    arn = personalize.create_dataset_export_job(
        jobName="nowhere",
        datasetArn=aws.outputs.dataset_arns["Interactions"],
        roleArn=role,
        jobOutput={"s3DataDestination": {"path": "s3://no-such-bucket-here/out/"}},
    )["datasetExportJobArn"]
    job = wait_status(
        lambda: personalize.describe_dataset_export_job(datasetExportJobArn=arn),
        "datasetExportJob",
    )
    assert job["status"] == "CREATE FAILED"
    assert job["failureReason"] == "The output bucket no-such-bucket-here does not exist."


def test_actions_datasets_cannot_be_exported(aws, personalize):
    dataset = add_dataset(aws, personalize, "Actions", [{"name": "ACTION_ID", "type": "string"}])
    with pytest.raises(ClientError) as exc:
        run_export(personalize, dataset, aws.outputs.personalize_role_arn, "actions", "BULK")
    code, status, message = error_of(exc)
    assert (code, status) == ("InvalidInputException", 400) and ACTIONS_QUOTE in message


def test_names_datasets_and_listings(aws, personalize):
    role = writer(aws, WRITE_ACTIONS, WRITE_ACTIONS, "exporter")
    interactions_arn = aws.outputs.dataset_arns["Interactions"]
    first = run_export(personalize, interactions_arn, role, "one", "BULK")
    run_export(personalize, aws.outputs.dataset_arns["Items"], role, "two", "BULK")
    with pytest.raises(ClientError) as exc:
        run_export(personalize, interactions_arn, role, "one", "BULK")
    assert error_of(exc)[0] == "ResourceAlreadyExistsException"
    with pytest.raises(ClientError) as exc:
        run_export(personalize, interactions_arn + "X", role, "three", "BULK")
    assert error_of(exc)[0] == "ResourceNotFoundException"
    listed = personalize.list_dataset_export_jobs(datasetArn=interactions_arn)["datasetExportJobs"]
    assert [j["datasetExportJobArn"] for j in listed] == [first["datasetExportJobArn"]]
    assert set(listed[0]) == {
        "datasetExportJobArn",
        "jobName",
        "status",
        "creationDateTime",
        "lastUpdatedDateTime",
    }
    everything = personalize.list_dataset_export_jobs()["datasetExportJobs"]
    assert [j["jobName"] for j in everything] == ["two", "one"]  # newest first
    page = personalize.list_dataset_export_jobs(maxResults=1)
    assert len(page["datasetExportJobs"]) == 1 and page["nextToken"]
    with pytest.raises(ClientError) as exc:
        personalize.describe_dataset_export_job(
            datasetExportJobArn=first["datasetExportJobArn"] + "X"
        )
    assert error_of(exc)[0] == "ResourceNotFoundException"
