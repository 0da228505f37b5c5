"""Recipes: every public recipe of the service, read-only; the emulator trains some of them.

ListRecipes and DescribeRecipe answer for all the recipes the service lists (custom and domain),
with the ARNs the developer guide's recipe pages give. CreateSolution takes only the recipes
`emulator/training.py` trains; the others are refused with a reason, not hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .. import training
from ..errors import InvalidInput, not_found
from ..service import Emulator
from .common import ACTIVE, listing, operation


def _epoch(stamp: str) -> float:
    return datetime.fromisoformat(stamp).replace(tzinfo=UTC).timestamp()


#: When the service last updated its recipes, as a ListRecipes answer of 2024-07 showed it.
_LAST_UPDATED = _epoch("2024-06-19T16:47:19.191")
_FEATURES = "arn:aws:personalize:::feature-transformation/"


@dataclass(frozen=True)
class Recipe:
    """A public recipe as the guide documents it. `feature_transformation` is None where the
    recipe's page gives none, `recipe_type` for the domain recipes (no page gives one): the
    answer leaves those members out. The recipes the emulator trains take their type from
    `training.RECIPES`."""

    summary: str
    recipe_type: str | None = None
    feature_transformation: str | None = None
    algorithm: str | None = None  # default: algorithm/<name>; domain recipes document none
    domain: str | None = None
    created: str = "2019-06-10"  # creation dates as recorded ListRecipes answers show them


_ECOMMERCE, _VOD = "ECOMMERCE", "VIDEO_ON_DEMAND"


def _domain(domain: str, summary: str) -> Recipe:
    return Recipe(summary, domain=domain)


#: name -> the recipe. Types from each recipe's page of the developer guide (recipeType in the
#: API reference names USER_PERSONALIZATION, PERSONALIZED_RANKING, RELATED_ITEMS; the guide adds
#: PERSONALIZED_ACTIONS and USER_SEGMENTATION). The legacy HRNN recipes are left out: the guide
#: says "Legacy HRNN recipes are no longer available", and recorded answers no longer list them.
PUBLIC: dict[str, Recipe] = {
    "aws-ecomm-customers-who-viewed-x-also-viewed": _domain(
        _ECOMMERCE, "Customers who viewed X also viewed."
    ),
    "aws-ecomm-frequently-bought-together": _domain(_ECOMMERCE, "Frequently bought together."),
    "aws-ecomm-popular-items-by-purchases": _domain(_ECOMMERCE, "Best sellers."),
    "aws-ecomm-popular-items-by-views": _domain(_ECOMMERCE, "Most viewed."),
    "aws-ecomm-recommended-for-you": _domain(_ECOMMERCE, "Recommended for you."),
    "aws-item-affinity": Recipe(
        "A user segment for each item.",
        "USER_SEGMENTATION",
        _FEATURES + "item-affinity",
        created="2021-07-15",
    ),
    "aws-item-attribute-affinity": Recipe(
        "A user segment for each item attribute.",
        "USER_SEGMENTATION",
        _FEATURES + "item-attribute-affinity",
        created="2021-08-25",
    ),
    "aws-next-best-action": Recipe(
        "The actions a user will most likely take.", "PERSONALIZED_ACTIONS", created="2023-08-11"
    ),
    "aws-personalized-ranking": Recipe(
        "Ranks a list of items for a user.",
        feature_transformation=_FEATURES + "JSON-percentile-filtering",
    ),
    "aws-personalized-ranking-v2": Recipe(
        "Ranks a list of items for a user (Transformer-based).", created="2024-01-01"
    ),
    "aws-popularity-count": Recipe(
        "The items with the most interactions from unique users, the same for every user.",
        feature_transformation=_FEATURES + "sims",
    ),
    "aws-semantic-similarity": Recipe(
        "Items semantically similar to an item, from its text metadata.",
        "RELATED_ITEMS",
        _FEATURES + "aws-semantic-similarity",
    ),
    "aws-similar-items": Recipe("Items similar to an item, from co-interactions and metadata."),
    "aws-sims": Recipe(
        "Items similar to an item, from co-occurrence in user histories.",
        "RELATED_ITEMS",
        _FEATURES + "sims",
    ),
    "aws-trending-now": Recipe(
        "Items gaining popularity fastest.",
        "USER_PERSONALIZATION",
        algorithm="arn:aws:personalize:::algorithm/aws-trending-now-custom",
    ),
    "aws-user-personalization": Recipe("Items a user will most likely interact with."),
    "aws-user-personalization-v2": Recipe(
        "Items a user will most likely interact with (Transformer-based)."
    ),
    "aws-vod-because-you-watched-x": _domain(_VOD, "Because you watched X."),
    "aws-vod-more-like-x": _domain(_VOD, "More like X."),
    "aws-vod-most-popular": _domain(_VOD, "Most popular."),
    "aws-vod-top-picks": _domain(_VOD, "Top picks for you."),
    "aws-vod-trending-now": _domain(_VOD, "Trending now."),
}


def trainable_recipe(recipe_arn: str) -> str:
    """The name of a recipe the emulator trains. The service's other recipes are refused with
    InvalidInputException saying why (so the gap is said, not hidden); unknown ones are not
    found."""
    name = training.recipe_name(recipe_arn)
    if not recipe_arn.startswith(training.RECIPE_PREFIX):
        raise InvalidInput(f"Recipe {recipe_arn} is not a service recipe ARN.")
    recipe = PUBLIC.get(name)
    if recipe is None:
        raise not_found(recipe_arn)
    if recipe.domain:
        raise InvalidInput(
            f"Recipe {name} is a use case of the {recipe.domain} domain: it backs recommenders "
            "of a Domain dataset group, not solutions."
        )
    if name not in training.RECIPES:
        raise InvalidInput(
            f"Recipe {name} exists in Amazon Personalize but the local emulator does not train "
            f"it; use one of {', '.join(training.RECIPES)}."
        )
    return name


def _recipe_doc(name: str) -> dict[str, Any]:
    """The DescribeRecipe shape; members the guide does not give are left out."""
    recipe = PUBLIC[name]
    recipe_type, description = recipe.recipe_type, recipe.summary
    if name in training.RECIPES:
        recipe_type, how = training.RECIPES[name]
        description += f" Local emulator: {how}"
    elif not recipe.domain:
        description += " Local emulator: not trained."
    algorithm = recipe.algorithm
    if algorithm is None and not recipe.domain:
        algorithm = f"arn:aws:personalize:::algorithm/{name}"
    doc = {
        "name": name,
        "recipeArn": training.RECIPE_PREFIX + name,
        "algorithmArn": algorithm,
        "featureTransformationArn": recipe.feature_transformation,
        "status": ACTIVE,
        "description": description,
        "recipeType": recipe_type,
        "creationDateTime": _epoch(recipe.created),
        "lastUpdatedDateTime": _LAST_UPDATED,
        "domain": recipe.domain,  # a RecipeSummary member only: listing() keeps it there
    }
    return {key: value for key, value in doc.items() if value is not None}


@operation("ListRecipes")
def list_recipes(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    """All recipes by name; with `domain`, only that domain's use cases (the API reference:
    "If you don't specify a domain, all recipes are returned")."""
    names = [n for n, r in PUBLIC.items() if not p.get("domain") or r.domain == p["domain"]]
    return listing("ListRecipes", [_recipe_doc(name) for name in names], p, by_name=True)


@operation("DescribeRecipe")
def describe_recipe(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    name = training.recipe_name(p["recipeArn"])
    if not p["recipeArn"].startswith(training.RECIPE_PREFIX) or name not in PUBLIC:
        raise not_found(p["recipeArn"])
    doc = _recipe_doc(name)
    doc.pop("domain", None)  # the Recipe shape has no domain member
    return {"recipe": doc}
