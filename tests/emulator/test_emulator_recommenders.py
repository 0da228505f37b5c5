"""Recommenders on the stand-in, through boto3: statuses, use cases, minimums, the runtime.

Grounded in botocore's model (Recommender.status, RecommenderConfig) and the developer guide:
https://docs.aws.amazon.com/personalize/latest/dg/VIDEO_ON_DEMAND-use-cases.html
https://docs.aws.amazon.com/personalize/latest/dg/creating-recommenders.html
https://docs.aws.amazon.com/personalize/latest/dg/stopping-starting-recommender.html
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from emu_helpers import error_of, wait_gone, wait_status
from vod_helpers import (
    INTERACTIONS_HEADER,
    ITEMS_HEADER,
    RECIPE,
    catalogue,
    create_recommender,
    create_vod_group,
    import_rows,
    wait_recommender,
    watch_and_click,
)

from personalize_movielens.local.emulator.validation import service_model


@pytest.fixture
def runtime(aws: Any) -> Any:
    return aws.client("personalize-runtime")


@pytest.fixture
def vod(aws: Any, personalize: Any, put_csv: Any) -> Any:
    """A VOD Domain dataset group; `load(rows, items=False)` imports its data."""
    group = create_vod_group(personalize)

    def load(rows: list[tuple[Any, ...]], items: bool = False) -> None:
        role = aws.outputs.personalize_role_arn
        job = import_rows(
            personalize,
            put_csv,
            role,
            group.datasets["Interactions"],
            INTERACTIONS_HEADER,
            rows,
            "vod-interactions",
        )
        assert job["status"] == "ACTIVE", job.get("failureReason")
        if items:
            job = import_rows(
                personalize,
                put_csv,
                role,
                group.datasets["Items"],
                ITEMS_HEADER,
                catalogue(),
                "vod-items",
            )
            assert job["status"] == "ACTIVE", job.get("failureReason")

    group.load = load  # type: ignore[attr-defined]
    return group


def items_of(answer: dict[str, Any]) -> list[str]:
    assert all("score" not in i for i in answer["itemList"])
    return [i["itemId"] for i in answer["itemList"]]


def test_statuses_are_the_ones_botocore_documents():
    """Recommender.status in botocore's model lists the statuses the emulator moves through."""
    doc = service_model("personalize").shape_for("Recommender").members["status"].documentation
    from personalize_movielens.local.emulator.controlplane import common, recommenders

    for status in (
        common.PENDING,
        common.IN_PROGRESS,
        common.ACTIVE,
        common.FAILED,
        recommenders.STOP_PENDING,
        recommenders.STOP_IN_PROGRESS,
        recommenders.INACTIVE,
        recommenders.START_PENDING,
        recommenders.START_IN_PROGRESS,
        common.DELETE_PENDING,
        common.DELETE_IN_PROGRESS,
    ):
        assert status in doc


