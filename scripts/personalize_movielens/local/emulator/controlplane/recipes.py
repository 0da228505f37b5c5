"""Recipes: the built-in ones the emulator trains (see `emulator/training.py`), read-only."""

from __future__ import annotations

from typing import Any

from .. import training
from ..errors import InvalidInput, not_found
from ..service import Emulator
from .common import ACTIVE, listing, operation

_RECIPE_EPOCH = 1_546_300_800.0  # 2019-01-01: a fixed creation time for the built-in recipes


def trainable_recipe(recipe_arn: str) -> str:
    """The name of a recipe the emulator trains; the service's recipes it does not are refused
    with InvalidInputException (so the gap is said, not hidden), unknown ones are not found."""
    name = training.recipe_name(recipe_arn)
    if not recipe_arn.startswith(training.RECIPE_PREFIX):
        raise InvalidInput(f"Recipe {recipe_arn} is not a service recipe ARN.")
    if name in training.UNSUPPORTED_RECIPES:
        raise InvalidInput(
            f"Recipe {name} exists in Amazon Personalize but the local emulator does not train "
            f"it; use one of {', '.join(training.RECIPES)}."
        )
    if name not in training.RECIPES:
        raise not_found(recipe_arn)
    return name


def _recipe_doc(name: str) -> dict[str, Any]:
    recipe_type, description = training.RECIPES[name]
    return {
        "name": name,
        "recipeArn": training.RECIPE_PREFIX + name,
        "algorithmArn": f"arn:aws:personalize:::algorithm/{name}",
        "status": ACTIVE,
        "description": description,
        "recipeType": recipe_type,
        "creationDateTime": _RECIPE_EPOCH,
        "lastUpdatedDateTime": _RECIPE_EPOCH,
    }


@operation("ListRecipes")
def list_recipes(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    if p.get("domain"):
        return {"recipes": []}
    result = listing("ListRecipes", [_recipe_doc(name) for name in training.RECIPES], p)
    result["recipes"].sort(key=lambda r: r["name"])
    return result


@operation("DescribeRecipe")
def describe_recipe(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    return {"recipe": _recipe_doc(trainable_recipe(p["recipeArn"]))}
