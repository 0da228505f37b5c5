"""The runtime's answers as the developer guide documents them: which recipes show scores, what a
score is relative to, and GetPersonalizedRanking."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from emu_helpers import error_of

PERSONAL = ("aws-user-personalization", "aws-user-personalization-v2")
RANKING = ("aws-personalized-ranking", "aws-personalized-ranking-v2")


def two_groups() -> list[tuple[str, str, int]]:
    """Users u00-u29 each see 20 of the 30 a-items (a sliding window), u30-u59 the b-items, so a
    user of one group has 10 unseen neighbours in it and the other group's 30 items to fill."""
    rows = []
    for u in range(60):
        prefix, start = ("a", u) if u < 30 else ("b", u - 30)
        items = [f"{prefix}{(start + k) % 30:02d}" for k in range(20)]
        rows += [(f"u{u:02d}", item, 1_600_000_000 + u * 100 + t) for t, item in enumerate(items)]
    return rows


@pytest.fixture
def runtime(aws):
    return aws.client("personalize-runtime")


@pytest.fixture
def campaign(train, deploy):
    """An ACTIVE campaign of `recipe` trained on two_groups()."""

    def make(recipe: str, rows: list[tuple[str, str, int]] | None = None) -> str:
        name = recipe.removeprefix("aws-")
        _, version = train(name, recipe=recipe, rows=rows or two_groups())
        assert version["status"] == "ACTIVE", version.get("failureReason")
        return str(deploy(name, version["solutionVersionArn"]))

    return make


@pytest.mark.parametrize("recipe", ["aws-popularity-count", "aws-similar-items"])
def test_popularity_count_and_similar_items_answers_carry_no_score(recipe, campaign, runtime):
    """https://docs.aws.amazon.com/personalize/latest/dg/how-recommendation-scoring-works.html:
    "Note: Amazon Personalize doesn't show scores for domain recommenders or the
    Similar-Items, SIMS or Popularity-Count recipes." """
    arn = campaign(recipe)
    query = {"itemId": "a05"} if recipe == "aws-similar-items" else {"userId": "u00"}
    items = runtime.get_recommendations(campaignArn=arn, numResults=50, **query)["itemList"]
    assert len(items) == 50
    assert all(set(item) == {"itemId"} for item in items), items[:3]


@pytest.mark.parametrize("recipe", PERSONAL)
def test_a_score_is_relative_to_the_whole_catalogue_not_to_num_results(recipe, campaign, runtime):
    """https://docs.aws.amazon.com/personalize/latest/dg/how-recommendation-scoring-works.html:
    "Amazon Personalize generates scores for items relative to each other on a
    scale from 0 to 1 (both inclusive). With User-Personalization-v2, Amazon Personalize
    generates scores for a subset of your items. With User-Personalization, Amazon Personalize
    scores all of the items in your catalog." and "For both User-Personalization-v2 and
    User-Personalization, the total of all scores equals 1." So an item's score cannot depend on
    how many results were asked for, neighbours and popular items that fill the list alike."""
    arn = campaign(recipe)

    def scores(n: int) -> list[tuple[str, float]]:
        items = runtime.get_recommendations(campaignArn=arn, userId="u00", numResults=n)
        return [(i["itemId"], i["score"]) for i in items["itemList"]]

    few, many, everything = scores(5), scores(50), scores(500)
    assert many[:5] == few
    assert everything[:40] == many[:40]
    # u00 saw a00-a19: its 10 unseen a-items come first (neighbours), then the 30 b-items.
    assert [item for item, _ in everything] == [item for item, _ in many]
    assert {item for item, _ in everything[:10]} == {f"a{k}" for k in range(20, 30)}
    assert len(everything) == 40
    values = [score for _, score in everything]
    assert values == sorted(values, reverse=True) and all(0 <= s <= 1 for s in values)
    assert sum(values) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("recipe", RANKING)