def test_lifecycle_create_stop_start_delete(vod, personalize, runtime, slow):
    """CREATE PENDING > CREATE IN_PROGRESS > ACTIVE; STOP PENDING > STOP IN_PROGRESS > INACTIVE
    > START PENDING > START IN_PROGRESS > ACTIVE (Recommender.status); "After you stop a
    recommender, you can't use it to get recommendations" (stopping-starting-recommender)."""
    vod.load(watch_and_click())
    slow(20)
    arn = create_recommender(personalize, vod.arn, "picks", "aws-vod-top-picks")
    seen: list[str] = []
    recommender = wait_recommender(personalize, arn, record=seen)
    assert seen == ["CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE"]
    # CreateRecommender: "The default minRecommendationRequestsPerSecond is 1."
    assert recommender["recommenderConfig"]["minRecommendationRequestsPerSecond"] == 1
    assert recommender["datasetGroupArn"] == vod.arn
    assert recommender["recipeArn"] == RECIPE + "aws-vod-top-picks"
    assert set(recommender["modelMetrics"]) >= {"coverage", "precision_at_25"}
    before = items_of(runtime.get_recommendations(recommenderArn=arn, userId="u00"))

    personalize.stop_recommender(recommenderArn=arn)
    seen = []
    wait_recommender(personalize, arn, until=("INACTIVE",), record=seen)
    assert seen[-3:] == ["STOP PENDING", "STOP IN_PROGRESS", "INACTIVE"]
    with pytest.raises(ClientError) as exc:
        runtime.get_recommendations(recommenderArn=arn, userId="u00")
    assert error_of(exc)[0] == "InvalidInputException"
    assert "INACTIVE" in error_of(exc)[2]
    with pytest.raises(ClientError) as exc:  # "Stops a recommender that is ACTIVE."
        personalize.stop_recommender(recommenderArn=arn)
    assert error_of(exc)[0] == "ResourceInUseException"

    personalize.start_recommender(recommenderArn=arn)
    seen = []
    wait_recommender(personalize, arn, until=("ACTIVE",), record=seen)
    assert seen[-3:] == ["START PENDING", "START IN_PROGRESS", "ACTIVE"]
    # "Starting a recommender doesn't create a new recommender with your data."
    assert items_of(runtime.get_recommendations(recommenderArn=arn, userId="u00")) == before

    with pytest.raises(ClientError) as exc:  # recommenders first (DeleteDatasetGroup)
        personalize.delete_dataset_group(datasetGroupArn=vod.arn)
    assert error_of(exc)[0] == "ResourceInUseException"
    assert "recommender" in error_of(exc)[2]
    personalize.delete_recommender(recommenderArn=arn)
    gone: list[str] = []
    wait_gone(lambda: personalize.describe_recommender(recommenderArn=arn), record=gone)
    assert gone[0] == "DELETE PENDING"
    listed = personalize.list_recommenders(datasetGroupArn=vod.arn)["recommenders"]
    assert listed == []


def test_use_cases_answer_as_the_guide_describes(vod, personalize, runtime):
    """Each use case from one dataset: Watch/Click events of two clusters of users and a
    video everyone clicked lately (watch_and_click)."""
    rows = watch_and_click()
    vod.load(rows, items=True)
    arns = {
        use_case: create_recommender(personalize, vod.arn, use_case, f"aws-vod-{use_case}")
        for use_case in ("top-picks", "because-you-watched-x", "more-like-x", "most-popular")
    }
    arns["trending-now"] = create_recommender(
        personalize, vod.arn, "trending", "aws-vod-trending-now"
    )
    for arn in arns.values():
        recommender = wait_recommender(personalize, arn)
        assert recommender["status"] == "ACTIVE", recommender.get("failureReason")
    watched = {i for u, i, _, e in rows if u == "u00" and e == "Watch"}

    # Because you watched X: "videos that other users also watched", the user's watched
    # videos filtered out ("automatically filters videos the user watched").
    because = items_of(
        runtime.get_recommendations(
            recommenderArn=arns["because-you-watched-x"], userId="u00", itemId="x05"
        )
    )
    assert set(because[:2]) == {"x00", "x01"} and not watched & set(because)
    assert "new" not in because  # only ever clicked: not a Watch event

    # More like X: similar videos (co-occurrence over every event); u00's unwatched videos are
    # x00, x01 and those it only clicked (y00-y02, new).
    more = items_of(
        runtime.get_recommendations(
            recommenderArn=arns["more-like-x"], userId="u00", itemId="x05", numResults=6
        )
    )
    assert set(more) == {"x00", "x01", "y00", "y01", "y02", "new"}

    # Most popular: "videos that have been watched by the most users".
    popular = items_of(
        runtime.get_recommendations(recommenderArn=arns["most-popular"], userId="u00")
    )
    watchers: dict[str, set[str]] = {}
    for user, item, _, event in rows:
        if event == "Watch":
            watchers.setdefault(item, set()).add(user)
    ranking = sorted(watchers, key=lambda i: (-len(watchers[i]), i))
    assert popular == ranking[:25]

    # Trending now: "items that are rapidly becoming more popular"; userId not needed.
    trending = items_of(runtime.get_recommendations(recommenderArn=arns["trending-now"]))
    assert trending[0] == "new"

    # Top picks: the unwatched videos near u00's history first (the ones it only clicked too).
    picks = items_of(runtime.get_recommendations(recommenderArn=arns["top-picks"], userId="u00"))
    assert set(picks[:6]) == {"x00", "x01", "y00", "y01", "y02", "new"}
    assert not watched & set(picks)


