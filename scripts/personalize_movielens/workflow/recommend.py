"""`recommend` and `similar`: ask the campaign, show the movies with titles and genres."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..console import info
from ..data.layout import TITLES_FILE
from ..errors import ConfigError
from .catalog import Movie, load_catalog
from .context import WorkflowContext
from .naming import DEFAULT_RECIPE, campaign_name, recipe_name, solution_name
from .plan import PlannedCall, planned_json
from .resources import list_campaigns, list_solutions

#: Recipes whose campaigns answer "items like this item" (GetRecommendations with itemId).
RELATED_ITEMS_RECIPES = frozenset({"aws-similar-items", "aws-sims"})


@dataclass(frozen=True)
class Recommendation:
    rank: int
    item_id: str
    #: None where the answer has none (Popularity-Count, Similar-Items, SIMS): JSON null.
    score: float | None
    title: str | None
    genres: str | None
    year: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Recommendations:
    """The answer for one user (`recommend`) or one item (`similar`), ranked."""

    subject: str  # user_id | item_id
    subject_id: str
    items: list[Recommendation]
    planned: list[PlannedCall] | None = None

    @property
    def title(self) -> str:
        if self.subject == "user_id":
            return f"Recommended for user {self.subject_id}"
        return f"Similar to item {self.subject_id}"

    def to_json(self) -> dict[str, Any]:
        return {
            self.subject: self.subject_id,
            "items": [item.to_json() for item in self.items],
            **planned_json(self.planned),
        }


def active_campaign(ctx: WorkflowContext, solution_arn: str, name: str) -> str | None:
    for campaign in list_campaigns(ctx, solution_arn):
        if campaign["name"] == name and campaign["status"] == "ACTIVE":
            return str(campaign["campaignArn"])
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


def _answer(
    ctx: WorkflowContext,
    subject: str,
    subject_id: str,
    response: Mapping[str, Any],
    data_dir: Path | None,
) -> Recommendations:
    """GetRecommendations' items, ranked and joined with titles and genres."""
    items = _join(response.get("itemList", []), catalog_or_note(data_dir))
    return Recommendations(subject, subject_id, items, ctx.planned())


def _join(items: list[Mapping[str, Any]], catalog: dict[str, Movie]) -> list[Recommendation]:
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
        info(
            f"No prepared titles in {data_dir} ({TITLES_FILE}, written by `personalize-movielens "
            "data prepare`): showing IDs only."
        )
    return catalog


def recommend(
    ctx: WorkflowContext,
    user_id: str,
    num_results: int = 10,
    recipe: str = DEFAULT_RECIPE,
    data_dir: Path | None = None,
) -> Recommendations:
    """Top-N movies for a user, with titles and genres when the prepared data is at hand."""
    _check_num_results(num_results)
    arn = campaign_for_recipe(ctx, recipe)
    response = ctx.clients.runtime.get_recommendations(
        campaignArn=arn, userId=str(user_id), numResults=num_results
    )
    return _answer(ctx, "user_id", str(user_id), response, data_dir)


def similar(
    ctx: WorkflowContext, item_id: str, num_results: int = 10, data_dir: Path | None = None
) -> Recommendations:
    """Movies like `item_id`, from a related-items campaign."""
    _check_num_results(num_results)
    arn = related_items_campaign(ctx)
    response = ctx.clients.runtime.get_recommendations(
        campaignArn=arn, itemId=str(item_id), numResults=num_results
    )
    return _answer(ctx, "item_id", str(item_id), response, data_dir)


def _check_num_results(num_results: int) -> None:
    if num_results < 1 or num_results > 500:
        raise ConfigError(f"-n {num_results}: must be between 1 and 500.")
