"""The stand-in through an independent client: the AWS SDK for JavaScript v3 (tools/js-sdk).

DESIGN.md: "Independent clients (another SDK, the AWS CLI) must get the answers the service
gives". boto3 and the AWS CLI v1 are botocore, whose models the emulator validates with, so they
can agree with its mistakes; the JS SDK has its own serializers and parsers (and, unlike
botocore, checks no lengths on the client, so the server's own validation answers). One Node
process runs every call of this module (tools/js-sdk/run-calls.mjs), configured only by the
variables `local env` prints (AWS_REGION among them: the JS SDK does not read AWS_DEFAULT_REGION).

Quotes: the API reference, as botocore's models hold it (PutEvents: "an HTTP 200 response with
an empty HTTP body"; GetRecommendations.filterValues), and the developer guide's
https://docs.aws.amazon.com/personalize/latest/dg/filter-real-time.html on quoting values.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import vod_helpers as vod
from emu_helpers import wait_status
from filter_helpers import INTERACTIONS_WITH_TYPES, ITEMS_HEADER, items_rows, typed_interactions

from personalize_movielens.local.emulator.validation import service_model
from personalize_movielens.local.pytest_plugin import LocalStandIn

JS_SDK = Path(__file__).resolve().parents[2] / "tools" / "js-sdk"
RUN_CALLS = JS_SDK / "run-calls.mjs"
GENRE_OF = {item: genres for item, genres, _ in items_rows()}
NEW_USER = "js-new-user"
SENT_AT = 1_700_000_000.25
MALFORMED = "EXCLUDE ItemID WHERE Items.GENRES IN"


def _date(seconds: float) -> dict[str, float]:
    return {"$date": seconds}


def _ref(call: str, *path: str | int) -> dict[str, Any]:
    return {"$ref": call, "path": list(path)}


def _event(item: str, offset: float = 0.0, **extra: Any) -> dict[str, Any]:
    return {"eventType": "watch", "itemId": item, "sentAt": _date(SENT_AT + offset), **extra}


def _node() -> str:
    node = shutil.which("node")
    if node is None or not (JS_SDK / "node_modules").is_dir():
        pytest.fail("the JS SDK is not installed: run `make setup` (it needs Node.js >= 20)")
    return node


def run_js(aws: LocalStandIn, calls: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Run the calls in one Node process, with the stand-in's variables as a user exports
    them; returns each call's result by id (see run-calls.mjs)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(aws.env)
    done = subprocess.run(
        [_node(), str(RUN_CALLS)],
        input=json.dumps({"calls": calls}),
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    results: dict[str, dict[str, Any]] = json.loads(done.stdout)["results"]
    return results


@pytest.mark.parametrize(
    ("request_text", "problem"),
    [
        ("nope\n", "run-calls: the request is not JSON: "),
        ('{"calls": [{"id": "a", "client": "events", "command": "GetRecommendations"}]}',
         "run-calls: calls[0].command GetRecommendations is not a command of the events client"),
    ],
)  # fmt: skip
def test_run_calls_rejects_a_bad_request_in_one_line(request_text: str, problem: str) -> None:
    done = subprocess.run(
        [_node(), "--no-warnings", str(RUN_CALLS)],
        input=request_text,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(problem), done.stderr


def _train_campaign(aws: LocalStandIn, personalize: Any, put_csv: Any) -> tuple[str, str]:
    """Items and typed interactions in the stack's group, popularity-count trained and
    deployed; returns (solution version ARN, campaign ARN)."""
    role = aws.outputs.personalize_role_arn
    for dataset_type, header, rows in (
        ("Items", ITEMS_HEADER, items_rows()),
        ("Interactions", INTERACTIONS_WITH_TYPES, typed_interactions()),
    ):
        job = vod.import_rows(
            personalize,
            put_csv,
            role,
            aws.outputs.dataset_arns[dataset_type],
            header,
            rows,
            f"js-{dataset_type.lower()}",
        )
        assert job["status"] == "ACTIVE", job.get("failureReason")
    solution = personalize.create_solution(
        name="js-popular",
        datasetGroupArn=aws.outputs.dataset_group_arn,
        recipeArn="arn:aws:personalize:::recipe/aws-popularity-count",
    )["solutionArn"]
    wait_status(lambda: personalize.describe_solution(solutionArn=solution), "solution")
    version = personalize.create_solution_version(solutionArn=solution)["solutionVersionArn"]
    trained = wait_status(
        lambda: personalize.describe_solution_version(solutionVersionArn=version),
        "solutionVersion",
    )
    assert trained["status"] == "ACTIVE", trained.get("failureReason")
    campaign = personalize.create_campaign(name="js-popular", solutionVersionArn=version)[
        "campaignArn"
    ]
    wait_status(lambda: personalize.describe_campaign(campaignArn=campaign), "campaign")
    return version, campaign


def _vod_recommender(aws: LocalStandIn, personalize: Any, put_csv: Any) -> tuple[str, str]:
    """A VIDEO_ON_DEMAND group beside the stack's, with data, an ACTIVE top-picks recommender
    and a genre filter; returns (recommender ARN, filter ARN)."""
    group = vod.create_vod_group(personalize, name="js-vod")
    role = aws.outputs.personalize_role_arn
    for dataset_type, header, rows in (
        ("Interactions", vod.INTERACTIONS_HEADER, vod.watch_and_click()),
        ("Items", vod.ITEMS_HEADER, vod.catalogue()),
    ):
        job = vod.import_rows(
            personalize,
            put_csv,
            role,
            group.datasets[dataset_type],
            header,
            rows,
            f"js-vod-{dataset_type.lower()}",
        )
        assert job["status"] == "ACTIVE", job.get("failureReason")
    recommender = vod.create_recommender(personalize, group.arn, "js-picks", "aws-vod-top-picks")
    assert vod.wait_recommender(personalize, recommender)["status"] == "ACTIVE"
    genre = personalize.create_filter(
        name="js-vod-genre",
        datasetGroupArn=group.arn,
        filterExpression="INCLUDE ItemID WHERE Items.GENRES IN ($GENRE)",
    )["filterArn"]
    wait_status(lambda: personalize.describe_filter(filterArn=genre), "filter")
    return recommender, genre


def _call(call_id: str, client: str, command: str, **params: Any) -> dict[str, Any]:
    """One call for run-calls.mjs: `client` is personalize, runtime or events."""
    return {"id": call_id, "client": client, "command": command, "input": params}


def _calls(aws: LocalStandIn, stack: dict[str, str]) -> list[dict[str, Any]]:
    """Every call of the module, in order (later ones use earlier answers)."""
    outputs = aws.outputs
    tracker = {"trackingId": outputs.event_tracking_id}
    genre, unwatched = outputs.filter_arns["genre"], outputs.filter_arns["unwatched"]
    campaign = {"campaignArn": stack["campaign"], "numResults": 10}
    recommender = {"recommenderArn": stack["recommender"], "numResults": 5}
    group = {"datasetGroupArn": outputs.dataset_group_arn}
    unknown_campaign = stack["campaign"].rsplit("/", 1)[0] + "/js-no-such-campaign"
    describe_batch = _call(
        "describe-batch",
        "personalize",
        "DescribeBatchInferenceJob",
        batchInferenceJobArn=_ref("create-batch", "batchInferenceJobArn"),
    )
    describe_batch["until"] = {
        "path": ["batchInferenceJob", "status"],
        "in": ["ACTIVE", "CREATE FAILED"],
    }
    return [
        # GetRecommendations through a campaign, with the stack's filters
        _call("recommend", "runtime", "GetRecommendations", **campaign, userId="u00"),
        _call(
            "recommend-comedy",
            "runtime",
            "GetRecommendations",
            **campaign,
            userId="u00",
            filterArn=genre,
            filterValues={"GENRE": '"Comedy"'},
        ),
        _call(
            "recommend-no-values",
            "runtime",
            "GetRecommendations",
            **campaign,
            userId="u00",
            filterArn=genre,
        ),
        _call(
            "recommend-unknown-campaign",
            "runtime",
            "GetRecommendations",
            campaignArn=unknown_campaign,
            userId="u00",
        ),
        # PutEvents, then the user's next recommendations
        _call(
            "new-user-before",
            "runtime",
            "GetRecommendations",
            **campaign,
            userId=NEW_USER,
            filterArn=unwatched,
        ),
        _call(
            "put",
            "events",
            "PutEvents",
            **tracker,
            userId=NEW_USER,
            sessionId="js-1",
            eventList=[_event(_ref("new-user-before", "itemList", 0, "itemId"))],
        ),
        _call(
            "new-user-after",
            "runtime",
            "GetRecommendations",
            **campaign,
            userId=NEW_USER,
            filterArn=unwatched,
        ),
        _call(
            "put-properties",
            "events",
            "PutEvents",
            **tracker,
            userId="u01",
            sessionId="js-2",
            eventList=[
                _event(
                    "a01",
                    eventValue=4.5,
                    properties='{"numberOfRatings": "12"}',
                    recommendationId=_ref("recommend", "recommendationId"),
                    impression=["a01", "a02", "a03"],
                ),
                _event("a02", 1, properties={"numberOfRatings": "3"}),  # the SDK encodes it
            ],
        ),
        _call(
            "put-unknown-tracker",
            "events",
            "PutEvents",
            trackingId="00000000-0000-0000-0000-000000000000",
            sessionId="js-3",
            eventList=[_event("a01")],
        ),
        _call(
            "put-eleven",
            "events",
            "PutEvents",
            **tracker,
            userId="u02",
            sessionId="js-4",
            eventList=[_event(f"a{k:02d}", k) for k in range(11)],
        ),
        _call(
            "put-reserved-property",
            "events",
            "PutEvents",
            **tracker,
            userId="u02",
            sessionId="js-5",
            eventList=[_event("a01", properties='{"userId": "u03"}')],
        ),
        # a recommender of a VIDEO_ON_DEMAND group
        _call("recommender", "runtime", "GetRecommendations", **recommender, userId="u00"),
        _call(
            "recommender-comedy",
            "runtime",
            "GetRecommendations",
            **recommender,
            userId="u40",
            filterArn=stack["vod_genre"],
            filterValues={"GENRE": '"Comedy"'},
        ),
        _call(
            "describe-recommender",
            "personalize",
            "DescribeRecommender",
            recommenderArn=stack["recommender"],
        ),
        # the control plane (JSON 1.1)
        _call(
            "create-malformed-filter",
            "personalize",
            "CreateFilter",
            name="js-malformed",
            **group,
            filterExpression=MALFORMED,
        ),
        _call("describe-filter", "personalize", "DescribeFilter", filterArn=genre),
        _call("list-event-trackers", "personalize", "ListEventTrackers", **group),
        _call(
            "create-batch",
            "personalize",
            "CreateBatchInferenceJob",
            jobName="js-batch",
            solutionVersionArn=stack["version"],
            filterArn=unwatched,
            numResults=5,
            roleArn=outputs.personalize_role_arn,
            jobInput={"s3DataSource": {"path": stack["batch_input"]}},
            jobOutput={
                "s3DataDestination": {
                    "path": f"s3://{outputs.bucket_name}/{outputs.batch_output_prefix}"
                }
            },
        ),
        describe_batch,
    ]


@pytest.fixture(scope="module")
def js(local_stand_in: LocalStandIn) -> Any:
    """The stack (custom group with the event-typed schema, its filters and event tracker) with
    a campaign, a VOD group with a recommender, then every call through the JS SDK at once.
    Yields (results by call id, the stand-in, what the setup made); resets after."""
    aws = local_stand_in
    aws.reset(with_event_value=True)
    personalize, s3 = aws.client("personalize"), aws.client("s3")

    def put_csv(name: str, text: str) -> str:
        key = aws.outputs.data_prefix + name
        s3.put_object(Bucket=aws.outputs.bucket_name, Key=key, Body=text.encode())
        return f"s3://{aws.outputs.bucket_name}/{key}"

    version, campaign = _train_campaign(aws, personalize, put_csv)
    recommender, vod_genre = _vod_recommender(aws, personalize, put_csv)
    users = "\n".join(json.dumps({"userId": f"u{u:02d}"}) for u in range(3)) + "\n"
    stack = {
        "version": version,
        "campaign": campaign,
        "recommender": recommender,
        "vod_genre": vod_genre,
        "batch_input": put_csv("js-users.json", users),
    }
    started = time.monotonic()
    results = run_js(aws, _calls(aws, stack))
    stack["node_seconds"] = f"{time.monotonic() - started:.2f}"
    yield results, aws, stack
    aws.reset()


def _date_of(value: Any) -> datetime:
    """A timestamp the JS SDK parsed: run-calls.mjs tags Dates, so text would fail here."""
    assert isinstance(value, dict) and set(value) == {"$date"}, f"not a Date: {value!r}"
    assert value["$date"] != "Invalid Date"
    return datetime.fromisoformat(value["$date"].replace("Z", "+00:00"))


def _same_instant(js_value: Any, boto_value: datetime) -> None:
    """The JS SDK and botocore read the same instant (to the millisecond a Date holds)."""
    assert abs((_date_of(js_value) - boto_value).total_seconds()) < 0.001


def _ok(result: dict[str, Any]) -> dict[str, Any]:
    assert result["ok"], result
    assert result["status"] == 200
    output: dict[str, Any] = result["output"]
    return output


def _error(result: dict[str, Any], name: str, status: int) -> str:
    assert not result["ok"], result
    assert (result["name"], result["status"], result["fault"]) == (name, status, "client")
    assert result["message"], "the SDK parsed no message"
    message: str = result["message"]
    return message


def _items(output: dict[str, Any]) -> list[str]:
    for entry in output["itemList"]:
        assert isinstance(entry["itemId"], str)
        assert isinstance(entry.get("score", 0.0), float | int)
    assert isinstance(output["recommendationId"], str) and output["recommendationId"]
    return [entry["itemId"] for entry in output["itemList"]]


def test_the_quotes_are_the_api_references() -> None:
    put_events = service_model("personalize-events").operation_model("PutEvents")
    assert "Records item interaction event data" in put_events.documentation
    values = service_model("personalize-runtime").operation_model("GetRecommendations")
    assert "Separate multiple values for one parameter with a comma" in (
        values.input_shape.members["filterValues"].documentation
    )


def _members(value: Any, path: str = "") -> set[str]:
    """The member paths of a JSON value (a tagged Date is a leaf)."""
    found: set[str] = set()
    if isinstance(value, dict) and set(value) != {"$date"}:
        for key, member in value.items():
            found |= {f"{path}/{key}"} | _members(member, f"{path}/{key}")
    elif isinstance(value, list):
        for member in value:
            found |= _members(member, f"{path}[]")
    return found


def test_the_js_sdk_knows_every_member_the_emulator_sends(js: Any) -> None:
    """The SDK's generated shapes keep only the members its model has: a member the emulator
    sends that is missing from the parsed output is one the service does not have (a typo, an
    extra field); botocore drops those silently too."""
    results, _, _ = js
    answered = {call: r for call, r in results.items() if r["ok"] and r["raw"]["body"]}
    assert {"describe-batch", "describe-recommender", "recommender"} <= set(answered)
    for call, result in answered.items():
        sent = _members(json.loads(result["raw"]["body"]))
        assert sent == _members(result["output"]), call


def test_put_events_answers_200_with_an_empty_body(js: Any) -> None:
    """API_UBS_PutEvents.html: "If the action is successful, the service sends back an HTTP 200
    response with an empty HTTP body"; the JS SDK parses it to nothing but $metadata."""
    results, _, _ = js
    for call in ("put", "put-properties"):
        assert _ok(results[call]) == {}
        assert results[call]["raw"]["body"] == ""


