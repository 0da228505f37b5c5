"""batch recommend, offline: Personalize answered by botocore's Stubber (requests checked
against the model), S3 by moto in-process; the input format and filter values are checked
against the guide's own examples."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from pathlib import Path

import boto3
import botocore.session
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from wf_helpers import DSG, REGION, ROLE, FakeClock, offline_context

from personalize_movielens.errors import CloudError, ConfigError, DataError
from personalize_movielens.workflow import batch
from personalize_movielens.workflow.context import WorkflowContext
from personalize_movielens.workflow.plan import Plan

BUCKET = "movielens-data"
SOLUTION = f"{DSG.replace('dataset-group', 'solution')}-user-personalization-v2"
VERSION = f"{SOLUTION}/abcd1234"
FILTER = DSG.replace("dataset-group", "filter") + "-genre"
OUT_PREFIX = "personalize/batch-output/"
TITLES = "ITEM_ID,TITLE,GENRES\n10,Toy Story (1995),Comedy\n11,Heat (1995),Action\n"


def make_ctx(clock: FakeClock, dry_run: bool = False, **outputs: object) -> WorkflowContext:
    base = offline_context(clock)
    values = {"batch_output_prefix": OUT_PREFIX, "filter_arns": {"genre": FILTER}, **outputs}
    ctx = replace(base, outputs=replace(base.outputs, **values))
    if dry_run:
        ctx = replace(ctx, clients=replace(ctx.clients, plan=Plan(), _cache={}))
    return ctx


@pytest.fixture
def s3(aws_env):
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        yield client


@pytest.fixture
def data(tmp_path: Path) -> Path:
    (tmp_path / "titles.csv").write_text(TITLES)
    (tmp_path / "interactions.csv").write_text(
        "USER_ID,ITEM_ID,TIMESTAMP\n1,10,5\n1,11,6\n2,10,7\n3,11,8\n3,10,9\n"
    )
    return tmp_path


def input_lines(users: list[str], values: dict[str, str] | None = None) -> str:
    lines = []
    for user in users:
        record: dict[str, object] = {"userId": user}
        if values:
            record["filterValues"] = values
        lines.append(json.dumps(record, separators=(",", ":")) + "\n")
    return "".join(lines)


def names_for(content: str, num: int = 25, filter_arn: str = "") -> tuple[str, str]:
    """The input's key and the job's name, as the tool derives them from the content."""
    sha = hashlib.sha256(content.encode()).hexdigest()
    key = f"personalize/input/batch/users-{sha[:16]}.json"
    return key, batch.job_base(DSG, VERSION, key, str(num), filter_arn)


def stub_solution(stub: Stubber) -> None:
    stub.add_response(
        "list_solutions",
        {"solutions": [{"name": "movielens-user-personalization-v2", "solutionArn": SOLUTION}]},
        {"datasetGroupArn": DSG},
    )
    stub.add_response(
        "list_solution_versions",
        {"solutionVersions": [{"solutionVersionArn": VERSION, "status": "ACTIVE"}]},
        {"solutionArn": SOLUTION},
    )


def stub_create(stub: Stubber, name: str, key: str, num: int = 25, **extra: object) -> None:
    arn = f"arn:aws:personalize:{REGION}:123456789012:batch-inference-job/{name}"
    stub.add_response(
        "create_batch_inference_job",
        {"batchInferenceJobArn": arn},
        {
            "jobName": name,
            "solutionVersionArn": VERSION,
            "numResults": num,
            "jobInput": {"s3DataSource": {"path": f"s3://{BUCKET}/{key}"}},
            "jobOutput": {"s3DataDestination": {"path": f"s3://{BUCKET}/{OUT_PREFIX}{name}/"}},
            "roleArn": ROLE,
            **extra,
        },
    )
    stub.add_response(
        "describe_batch_inference_job",
        {"batchInferenceJob": {"jobName": name, "batchInferenceJobArn": arn, "status": "ACTIVE"}},
        {"batchInferenceJobArn": arn},
    )


def put_output(s3, name: str, key: str, records: list[dict]) -> None:
    """What the service writes: `<input name>.out` under the job's output path (the guide's
    batch-inference-job-output-examples: {"input":..., "output":..., "error":...} a line)."""
    out_key = f"{OUT_PREFIX}{name}/{key.rsplit('/', 1)[1]}.out"
    body = "".join(json.dumps(r) + "\n" for r in records)
    s3.put_object(Bucket=BUCKET, Key=out_key, Body=body.encode())


def record(user: str, items: list[str], error: str | None = None) -> dict:
    output = {"recommendedItems": items, "scores": [0.5] * len(items)}
    return {"input": {"userId": user}, "output": output, "error": error}


def test_every_user_gets_a_job_and_a_csv_with_titles(s3, data, clock, capsys) -> None:
    ctx = make_ctx(clock)
    content = input_lines(["1", "2", "3"])
    key, name = names_for(content)
    put_output(s3, name, key, [record("1", ["10", "11"]), record("2", ["11"]), record("3", [])])
    with Stubber(ctx.clients.personalize) as stub:
        stub_solution(stub)
        stub.add_response("list_batch_inference_jobs", {"batchInferenceJobs": []})
        stub_create(stub, name, key)
        result = batch.recommend_batch(ctx, data, data / "out.csv")
        stub.assert_no_pending_responses()
    uploaded = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
    assert uploaded == content  # the guide: one {"userId": "..."} per line
    assert (data / "out.csv").read_text().splitlines() == [
        "user,rank,item,title",
        "1,1,10,Toy Story (1995)",
        "1,2,11,Heat (1995)",
        "2,1,11,Heat (1995)",
    ]
    assert (result.action, result.users, result.rows, result.status) == ("created", 3, 3, "ACTIVE")
    err = capsys.readouterr().err  # the cost, said before creating, for the job's recipe
    assert "3 recommendation lists, billed once for the job, with no campaign" in err
    assert "price unknown to this tool: aws-user-personalization-v2 has its own pricing" in err


def test_a_rerun_finds_the_job_and_downloads_again(s3, data, clock) -> None:
    ctx = make_ctx(clock)
    users = data / "users.txt"
    users.write_text("USER_ID\n2\n")
    key, name = names_for(input_lines(["2"]), num=5)
    put_output(s3, name, key, [record("2", ["10"])])
    arn = f"arn:aws:personalize:{REGION}:123456789012:batch-inference-job/{name}"
    with Stubber(ctx.clients.personalize) as stub:
        stub_solution(stub)
        job = {"jobName": name, "batchInferenceJobArn": arn, "status": "ACTIVE"}
        stub.add_response("list_batch_inference_jobs", {"batchInferenceJobs": [job]})
        stub.add_response("describe_batch_inference_job", {"batchInferenceJob": job})
        result = batch.recommend_batch(ctx, data, data / "o.csv", users_file=users, num_results=5)
    assert (result.action, result.rows) == ("reused", 1)


def test_filter_values_are_quoted_as_the_guide_shows(s3, data, clock) -> None:
    """filter-batch.html: "For multiple values, separate each value with a comma:
    "filterValues":{"GENRES":"\\"horror\\",\\"comedy\\",\\"drama\\""}"."""
    ctx = make_ctx(clock)
    users = data / "users.txt"
    users.write_text("1\n")
    values = {"GENRES": '"horror","comedy","drama"'}
    key, name = names_for(input_lines(["1"], values), filter_arn=FILTER)
    put_output(s3, name, key, [record("1", ["10"])])
    with Stubber(ctx.clients.personalize) as stub:
        expression = "INCLUDE ItemID WHERE Items.GENRES IN ($GENRES)"
        stub.add_response("describe_filter", {"filter": {"filterExpression": expression}})
        stub_solution(stub)
        stub.add_response("list_batch_inference_jobs", {"batchInferenceJobs": []})
        stub_create(stub, name, key, filterArn=FILTER)
        batch.recommend_batch(
            ctx,
            data,
            data / "o.csv",
            users_file=users,
            filter_name="genre",
            filter_values=["GENRES=horror", "GENRES=comedy", "GENRES=drama"],
        )
    line = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read().decode()
    assert '"filterValues":{"GENRES":"\\"horror\\",\\"comedy\\",\\"drama\\""}' in line


