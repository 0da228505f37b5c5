"""Dataset import jobs: the role, the bucket policy, the CSV rules, the import modes, the limit."""

from __future__ import annotations

import contextlib
import json

import pytest
from botocore.exceptions import ClientError
from emu_helpers import INTERACTIONS_HEADER, csv_text, error_of, interactions, wait_status

PRIVILEGES = "Insufficient privileges for accessing data in S3."
PERSONALIZE = {"Service": "personalize.amazonaws.com"}


def _role(aws, name: str, trust_principal=PERSONALIZE, condition=None, policy=None) -> str:
    iam = aws.client("iam")
    statement = {"Effect": "Allow", "Principal": trust_principal, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    trust = {"Version": "2012-10-17", "Statement": [statement]}
    with contextlib.suppress(ClientError):
        iam.delete_role_policy(RoleName=name, PolicyName="inline")
    with contextlib.suppress(ClientError):
        iam.delete_role(RoleName=name)
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    if policy:
        iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=json.dumps(policy))
    return arn


def _s3_read_all() -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
    }


def _recommend_top(aws, train, deploy, name: str) -> list[dict]:
    """The popularity-count top 3 after training on what the dataset holds now."""
    _, version = train(name)
    assert version["status"] == "ACTIVE", version.get("failureReason")
    campaign = deploy(name, version["solutionVersionArn"])
    runtime = aws.client("personalize-runtime")
    return runtime.get_recommendations(campaignArn=campaign, userId="anyone", numResults=3)[
        "itemList"
    ]


def test_full_replaces_and_incremental_appends(aws, train, deploy, put_csv, run_import):
    base = interactions(30, 40)
    boost = [(f"u{u:03d}", "boost", 1_700_000_000 + u) for u in range(30)] * 50
    job = run_import(put_csv("a.csv", csv_text(INTERACTIONS_HEADER, base)))
    assert job["status"] == "ACTIVE" and job["importMode"] == "FULL"
    job = run_import(put_csv("b.csv", csv_text(INTERACTIONS_HEADER, boost)), mode="INCREMENTAL")
    assert job["status"] == "ACTIVE"
    top = _recommend_top(aws, train, deploy, "after-incremental")
    assert top[0]["itemId"] == "boost"
    assert "score" not in top[0]  # the guide: no scores for Popularity-Count
    assert run_import(put_csv("c.csv", csv_text(INTERACTIONS_HEADER, base)))["status"] == "ACTIVE"
    assert "boost" not in [i["itemId"] for i in _recommend_top(aws, train, deploy, "after-full")]


def test_a_prefix_imports_every_csv_directly_under_it(put_csv, run_import, personalize, aws):
    rows = interactions(30, 40)
    put_csv("split/part-1.csv", csv_text(INTERACTIONS_HEADER, rows[:600]))
    put_csv("split/part-2.csv", csv_text(INTERACTIONS_HEADER, rows[600:]))
    put_csv("split/README.txt", "not data")
    put_csv("split/nested/broken.csv", "NOT,A,HEADER\n")  # not directly under the prefix
    url = f"s3://{aws.outputs.bucket_name}/{aws.outputs.data_prefix}split/"
    assert run_import(url)["status"] == "ACTIVE"
    jobs = personalize.list_dataset_import_jobs(datasetArn=aws.outputs.dataset_arns["Interactions"])
    assert [j["status"] for j in jobs["datasetImportJobs"]] == ["ACTIVE"]


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("missing-role", "does not exist"),
        ("trusts-ec2", "trust policy"),
        ("wrong-source-account", "trust policy"),
        ("no-s3-permission", "s3:ListBucket"),
        ("only-other-prefix", "s3:GetObject"),
    ],
)
def test_the_role_must_be_assumable_and_allowed_to_read(aws, put_csv, run_import, case, expected):
    url = put_csv("ok.csv", csv_text(INTERACTIONS_HEADER, interactions(2, 3)))
    bucket_arn = f"arn:aws:s3:::{aws.outputs.bucket_name}"
    roles = {
        "missing-role": lambda: "arn:aws:iam::123456789012:role/does-not-exist",
        "trusts-ec2": lambda: _role(
            aws, "ec2-role", {"Service": "ec2.amazonaws.com"}, None, _s3_read_all()
        ),
        "wrong-source-account": lambda: _role(
            aws,
            "other-account",
            PERSONALIZE,
            {"StringEquals": {"aws:SourceAccount": "999999999999"}},
            _s3_read_all(),
        ),
        "no-s3-permission": lambda: _role(aws, "no-s3"),
        "only-other-prefix": lambda: _role(
            aws,
            "other-prefix",
            policy={
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": bucket_arn},
                    {
                        "Effect": "Allow",
                        "Action": "s3:GetObject",
                        "Resource": f"{bucket_arn}/else/*",
                    },
                ],
            },
        ),
    }
    job = run_import(url, role_arn=roles[case]())
    assert job["status"] == "CREATE FAILED"
    assert job["failureReason"].startswith(PRIVILEGES)
    assert expected in job["failureReason"]


