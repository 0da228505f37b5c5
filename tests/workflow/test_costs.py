"""Cost statements depend on the recipe; an unknown price is said to be unknown."""

from __future__ import annotations

import re

import pytest

from personalize_movielens.workflow import costs

V2 = "arn:aws:personalize:::recipe/aws-user-personalization-v2"


def dollars(text: str) -> list[str]:
    return re.findall(r"\$\d", text)


@pytest.mark.parametrize(
    "recipe", [V2, "aws-user-personalization-v2", "aws-personalized-ranking-v2"]
)
def test_recipes_with_their_own_pricing_quote_no_number(recipe) -> None:
    texts = (
        costs.training_cost(recipe),
        costs.campaign_cost(1, recipe),
        costs.batch_cost(9, recipe),
    )
    for text in texts:
        assert "price unknown" in text and costs.PRICING_URL in text
        assert dollars(text) == []  # no per-hour price that would be wrong
    assert costs.campaign_hourly(1, recipe) is None


def test_hour_billed_recipes_state_their_prices() -> None:
    v1 = costs.training_cost("aws-user-personalization")
    assert f"${costs.TRAINING_PER_HOUR}/training hour" in v1 and "MovieLens 25M" in v1
    popularity = costs.training_cost("aws-popularity-count")
    assert f"${costs.TRAINING_PER_HOUR}/training hour" in popularity
    assert "depends on the data" in popularity
    assert costs.campaign_hourly(3, "aws-similar-items") == pytest.approx(
        3 * costs.CAMPAIGN_PER_TPS_HOUR
    )
    assert "$0.60/hour" in costs.campaign_cost(3, "aws-user-personalization")


def test_storage_cost_scales_with_size() -> None:
    assert "~$0.023/month" in costs.storage_cost(1_000_000_000)
    assert "~$0.000/month" in costs.storage_cost(1000)


def test_batch_quotes_no_batch_price_it_cannot_source() -> None:
    """No stored copy of the pricing page gives the batch price, so the statement names what
    the job computes, points to the pricing page and says the price is unknown; beside it, a
    campaign of the same recipe at the price the tool does carry."""
    text = costs.batch_cost(162_541, "aws-user-personalization")
    assert "162,541 recommendation lists, billed once for the job, with no campaign" in text
    assert costs.PRICING_URL in text and "does not know the current batch price" in text
    assert "per 1,000" not in text
    assert dollars(text) == ["$0", "$1"]  # only the campaign's $0.2/TPS-hour and ~$144/month
    assert "a campaign of aws-user-personalization instead bills every hour" in text