@pytest.mark.parametrize(
    ("expression", "values", "message"),
    [
        ("INCLUDE ItemID WHERE Items.GENRES IN ($GENRE)", ["YEAR=1995"], "has no $YEAR"),
        ('EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")', ["G=x"], "no placeholders"),
        ("INCLUDE ItemID WHERE Items.GENRES IN ($GENRE)", [], "needs a value for $GENRE"),
        ("INCLUDE ItemID WHERE Items.GENRES IN ($GENRE)", ["GENRE"], "expected KEY=VALUE"),
    ],
)
def test_filter_values_that_do_not_fit_the_filter_are_one_line_before_the_job(
    clock, data, expression, values, message
) -> None:
    ctx = make_ctx(clock)
    with Stubber(ctx.clients.personalize) as stub:  # nothing but the filter is read
        stub.add_response("describe_filter", {"filter": {"filterExpression": expression}})
        with pytest.raises(ConfigError) as info:
            batch.recommend_batch(
                ctx, data, data / "o.csv", filter_name="genre", filter_values=values
            )
    assert message in info.value.one_line()


def test_a_filter_value_longer_than_the_api_takes_is_refused_before_any_call(clock, data) -> None:
    """The limit is botocore's (personalize-runtime FilterAttributeValue max); no response is
    queued, so DescribeFilter, an upload or the create would fail the test."""
    model = botocore.session.get_session().get_service_model("personalize-runtime")
    shape = model.operation_model("GetRecommendations").input_shape.members["filterValues"]
    too_long = "GENRE=" + "x" * (shape.value.metadata["max"] + 1)
    ctx = make_ctx(clock)
    with Stubber(ctx.clients.personalize), pytest.raises(ConfigError) as info:
        batch.recommend_batch(
            ctx, data, data / "o.csv", filter_name="genre", filter_values=[too_long]
        )
    assert "--filter-value GENRE:" in info.value.one_line() and "xxx" not in str(info.value)