def test_an_explicit_deny_in_the_role_wins(aws, put_csv, run_import):
    policy = _s3_read_all()
    policy["Statement"].append(
        {"Effect": "Deny", "Action": "s3:Get*", "Resource": "arn:aws:s3:::*/*secret*"}
    )
    role = _role(aws, "deny-secret", policy=policy)
    rows = csv_text(INTERACTIONS_HEADER, interactions(2, 3))
    assert run_import(put_csv("public.csv", rows), role_arn=role)["status"] == "ACTIVE"
    job = run_import(put_csv("secret.csv", rows), role_arn=role)
    assert job["status"] == "CREATE FAILED" and "s3:GetObject" in job["failureReason"]


def test_attached_managed_policies_count(aws, put_csv, run_import):
    iam = aws.client("iam")
    role = _role(aws, "attached")
    policy_arn = iam.create_policy(
        PolicyName=f"read-{role.rsplit('/', 1)[1]}", PolicyDocument=json.dumps(_s3_read_all())
    )["Policy"]["Arn"]
    iam.attach_role_policy(RoleName="attached", PolicyArn=policy_arn)
    try:
        url = put_csv("ok.csv", csv_text(INTERACTIONS_HEADER, interactions(2, 3)))
        assert run_import(url, role_arn=role)["status"] == "ACTIVE"
    finally:
        iam.detach_role_policy(RoleName="attached", PolicyArn=policy_arn)
        iam.delete_policy(PolicyArn=policy_arn)


def test_the_bucket_policy_must_let_the_service_read(aws, run_import):
    s3 = aws.client("s3")
    bucket = "no-policy-bucket"
    if bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
        s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="x.csv", Body=csv_text(INTERACTIONS_HEADER, [("u", "i", 1)]))
    role = _role(aws, "reads-everything", policy=_s3_read_all())
    job = run_import(f"s3://{bucket}/x.csv", role_arn=role)
    assert job["status"] == "CREATE FAILED"
    assert job["failureReason"].startswith(PRIVILEGES)
    assert f"fix bucket policy on {bucket}" in job["failureReason"]
    s3.put_bucket_policy(
        Bucket=bucket,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": PERSONALIZE,
                        "Action": "s3:GetObject",  # ListBucket is missing
                        "Resource": f"arn:aws:s3:::{bucket}/*",
                    }
                ],
            }
        ),
    )
    job = run_import(f"s3://{bucket}/x.csv", role_arn=role)
    assert job["status"] == "CREATE FAILED" and "s3:ListBucket" in job["failureReason"]


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("header.csv", "USER,ITEM_ID,TIMESTAMP\nu1,i1,1600000000\n", "header"),
        ("millis.csv", "USER_ID,ITEM_ID,TIMESTAMP\nu1,i1,1600000000000\n", "TIMESTAMP"),
        ("text.csv", "USER_ID,ITEM_ID,TIMESTAMP\nu1,i1,yesterday\n", "row 1"),
        ("empty-id.csv", "USER_ID,ITEM_ID,TIMESTAMP\n,i1,1600000000\n", "USER_ID"),
    ],
)
def test_data_that_breaks_the_documented_rules_fails_the_job(
    put_csv, run_import, name, text, expected
):
    job = run_import(put_csv(name, text))
    assert job["status"] == "CREATE FAILED"
    assert job["failureReason"].startswith("Data does not match the schema.")
    assert name in job["failureReason"] and expected in job["failureReason"]


def test_items_import_checks_the_items_schema(put_csv, run_import):
    good = "ITEM_ID,GENRES,YEAR\ni1,Comedy|Drama,1995\ni2,,\n"
    assert run_import(put_csv("items.csv", good), dataset_type="Items")["status"] == "ACTIVE"
    bad = "ITEM_ID,GENRES,YEAR\ni1,Comedy,nineteen\n"
    job = run_import(put_csv("items-bad.csv", bad), dataset_type="Items")
    assert job["status"] == "CREATE FAILED" and "YEAR" in job["failureReason"]