@pytest.mark.parametrize(
    ("use_case", "request_", "missing"),
    [
        ("aws-vod-top-picks", {}, "userId"),
        ("aws-vod-most-popular", {}, "userId"),
        ("aws-vod-because-you-watched-x", {"userId": "u00"}, "itemId"),
        ("aws-vod-because-you-watched-x", {"itemId": "x00"}, "userId"),
        ("aws-vod-more-like-x", {"userId": "u00"}, "itemId"),
    ],
)
def test_each_use_case_requires_what_the_guide_says(
    vod, personalize, runtime, use_case, request_, missing
):
    """GetRecommendations API requirements per use case (VIDEO_ON_DEMAND-use-cases.html)."""
    vod.load(watch_and_click(), items=True)
    arn = create_recommender(personalize, vod.arn, "r", use_case)
    assert wait_recommender(personalize, arn)["status"] == "ACTIVE"
    with pytest.raises(ClientError) as exc:
        runtime.get_recommendations(recommenderArn=arn, **request_)
    code, _, message = error_of(exc)
    assert code == "InvalidInputException" and missing in message


def test_campaign_and_recommender_together_are_refused(vod, personalize, runtime):
    vod.load(watch_and_click())
    arn = create_recommender(personalize, vod.arn, "trend", "aws-vod-trending-now")
    wait_recommender(personalize, arn)
    campaign = arn.replace(":recommender/trend", ":campaign/any")
    with pytest.raises(ClientError) as exc:
        runtime.get_recommendations(recommenderArn=arn, campaignArn=campaign, userId="u00")
    assert error_of(exc)[0] == "InvalidInputException"


def test_watch_minimum_fails_the_recommender_with_the_reason(vod, personalize):
    """because-you-watched-x and most-popular: "Required event types: At minimum, 1000 Watch
    events"; top-picks needs "1000 events" of any type."""
    vod.load(watch_and_click(event="Click"))  # 1320 events, no Watch
    failing = create_recommender(personalize, vod.arn, "popular", "aws-vod-most-popular")
    passing = create_recommender(personalize, vod.arn, "picks", "aws-vod-top-picks")
    failed = wait_recommender(personalize, failing)
    assert failed["status"] == "CREATE FAILED"
    assert "1000 Watch events" in failed["failureReason"]
    assert "found 0" in failed["failureReason"]
    assert "modelMetrics" not in failed
    assert wait_recommender(personalize, passing)["status"] == "ACTIVE"


def test_watch_events_are_matched_whatever_their_case(vod, personalize):
    vod.load(watch_and_click(event="watch"))
    arn = create_recommender(personalize, vod.arn, "popular", "aws-vod-most-popular")
    assert wait_recommender(personalize, arn)["status"] == "ACTIVE"


def test_more_like_x_needs_items(vod, personalize):
    """More like X: "Datasets used when training: Interactions (required), Items (required)"."""
    vod.load(watch_and_click())
    arn = create_recommender(personalize, vod.arn, "more", "aws-vod-more-like-x")
    failed = wait_recommender(personalize, arn)
    assert failed["status"] == "CREATE FAILED"
    assert "Items" in failed["failureReason"]


def test_common_minimums_apply(vod, personalize):
    """ "At minimum 1000 item interactions records" for all use cases."""
    vod.load(watch_and_click()[:900])
    arn = create_recommender(personalize, vod.arn, "trend", "aws-vod-trending-now")
    failed = wait_recommender(personalize, arn)
    assert failed["status"] == "CREATE FAILED" and "1000" in failed["failureReason"]


def test_recommenders_only_in_a_group_of_their_domain(aws, personalize):
    with pytest.raises(ClientError) as exc:
        create_recommender(personalize, aws.outputs.dataset_group_arn, "r", "aws-vod-top-picks")
    code, _, message = error_of(exc)
    assert code == "InvalidInputException" and "Custom dataset group" in message