def test_an_unknown_filter_names_the_known_ones(clock, data) -> None:
    with pytest.raises(ConfigError) as info:
        batch.recommend_batch(make_ctx(clock), data, data / "o.csv", filter_name="nope")
    assert "--filter nope: unknown filter; the stack's filters are genre." in str(info.value)


def test_filter_values_without_a_filter_are_refused(clock, data) -> None:
    with pytest.raises(ConfigError, match="--filter-value needs --filter"):
        batch.recommend_batch(make_ctx(clock), data, data / "o.csv", filter_values=["G=x"])


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ("", "line 1: no users"),
        ("USER_ID\n", "line 1: no users"),
        ("1\n\n2\n", "line 2: empty"),
        ("1\n\n \n2\n\n", "line 2: empty"),
        ("1\n2,3\n", "line 2: '2,3' is not a USER_ID"),
        ("1\n" + "x" * 257 + "\n", "line 2:"),
    ],
)
def test_a_bad_users_file_is_refused_before_any_call(clock, data, content, where) -> None:
    users = data / "users.txt"
    users.write_text(content)
    ctx = make_ctx(clock)
    with Stubber(ctx.clients.personalize), pytest.raises(DataError) as info:  # no responses
        batch.recommend_batch(ctx, data, data / "o.csv", users_file=users)
    assert f"{users}: {where}" in info.value.one_line()
    assert not (data / "o.csv").exists()


def test_a_byte_order_mark_is_not_part_of_the_first_user(tmp_path, data) -> None:
    """Excel's "CSV UTF-8" and Windows tools start the file with EF BB BF; kept, the first ID
    would be "\ufeff1", a user the service does not know."""
    users = data / "users.txt"
    users.write_bytes(b"\xef\xbb\xbf1\r\n2\r\n")
    assert batch.build_input(tmp_path, data, users, {}).path.read_text() == input_lines(["1", "2"])
    users.write_bytes(b"\xef\xbb\xbfUSER_ID\n3\n")  # the header is recognised behind one too
    assert batch.build_input(tmp_path, data, users, {}).path.read_text() == input_lines(["3"])


def test_bytes_that_are_not_utf8_are_one_line_naming_the_line(clock, data) -> None:
    users = data / "users.txt"
    users.write_bytes(b"USER_ID\n1\nJos\xe9\n")  # Latin-1, as an old export writes it
    ctx = make_ctx(clock)
    with Stubber(ctx.clients.personalize), pytest.raises(DataError) as info:  # no responses
        batch.recommend_batch(ctx, data, data / "o.csv", users_file=users)
    line = info.value.one_line()
    assert f"{users}: line 3: not UTF-8 (byte 0xe9" in line and "\n" not in line


@pytest.mark.parametrize("end", ["\n", "\n\n", "\r\n\r\n", "\n  \n"])
def test_blank_lines_at_the_end_are_tolerated(tmp_path, data, end) -> None:
    users = data / "users.txt"
    users.write_text("USER_ID\n1\n2" + end, newline="")
    assert batch.build_input(tmp_path, data, users, {}).path.read_text() == input_lines(["1", "2"])


