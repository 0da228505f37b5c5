"""recommend and similar on the stand-in: ranked movies with titles; the campaign each needs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from wf_helpers import deployed

from personalize_movielens.errors import ConfigError
from personalize_movielens.workflow.recommend import (
    Recommendation,
    Recommendations,
    recommend,
    similar,
)
from personalize_movielens.workflow.render import recommendations_table


def a_user(data_dir: Path) -> str:
    return (data_dir / "interactions.csv").read_text().splitlines()[1].split(",")[0].strip('"')


def test_recommend_returns_ranked_movies_with_titles(ctx, data_dir, capsys) -> None:
    deployed(ctx, data_dir)
    result = recommend(ctx, a_user(data_dir), 5, recipe="aws-popularity-count", data_dir=data_dir)
    assert [r.rank for r in result.items] == [1, 2, 3, 4, 5]
    assert all(r.title and r.genres for r in result.items)
    assert result.to_json()["user_id"] == a_user(data_dir) and "planned" not in result.to_json()
    assert "showing IDs only" not in capsys.readouterr().err


def test_recommend_without_prepared_data_says_it_shows_ids(ctx, data_dir, tmp_path, capsys):
    deployed(ctx, data_dir)
    empty = tmp_path / "empty"
    empty.mkdir()
    result = recommend(ctx, a_user(data_dir), 3, recipe="aws-popularity-count", data_dir=empty)
    assert len(result.items) == 3 and all(r.title is None for r in result.items)
    captured = capsys.readouterr()
    assert f"No prepared titles in {empty} (titles.csv, written by" in captured.err
    assert "showing IDs only" in captured.err
    assert "showing IDs" not in captured.out  # stdout stays clean for --json


def test_similar_without_a_related_items_campaign_explains(ctx, data_dir) -> None:
    deployed(ctx, data_dir)  # a campaign, but of a recipe that recommends for users
    with pytest.raises(ConfigError) as info:
        similar(ctx, "1")
    assert "aws-similar-items" in info.value.one_line()


def test_recommend_without_campaign_says_to_deploy(ctx) -> None:
    with pytest.raises(ConfigError) as info:
        recommend(ctx, "42")
    assert "deploy" in info.value.one_line()


def test_dry_run_plans_the_request_that_the_campaign_bills(make_ctx, data_dir) -> None:
    campaign = deployed(make_ctx(), data_dir)
    ctx = make_ctx(dry_run=True)
    result = recommend(ctx, "42", 3, recipe="aws-popularity-count", data_dir=data_dir)
    assert result.items == []
    [call] = result.planned
    assert (call.service, call.operation) == ("personalize-runtime", "GetRecommendations")
    assert call.params == {"campaignArn": campaign.campaign_arn, "userId": "42", "numResults": 3}


def test_answers_without_scores_show_none(ctx, data_dir) -> None:
    """Personalize shows no score for Popularity-Count (how-recommendation-scoring-works.html):
    the result's score is None, JSON null, and the table has no score column."""
    deployed(ctx, data_dir)
    result = recommend(ctx, a_user(data_dir), 5, recipe="aws-popularity-count", data_dir=data_dir)
    assert [r.score for r in result.items] == [None] * 5
    items = json.loads(json.dumps(result.to_json()))["items"]
    assert all("score" in item and item["score"] is None for item in items)
    table = recommendations_table(result)
    assert [c.header for c in table.columns] == ["#", "item", "title", "genres", "year"]


def test_scores_are_shown_where_the_answer_has_them(ctx, data_dir) -> None:
    recipe = "aws-user-personalization"
    deployed(ctx, data_dir, recipe)
    result = recommend(ctx, a_user(data_dir), 5, recipe=recipe, data_dir=data_dir)
    scores = [r.score for r in result.items]
    assert all(isinstance(s, float) and 0 <= s <= 1 for s in scores), scores
    assert [item["score"] for item in result.to_json()["items"]] == scores
    table = recommendations_table(result)
    assert table.columns[-1].header == "score"
    assert list(table.columns[-1].cells) == [f"{s:.4f}" for s in scores]


def test_an_item_without_a_score_among_scored_ones_shows_a_dash() -> None:
    items = [
        Recommendation(1, "1", 0.75, "Toy Story", "Animation", "1995"),
        Recommendation(2, "2", None, None, None, None),
    ]
    table = recommendations_table(Recommendations("user_id", "42", items))
    assert list(table.columns[-1].cells) == ["0.7500", "-"]
    assert Recommendations("user_id", "42", items).to_json()["items"][1]["score"] is None