def test_put_events_errors_parse_to_the_modelled_exception(js: Any) -> None:
    """PutEvents' only modelled error is InvalidInputException (400): an unknown tracking ID,
    eleven events (the model's eventList max is 10; the JS SDK sends them, botocore would not)
    and a reserved property key all come back as one the JS SDK names."""
    results, _, _ = js
    assert "00000000-0000-0000-0000-000000000000" in _error(
        results["put-unknown-tracker"], "InvalidInputException", 400
    )
    assert "eventList" in _error(results["put-eleven"], "InvalidInputException", 400)
    assert "userId" in _error(results["put-reserved-property"], "InvalidInputException", 400)


def test_an_event_put_through_js_changes_the_users_next_recommendations(js: Any) -> None:
    """The item the new user just watched (sent through the JS SDK) leaves their list filtered
    with the stack's `unwatched` filter (EXCLUDE ... Interactions.EVENT_TYPE IN ("*"))."""
    results, _, _ = js
    before = _items(_ok(results["new-user-before"]))
    after = _items(_ok(results["new-user-after"]))
    assert before[0] not in after
    assert before[1:] == after[: len(before) - 1]


def test_get_recommendations_from_a_campaign_with_quoted_filter_values(js: Any) -> None:
    """GetRecommendations.filterValues with the value quoted as filter-real-time.html writes it
    (`\\"comedy\\",\\"drama\\",\\"horror\\"`): every item of the answer is a comedy."""
    results, _, _ = js
    plain = _items(_ok(results["recommend"]))
    comedy = _items(_ok(results["recommend-comedy"]))
    assert len(plain) == len(comedy) == 10
    assert all("Comedy" in GENRE_OF[item].split("|") for item in comedy)
    assert not all("Comedy" in GENRE_OF[item].split("|") for item in plain)
    # INCLUDE with a placeholder: "you must provide values for all parameters"
    assert "$GENRE" in _error(results["recommend-no-values"], "InvalidInputException", 400)


