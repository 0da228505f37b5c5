"""Code that real users run, run against the stand-in: AWS's getting-started notebook.

aws-samples/amazon-personalize-samples, getting_started/notebooks/
1.Building_Your_First_Campaign.ipynb (commit 5a69fc41c0825ad0baa2fd3b6fb7dbff5182b9cd) is the
first thing AWS hands a new Personalize user. This module makes its boto3 calls in its order,
with its parameters, through plain `boto3.client(...)` reaching the stand-in by the standard
endpoint variables, as the notebook's code would if its environment pointed there. What differs
is only what cannot be the same offline: the data (a small synthetic MovieLens-shaped table in
place of the downloaded ml-100k, already filtered to ratings above 3 as the notebook filters
it, so no pandas), the bucket and role names (unique per run), the polling loops'
`time.sleep(60)`, and the pandas table of titles at the end (the IDs it would look up are
checked instead). The code is this project's own, reproducing the call sequence; none of the
notebook's is copied.

The notebook's prerequisites come from its CloudFormation template
(getting_started/personalize_getting_started.yaml, same commit): a bucket with a policy letting
`personalize.amazonaws.com` get, put and list; a role Personalize assumes, with the managed
policies AmazonPersonalizeFullAccess and AmazonSSMReadOnlyAccess (the stand-in's moto loads
AWS's managed policies) and a customer managed policy allowing `s3:*` on the bucket; and two
SSM String parameters naming the bucket and the role, which the notebook reads. The fixture
makes those resources in moto server (which serves SSM as it serves S3 and IAM) with the calls the
template's resources stand for, and deletes them after.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from personalize_movielens.local.pytest_plugin import LocalStandIn

NOTEBOOK = "getting_started/notebooks/1.Building_Your_First_Campaign.ipynb"
BUCKET_PARAMETER = "/cloudformation/personalize-s3-bucket"
ROLE_PARAMETER = "/cloudformation/personalize-iam-role-arn"
#: The notebook polls every 60 s for up to 3 hours; the stand-in moves in milliseconds.
POLL_SECONDS = 0.01
MAX_WAIT_SECONDS = 60.0


def movielens_like_rows(users: int = 60, items: int = 120, seed: int = 100) -> list[str]:
    """USER_ID,ITEM_ID,TIMESTAMP lines as the notebook writes them from ml-100k's u.data after
    keeping ratings above 3: integer IDs, epoch seconds, every user with several interactions
    (the recipe needs at least 1000 interactions and 25 users with two or more)."""
    rng = random.Random(seed)
    lines = ["USER_ID,ITEM_ID,TIMESTAMP"]
    for user in range(1, users + 1):
        taste = rng.sample(range(1, items + 1), 30)
        start = 874_724_710 + user * 10_000
        lines += [f"{user},{item},{start + step * 60}" for step, item in enumerate(taste)]
    return lines


@pytest.fixture
def getting_started_stack(aws: LocalStandIn) -> Iterator[dict[str, str]]:
    """The notebook's CloudFormation resources (the ones it uses) in moto; SSM reached like the
    other services, by the endpoint variable the stand-in sets, so the notebook's
    `boto3.client('ssm')` finds it."""
    suffix = uuid.uuid4().hex[:8]
    bucket = f"personalizedemo{suffix}"
    s3, iam, ssm = aws.client("s3"), aws.client("iam"), aws.client("ssm")
    location = {} if aws.region == "us-east-1" else {"LocationConstraint": aws.region}
    s3.create_bucket(Bucket=bucket, **({"CreateBucketConfiguration": location} if location else {}))
    resources = [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Id": "PersonalizeS3BucketAccessPolicy",
                "Statement": [
                    {
                        "Action": ["s3:GetObject", "s3:PutObject", "s3:ListBucket"],
                        "Effect": "Allow",
                        "Resource": resources,
                        "Principal": {"Service": "personalize.amazonaws.com"},
                    }
                ],
            }
        ),
    )
    role_name = f"PersonalizeIamRole-{suffix}"
    role_arn = iam.create_role(
        RoleName=role_name,
        Path="/",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "personalize.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    # The template's two AWS managed policies (the stand-in's moto loads them), then its
    # customer managed policy for the bucket (AWS's grants no access to this bucket's name).
    aws_managed = [
        "arn:aws:iam::aws:policy/service-role/AmazonPersonalizeFullAccess",
        "arn:aws:iam::aws:policy/AmazonSSMReadOnlyAccess",
    ]
    managed = [
        iam.create_policy(
            PolicyName=f"AmazonS3BucketAccessPolicy-{suffix}",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": ["s3:*"], "Resource": resources}],
                }
            ),
        )["Policy"]["Arn"]
    ]
    for policy_arn in aws_managed + managed:
        iam.attach_role_policy(RoleName=role_name, PolicyArn=policy_arn)
    for name, value in ((BUCKET_PARAMETER, bucket), (ROLE_PARAMETER, role_arn)):
        ssm.put_parameter(Name=name, Type="String", Value=value, Overwrite=True)
    yield {"bucket": bucket, "role_arn": role_arn}
    ssm.delete_parameters(Names=[BUCKET_PARAMETER, ROLE_PARAMETER])
    for policy_arn in aws_managed + managed:
        iam.detach_role_policy(RoleName=role_name, PolicyArn=policy_arn)
    iam.delete_policy(PolicyArn=managed[0])
    iam.delete_role(RoleName=role_name)
    for version in s3.list_object_versions(Bucket=bucket).get("Versions", []):
        s3.delete_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])
    s3.delete_bucket(Bucket=bucket)


def poll_like_the_notebook(describe: Callable[[], dict[str, Any]], key: str) -> str:
    """The notebook's loop after each create: describe, stop at ACTIVE or CREATE FAILED, sleep
    (60 s there), give up after a while (3 hours there). Returns the last status."""
    max_time = time.time() + MAX_WAIT_SECONDS
    status = ""
    while time.time() < max_time:
        status = describe()[key]["status"]
        if status == "ACTIVE" or status == "CREATE FAILED":
            break
        time.sleep(POLL_SECONDS)
    return str(status)


def test_building_your_first_campaign(getting_started_stack, tmp_path: Path) -> None:
    """The notebook from its SSM look-ups to its first recommendations. It calls
    CreateSolutionVersion right after CreateSolution without waiting, as 22 of the repository's
    notebooks do; the service answered 200 there (recorded outputs), so the stand-in must too."""
    # Clients as the notebook makes them: no endpoint, no region, no credentials in the code.
    personalize = boto3.client("personalize")
    personalize_runtime = boto3.client("personalize-runtime")
    ssm = boto3.client("ssm")
    personalizes3bucket = ssm.get_parameter(Name=BUCKET_PARAMETER, WithDecryption=False)
    bucket = personalizes3bucket["Parameter"]["Value"]
    assert bucket == getting_started_stack["bucket"]
    filename = "movie-lens-100k.csv"

    rows = movielens_like_rows()
    (tmp_path / filename).write_text("\n".join(rows) + "\n")
    upload = boto3.Session().resource("s3").Bucket(bucket).Object(filename)
    upload.upload_file(str(tmp_path / filename))

    schema = {
        "type": "record",
        "name": "Interactions",
        "namespace": "com.amazonaws.personalize.schema",
        "fields": [
            {"name": "USER_ID", "type": "string"},
            {"name": "ITEM_ID", "type": "string"},
            {"name": "TIMESTAMP", "type": "long"},
        ],
        "version": "1.0",
    }
    create_schema_response = personalize.create_schema(
        name="personalize-demo-schema", schema=json.dumps(schema)
    )
    schema_arn = create_schema_response["schemaArn"]
    print(json.dumps(create_schema_response, indent=2))

    create_dataset_group_response = personalize.create_dataset_group(name="personalize-launch-demo")
    dataset_group_arn = create_dataset_group_response["datasetGroupArn"]
    print(json.dumps(create_dataset_group_response, indent=2))
    status = poll_like_the_notebook(
        lambda: personalize.describe_dataset_group(datasetGroupArn=dataset_group_arn),
        "datasetGroup",
    )
    assert status == "ACTIVE"

    create_dataset_response = personalize.create_dataset(
        name="personalize-launch-interactions",
        datasetType="INTERACTIONS",
        datasetGroupArn=dataset_group_arn,
        schemaArn=schema_arn,
    )
    dataset_arn = create_dataset_response["datasetArn"]
    print(json.dumps(create_dataset_response, indent=2))
    status = poll_like_the_notebook(
        lambda: personalize.describe_dataset(datasetArn=dataset_arn), "dataset"
    )
    assert status == "ACTIVE"

    personalizeiamrolearn = ssm.get_parameter(Name=ROLE_PARAMETER, WithDecryption=False)
    personalizeiamrolearn = personalizeiamrolearn["Parameter"]["Value"]
    create_dataset_import_job_response = personalize.create_dataset_import_job(
        jobName="personalize-demo-import1",
        datasetArn=dataset_arn,
        dataSource={"dataLocation": f"s3://{bucket}/{filename}"},
        roleArn=personalizeiamrolearn,
    )
    dataset_import_job_arn = create_dataset_import_job_response["datasetImportJobArn"]
    print(json.dumps(create_dataset_import_job_response, indent=2))
    status = poll_like_the_notebook(
        lambda: personalize.describe_dataset_import_job(datasetImportJobArn=dataset_import_job_arn),
        "datasetImportJob",
    )
    job = personalize.describe_dataset_import_job(datasetImportJobArn=dataset_import_job_arn)
    assert status == "ACTIVE", job["datasetImportJob"].get("failureReason")

    list_recipes_response = personalize.list_recipes()
    recipe_arn = "arn:aws:personalize:::recipe/aws-user-personalization"
    assert recipe_arn in [r["recipeArn"] for r in list_recipes_response["recipes"]]

    create_solution_response = personalize.create_solution(
        name="personalize-demo-soln-user-personalization",
        datasetGroupArn=dataset_group_arn,
        recipeArn=recipe_arn,
    )
    solution_arn = create_solution_response["solutionArn"]
    print(json.dumps(create_solution_response, indent=2))
    # No wait here, as in the notebook.
    create_solution_version_response = personalize.create_solution_version(solutionArn=solution_arn)
    solution_version_arn = create_solution_version_response["solutionVersionArn"]
    print(json.dumps(create_solution_version_response, indent=2))
    status = poll_like_the_notebook(
        lambda: personalize.describe_solution_version(solutionVersionArn=solution_version_arn),
        "solutionVersion",
    )
    assert status == "ACTIVE"

    get_solution_metrics_response = personalize.get_solution_metrics(
        solutionVersionArn=solution_version_arn
    )
    metrics = get_solution_metrics_response["metrics"]
    assert {"coverage", "mean_reciprocal_rank_at_25", "precision_at_25"} <= set(metrics)
    print(json.dumps(get_solution_metrics_response, indent=2))

    create_campaign_response = personalize.create_campaign(
        name="personalize-demo-camp",
        solutionVersionArn=solution_version_arn,
        minProvisionedTPS=1,
        campaignConfig={"itemExplorationConfig": {"explorationWeight": "0.5"}},
    )
    campaign_arn = create_campaign_response["campaignArn"]
    print(json.dumps(create_campaign_response, indent=2))
    status = poll_like_the_notebook(
        lambda: personalize.describe_campaign(campaignArn=campaign_arn), "campaign"
    )
    assert status == "ACTIVE"

    user_id, _, _ = random.Random(0).choice(rows[1:]).split(",")  # the notebook's data.sample()
    get_recommendations_response = personalize_runtime.get_recommendations(
        campaignArn=campaign_arn, userId=str(user_id)
    )
    item_list = get_recommendations_response["itemList"]
    assert len(item_list) == 25
    catalogue = {line.split(",")[1] for line in rows[1:]}
    # The notebook looks each title up by `int(item['itemId']) - 1` in u.item: IDs must be the
    # catalogue's.
    assert all(item["itemId"] in catalogue for item in item_list)