def test_a_missing_object_or_empty_prefix_fails_the_job(aws, run_import):
    bucket = aws.outputs.bucket_name
    job = run_import(f"s3://{bucket}/nothing/here.csv")
    assert job["status"] == "CREATE FAILED" and "not found" in job["failureReason"]
    job = run_import(f"s3://{bucket}/nothing/")
    assert job["status"] == "CREATE FAILED" and "No CSV files" in job["failureReason"]


def test_at_most_five_import_jobs_pending_or_in_progress(aws, personalize, put_csv, slow, no_retry):
    url = put_csv("ok.csv", csv_text(INTERACTIONS_HEADER, interactions(2, 3)))
    slow(4)
    arns = []
    for index in range(5):
        arns.append(
            personalize.create_dataset_import_job(
                jobName=f"limit-{index}",
                datasetArn=aws.outputs.dataset_arns["Interactions"],
                dataSource={"dataLocation": url},
                roleArn=aws.outputs.personalize_role_arn,
            )["datasetImportJobArn"]
        )
    # botocore retries LimitExceededException (a throttling code): look at the first answer.
    with pytest.raises(ClientError) as exc:
        no_retry("personalize").create_dataset_import_job(
            jobName="limit-5",
            datasetArn=aws.outputs.dataset_arns["Interactions"],
            dataSource={"dataLocation": url},
            roleArn=aws.outputs.personalize_role_arn,
        )
    code, status, message = error_of(exc)
    assert (code, status) == ("LimitExceededException", 400) and "5" in message
    with pytest.raises(ClientError) as exc:  # a dataset with running imports cannot be deleted
        personalize.delete_dataset(datasetArn=aws.outputs.dataset_arns["Interactions"])
    assert error_of(exc)[0] == "ResourceInUseException"
    for arn in arns:
        job = wait_status(
            lambda arn=arn: personalize.describe_dataset_import_job(datasetImportJobArn=arn),
            "datasetImportJob",
        )
        assert job["status"] == "ACTIVE"


def test_job_names_are_unique_and_datasets_must_exist(aws, personalize, put_csv, run_import):
    url = put_csv("ok.csv", csv_text(INTERACTIONS_HEADER, interactions(2, 3)))
    run_import(url)
    with pytest.raises(ClientError) as exc:
        personalize.create_dataset_import_job(
            jobName="job-0",
            datasetArn=aws.outputs.dataset_arns["Interactions"],
            dataSource={"dataLocation": url},
            roleArn=aws.outputs.personalize_role_arn,
        )
    assert error_of(exc)[0] == "ResourceAlreadyExistsException"
    with pytest.raises(ClientError) as exc:
        personalize.create_dataset_import_job(
            jobName="nowhere",
            datasetArn=aws.outputs.dataset_arns["Interactions"] + "X",
            dataSource={"dataLocation": url},
            roleArn=aws.outputs.personalize_role_arn,
        )
    assert error_of(exc)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as exc:
        personalize.create_dataset_import_job(
            jobName="badmode",
            datasetArn=aws.outputs.dataset_arns["Interactions"],
            dataSource={"dataLocation": "ftp://x"},
            roleArn=aws.outputs.personalize_role_arn,
        )
    assert error_of(exc)[0] == "InvalidInputException"


def test_forced_import_failures(put_csv, run_import, stand_in_faults):
    stand_in_faults(fail_imports=True, failure_reason="Injected by the test.")
    job = run_import(put_csv("ok.csv", csv_text(INTERACTIONS_HEADER, interactions(2, 3))))
    assert (job["status"], job["failureReason"]) == ("CREATE FAILED", "Injected by the test.")


def test_import_job_status_paths(aws, personalize, put_csv, slow):
    good = put_csv("ok.csv", csv_text(INTERACTIONS_HEADER, interactions(2, 3)))
    bad = put_csv("bad.csv", "USER_ID,ITEM_ID\nu,i\n")
    slow(20)
    for name, url, end in (("good", good, "ACTIVE"), ("bad", bad, "CREATE FAILED")):
        arn = personalize.create_dataset_import_job(
            jobName=name,
            datasetArn=aws.outputs.dataset_arns["Interactions"],
            dataSource={"dataLocation": url},
            roleArn=aws.outputs.personalize_role_arn,
        )["datasetImportJobArn"]
        seen: list[str] = []
        wait_status(
            lambda arn=arn: personalize.describe_dataset_import_job(datasetImportJobArn=arn),
            "datasetImportJob",
            record=seen,
        )
        assert seen == ["CREATE PENDING", "CREATE IN_PROGRESS", end]