def test_personalized_ranking_scores_the_input_items_and_appends_unknown_ones(
    recipe, campaign, runtime
):
    """https://docs.aws.amazon.com/personalize/latest/dg/rankings.html:
    "GetPersonalizedRanking scores sum to 1, but only the input items receive
    scores". https://docs.aws.amazon.com/personalize/latest/dg/native-recipe-search.html: "If you
    provide items without interactions data for ranking, Amazon Personalize will return these
    items without a recommendation score in the GetPersonalizedRanking API response." The API
    reference, inputList: "If an item was not included in the training dataset, the item is
    appended to the end of the reranked list." (A recorded answer of the service, aws-samples'
    personalize_ranking_example.ipynb, 2020, shows such items last without a score key.)"""
    arn = campaign(recipe)
    inputs = ["b05", "ghost", "a25", "b00", "a21", "never-seen", "a03"]
    answer = runtime.get_personalized_ranking(campaignArn=arn, userId="u00", inputList=inputs)
    ranked = answer["personalizedRanking"]
    assert answer["recommendationId"]
    assert sorted(i["itemId"] for i in ranked) == sorted(inputs)
    assert ranked[-2:] == [{"itemId": "ghost"}, {"itemId": "never-seen"}]
    scored = ranked[:-2]
    assert all(set(i) == {"itemId", "score"} for i in scored)
    assert {i["itemId"] for i in scored[:3]} == {"a03", "a21", "a25"}  # u00's group leads
    values = [i["score"] for i in scored]
    assert values == sorted(values, reverse=True)
    assert sum(values) == pytest.approx(1.0, abs=1e-6)


def test_ranking_scores_are_the_recommendation_scores_of_the_input_items(campaign, runtime):
    """https://docs.aws.amazon.com/personalize/latest/dg/rankings.html:
    "Mathematically, the scoring function for GetPersonalizedRanking is identical
    to GetRecommendations, except that it only considers the input items." """
    rows = two_groups()
    personal = campaign("aws-user-personalization", rows)
    ranking = campaign("aws-personalized-ranking", rows)
    recommended = runtime.get_recommendations(campaignArn=personal, userId="u07", numResults=500)
    score = {i["itemId"]: i["score"] for i in recommended["itemList"]}
    inputs = ["b11", "a28", "b29", "a02", "a05"]  # u07 saw a07-a26
    answer = runtime.get_personalized_ranking(campaignArn=ranking, userId="u07", inputList=inputs)
    total = sum(score[item] for item in inputs)
    for item in answer["personalizedRanking"]:
        assert item["score"] == pytest.approx(score[item["itemId"]] / total, abs=1e-6)


def test_each_runtime_operation_needs_a_campaign_of_its_recipe_type(campaign, runtime):
    """The API reference, GetPersonalizedRanking: "The solution backing the campaign must have
    been created using a recipe of type PERSONALIZED_RANKING." GetRecommendations: "Campaigns
    that are backed by a solution created using a recipe of type PERSONALIZED_RANKING use the
    GetPersonalizedRanking API." """
    ranking = campaign("aws-personalized-ranking")
    with pytest.raises(ClientError) as exc:
        runtime.get_recommendations(campaignArn=ranking, userId="u00")
    code, status, message = error_of(exc)
    assert (code, status) == ("InvalidInputException", 400)
    assert "PERSONALIZED_RANKING" in message and "GetPersonalizedRanking" in message
    personal = campaign("aws-user-personalization")
    with pytest.raises(ClientError) as exc:
        runtime.get_personalized_ranking(campaignArn=personal, userId="u00", inputList=["a01"])
    code, status, message = error_of(exc)
    assert (code, status) == ("InvalidInputException", 400)
    assert "PERSONALIZED_RANKING" in message
    with pytest.raises(ClientError) as exc:  # the API reference: "the maximum is 500"
        runtime.get_personalized_ranking(
            campaignArn=ranking, userId="u00", inputList=[f"i{k}" for k in range(501)]
        )
    assert error_of(exc)[:2] == ("InvalidInputException", 400)
