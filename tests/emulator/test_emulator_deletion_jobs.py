"""Data deletion jobs: the users a CSV in S3 lists, deleted from the dataset group's datasets.

Quotes: the API reference (botocore's model, checked below) and the developer guide's
"Deleting users and their data with a data deletion job" (delete-records.html).
"""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError
from emu_helpers import INTERACTIONS_HEADER, csv_text, error_of, interactions, wait_status
from s3_jobs import WRITE_ACTIONS, add_dataset, exported, run_export, writer

from personalize_movielens.local.emulator.controlplane import deletion_jobs
from personalize_movielens.local.emulator.validation import service_model

INPUT_QUOTE = (
    "Your input file must be a CSV file with a single USER_ID column that lists the users IDs."
)
PERMISSIONS_QUOTE = "These permissions are the same as importing data."
STATUS_QUOTE = "PENDING > IN_PROGRESS > COMPLETED -or- FAILED"
NUM_DELETED_QUOTE = "The number of records deleted by a COMPLETED job."
GUIDE_QUOTES = (
    "After you import data, you can delete users and their data, including their metadata and "
    "interactions data, from a dataset group.",
    "A data deletion job is a batch job that deletes users and their data from the models and "
    "datasets in a dataset group.",
)
PRIVILEGES = "Insufficient privileges for accessing data in S3."


def _text(doc: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", doc).replace("&gt;", ">").split())


def test_the_quotes_are_the_api_references_and_the_modules() -> None:
    model = service_model("personalize")
    create = _text(model.operation_model("CreateDataDeletionJob").documentation)
    for quote in (INPUT_QUOTE, PERMISSIONS_QUOTE, STATUS_QUOTE):
        assert quote in create, quote
    assert NUM_DELETED_QUOTE in _text(
        model.shape_for("DataDeletionJob").members["numDeleted"].documentation
    )
    module = " ".join(deletion_jobs.__doc__.split())
    for quote in (INPUT_QUOTE, PERMISSIONS_QUOTE, STATUS_QUOTE, NUM_DELETED_QUOTE):
        assert quote.rstrip(".") in module, quote
    assert "users and their data, including their metadata and interactions data" in module


def _import(aws, personalize, put_csv, dataset_arn: str, name: str, text: str) -> None:
    arn = personalize.create_dataset_import_job(
        jobName=name,
        datasetArn=dataset_arn,
        dataSource={"dataLocation": put_csv(f"{name}.csv", text)},
        roleArn=aws.outputs.personalize_role_arn,
    )["datasetImportJobArn"]
    job = wait_status(
        lambda: personalize.describe_dataset_import_job(datasetImportJobArn=arn),
        "datasetImportJob",
    )
    assert job["status"] == "ACTIVE", job.get("failureReason")


def _delete(aws, personalize, url: str, name: str = "forget", role: str | None = None) -> dict:
    arn = personalize.create_data_deletion_job(
        jobName=name,
        datasetGroupArn=aws.outputs.dataset_group_arn,
        dataSource={"dataLocation": url},
        roleArn=role or aws.outputs.personalize_role_arn,
    )["dataDeletionJobArn"]
    return wait_status(
        lambda: personalize.describe_data_deletion_job(dataDeletionJobArn=arn),
        "dataDeletionJob",
        until=("COMPLETED", "FAILED"),
    )


def test_the_listed_users_leave_every_dataset_of_the_group(aws, personalize, put_csv, slow):
    plan = {"name": "PLAN", "type": ["null", "string"], "categorical": True}
    users = add_dataset(aws, personalize, "Users", [{"name": "USER_ID", "type": "string"}, plan])
    ratings = interactions(3, 2)  # u000, u001, u002 with two interactions each
    datasets = aws.outputs.dataset_arns
    _import(
        aws,
        personalize,
        put_csv,
        datasets["Interactions"],
        "ratings",
        csv_text(INTERACTIONS_HEADER, ratings),
    )
    _import(
        aws,
        personalize,
        put_csv,
        datasets["Items"],
        "items",
        "ITEM_ID,GENRES,YEAR\ni000,Drama,1990\n",
    )
    _import(
        aws, personalize, put_csv, users, "users", "USER_ID,PLAN\nu000,free\nu001,paid\nu002,paid\n"
    )
    url = put_csv("deletions/users.csv", "USER_ID\nu001\nu002\nnobody\n")
    slow(20)
    arn = personalize.create_data_deletion_job(
        jobName="forget",
        datasetGroupArn=aws.outputs.dataset_group_arn,
        dataSource={"dataLocation": url},
        roleArn=aws.outputs.personalize_role_arn,
        tags=[{"tagKey": "Reason", "tagValue": "request"}],
    )["dataDeletionJobArn"]
    assert arn.endswith(":data-deletion-job/forget")
    seen: list[str] = []
    job = wait_status(
        lambda: personalize.describe_data_deletion_job(dataDeletionJobArn=arn),
        "dataDeletionJob",
        until=("COMPLETED", "FAILED"),
        record=seen,
    )
    assert seen == ["PENDING", "IN_PROGRESS", "COMPLETED"]
    # four interactions and two users' metadata
    assert job["numDeleted"] == 4 + 2
    assert job["dataSource"] == {"dataLocation": url}
    assert job["roleArn"] == aws.outputs.personalize_role_arn
    assert personalize.list_tags_for_resource(resourceArn=arn)["tags"] == [
        {"tagKey": "Reason", "tagValue": "request"}
    ]
    role = writer(aws, WRITE_ACTIONS, WRITE_ACTIONS, "exporter")
    for name, dataset in (("i", datasets["Interactions"]), ("u", users), ("t", datasets["Items"])):
        assert run_export(personalize, dataset, role, name, "BULK")["status"] == "ACTIVE"
    assert exported(aws, "i") == csv_text(INTERACTIONS_HEADER, ratings[:2])
    assert exported(aws, "u") == "USER_ID,PLAN\nu000,free\n"
    assert exported(aws, "t") == "ITEM_ID,GENRES,YEAR\ni000,Drama,1990\n"  # items stay


def test_other_dataset_groups_keep_the_users(aws, personalize, put_csv):
    """A job deletes from the dataset group it names only (to delete everywhere, the guide
    has a job made for each group)."""
    group = personalize.create_dataset_group(name="other")["datasetGroupArn"]
    wait_status(lambda: personalize.describe_dataset_group(datasetGroupArn=group), "datasetGroup")
    dataset = personalize.create_dataset(
        name="other-interactions",
        schemaArn=aws.outputs.schema_arns["Interactions"],
        datasetGroupArn=group,
        datasetType="Interactions",
    )["datasetArn"]
    wait_status(lambda: personalize.describe_dataset(datasetArn=dataset), "dataset")
    ratings = interactions(2, 2)
    text = csv_text(INTERACTIONS_HEADER, ratings)
    _import(aws, personalize, put_csv, dataset, "other", text)
    _import(aws, personalize, put_csv, aws.outputs.dataset_arns["Interactions"], "mine", text)
    job = _delete(aws, personalize, put_csv("deletions/users.csv", "USER_ID\nu000\nu001\n"))
    assert (job["status"], job["numDeleted"]) == ("COMPLETED", 4)
    role = writer(aws, WRITE_ACTIONS, WRITE_ACTIONS, "exporter")
    assert run_export(personalize, dataset, role, "other", "BULK")["status"] == "ACTIVE"
    assert exported(aws, "other") == text


def test_the_role_must_read_the_list_as_for_an_import(aws, personalize):
    """The stack's role reads only the input prefix: a list elsewhere cannot be read."""
    s3 = aws.client("s3")
    s3.put_object(Bucket=aws.outputs.bucket_name, Key="elsewhere/users.csv", Body=b"USER_ID\nu1\n")
    job = _delete(aws, personalize, f"s3://{aws.outputs.bucket_name}/elsewhere/users.csv")
    assert job["status"] == "FAILED" and "numDeleted" not in job
    assert job["failureReason"].startswith(PRIVILEGES) and "s3:GetObject" in job["failureReason"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("USER_ID,ITEM_ID\nu1,i1\n", "header"),
        ("USER\nu1\n", "header"),
        ("USER_ID\n\n", "USER_ID"),
    ],
)
def test_the_list_must_be_a_single_user_id_column(aws, personalize, put_csv, text, expected):
    job = _delete(aws, personalize, put_csv("deletions/bad.csv", text))
    assert job["status"] == "FAILED"
    assert job["failureReason"].startswith("Data does not match the schema.")
    assert expected in job["failureReason"]