def test_custom_recipes_are_not_use_cases(vod, personalize):
    with pytest.raises(ClientError) as exc:
        create_recommender(personalize, vod.arn, "r", "aws-user-personalization")
    assert error_of(exc)[0] == "InvalidInputException"
    with pytest.raises(ClientError) as exc:
        create_recommender(personalize, vod.arn, "r", "aws-vod-no-such-use-case")
    assert error_of(exc)[0] == "ResourceNotFoundException"


def test_at_most_15_recommenders_per_region(vod, personalize):
    """creating-recommenders.html: "You can create at most 15 recommenders per Region"."""
    for n in range(15):
        create_recommender(personalize, vod.arn, f"r{n}", "aws-vod-trending-now")
    with pytest.raises(ClientError) as exc:
        create_recommender(personalize, vod.arn, "r15", "aws-vod-trending-now")
    assert error_of(exc)[0] == "LimitExceededException"


def test_update_changes_the_config_through_latest_recommender_update(vod, personalize, runtime):
    """UpdateRecommender: "The recommender uses the previous configuration until the update
    completes. To track the status of this update, use the latestRecommenderUpdate"."""
    vod.load(watch_and_click())
    arn = create_recommender(personalize, vod.arn, "trend", "aws-vod-trending-now")
    wait_recommender(personalize, arn)
    personalize.update_recommender(
        recommenderArn=arn, recommenderConfig={"minRecommendationRequestsPerSecond": 3}
    )
    with pytest.raises(ClientError) as exc:  # one update at a time
        personalize.update_recommender(
            recommenderArn=arn, recommenderConfig={"minRecommendationRequestsPerSecond": 4}
        )
    assert error_of(exc)[0] == "ResourceInUseException"

    def updated() -> dict[str, Any]:
        recommender = personalize.describe_recommender(recommenderArn=arn)["recommender"]
        return {"update": recommender["latestRecommenderUpdate"]}

    from emu_helpers import wait_status

    update = wait_status(updated, "update")
    assert update["status"] == "ACTIVE"
    recommender = personalize.describe_recommender(recommenderArn=arn)["recommender"]
    assert recommender["status"] == "ACTIVE"
    assert recommender["recommenderConfig"]["minRecommendationRequestsPerSecond"] == 3
    assert runtime.get_recommendations(recommenderArn=arn)["itemList"]


def test_top_picks_follows_recorded_events_and_most_popular_does_not(
    aws, vod, personalize, runtime
):
    """getting-real-time-recommendations.html: "If you use domain use cases or recipes that
    provide real-time personalization, such as the Top picks for you use case ..., Amazon
    Personalize updates recommendations based on your user's most recent activity as you record
    their interactions with your catalog." A newcomer who watches three y-videos gets y-videos
    from top-picks at once; most-popular's one list stays as it was."""
    import time

    vod.load(watch_and_click(), items=True)
    top = create_recommender(personalize, vod.arn, "top", "aws-vod-top-picks")
    popular = create_recommender(personalize, vod.arn, "popular", "aws-vod-most-popular")
    for arn in (top, popular):
        assert wait_recommender(personalize, arn)["status"] == "ACTIVE"
    tracker = personalize.create_event_tracker(name="vod-events", datasetGroupArn=vod.arn)
    tracking_id = tracker["trackingId"]
    wait_status(
        lambda: personalize.describe_event_tracker(eventTrackerArn=tracker["eventTrackerArn"]),
        "eventTracker",
    )

    def ask(arn: str) -> list[str]:
        return items_of(runtime.get_recommendations(recommenderArn=arn, userId="newcomer"))

    before_top, before_popular = ask(top), ask(popular)
    aws.client("personalize-events").put_events(
        trackingId=tracking_id,
        userId="newcomer",
        sessionId="s-vod",
        eventList=[
            {"eventType": "Watch", "itemId": f"y0{k}", "sentAt": time.time() + k}
            for k in range(3, 6)
        ],
    )
    after_top = ask(top)
    assert after_top != before_top
    assert all(item.startswith("y") for item in after_top[:10])
    assert not {"y03", "y04", "y05"} & set(after_top)  # watched: no longer recommended
    assert ask(popular) == before_popular


