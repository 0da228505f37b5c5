"""Event trackers and PutEvents (personalize-events) on the stand-in, through boto3.

Quotes: the API reference (botocore's models, checked below) and the developer guide's
"Recording events" (https://docs.aws.amazon.com/personalize/latest/dg/recording-events.html),
its quotas (https://docs.aws.amazon.com/personalize/latest/dg/limits.html) and
API_UBS_PutEvents.html, as awsdocs/amazon-personalize-developer-guide's doc_source has them.
"""

from __future__ import annotations

import re
import time
import uuid

import pytest
from botocore.exceptions import ClientError
from emu_helpers import error_of, wait_gone, wait_status
from test_emulator_campaigns import clusters

from personalize_movielens.local.emulator import events, runtime
from personalize_movielens.local.emulator.controlplane import event_trackers
from personalize_movielens.local.emulator.validation import service_model

ONE_TRACKER_QUOTE = (
    "Only one event tracker can be associated with a dataset group. You will get an error if you "
    "call CreateEventTracker using the same dataset group as an existing event tracker."
)
STATUS_QUOTE = "CREATE PENDING > CREATE IN_PROGRESS > ACTIVE -or- CREATE FAILED"
ACTIVE_QUOTE = "The event tracker must be in the ACTIVE state before using the tracking ID."
DELETE_GROUP_QUOTE = "All associated event trackers"
REALTIME_QUOTE = (
    "This does not require retraining the model (unless you are using the SIMS or "
    "Popularity-Count recipes for custom solutions). Instead, Amazon Personalize adds the new "
    "recorded event data to the user's history"
)
EMPTY_BODY_QUOTE = "an HTTP 200 response with an empty HTTP body"


def _doc(service: str, operation: str | None = None, shape: str | None = None) -> str:
    model = service_model(service)
    if operation:
        text = model.operation_model(operation).documentation
    else:
        assert shape
        text = model.shape_for(shape).documentation
    return " ".join(re.sub(r"<[^>]+>", " ", text).replace("&gt;", ">").split())


def test_the_quotes_are_the_api_references_and_the_modules() -> None:
    create = _doc("personalize", "CreateEventTracker")
    for quote in (ONE_TRACKER_QUOTE, STATUS_QUOTE, ACTIVE_QUOTE):
        assert quote in create
    assert DELETE_GROUP_QUOTE in _doc("personalize", "DeleteDatasetGroup")
    assert events.MAX_EVENT_BYTES == 10 * 1024  # limits.html: "Maximum size of an event. 10 KB"
    event_list = service_model("personalize-events").shape_for("EventList")
    assert event_list.metadata["max"] == 10  # "Maximum number of events in a PutEvents call. 10"
    assert " ".join(ONE_TRACKER_QUOTE.split()) in " ".join(event_trackers.__doc__.split())
    assert REALTIME_QUOTE in " ".join(runtime.__doc__.split())


@pytest.fixture(autouse=True)
def stack_without_tracker(aws):
    """The stack as `enable_event_tracker = false` leaves it: the tests make their trackers."""
    aws.reset(event_tracker=False)


@pytest.fixture
def tracker(aws, personalize):
    """An ACTIVE event tracker of the stack's dataset group: (ARN, tracking ID)."""
    answer = personalize.create_event_tracker(
        name="clicks",
        datasetGroupArn=aws.outputs.dataset_group_arn,
        tags=[{"tagKey": "team", "tagValue": "recs"}],
    )
    tracker = wait_status(
        lambda: personalize.describe_event_tracker(eventTrackerArn=answer["eventTrackerArn"]),
        "eventTracker",
    )
    assert tracker["status"] == "ACTIVE"
    return answer["eventTrackerArn"], answer["trackingId"]


@pytest.fixture
def put(aws):
    client = aws.client("personalize-events")

    def send(tracking_id, user, items, session="s1", event_type="watch", **extra):
        now = time.time()
        return client.put_events(
            trackingId=tracking_id,
            sessionId=session,
            eventList=[
                {"eventType": event_type, "itemId": item, "sentAt": now + k, **extra}
                for k, item in enumerate(items)
            ],
            **({"userId": user} if user else {}),
        )

    return send