def test_an_unknown_campaign_is_resource_not_found(js: Any) -> None:
    results, _, _ = js
    assert "js-no-such-campaign" in _error(
        results["recommend-unknown-campaign"], "ResourceNotFoundException", 404
    )


def test_get_recommendations_from_a_recommender_with_a_filter(js: Any) -> None:
    """recommenderArn of a VIDEO_ON_DEMAND group: u40 watches y-items (dramas); with the genre
    filter and '"Comedy"' every item is an x-item (the catalogue's comedies)."""
    results, _, _ = js
    assert len(_items(_ok(results["recommender"]))) == 5
    comedy = _items(_ok(results["recommender-comedy"]))
    assert len(comedy) == 5 and all(item.startswith("x") for item in comedy)
    assert all("score" not in entry for entry in _ok(results["recommender"])["itemList"])


def test_describe_recommender_fields_parse(js: Any) -> None:
    results, aws, stack = js
    got = _ok(results["describe-recommender"])["recommender"]
    boto = aws.client("personalize").describe_recommender(recommenderArn=stack["recommender"])
    boto = boto["recommender"]
    assert got["status"] == "ACTIVE" and got["recommenderArn"] == stack["recommender"]
    assert got["recommenderConfig"]["minRecommendationRequestsPerSecond"] == 1
    assert got["modelMetrics"] and all(
        isinstance(v, float | int) for v in got["modelMetrics"].values()
    )
    for field in ("creationDateTime", "lastUpdatedDateTime"):
        _same_instant(got[field], boto[field])


