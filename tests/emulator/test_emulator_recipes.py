"""ListRecipes and DescribeRecipe answer for every public recipe, as the service does;
CreateSolution refuses, with a reason, the ones the emulator does not train."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from emu_helpers import error_of

PREFIX = "arn:aws:personalize:::recipe/"
FEATURES = "arn:aws:personalize:::feature-transformation/"
ECOMMERCE = {
    "aws-ecomm-customers-who-viewed-x-also-viewed",
    "aws-ecomm-frequently-bought-together",
    "aws-ecomm-popular-items-by-purchases",
    "aws-ecomm-popular-items-by-views",
    "aws-ecomm-recommended-for-you",
}
VIDEO_ON_DEMAND = {
    "aws-vod-because-you-watched-x",
    "aws-vod-more-like-x",
    "aws-vod-most-popular",
    "aws-vod-top-picks",
    "aws-vod-trending-now",
}
#: Custom recipes: name -> (recipe type, feature transformation ARN or None where the recipe's
#: page of the developer guide gives none), from https://docs.aws.amazon.com/personalize/latest/dg/
#: native-recipe-*.html, item-affinity-recipe.html, item-attribute-affinity-recipe.html.
CUSTOM: dict[str, tuple[str | None, str | None]] = {
    "aws-user-personalization": ("USER_PERSONALIZATION", None),
    "aws-user-personalization-v2": ("USER_PERSONALIZATION", None),
    "aws-popularity-count": ("USER_PERSONALIZATION", FEATURES + "sims"),
    "aws-trending-now": ("USER_PERSONALIZATION", None),
    "aws-personalized-ranking": ("PERSONALIZED_RANKING", FEATURES + "JSON-percentile-filtering"),
    "aws-personalized-ranking-v2": ("PERSONALIZED_RANKING", None),
    "aws-similar-items": ("RELATED_ITEMS", None),
    "aws-sims": ("RELATED_ITEMS", FEATURES + "sims"),
    "aws-semantic-similarity": ("RELATED_ITEMS", FEATURES + "aws-semantic-similarity"),
    "aws-next-best-action": ("PERSONALIZED_ACTIONS", None),
    "aws-item-affinity": ("USER_SEGMENTATION", FEATURES + "item-affinity"),
    "aws-item-attribute-affinity": ("USER_SEGMENTATION", FEATURES + "item-attribute-affinity"),
}
TRAINED = {
    "aws-popularity-count",
    "aws-user-personalization",
    "aws-user-personalization-v2",
    "aws-personalized-ranking",
    "aws-personalized-ranking-v2",
    "aws-similar-items",
}


def all_recipes(personalize: Any, **params: Any) -> list[dict[str, Any]]:
    pages = personalize.get_paginator("list_recipes").paginate(**params)
    return [recipe for page in pages for recipe in page["recipes"]]


def test_list_recipes_returns_every_recipe_and_filters_by_domain(personalize):
    """https://docs.aws.amazon.com/personalize/latest/dg/API_ListRecipes.html, domain: "Filters
    returned recipes by domain for a Domain dataset group. Only recipes (Domain dataset group use
    cases) for this domain are included in the response. If you don't specify a domain, all
    recipes are returned." RecipeSummary.domain: "The domain of the recipe (if the recipe is a
    Domain dataset group use case)." (A recorded answer of 2022, aws-samples'
    personalize_aws_similar_items_example.ipynb, lists aws-ecomm-* with 'domain': 'ECOMMERCE'
    beside aws-sims, aws-popularity-count, ... without one.)"""
    recipes = all_recipes(personalize)
    names = [r["name"] for r in recipes]
    assert names == sorted(names)
    # By name across pages too, as the recorded answer's first page of 11 with a nextToken.
    paged = all_recipes(personalize, PaginationConfig={"PageSize": 5})
    assert [r["name"] for r in paged] == names
    assert set(names) == ECOMMERCE | VIDEO_ON_DEMAND | set(CUSTOM)
    for recipe in recipes:
        assert recipe["recipeArn"] == PREFIX + recipe["name"] and recipe["status"] == "ACTIVE"
        assert recipe["creationDateTime"] <= recipe["lastUpdatedDateTime"]
        expected = (
            "ECOMMERCE"
            if recipe["name"] in ECOMMERCE
            else "VIDEO_ON_DEMAND"
            if recipe["name"] in VIDEO_ON_DEMAND
            else None
        )
        assert recipe.get("domain") == expected, recipe
    for domain, members in (("ECOMMERCE", ECOMMERCE), ("VIDEO_ON_DEMAND", VIDEO_ON_DEMAND)):
        listed = all_recipes(personalize, domain=domain)
        assert {r["name"] for r in listed} == members
        assert {r["domain"] for r in listed} == {domain}
    assert all_recipes(personalize, recipeProvider="SERVICE") == recipes  # "default is SERVICE"


def test_describe_recipe_gives_the_arns_the_guide_documents(personalize):
    """https://docs.aws.amazon.com/personalize/latest/dg/API_DescribeRecipe.html: "A recipe
    contains three items: An algorithm that trains a model. Hyperparameters that govern the
    training. Feature transformation information for modifying the input data before
    training." Each recipe's page lists its properties, e.g.
    https://docs.aws.amazon.com/personalize/latest/dg/native-recipe-sims.html: Algorithm ARN
    "arn:aws:personalize:::algorithm/aws-sims", Feature transformation ARN
    "arn:aws:personalize:::feature-transformation/sims", Recipe type "RELATED_ITEMS". Where a
    page gives no feature transformation (User-Personalization, Trending-Now, ...), none is
    invented; Trending-Now's algorithm is "arn:aws:personalize:::algorithm/
    aws-trending-now-custom" (native-recipe-trending-now.html)."""
    for summary in all_recipes(personalize):
        name = summary["name"]
        recipe = personalize.describe_recipe(recipeArn=summary["recipeArn"])["recipe"]
        assert {k: recipe[k] for k in summary if k != "domain"} == {
            k: v for k, v in summary.items() if k != "domain"
        }
        assert "domain" not in recipe and recipe["description"]
        if name in CUSTOM:
            recipe_type, features = CUSTOM[name]
            assert recipe["recipeType"] == recipe_type, name
            assert recipe.get("featureTransformationArn") == features, name
            algorithm = "aws-trending-now-custom" if name == "aws-trending-now" else name
            assert recipe["algorithmArn"] == f"arn:aws:personalize:::algorithm/{algorithm}"
    with pytest.raises(ClientError) as exc:
        personalize.describe_recipe(recipeArn=PREFIX + "aws-unknown")
    assert error_of(exc)[0] == "ResourceNotFoundException"


@pytest.mark.parametrize("name", sorted(ECOMMERCE | VIDEO_ON_DEMAND | set(CUSTOM) - TRAINED))
def test_create_solution_refuses_a_recipe_the_emulator_does_not_train(aws, personalize, name):
    """Every listed recipe exists; the emulator trains some (docs/local-emulator.md). A solution
    of another is refused with InvalidInputException saying why, rather than accepted and
    failed later or answered ResourceNotFoundException as if the service had no such recipe."""
    with pytest.raises(ClientError) as exc:
        personalize.create_solution(
            name="refused", datasetGroupArn=aws.outputs.dataset_group_arn, recipeArn=PREFIX + name
        )
    code, status, message = error_of(exc)
    assert (code, status) == ("InvalidInputException", 400)
    reason = "domain" if name in ECOMMERCE | VIDEO_ON_DEMAND else "does not train"
    assert name in message and reason in message
    assert personalize.list_solutions()["solutions"] == []