def test_tracker_statuses_tracking_id_one_per_group_and_tags(aws, personalize, slow):
    slow(40)
    group = aws.outputs.dataset_group_arn
    answer = personalize.create_event_tracker(name="clicks", datasetGroupArn=group)
    uuid.UUID(answer["trackingId"])  # a generated ID, like the guide's example
    seen: list[str] = []
    tracker = wait_status(
        lambda: personalize.describe_event_tracker(eventTrackerArn=answer["eventTrackerArn"]),
        "eventTracker",
        record=seen,
    )
    assert seen == ["CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE"]
    assert tracker["trackingId"] == answer["trackingId"]
    assert tracker["datasetGroupArn"] == group and tracker["accountId"] == "123456789012"
    with pytest.raises(ClientError) as exc:
        personalize.create_event_tracker(name="another", datasetGroupArn=group)
    assert error_of(exc)[0] == "ResourceAlreadyExistsException"
    listed = personalize.list_event_trackers(datasetGroupArn=group)["eventTrackers"]
    assert [t["eventTrackerArn"] for t in listed] == [answer["eventTrackerArn"]]
    assert set(listed[0]) == {
        "name",
        "eventTrackerArn",
        "status",
        "creationDateTime",
        "lastUpdatedDateTime",
    }


def test_a_dataset_group_with_a_tracker_is_not_deleted_and_a_tracker_goes(
    aws, personalize, tracker
):
    arn, _ = tracker
    tags = personalize.list_tags_for_resource(resourceArn=arn)["tags"]
    assert tags == [{"tagKey": "team", "tagValue": "recs"}]
    for dataset in aws.outputs.dataset_arns.values():
        personalize.delete_dataset(datasetArn=dataset)
        wait_gone(lambda d=dataset: personalize.describe_dataset(datasetArn=d))
    group = aws.outputs.dataset_group_arn
    with pytest.raises(ClientError) as exc:
        personalize.delete_dataset_group(datasetGroupArn=group)
    code, _, message = error_of(exc)
    assert code == "ResourceInUseException" and "1 event tracker(s)" in message
    personalize.delete_event_tracker(eventTrackerArn=arn)
    wait_gone(lambda: personalize.describe_event_tracker(eventTrackerArn=arn))
    personalize.delete_dataset_group(datasetGroupArn=group)


def test_put_events_answers_200_with_an_empty_body(aws, tracker, put):
    answer = put(tracker[1], "u00", ["x00", "x01"])
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert set(answer) == {"ResponseMetadata"}
    # The raw answer, as another client would see it.
    raw = aws.client("personalize-events")
    raw.meta.events.register(
        "after-call.personalize-events.PutEvents",
        lambda http_response, **_: seen.append(http_response.content),
    )
    seen: list[bytes] = []
    raw.put_events(
        trackingId=tracker[1],
        sessionId="s",
        eventList=[{"eventType": "watch", "itemId": "x02", "sentAt": time.time()}],
    )
    assert seen == [b""]
    assert EMPTY_BODY_QUOTE  # API_UBS_PutEvents.html's words for it


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"trackingId": "no-such-tracker"}, "does not belong to an event tracker"),
        ({"eventList": [{"eventType": "w", "itemId": "i", "sentAt": 1}] * 11}, "length less"),
        (
            {"eventList": [{"eventType": "w", "itemId": "i", "sentAt": 1, "properties": "{"}]},
            "JSON",
        ),
        (
            {
                "eventList": [
                    {"eventType": "w", "itemId": "i", "sentAt": 1, "properties": '{"UserId": "x"}'}
                ]
            },
            "can't include UserId",
        ),
        (
            # Within the model's lengths (characters) but over 10 KB in UTF-8.
            {
                "eventList": [
                    {"eventType": "w", "itemId": "i", "sentAt": 1, "impression": ["語" * 256] * 25}
                ]
            },
            "10 KB",
        ),
        ({"eventList": [{"eventType": "w", "sentAt": 1}]}, "itemId is required"),
    ],
)
def test_put_events_refuses_what_the_model_and_the_guide_refuse(aws, tracker, change, expected):
    client = aws.client("personalize-events")
    request = {
        "trackingId": tracker[1],
        "sessionId": "s1",
        "userId": "u00",
        "eventList": [{"eventType": "watch", "itemId": "x00", "sentAt": 1}],
        **change,
    }
    with pytest.raises(ClientError) as exc:
        client.put_events(**request)
    code, status, message = error_of(exc)
    assert (code, status) == ("InvalidInputException", 400)
    assert expected in message


