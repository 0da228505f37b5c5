"""Filters applied by the runtime, through boto3: GetRecommendations (user and item) and
GetPersonalizedRanking with filterArn and filterValues, as the API reference and
filter-real-time.html describe them."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from emu_helpers import csv_text, error_of
from filter_helpers import (
    INTERACTIONS_WITH_TYPES,
    ITEMS_HEADER,
    assert_answer_shape,
    create_filter,
    genres,
    items_rows,
    typed_interactions,
)

GENRE_OF = {item: g for item, g, _ in items_rows()}
YEAR_OF = {item: y for item, _, y in items_rows()}


@pytest.fixture
def stack(aws, put_csv, run_import, train, deploy) -> dict[str, Any]:
    """Items and typed interactions imported; campaigns of popularity-count (the same list for
    everyone, watched items included), similar-items and personalized-ranking."""
    outputs = aws.reset(with_event_value=True)
    job = run_import(put_csv("items.csv", csv_text(ITEMS_HEADER, items_rows())), "Items")
    assert job["status"] == "ACTIVE", job.get("failureReason")
    campaigns = {}
    rows: list[Any] | None = typed_interactions()
    for recipe in ("aws-popularity-count", "aws-similar-items", "aws-personalized-ranking"):
        name = recipe.removeprefix("aws-")
        _, version = train(name, recipe=recipe, rows=rows, header=INTERACTIONS_WITH_TYPES)
        assert version["status"] == "ACTIVE", version.get("failureReason")
        campaigns[name] = deploy(name, version["solutionVersionArn"])
        rows = None  # imported once
    return {"group": outputs.dataset_group_arn, **campaigns}


@pytest.fixture
def runtime(aws):
    return aws.client("personalize-runtime")


def watched(user: int) -> set[str]:
    return {
        item
        for u, item, _, kind, _ in typed_interactions()
        if u == f"u{user:02d}" and kind == "watch"
    }


def items_of(answer: dict[str, Any]) -> list[str]:
    return [entry["itemId"] for entry in answer["itemList"]]


def test_exclude_watched_removes_them_and_still_fills_num_results(personalize, runtime, stack):
    """item-recommendation-filter-examples.html: "The following expression excludes items that
    a user clicked or streamed." Event types match in any case (guidelines: "Amazon Personalize
    ignores case only when matching event types")."""
    arn = create_filter(
        personalize,
        stack["group"],
        "unwatched",
        'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("WATCH")',
    )["filterArn"]
    ranking = items_of(
        runtime.get_recommendations(
            campaignArn=stack["popularity-count"], userId="u00", numResults=60
        )
    )
    assert watched(0) & set(ranking[:25])  # popularity-count recommends watched items
    answer = runtime.get_recommendations(
        campaignArn=stack["popularity-count"], userId="u00", numResults=25, filterArn=arn
    )
    assert_answer_shape(runtime, "GetRecommendations", answer)
    # the model's order, watched items taken out before the cut to numResults
    assert items_of(answer) == [i for i in ranking if i not in watched(0)][:25]


def test_include_genre_placeholder_with_quoted_values(personalize, runtime, stack):
    """API reference, filterValues: "provide the parameter name (in matching case) as a key and
    the filter value(s) as the corresponding value. Separate multiple values for one parameter
    with a comma"; filter-real-time.html: "\\"comedy\\",\\"drama\\",\\"horror\\"". Categorical
    values hold several categories separated by |."""
    arn = create_filter(
        personalize, stack["group"], "genre", "INCLUDE ItemID WHERE Items.GENRES IN ($GENRE)"
    )["filterArn"]
    drama = items_of(
        runtime.get_recommendations(
            campaignArn=stack["popularity-count"],
            userId="u00",
            numResults=30,
            filterArn=arn,
            filterValues={"GENRE": '"Drama"'},
        )
    )
    assert len(drama) == 30 and all("Drama" in GENRE_OF[i].split("|") for i in drama)
    both = items_of(
        runtime.get_recommendations(
            campaignArn=stack["popularity-count"],
            userId="u00",
            numResults=60,
            filterArn=arn,
            filterValues={"GENRE": '"Comedy","Drama"'},
        )
    )
    assert len(both) == 60
    with pytest.raises(ClientError) as exc:  # INCLUDE: "you must provide values"
        runtime.get_recommendations(
            campaignArn=stack["popularity-count"], userId="u00", filterArn=arn
        )
    assert error_of(exc)[0] == "InvalidInputException" and "$GENRE" in error_of(exc)[2]
    with pytest.raises(ClientError) as exc:  # "parameter name (in matching case)"
        runtime.get_recommendations(
            campaignArn=stack["popularity-count"],
            userId="u00",
            filterArn=arn,
            filterValues={"genre": '"Drama"'},
        )
    code, _, message = error_of(exc)
    assert code == "InvalidInputException" and "$genre" in message


