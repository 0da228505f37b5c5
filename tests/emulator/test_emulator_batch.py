"""Batch inference jobs on the stand-in, through boto3: input and output files in moto's S3.

Quotes: the developer guide's batch pages (https://docs.aws.amazon.com/personalize/latest/dg/
batch-data-upload.html, creating-batch-inference-job.html, recommendations-batch.html,
granting-personalize-s3-access.html, limits.html), as awsdocs/amazon-personalize-developer-guide's
doc_source has them, and the API reference (botocore's model).
"""

from __future__ import annotations

import json
import re
import time

import pytest
from botocore.exceptions import ClientError
from emu_helpers import csv_text, error_of, wait_status
from filter_helpers import (
    INTERACTIONS_WITH_TYPES,
    ITEMS_HEADER,
    create_filter,
    items_rows,
    typed_interactions,
)
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
    aws.client("personalize-events").put_events(
        trackingId=aws.outputs.event_tracking_id,  # the stack's tracker
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


# --- filters -----------------------------------------------------------------------------------
#: filter-batch.html (https://docs.aws.amazon.com/personalize/latest/dg/filter-batch.html).
FILTER_VALUES_QUOTE = (
    "For filters with placeholder parameters, such as `$GENRE`, you must provide the values for "
    "the parameters in a `filterValues` object in your input JSON. For a `filterValues` object, "
    "each key is a parameter name. Each value is the criteria that you are passing as a "
    'parameter. Surround each value with escaped quotes: `"filterValues":{"GENRES":"\\"drama\\""}`.'
)
#: Its input example: "The `GENRES` key corresponds to a `$GENRES` placeholder".
GUIDE_INPUT_LINE = (
    '{"userId": "5","filterValues":{"GENRES":"\\"horror\\",\\"comedy\\",\\"drama\\""}}'
)
#: API reference, GetRecommendations filterValues (the same filter applies to batch lines:
#: filter-batch.html "works nearly the same as filtering real-time recommendations").
OMITTED_QUOTE = (
    "For filters with expressions that use an EXCLUDE element to exclude items, you can omit the "
    "filter-values. In this case, Amazon Personalize doesn't use that portion of the expression "
    "to filter recommendations."
)
INCLUDE_QUOTE = (
    "For filter expressions that use an INCLUDE element to include items, you must provide values "
    "for all parameters that are defined in the expression."
)
GENRE_OF = {item: genre.split("|") for item, genre, _ in items_rows()}


@pytest.fixture
def filtered(aws, put_csv, run_import, train, deploy) -> dict[str, str]:
    """The stack with filters (with_event_value: EVENT_TYPE, so the default "unwatched" filter),
    Items with GENRES, typed interactions; a popularity-count version (the same list for
    everyone, watched items included) and a campaign on it to compare lines with."""
    outputs = aws.reset(with_event_value=True)
    job = run_import(put_csv("items.csv", csv_text(ITEMS_HEADER, items_rows())), "Items")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    _, version = train("popular", rows=typed_interactions(), header=INTERACTIONS_WITH_TYPES)
    assert version["status"] == "ACTIVE", version.get("failureReason")
    return {
        "group": outputs.dataset_group_arn,
        "version": version["solutionVersionArn"],
        "campaign": deploy("popular", version["solutionVersionArn"]),
    }


def _line(user: str, **filter_values: str) -> str:
    """A line in the guide's format: each value in escaped quotes, several joined by commas."""
    record: dict[str, object] = {"userId": user}
    if filter_values:
        record["filterValues"] = filter_values
    return json.dumps(record)


def _recommended(line: str) -> list[str]:
    parsed = json.loads(line)
    assert parsed["error"] is None, parsed["error"]
    return list(parsed["output"]["recommendedItems"])


def test_the_quotes_are_botocores_and_the_lines_the_guides(aws) -> None:
    """The filterValues rules as botocore's model documents GetRecommendations' filterValues,
    and the tests' lines in the guide's input format."""
    runtime = aws.client("personalize-runtime").meta.service_model
    member = runtime.operation_model("GetRecommendations").input_shape.members["filterValues"]
    documented = " ".join(re.sub(r"<[^>]+>", "", member.documentation).split())
    documented = documented.replace("filter-values.In", "filter-values. In")  # the model's typo
    assert INCLUDE_QUOTE in documented and OMITTED_QUOTE in documented
    assert json.loads(GUIDE_INPUT_LINE)["filterValues"] == {"GENRES": '"horror","comedy","drama"'}
    assert _line("5", GENRES='"horror","comedy","drama"') == json.dumps(
        json.loads(GUIDE_INPUT_LINE)
    )
    assert "Surround each value with escaped quotes" in FILTER_VALUES_QUOTE


def test_a_job_with_an_include_filter_applies_each_lines_filter_values(
    aws, personalize, filtered, role, put_input, run_batch
):
    """FILTER_VALUES_QUOTE: each line carries its own values for the job's filter; a line that
    omits the value of an INCLUDE placeholder (INCLUDE_QUOTE: "you must provide values") gets an
    error line of its own, the job goes on (numResults "includes the error messages generated for
    failed input records")."""
    arn = create_filter(
        personalize, filtered["group"], "genres", "INCLUDE ItemID WHERE Items.GENRES IN ($GENRES)"
    )["filterArn"]
    lines = [
        _line("u00", GENRES='"Drama"'),
        _line("u31", GENRES='"Comedy"'),
        _line("u02"),  # no filterValues
    ]
    job = run_batch(
        "genres", filtered["version"], put_input("genres.json", lines), role,
        numResults=10, filterArn=arn,
    )  # fmt: skip
    assert job["status"] == "ACTIVE", job.get("failureReason")
    assert job["filterArn"] == arn
    drama, comedy, missing = _output(aws, "genres.json")
    assert all("Drama" in GENRE_OF[i] for i in _recommended(drama))
    assert all("Comedy" in GENRE_OF[i] for i in _recommended(comedy))
    assert len(_recommended(drama)) == len(_recommended(comedy)) == 10
    runtime = aws.client("personalize-runtime")
    for out, user, genre in ((drama, "u00", "Drama"), (comedy, "u31", "Comedy")):
        live = runtime.get_recommendations(
            campaignArn=filtered["campaign"], userId=user, numResults=10,
            filterArn=arn, filterValues={"GENRES": f'"{genre}"'},
        )  # fmt: skip
        assert _recommended(out) == [i["itemId"] for i in live["itemList"]]
    parsed = json.loads(missing)
    assert parsed["input"] == {"userId": "u02"} and parsed["output"] is None
    assert "$GENRES" in parsed["error"]


def test_an_exclude_placeholder_a_line_omits_is_not_applied(
    aws, personalize, filtered, role, put_input, run_batch
):
    """OMITTED_QUOTE: without a value the EXCLUDE expression is left out, so that line gets the
    unfiltered list; with one, the genre is gone."""
    arn = create_filter(
        personalize, filtered["group"], "no-genre", "EXCLUDE ItemID WHERE Items.GENRES IN ($GENRES)"
    )["filterArn"]
    lines = [_line("u00", GENRES='"Drama"'), _line("u00")]
    job = run_batch(
        "nogenre", filtered["version"], put_input("nogenre.json", lines), role,
        numResults=10, filterArn=arn,
    )  # fmt: skip
    assert job["status"] == "ACTIVE", job.get("failureReason")
    without_drama, unfiltered = (_recommended(line) for line in _output(aws, "nogenre.json"))
    assert without_drama and not any("Drama" in GENRE_OF[i] for i in without_drama)
    live = aws.client("personalize-runtime").get_recommendations(
        campaignArn=filtered["campaign"], userId="u00", numResults=10
    )
    assert unfiltered == [i["itemId"] for i in live["itemList"]]
    assert any("Drama" in GENRE_OF[i] for i in unfiltered)  # the filter would have changed it


def test_the_stacks_unwatched_filter_takes_each_users_watched_items_out(
    aws, filtered, role, put_input, run_batch
):
    """The default "unwatched" filter (no placeholders: lines carry no filterValues, as
    filter-batch.html allows) excludes what each line's user interacted with."""
    arn = aws.outputs.filter_arns["unwatched"]
    users = ["u00", "u07"]
    job = run_batch(
        "unwatched", filtered["version"], put_input("unwatched.json", [_line(u) for u in users]),
        role, numResults=20, filterArn=arn,
    )  # fmt: skip
    assert job["status"] == "ACTIVE", job.get("failureReason")
    seen = {u: {item for user, item, *_ in typed_interactions() if user == u} for u in users}
    runtime = aws.client("personalize-runtime")
    for user, line in zip(users, _output(aws, "unwatched.json"), strict=True):
        items = _recommended(line)
        assert len(items) == 20 and not seen[user] & set(items)
        everything = runtime.get_recommendations(
            campaignArn=filtered["campaign"], userId=user, numResults=60
        )
        ranking = [i["itemId"] for i in everything["itemList"]]
        assert seen[user] & set(ranking[:20])  # unfiltered, watched items would be there
        assert items == [i for i in ranking if i not in seen[user]][:20]


def test_delete_filter_is_refused_while_a_batch_job_using_it_is_in_progress(
    aws, personalize, filtered, role, put_input, slow, no_retry
):
    """filter-real-time.html: "You can't delete a filter while a batch inference job is in
    progress." (ResourceInUseException, DeleteFilter's error for a resource in use in botocore's
    model); once the job has ended, the filter can be deleted."""
    model = personalize.meta.service_model.operation_model("DeleteFilter")
    assert "ResourceInUseException" in {shape.name for shape in model.error_shapes}
    arn = aws.outputs.filter_arns["unwatched"]
    slow(2)
    job_arn = personalize.create_batch_inference_job(
        jobName="inuse",
        solutionVersionArn=filtered["version"],
        filterArn=arn,
        jobInput={"s3DataSource": {"path": put_input("inuse.json", [_line("u00")])}},
        jobOutput={"s3DataDestination": {"path": f"s3://{EXPORT_BUCKET}/out/"}},
        roleArn=role,
    )["batchInferenceJobArn"]
    status = personalize.describe_batch_inference_job(batchInferenceJobArn=job_arn)
    assert status["batchInferenceJob"]["status"] in {"CREATE PENDING", "CREATE IN_PROGRESS"}
    with pytest.raises(ClientError) as exc:
        no_retry("personalize").delete_filter(filterArn=arn)
    assert error_of(exc)[0] == "ResourceInUseException"
    assert personalize.describe_filter(filterArn=arn)["filter"]["status"] == "ACTIVE"
    slow(200)
    job = wait_status(
        lambda: personalize.describe_batch_inference_job(batchInferenceJobArn=job_arn),
        "batchInferenceJob",
    )
    assert job["status"] == "ACTIVE", job.get("failureReason")
    personalize.delete_filter(filterArn=arn)  # the job has ended: allowed now