def test_a_tracker_that_is_not_active_refuses_events(aws, personalize, slow):
    slow(5)
    answer = personalize.create_event_tracker(
        name="early", datasetGroupArn=aws.outputs.dataset_group_arn
    )
    with pytest.raises(ClientError) as exc:
        aws.client("personalize-events").put_events(
            trackingId=answer["trackingId"],
            sessionId="s",
            eventList=[{"eventType": "watch", "itemId": "x", "sentAt": time.time()}],
        )
    assert error_of(exc)[0] == "InvalidInputException" and "ACTIVE" in error_of(exc)[2]


@pytest.fixture
def runtime_client(aws):
    return aws.client("personalize-runtime")


def _items(runtime_client, campaign, user, n=10):
    answer = runtime_client.get_recommendations(campaignArn=campaign, userId=user, numResults=n)
    return [i["itemId"] for i in answer["itemList"]]


def test_events_change_the_users_next_recommendations_without_retraining(
    train, deploy, runtime_client, tracker, put
):
    _, version = train("realtime", recipe="aws-user-personalization", rows=clusters())
    campaign = deploy("realtime", version["solutionVersionArn"])
    before = _items(runtime_client, campaign, "newcomer")
    put(tracker[1], "newcomer", ["y03", "y04", "y05"])
    after = _items(runtime_client, campaign, "newcomer")
    assert after != before
    assert all(item.startswith("y") for item in after[:10])  # the y-cluster's neighbours
    assert not {"y03", "y04", "y05"} & set(after)  # what they watched is not recommended
    # "(and this user only)": another stranger still gets the popular items.
    assert _items(runtime_client, campaign, "someone-else") == before
    # u00 watched every x-item but x00 and x01: once it watches them, they leave its list.
    assert set(_items(runtime_client, campaign, "u00")[:2]) == {"x00", "x01"}
    put(tracker[1], "u00", ["x00", "x01"], session="s2")
    assert not {"x00", "x01"} & set(_items(runtime_client, campaign, "u00", 40))


def test_anonymous_session_events_count_for_the_session_then_for_the_user(
    train, deploy, runtime_client, tracker, put
):
    _, version = train("anon", recipe="aws-user-personalization", rows=clusters())
    campaign = deploy("anon", version["solutionVersionArn"])
    put(tracker[1], None, ["y03", "y04"], session="browser-1")
    assert all(i.startswith("y") for i in _items(runtime_client, campaign, "browser-1"))
    put(tracker[1], "alice", ["y05"], session="browser-1")  # logs in: the session is hers
    alice = _items(runtime_client, campaign, "alice", 40)
    assert not {"y03", "y04", "y05"} & set(alice)


@pytest.mark.parametrize("recipe", ["aws-popularity-count", "aws-similar-items"])
def test_recipes_without_real_time_personalization_ignore_events(
    train, deploy, runtime_client, tracker, put, recipe
):
    _, version = train("static", recipe=recipe, rows=clusters())
    campaign = deploy("static", version["solutionVersionArn"])
    field = {"itemId": "x00"} if recipe == "aws-similar-items" else {"userId": "u00"}
    before = runtime_client.get_recommendations(campaignArn=campaign, **field)["itemList"]
    put(tracker[1], "u00", ["y03", "y04", "x00"])
    after = runtime_client.get_recommendations(campaignArn=campaign, **field)["itemList"]
    assert after == before


def test_a_tracker_arn_ends_in_a_generated_id_and_names_stay_unique(aws, personalize):
    """Unlike filters, whose ARNs end in their name, an event tracker's ARN ends in an ID the
    service makes: a recorded boto3 session against AWS (a public repository's script) shows
    `filter/Drama` for a filter named Drama and `event-tracker/d2e0162e` for a tracker named
    "eventtracker". A policy scoped to the tracker's name would not match it."""
    made = personalize.create_event_tracker(
        name="named", datasetGroupArn=aws.outputs.dataset_group_arn
    )
    assert re.search(r":event-tracker/[0-9a-f]{8}$", made["eventTrackerArn"])
    assert "named" not in made["eventTrackerArn"]
    other = personalize.create_dataset_group(name="second")["datasetGroupArn"]
    wait_status(lambda: personalize.describe_dataset_group(datasetGroupArn=other), "datasetGroup")
    with pytest.raises(ClientError) as exc:
        personalize.create_event_tracker(name="named", datasetGroupArn=other)
    assert error_of(exc)[0] == "ResourceAlreadyExistsException"