def test_an_omitted_exclude_placeholder_leaves_that_expression_out(personalize, runtime, stack):
    """API reference: "For filters with expressions that use an EXCLUDE element to exclude items,
    you can omit the filter-values. In this case, Amazon Personalize doesn't use that portion of
    the expression to filter recommendations." """
    arn = create_filter(
        personalize, stack["group"], "not-genre", "EXCLUDE ItemID WHERE Items.GENRES IN ($GENRE)"
    )["filterArn"]
    ask = {"campaignArn": stack["popularity-count"], "userId": "u01", "numResults": 20}
    plain = items_of(runtime.get_recommendations(**ask))
    assert items_of(runtime.get_recommendations(**ask, filterArn=arn)) == plain
    no_comedy = items_of(
        runtime.get_recommendations(**ask, filterArn=arn, filterValues={"GENRE": '"Comedy"'})
    )
    assert no_comedy and all(GENRE_OF[i] == "Drama" for i in no_comedy)


def test_numbers_compare_and_chained_expressions_combine(personalize, runtime, stack):
    """creating-filter-expressions.html: comparison operators test numerical data "including
    data passed in a placeholder parameter"; multiple-expression-example.html: "Include A |
    Exclude B is equal to Include result from A - result from B"."""
    arn = create_filter(
        personalize,
        stack["group"],
        "recent-unwatched",
        "INCLUDE ItemID WHERE Items.YEAR >= $YEAR | "
        'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")',
    )["filterArn"]
    got = items_of(
        runtime.get_recommendations(
            campaignArn=stack["popularity-count"],
            userId="u00",
            numResults=100,
            filterArn=arn,
            filterValues={"YEAR": "2000"},
        )
    )
    expected = {i for i, y in YEAR_OF.items() if y >= 2000} - watched(0)
    assert set(got) == expected
    with pytest.raises(ClientError) as exc:
        runtime.get_recommendations(
            campaignArn=stack["popularity-count"],
            userId="u00",
            filterArn=arn,
            filterValues={"YEAR": '"recent"'},
        )
    assert error_of(exc)[0] == "InvalidInputException"


def test_current_item_filters_related_items_only(personalize, runtime, stack):
    """item-recommendation-filter-examples.html: "INCLUDE ItemID WHERE Items.PRICE <
    CurrentItem.PRICE AND Items.GENRE IN CurrentItem.GENRE ... You can apply a filter with the
    CurrentItem element only if your domain use case or custom recipe generates related items
    recommendations." """
    arn = create_filter(
        personalize,
        stack["group"],
        "same-genre-older",
        "INCLUDE ItemID WHERE Items.YEAR < CurrentItem.YEAR AND Items.GENRES IN CurrentItem.GENRES",
    )["filterArn"]
    got = items_of(
        runtime.get_recommendations(
            campaignArn=stack["similar-items"], itemId="a10", numResults=50, filterArn=arn
        )
    )
    current = set(genres(10).split("|"))
    assert got and all(YEAR_OF[i] < 1990 and current & set(GENRE_OF[i].split("|")) for i in got)
    with pytest.raises(ClientError) as exc:
        runtime.get_recommendations(
            campaignArn=stack["popularity-count"], userId="u00", filterArn=arn
        )
    code, _, message = error_of(exc)
    assert code == "InvalidInputException" and "CurrentItem" in message