#: VIDEO_ON_DEMAND-use-cases.html, what each use case leaves out on its own. Because you watched
#: X: "With this use case, Amazon Personalize automatically filters videos the user watched
#: based on the userId you specify and `Watch` events." More like X and Top picks for you: "With
#: this use case, Amazon Personalize automatically filters videos the user watched based on the
#: userId that you specify and `Watch` events." Most popular ("Get recommendations for videos
#: that have been watched by the most users") and Trending now ("Get recommendations for videos
#: that are currently trending") say nothing of it: they leave nothing out.
LEAVES_OUT_WATCHED = {
    "because-you-watched-x": True,
    "more-like-x": True,
    "top-picks": True,
    "most-popular": False,
    "trending-now": False,
}


def test_use_cases_leave_out_what_the_user_watched_and_nothing_else(aws, vod, personalize, runtime):
    """Asked for every item, each use case answers its model's whole catalogue minus, where the
    guide says so, the user's Watch items: imported ones and Watch events recorded by PutEvents
    (matched whatever their case). Videos the user only clicked stay, imported or recorded."""
    import time

    rows = watch_and_click()
    vod.load(rows, items=True)
    arns = {
        use_case: create_recommender(personalize, vod.arn, use_case, f"aws-vod-{use_case}")
        for use_case in LEAVES_OUT_WATCHED
    }
    for arn in arns.values():
        assert wait_recommender(personalize, arn)["status"] == "ACTIVE"
    tracker = personalize.create_event_tracker(name="vod-events", datasetGroupArn=vod.arn)
    wait_status(
        lambda: personalize.describe_event_tracker(eventTrackerArn=tracker["eventTrackerArn"]),
        "eventTracker",
    )
    # u00 watched 18 x-videos and clicked y00-y02 and `new` (imported); now it watches y10 and
    # clicks y11, neither seen before.
    aws.client("personalize-events").put_events(
        trackingId=tracker["trackingId"],
        userId="u00",
        sessionId="s-u00",
        eventList=[
            {"eventType": "watch", "itemId": "y10", "sentAt": time.time()},
            {"eventType": "Click", "itemId": "y11", "sentAt": time.time() + 1},
        ],
    )
    watched = {i for u, i, _, e in rows if u == "u00" and e == "Watch"} | {"y10"}
    clicked = {i for u, i, _, e in rows if u == "u00" and e == "Click"} | {"y11"}
    everything = {i for _, i, _, _ in rows}
    ever_watched = {i for _, i, _, e in rows if e == "Watch"}  # `new` was only ever clicked
    # The items each use case's model knows: Watch-only training for the first two.
    catalogue = {
        "because-you-watched-x": ever_watched,
        "most-popular": ever_watched,
        "more-like-x": everything - {"x05"},  # the itemId asked about is never its own match
        "top-picks": everything,
        "trending-now": everything,
    }
    for use_case, leaves_out in LEAVES_OUT_WATCHED.items():
        item = {"itemId": "x05"} if use_case.endswith("-x") else {}
        answer = items_of(
            runtime.get_recommendations(
                recommenderArn=arns[use_case], userId="u00", numResults=500, **item
            )
        )
        expected = catalogue[use_case] - watched if leaves_out else catalogue[use_case]
        assert set(answer) == expected, use_case
        assert len(answer) == len(expected), use_case
        assert clicked & catalogue[use_case] <= set(answer), use_case


def _genres_and_years() -> dict[str, dict[str, str]]:
    """What the Items rows of `catalogue()` hold, as GetRecommendations' metadata (text)."""
    return {i: {"GENRES": genres, "YEAR": str(year)} for i, genres, _, year in catalogue()}


