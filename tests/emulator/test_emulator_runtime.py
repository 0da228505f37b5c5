"""The runtime's answers as the developer guide documents them: which recipes show scores, what a
score is relative to."""

from __future__ import annotations

import pytest

PERSONAL = ("aws-user-personalization", "aws-user-personalization-v2")


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