def test_a_missing_list_fails_the_job(aws, personalize):
    job = _delete(aws, personalize, f"s3://{aws.outputs.bucket_name}/personalize/input/none.csv")
    assert job["status"] == "FAILED" and "not found" in job["failureReason"]


def test_names_groups_and_listings(aws, personalize, put_csv):
    url = put_csv("deletions/users.csv", "USER_ID\nu1\n")
    first = _delete(aws, personalize, url, "one")
    assert first["status"] == "COMPLETED" and first["numDeleted"] == 0
    with pytest.raises(ClientError) as exc:
        _delete(aws, personalize, url, "one")
    assert error_of(exc)[0] == "ResourceAlreadyExistsException"
    with pytest.raises(ClientError) as exc:
        personalize.create_data_deletion_job(
            jobName="two",
            datasetGroupArn=aws.outputs.dataset_group_arn + "-nope",
            dataSource={"dataLocation": url},
            roleArn=aws.outputs.personalize_role_arn,
        )
    assert error_of(exc)[0] == "ResourceNotFoundException"
    _delete(aws, personalize, url, "three")
    listed = personalize.list_data_deletion_jobs(datasetGroupArn=aws.outputs.dataset_group_arn)
    jobs = listed["dataDeletionJobs"]
    assert [j["jobName"] for j in jobs] == ["three", "one"]  # newest first
    assert {j["status"] for j in jobs} == {"COMPLETED"}
    assert set(jobs[0]) == {
        "dataDeletionJobArn",
        "datasetGroupArn",
        "jobName",
        "status",
        "creationDateTime",
        "lastUpdatedDateTime",
    }
    other = personalize.list_data_deletion_jobs(datasetGroupArn=aws.outputs.dataset_group_arn + "x")
    assert other["dataDeletionJobs"] == []
    with pytest.raises(ClientError) as exc:
        personalize.describe_data_deletion_job(dataDeletionJobArn=first["dataDeletionJobArn"] + "x")
    assert error_of(exc)[0] == "ResourceNotFoundException"
