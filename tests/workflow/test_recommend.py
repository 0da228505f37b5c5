"""recommend/similar: titles and genres joined from the prepared data; related-items check."""

from __future__ import annotations

from pathlib import Path

import pytest
from wf_helpers import (
    CAMPAIGN,
    SOL,
    campaign_summary,
    expect_campaigns,
    expect_solutions,
    solution_summary,
)

from personalize_movielens.errors import ConfigError
from personalize_movielens.workflow.recommend import recommend, similar


def write_prepared(data_dir: Path) -> None:
    """items.csv and titles.csv as `data prepare` writes them (the catalog: test_catalog.py)."""
    (data_dir / "items.csv").write_text("ITEM_ID,GENRES,YEAR\n1,Adventure|Comedy,1995\n2,Drama,\n")
    (data_dir / "titles.csv").write_text(
        'ITEM_ID,TITLE,GENRES\n1,"Toy Story, The (1995)",Adventure|Comedy\n2,Heat,Drama\n'
    )


def expect_campaign_answer(stubbed) -> None:
    ctx, stub, _ = stubbed
    expect_solutions(stub, [solution_summary()])
    expect_campaigns(stub, SOL, [campaign_summary()])
    ctx.runtime_stub.add_response(
        "get_recommendations",
        {"itemList": [{"itemId": "1", "score": 0.9}, {"itemId": "99", "score": 0.1}]},
        {"campaignArn": CAMPAIGN, "userId": "42", "numResults": 2},
    )


def test_recommend_returns_ranked_movies_with_titles(stubbed, tmp_path: Path, capsys) -> None:
    write_prepared(tmp_path)
    expect_campaign_answer(stubbed)
    items = recommend(stubbed[0], "42", 2, data_dir=tmp_path)
    assert [(r.rank, r.item_id, r.title) for r in items] == [
        (1, "1", "Toy Story, The (1995)"),
        (2, "99", None),
    ]
    assert "showing IDs only" not in capsys.readouterr().err


def test_recommend_without_prepared_data_says_it_shows_ids(stubbed, tmp_path: Path, capsys):
    expect_campaign_answer(stubbed)
    items = recommend(stubbed[0], "42", 2, data_dir=tmp_path)  # an empty directory
    assert [(r.item_id, r.title) for r in items] == [("1", None), ("99", None)]
    captured = capsys.readouterr()
    assert f"No items.csv/titles in {tmp_path}: showing IDs only" in captured.err
    assert "showing IDs" not in captured.out  # stdout stays clean for --json


def test_similar_without_a_related_items_campaign_explains(stubbed) -> None:
    ctx, stub, _ = stubbed
    recipe = "arn:aws:personalize:::recipe/aws-user-personalization-v2"
    expect_solutions(stub, [solution_summary(recipeArn=recipe)])
    with pytest.raises(ConfigError) as info:
        similar(ctx, "1")
    assert "aws-similar-items" in info.value.one_line()


def test_recommend_without_campaign_says_to_deploy(stubbed) -> None:
    ctx, stub, _ = stubbed
    expect_solutions(stub, [])
    with pytest.raises(ConfigError) as info:
        recommend(ctx, "42")
    assert "deploy" in info.value.one_line()