def test_a_malformed_filter_expression_is_invalid_input_with_the_reason(js: Any) -> None:
    results, _, _ = js
    message = _error(results["create-malformed-filter"], "InvalidInputException", 400)
    assert "Invalid Expression" in message


def test_describe_filter_and_list_event_trackers_fields_parse(js: Any) -> None:
    results, aws, _ = js
    personalize = aws.client("personalize")
    got = _ok(results["describe-filter"])["filter"]
    boto = personalize.describe_filter(filterArn=aws.outputs.filter_arns["genre"])["filter"]
    assert got["filterExpression"] == "INCLUDE ItemID WHERE Items.GENRES IN ($GENRE)"
    assert got["status"] == "ACTIVE" and got["datasetGroupArn"] == aws.outputs.dataset_group_arn
    for field in ("creationDateTime", "lastUpdatedDateTime"):
        _same_instant(got[field], boto[field])
    trackers = _ok(results["list-event-trackers"])["eventTrackers"]
    assert [t["eventTrackerArn"] for t in trackers] == [aws.outputs.event_tracker_arn]
    assert trackers[0]["status"] == "ACTIVE"
    boto_tracker = personalize.describe_event_tracker(
        eventTrackerArn=aws.outputs.event_tracker_arn
    )["eventTracker"]
    _same_instant(trackers[0]["creationDateTime"], boto_tracker["creationDateTime"])


def test_a_batch_inference_job_created_and_described_through_js(js: Any) -> None:
    results, aws, stack = js
    arn = _ok(results["create-batch"])["batchInferenceJobArn"]
    job = _ok(results["describe-batch"])["batchInferenceJob"]
    assert job["status"] == "ACTIVE", job.get("failureReason")
    assert job["batchInferenceJobArn"] == arn and job["jobName"] == "js-batch"
    assert job["numResults"] == 5 and isinstance(job["numResults"], int)
    assert job["filterArn"] == aws.outputs.filter_arns["unwatched"]
    assert job["jobInput"] == {"s3DataSource": {"path": stack["batch_input"]}}
    boto = aws.client("personalize").describe_batch_inference_job(batchInferenceJobArn=arn)
    for field in ("creationDateTime", "lastUpdatedDateTime"):
        _same_instant(job[field], boto["batchInferenceJob"][field])
