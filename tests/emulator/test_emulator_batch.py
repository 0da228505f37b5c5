"""Batch inference jobs on the stand-in, through boto3: input and output files in moto's S3.

Quotes: the developer guide's batch pages (https://docs.aws.amazon.com/personalize/latest/dg/
batch-data-upload.html, creating-batch-inference-job.html, recommendations-batch.html,
granting-personalize-s3-access.html, limits.html), as awsdocs/amazon-personalize-developer-guide's
doc_source has them, and the API reference (botocore's model).
"""

from __future__ import annotations

import json
import time

import pytest
from botocore.exceptions import ClientError
from emu_helpers import error_of, wait_status
from s3_jobs import EXPORT_BUCKET, writer
from test_emulator_campaigns import clusters

from personalize_movielens.local.emulator.controlplane import batch_jobs

#: The first line of the guide's USER_PERSONALIZATION output example (batch-data-upload.html).
GUIDE_LINE = (
    '{"input":{"userId":"4638"},"output":{"recommendedItems":["63992","115149"],'
    '"scores":[0.0152238,0.0069081]},"error":null}'
)
OUTPUT_NAME_QUOTE = "The output file's name will be of the format `input-name.out`"
DEFAULT_QUOTE = "The default is 25"
BATCH_ACTIONS = ["s3:GetObject", "s3:ListBucket", "s3:PutObject"]


def test_the_modules_quotes() -> None:
    doc = " ".join(batch_jobs.__doc__.split())
    for quote in (
        "Maximum size of batch inference job input: 1 GB",
        "Total number of pending or in progress batch inference jobs: 5",
        "you must retrain your solution version before creating a batch inference job",
    ):
        assert quote in doc
    assert batch_jobs.MAX_INPUT_BYTES == 1 << 30 and batch_jobs.MAX_PENDING == 5


@pytest.fixture
def role(aws):
    """A role with the guide's batch policy on the batch bucket (and its bucket policy)."""
    return writer(aws, BATCH_ACTIONS, BATCH_ACTIONS, "personalize-batch")


@pytest.fixture
def put_input(aws):
    s3 = aws.client("s3")

    def put(name: str, lines: list[str]) -> str:
        s3.put_object(Bucket=EXPORT_BUCKET, Key=f"in/{name}", Body="\n".join(lines).encode())
        return f"s3://{EXPORT_BUCKET}/in/{name}"

    return put


@pytest.fixture
def run_batch(personalize):
    def run(name, version_arn, input_url, role_arn, **extra):
        arn = personalize.create_batch_inference_job(
            jobName=name,
            solutionVersionArn=version_arn,
            jobInput={"s3DataSource": {"path": input_url}},
            jobOutput={"s3DataDestination": {"path": f"s3://{EXPORT_BUCKET}/out/"}},
            roleArn=role_arn,
            **extra,
        )["batchInferenceJobArn"]
        return wait_status(
            lambda: personalize.describe_batch_inference_job(batchInferenceJobArn=arn),
            "batchInferenceJob",
        )

    return run


def _output(aws, name: str) -> list[str]:
    body = aws.client("s3").get_object(Bucket=EXPORT_BUCKET, Key=f"out/{name}.out")["Body"]
    return body.read().decode().splitlines()


def test_user_lines_get_what_get_recommendations_answers_and_bad_lines_an_error(
    aws, train, deploy, role, put_input, run_batch
):
    _, version = train("batch", recipe="aws-user-personalization", rows=clusters())
    campaign = deploy("batch", version["solutionVersionArn"])
    url = put_input(
        "users.json",
        ['{"userId": "u00"}', '{"userId": "u31"}', "not json", '{"itemId": "x00"}'],
    )
    job = run_batch("users", version["solutionVersionArn"], url, role, numResults=5)
    assert job["status"] == "ACTIVE", job.get("failureReason")
    assert job["numResults"] == 5
    lines = _output(aws, "users.json")  # OUTPUT_NAME_QUOTE: `input-name.out`
    assert len(lines) == 4
    first = json.loads(lines[0])
    assert list(first) == list(json.loads(GUIDE_LINE))  # input, output, error, in that order
    assert list(first["output"]) == ["recommendedItems", "scores"]
    assert lines[0].startswith('{"input":{"userId":"u00"},"output":{"recommendedItems":["')
    runtime = aws.client("personalize-runtime")
    for line, user in zip(lines[:2], ["u00", "u31"], strict=True):
        answer = runtime.get_recommendations(campaignArn=campaign, userId=user, numResults=5)
        parsed = json.loads(line)
        assert parsed["output"]["recommendedItems"] == [i["itemId"] for i in answer["itemList"]]
        assert parsed["output"]["scores"] == [i["score"] for i in answer["itemList"]]
        assert parsed["error"] is None
    bad, missing = json.loads(lines[2]), json.loads(lines[3])
    assert bad["input"] == "not json" and bad["output"] is None and "not valid JSON" in bad["error"]
    assert missing["output"] is None and "userId is required" in missing["error"]