def test_personalized_ranking_is_filtered(personalize, runtime, stack):
    """filter-real-time.html: "apply it by specifying the filter ARN in a GetRecommendations or
    GetPersonalizedRanking request"."""
    arn = create_filter(
        personalize, stack["group"], "comedy", 'INCLUDE ItemID WHERE Items.GENRES IN ("Comedy")'
    )["filterArn"]
    answer = runtime.get_personalized_ranking(
        campaignArn=stack["personalized-ranking"],
        userId="u00",
        inputList=["a00", "a01", "a02", "b03"],
        filterArn=arn,
    )
    assert_answer_shape(runtime, "GetPersonalizedRanking", answer)
    assert {e["itemId"] for e in answer["personalizedRanking"]} == {"a00", "a02", "b03"}


def test_filters_of_another_group_or_not_active_are_refused(aws, personalize, runtime, stack, slow):
    """filterArn: "When using this parameter, be sure the filter resource is ACTIVE." """
    slow(5)
    pending = personalize.create_filter(
        name="pending",
        datasetGroupArn=stack["group"],
        filterExpression='EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")',
    )["filterArn"]
    with pytest.raises(ClientError) as exc:
        runtime.get_recommendations(
            campaignArn=stack["popularity-count"], userId="u00", filterArn=pending
        )
    code, _, message = error_of(exc)
    assert code == "InvalidInputException" and "not ACTIVE" in message
    with pytest.raises(ClientError) as exc:
        runtime.get_recommendations(
            campaignArn=stack["popularity-count"], userId="u00", filterValues={"GENRE": '"Drama"'}
        )
    assert error_of(exc)[0] == "InvalidInputException"


def test_a_filtered_answer_follows_new_interactions(
    personalize, runtime, stack, put_csv, run_import
):
    """The answer cache keys on (user, numResults); a filtered question bypasses it, so a new
    watch (an INCREMENTAL import) is excluded at once."""
    arn = create_filter(
        personalize,
        stack["group"],
        "unwatched",
        'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")',
    )["filterArn"]
    ask = {
        "campaignArn": stack["popularity-count"],
        "userId": "u00",
        "numResults": 10,
        "filterArn": arn,
    }
    before = items_of(runtime.get_recommendations(**ask))
    new = (("u00", before[0], 1_700_000_000, "Watch", 1.0),)
    job = run_import(
        put_csv("more.csv", csv_text(INTERACTIONS_WITH_TYPES, list(new))), mode="INCREMENTAL"
    )
    assert job["status"] == "ACTIVE", job.get("failureReason")
    after = items_of(runtime.get_recommendations(**ask))
    assert before[0] not in after and after[: len(before) - 1] == before[1:]


def test_events_recorded_with_put_events_count_in_filters_at_once(aws, personalize, runtime, stack):
    """filter-real-time.html's example excludes what a user watched, and recording-events.html
    says recorded events join the user's history: a movie watched through PutEvents leaves the
    filtered list at once, without retraining, even from popularity-count, whose ranking
    ignores events."""
    import time

    from emu_helpers import wait_status

    tracker = personalize.create_event_tracker(name="live", datasetGroupArn=stack["group"])
    wait_status(
        lambda: personalize.describe_event_tracker(eventTrackerArn=tracker["eventTrackerArn"]),
        "eventTracker",
    )
    arn = create_filter(
        personalize,
        stack["group"],
        "unwatched-live",
        'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("watch")',
    )["filterArn"]

    def filtered() -> list[str]:
        return items_of(
            runtime.get_recommendations(
                campaignArn=stack["popularity-count"], userId="u00", numResults=10, filterArn=arn
            )
        )

    first = filtered()[0]
    aws.client("personalize-events").put_events(
        trackingId=tracker["trackingId"],
        userId="u00",
        sessionId="s-live",
        eventList=[{"eventType": "Watch", "itemId": first, "sentAt": time.time()}],
    )
    after = filtered()
    assert first not in after and len(after) == 10
    unfiltered = runtime.get_recommendations(
        campaignArn=stack["popularity-count"], userId="u00", numResults=60
    )
    assert first in items_of(unfiltered)  # the ranking itself did not change