def test_metadata_columns_add_the_items_rows_where_metadata_is_enabled(vod, personalize, runtime):
    """getting-recommendations-with-metadata.html: "If you configured your campaign or
    recommender to return metadata for recommended items, you can specify the columns to
    include in your GetRecommendations API operation." botocore's RecommenderConfig
    enableMetadataWithRecommendations: "If enabled, you can specify the columns from your Items
    dataset in your request for recommendations. Amazon Personalize returns this data for each
    item in the recommendation response." metadataColumns: "The map key is ITEMS ... The maximum
    number of columns you can provide is 10." """
    vod.load(watch_and_click(), items=True)
    with_metadata = create_recommender(
        personalize,
        vod.arn,
        "with",
        "aws-vod-trending-now",
        recommenderConfig={"enableMetadataWithRecommendations": True},
    )
    without = create_recommender(personalize, vod.arn, "without", "aws-vod-trending-now")
    for arn in (with_metadata, without):
        assert wait_recommender(personalize, arn)["status"] == "ACTIVE"
    rows = _genres_and_years()

    answer = runtime.get_recommendations(
        recommenderArn=with_metadata, numResults=50, metadataColumns={"ITEMS": ["GENRES", "YEAR"]}
    )["itemList"]
    assert len(answer) == len(rows)
    assert {i["itemId"]: i["metadata"] for i in answer} == rows
    plain = runtime.get_recommendations(recommenderArn=with_metadata)["itemList"]
    assert all("metadata" not in i for i in plain)  # only when asked

    for request, says in (
        ({"recommenderArn": without}, "enableMetadataWithRecommendations"),
        ({"recommenderArn": with_metadata, "metadataColumns": {"ITEMS": ["RUNTIME"]}}, "RUNTIME"),
        ({"recommenderArn": with_metadata, "metadataColumns": {"USERS": ["AGE"]}}, "ITEMS"),
        (
            {"recommenderArn": with_metadata, "metadataColumns": {"ITEMS": ["GENRES"] * 11}},
            "at most 10",
        ),
    ):
        request.setdefault("metadataColumns", {"ITEMS": ["GENRES"]})
        with pytest.raises(ClientError) as exc:
            runtime.get_recommendations(**request)
        code, _, message = error_of(exc)
        assert code == "InvalidInputException" and says in message, message


def test_metadata_columns_on_campaigns(aws, personalize, runtime, train, run_import, put_csv):
    """The same for a campaign created with campaignConfig enableMetadataWithRecommendations,
    for GetRecommendations and GetPersonalizedRanking (whose metadataColumns reads "If you
    enabled metadata in recommendations when you created or updated the campaign")."""
    rows = [(u, i, t) for u, i, t, _ in watch_and_click()]
    items = [(i, genres, year) for i, genres, _, year in catalogue()]
    url = put_csv(
        "items.csv", "ITEM_ID,GENRES,YEAR\n" + "".join(f"{i},{g},{y}\n" for i, g, y in items)
    )
    assert run_import(url, "Items")["status"] == "ACTIVE"
    expected = _genres_and_years()
    columns = {"ITEMS": ["YEAR", "GENRES"]}
    for recipe, ask in (
        (
            "aws-user-personalization",
            lambda arn: runtime.get_recommendations(
                campaignArn=arn, userId="u00", numResults=5, metadataColumns=columns
            )["itemList"],
        ),
        (
            "aws-personalized-ranking",
            lambda arn: runtime.get_personalized_ranking(
                campaignArn=arn, userId="u00", inputList=["y05", "x00"], metadataColumns=columns
            )["personalizedRanking"],
        ),
    ):
        _, version = train(recipe, recipe=recipe, rows=rows)
        enabled = personalize.create_campaign(
            name=f"{recipe}-meta",
            solutionVersionArn=version["solutionVersionArn"],
            campaignConfig={"enableMetadataWithRecommendations": True},
        )["campaignArn"]
        plain = personalize.create_campaign(
            name=f"{recipe}-plain", solutionVersionArn=version["solutionVersionArn"]
        )["campaignArn"]
        for arn in (enabled, plain):
            wait_status(lambda a=arn: personalize.describe_campaign(campaignArn=a), "campaign")
        answer = ask(enabled)
        assert answer and all(i["metadata"] == expected[i["itemId"]] for i in answer)
        with pytest.raises(ClientError) as exc:
            ask(plain)
        code, _, message = error_of(exc)
        assert code == "InvalidInputException" and "enableMetadataWithRecommendations" in message
