"""Helpers for the tests of the jobs that write to S3 or read a list from it (export, deletion).

The stack's role and bucket policy grant only reading the input prefix (least privilege), so a
test that exports makes its own bucket and role with what the guide asks for, as a user would.
The stack has Interactions and Items datasets; `add_dataset` adds one of another type.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from botocore.exceptions import ClientError
from emu_helpers import wait_status

PERSONALIZE = {"Service": "personalize.amazonaws.com"}
EXPORT_BUCKET = "personalize-movielens-local-exports"
WRITE_ACTIONS = ["s3:PutObject", "s3:ListBucket"]


def policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def writer(aws: Any, role_actions: list[str], bucket_actions: list[str], name: str) -> str:
    """A role named `name` allowed `role_actions` on the export bucket, whose bucket policy
    allows Personalize `bucket_actions`; returns the role's ARN."""
    s3, iam = aws.client("s3"), aws.client("iam")
    with contextlib.suppress(ClientError):
        s3.create_bucket(Bucket=EXPORT_BUCKET)
    resources = [f"arn:aws:s3:::{EXPORT_BUCKET}", f"arn:aws:s3:::{EXPORT_BUCKET}/*"]
    s3.put_bucket_policy(
        Bucket=EXPORT_BUCKET,
        Policy=policy(
            {
                "Effect": "Allow",
                "Principal": PERSONALIZE,
                "Action": bucket_actions,
                "Resource": resources,
            }
        ),
    )
    with contextlib.suppress(ClientError):
        iam.delete_role_policy(RoleName=name, PolicyName="export")
    with contextlib.suppress(ClientError):
        iam.delete_role(RoleName=name)
    trust = policy({"Effect": "Allow", "Principal": PERSONALIZE, "Action": "sts:AssumeRole"})
    arn: str = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=name,
        PolicyName="export",
        PolicyDocument=policy({"Effect": "Allow", "Action": role_actions, "Resource": resources}),
    )
    return arn


def add_dataset(aws: Any, personalize: Any, dataset_type: str, fields: list[dict[str, Any]]) -> str:
    """An ACTIVE dataset of `dataset_type` with these schema fields in the stack's group."""
    schema = {
        "type": "record",
        "name": dataset_type,
        "namespace": "com.amazonaws.personalize.schema",
        "fields": fields,
        "version": "1.0",
    }
    name = dataset_type.lower()
    schema_arn = personalize.create_schema(name=name, schema=json.dumps(schema))["schemaArn"]
    arn: str = personalize.create_dataset(
        name=name,
        schemaArn=schema_arn,
        datasetGroupArn=aws.outputs.dataset_group_arn,
        datasetType=dataset_type,
    )["datasetArn"]
    wait_status(lambda: personalize.describe_dataset(datasetArn=arn), "dataset")
    return arn


def run_export(
    personalize: Any, dataset_arn: str, role_arn: str, name: str, mode: str | None = None
) -> dict[str, Any]:
    """Export the dataset to s3://EXPORT_BUCKET/exports/ and wait for the job's end."""
    extra = {"ingestionMode": mode} if mode else {}
    arn = personalize.create_dataset_export_job(
        jobName=name,
        datasetArn=dataset_arn,
        roleArn=role_arn,
        jobOutput={"s3DataDestination": {"path": f"s3://{EXPORT_BUCKET}/exports/"}},
        **extra,
    )["datasetExportJobArn"]
    return wait_status(
        lambda: personalize.describe_dataset_export_job(datasetExportJobArn=arn),
        "datasetExportJob",
    )


def exported(aws: Any, name: str) -> str:
    """The text of the file the export job `name` wrote."""
    body = aws.client("s3").get_object(Bucket=EXPORT_BUCKET, Key=f"exports/{name}/part-00000.csv")
    text: str = body["Body"].read().decode()
    return text