def test_related_items_lines_have_no_scores_and_num_results_defaults_to_25(
    aws, train, role, put_input, run_batch
):
    _, version = train("sims", recipe="aws-similar-items", rows=clusters())
    url = put_input("items.json", ['{"itemId": "x00"}'])
    job = run_batch("items", version["solutionVersionArn"], url, role)
    assert job["status"] == "ACTIVE", job.get("failureReason")
    assert job["numResults"] == 25  # DEFAULT_QUOTE, creating-batch-inference-job.html
    (line,) = _output(aws, "items.json")
    output = json.loads(line)["output"]
    assert list(output) == ["recommendedItems"] and len(output["recommendedItems"]) == 25


def test_batch_answers_from_the_trained_model_without_recorded_events(
    aws, personalize, train, role, put_input, run_batch
):
    _, version = train("norealtime", recipe="aws-user-personalization", rows=clusters())
    url = put_input("stranger.json", ['{"userId": "stranger"}'])
    before = run_batch("before", version["solutionVersionArn"], url, role)
    first = _output(aws, "stranger.json")
    tracker = personalize.create_event_tracker(
        name="t", datasetGroupArn=aws.outputs.dataset_group_arn
    )
    wait_status(
        lambda: personalize.describe_event_tracker(eventTrackerArn=tracker["eventTrackerArn"]),
        "eventTracker",
    )
    aws.client("personalize-events").put_events(
        trackingId=tracker["trackingId"],
        userId="stranger",
        sessionId="s",
        eventList=[{"eventType": "watch", "itemId": "y03", "sentAt": time.time()}],
    )
    after = run_batch("after", version["solutionVersionArn"], url, role)
    assert before["status"] == after["status"] == "ACTIVE"
    assert _output(aws, "stranger.json") == first


@pytest.mark.parametrize(
    ("role_actions", "bucket_actions", "expected"),
    [
        (["s3:GetObject", "s3:ListBucket"], BATCH_ACTIONS, "s3:PutObject"),
        (BATCH_ACTIONS, ["s3:PutObject", "s3:ListBucket"], "fix bucket policy"),
    ],
)
def test_a_role_or_bucket_without_the_batch_permissions_fails_the_job(
    aws, train, put_input, run_batch, role_actions, bucket_actions, expected
):
    _, version = train("denied", rows=clusters())
    role_arn = writer(aws, role_actions, bucket_actions, "personalize-batch-denied")
    url = put_input("denied.json", ['{"userId": "u00"}'])
    job = run_batch("denied", version["solutionVersionArn"], url, role_arn)
    assert job["status"] == "CREATE FAILED"
    assert "Insufficient privileges" in job["failureReason"] and expected in job["failureReason"]


def test_missing_input_fails_the_job(aws, train, role, run_batch):
    _, version = train("missing", rows=clusters())
    url = f"s3://{EXPORT_BUCKET}/in/none.json"
    job = run_batch("missing", version["solutionVersionArn"], url, role)
    assert job["status"] == "CREATE FAILED"
    assert "Input data not found" in job["failureReason"]


def test_statuses_the_pending_quota_and_the_listing(
    aws, personalize, train, role, put_input, slow, no_retry
):
    _, version = train("quota", rows=clusters())
    url = put_input("q.json", ['{"userId": "u00"}'])
    slow(2)
    arns = []
    for n in range(5):
        arns.append(
            personalize.create_batch_inference_job(
                jobName=f"q{n}",
                solutionVersionArn=version["solutionVersionArn"],
                jobInput={"s3DataSource": {"path": url}},
                jobOutput={"s3DataDestination": {"path": f"s3://{EXPORT_BUCKET}/out/"}},
                roleArn=role,
            )["batchInferenceJobArn"]
        )
    with pytest.raises(ClientError) as exc:  # without retries: the SDK retries this error
        no_retry("personalize").create_batch_inference_job(
            jobName="q5",
            solutionVersionArn=version["solutionVersionArn"],
            jobInput={"s3DataSource": {"path": url}},
            jobOutput={"s3DataDestination": {"path": f"s3://{EXPORT_BUCKET}/out/"}},
            roleArn=role,
        )
    assert error_of(exc)[0] == "LimitExceededException"
    listed = personalize.list_batch_inference_jobs(solutionVersionArn=version["solutionVersionArn"])
    assert sorted(j["batchInferenceJobArn"] for j in listed["batchInferenceJobs"]) == sorted(arns)
    seen: list[str] = []
    slow(200)
    wait_status(
        lambda: personalize.describe_batch_inference_job(batchInferenceJobArn=arns[0]),
        "batchInferenceJob",
        record=seen,
    )
    assert seen[-1] == "ACTIVE" and set(seen) <= {"CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE"}