def test_a_user_listed_twice_is_asked_once_with_a_note(tmp_path, data, capsys) -> None:
    """Each list is billed: a repeated user would be billed and written twice for one answer."""
    users = data / "users.txt"
    users.write_text("1\n2\n1\n3\n2\n")
    made = batch.build_input(tmp_path, data, users, {})
    assert made.path.read_text() == input_lines(["1", "2", "3"])
    assert (made.users, made.duplicates) == (3, 2)
    err = capsys.readouterr().err
    assert f"{users}: 2 duplicate user line(s) skipped" in err
    assert "(the first: line 3, 1)" in err


def test_all_users_are_streamed_once_each(tmp_path, data) -> None:
    made = batch.build_input(tmp_path, data, None, {})
    assert made.path.read_text() == input_lines(["1", "2", "3"])


def test_users_not_grouped_are_deduplicated(tmp_path, data) -> None:
    (data / "interactions.csv").write_text("USER_ID,ITEM_ID,TIMESTAMP\n2,1,1\n1,1,2\n2,3,3\n")
    made = batch.build_input(tmp_path, data, None, {})
    assert made.path.read_text() == input_lines(["2", "1"])


def test_no_batch_output_prefix_says_how_to_turn_it_on(clock, data) -> None:
    ctx = make_ctx(clock, batch_output_prefix=None)
    with pytest.raises(ConfigError) as info:
        batch.recommend_batch(ctx, data, data / "o.csv")
    assert "enable_batch_output" in info.value.one_line()


def test_trending_now_gives_no_batch_recommendations(clock, data) -> None:
    with pytest.raises(ConfigError, match="no batch recommendations"):
        batch.recommend_batch(make_ctx(clock), data, data / "o.csv", recipe="aws-trending-now")


def test_a_domain_stack_without_a_custom_solution_is_told_why(clock, data) -> None:
    ctx = make_ctx(clock, domain="VIDEO_ON_DEMAND")
    with Stubber(ctx.clients.personalize) as stub:
        stub.add_response("list_solutions", {"solutions": []})
        with pytest.raises(ConfigError) as info:
            batch.recommend_batch(ctx, data, data / "o.csv")
    assert "real-time recommendations only" in info.value.one_line()


def test_users_the_job_failed_are_counted(s3, data, clock) -> None:
    ctx = make_ctx(clock)
    key, name = names_for(input_lines(["1", "2", "3"]))
    put_output(s3, name, key, [record("1", ["10"]), record("2", [], "User error: unknown")])
    with Stubber(ctx.clients.personalize) as stub:
        stub_solution(stub)
        stub.add_response("list_batch_inference_jobs", {"batchInferenceJobs": []})
        stub_create(stub, name, key)
        result = batch.recommend_batch(ctx, data, data / "o.csv")
    assert (result.rows, result.users_failed) == (1, 1)
    assert result.first_error == "user 2: User error: unknown"


def test_a_malformed_output_leaves_no_csv(s3, data, clock) -> None:
    ctx = make_ctx(clock)
    key, name = names_for(input_lines(["1", "2", "3"]))
    out_key = f"{OUT_PREFIX}{name}/{key.rsplit('/', 1)[1]}.out"
    s3.put_object(Bucket=BUCKET, Key=out_key, Body=b'{"input":{"userId":"1"}}\nnot json\n')
    with Stubber(ctx.clients.personalize) as stub:
        stub_solution(stub)
        stub.add_response("list_batch_inference_jobs", {"batchInferenceJobs": []})
        stub_create(stub, name, key)
        with pytest.raises(CloudError, match="line 2: not a batch output record"):
            batch.recommend_batch(ctx, data, data / "o.csv")
    assert not (data / "o.csv").exists()


def test_dry_run_plans_the_upload_and_the_create(s3, data, clock, monkeypatch) -> None:
    """The reads are replaced (a dry run still makes them); the create and the describe are
    answered by the plan, after the call layer checked their parameters against the model."""
    monkeypatch.setattr(batch, "_solution_version", lambda ctx, recipe: VERSION)
    monkeypatch.setattr(batch, "list_jobs", lambda ctx, version: [])
    ctx = make_ctx(clock, dry_run=True)
    result = batch.recommend_batch(ctx, data, data / "o.csv")
    operations = [c.operation for c in result.planned or []]
    assert operations == ["UploadFile", "CreateBatchInferenceJob"]
    assert result.status == "PLANNED" and result.csv_path is None
    assert not (data / "o.csv").exists()
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET)
