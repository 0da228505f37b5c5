"""`recommend` and `similar`: ask the campaign, show the movies with titles and genres."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..console import info
from ..errors import ConfigError
from .catalog import Movie, load_catalog
from .context import WorkflowContext
from .naming import campaign_name, recipe_name, solution_name
from .resources import list_campaigns, list_solutions
from .training import DEFAULT_RECIPE

#: Recipes whose campaigns answer "items like this item" (GetRecommendations with itemId).
RELATED_ITEMS_RECIPES = frozenset({"aws-similar-items", "aws-sims"})


@dataclass(frozen=True)
class Recommendation:
    rank: int
    item_id: str
    score: float | None
    title: str | None
    genres: str | None
    year: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def active_campaign(ctx: WorkflowContext, solution_arn: str, name: str) -> str | None:
    for campaign in list_campaigns(ctx, solution_arn):
        if campaign["name"] == name and campaign["status"] == "ACTIVE":
            return campaign["campaignArn"]
    return None


def campaign_for_recipe(ctx: WorkflowContext, recipe: str) -> str:
    """The ACTIVE campaign that `deploy --recipe RECIPE` created."""
    sol_name = solution_name(ctx.outputs.dataset_group_arn, recipe)
    for solution in list_solutions(ctx):
        if solution["name"] == sol_name:
            arn = active_campaign(ctx, solution["solutionArn"], campaign_name(sol_name))
            if arn:
                return arn
    raise ConfigError(
        f"No ACTIVE campaign for {recipe_name(recipe)}.",
        hint=f"Run `personalize-movielens deploy --recipe {recipe_name(recipe)}` first.",
    )


def related_items_campaign(ctx: WorkflowContext) -> str:
    """An ACTIVE campaign whose recipe gives related items, or a message saying how to get one."""
    for solution in list_solutions(ctx):
        if recipe_name(solution.get("recipeArn", "")) not in RELATED_ITEMS_RECIPES:
            continue
        arn = active_campaign(ctx, solution["solutionArn"], campaign_name(solution["name"]))
        if arn:
            return arn
    raise ConfigError(
        "No ACTIVE campaign gives related items: user-personalization recommends for users, "
        "not for items.",
        hint="Run `personalize-movielens train --recipe aws-similar-items` and "
        "`personalize-movielens deploy --recipe aws-similar-items` first.",
    )


def _join(items: list[dict[str, Any]], catalog: dict[str, Movie]) -> list[Recommendation]:
    results = []
    for rank, item in enumerate(items, start=1):
        movie = catalog.get(item["itemId"], Movie(item["itemId"]))
        results.append(
            Recommendation(
                rank, item["itemId"], item.get("score"), movie.title, movie.genres, movie.year
            )
        )
    return results


def catalog_or_note(data_dir: Path | None) -> dict[str, Movie]:
    """The catalog; when the data directory has none, one note (stderr) rather than silence."""
    catalog = load_catalog(data_dir)
    if not catalog:
        info(f"No items.csv/titles in {data_dir}: showing IDs only.")
    return catalog


def recommend(
    ctx: WorkflowContext,
    user_id: str,
    num_results: int = 10,
    recipe: str = DEFAULT_RECIPE,
    data_dir: Path | None = None,
) -> list[Recommendation]:
    """Top-N movies for a user, with titles and genres when the prepared data is at hand."""
    _check_num_results(num_results)
    arn = campaign_for_recipe(ctx, recipe)
    request = {"campaignArn": arn, "userId": str(user_id), "numResults": num_results}
    return _get_recommendations(ctx, request, data_dir)


def similar(
    ctx: WorkflowContext, item_id: str, num_results: int = 10, data_dir: Path | None = None
) -> list[Recommendation]:
    """Movies like `item_id`, from a related-items campaign."""
    _check_num_results(num_results)
    arn = related_items_campaign(ctx)
    request = {"campaignArn": arn, "itemId": str(item_id), "numResults": num_results}
    return _get_recommendations(ctx, request, data_dir)


def _check_num_results(num_results: int) -> None:
    if num_results < 1 or num_results > 500:
        raise ConfigError(f"-n {num_results}: must be between 1 and 500.")


def _get_recommendations(
    ctx: WorkflowContext, request: dict[str, str | int], data_dir: Path | None
) -> list[Recommendation]:
    """One GetRecommendations call (for a user or an item), joined with titles and genres."""
    if ctx.would("personalize-runtime", "GetRecommendations", **request):
        return []
    response = ctx.call("personalize-runtime", "get_recommendations", **request)
    return _join(response.get("itemList", []), catalog_or_note(data_dir))
