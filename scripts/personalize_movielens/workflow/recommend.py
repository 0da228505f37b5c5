"""`recommend` and `similar`: ask the campaign, or in a VIDEO_ON_DEMAND dataset group the use
case's recommender, optionally through a filter; show the movies with titles and genres."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..console import info
from ..data.layout import TITLES_FILE
from ..errors import ConfigError
from .catalog import Movie, load_catalog
from .context import WorkflowContext
from .filters import AppliedFilter, apply_filter, no_filter_values, parse_pairs
from .naming import DEFAULT_RECIPE, campaign_name, recipe_name, solution_name
from .plan import PlannedCall, planned_json
from .recommenders import USE_CASES, UseCase, active_recommender, use_case
from .resources import list_campaigns, list_solutions

#: The use cases that take an item (itemId required).
USE_CASE_NAMES_WITH_ITEM = tuple(n for n, c in USE_CASES.items() if c.item_id == "required")
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

    subject: str  # user_id | item_id | use_case (neither: trending-now)
    subject_id: str
    items: list[Recommendation]
    planned: list[PlannedCall] | None = None
    #: The use case whose recommender answered (None: a campaign).
    use_case: str | None = None
    #: The user the item-based use cases also take (they filter out what the user watched).
    user_id: str | None = None
    filter_name: str | None = None

    @property
    def title(self) -> str:
        if self.subject == "use_case":  # no user, no item (trending-now)
            title = f"Recommended by {self.subject_id}"
        elif self.subject == "user_id":
            title = f"Recommended for user {self.subject_id}"
        else:
            title = f"Similar to item {self.subject_id}"
            if self.user_id is not None:
                title += f" for user {self.user_id}"
        if self.use_case is not None and self.subject != "use_case":
            title += f" ({self.use_case})"
        return title + (f", filter {self.filter_name}" if self.filter_name else "")

    def to_json(self) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if self.user_id is not None and self.subject != "user_id":
            extra["user_id"] = self.user_id
        if self.use_case is not None and self.subject != "use_case":
            extra["use_case"] = self.use_case
        if self.filter_name is not None:
            extra["filter"] = self.filter_name
        return {
            self.subject: self.subject_id,
            **extra,
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


def _ask(
    ctx: WorkflowContext,
    target: dict[str, str],
    num_results: int,
    user_id: str | None,
    item_id: str | None,
    applied: AppliedFilter | None,
) -> Mapping[str, Any]:
    """One GetRecommendations call: `target` is campaignArn or recommenderArn."""
    params: dict[str, Any] = {**target, "numResults": num_results}
    if user_id is not None:
        params["userId"] = str(user_id)
    if item_id is not None:
        params["itemId"] = str(item_id)
    if applied is not None:
        params["filterArn"] = applied.arn
        if applied.values:
            params["filterValues"] = applied.values
    return ctx.clients.runtime.get_recommendations(**params)


def _filter(
    ctx: WorkflowContext, filter_name: str | None, filter_values: Iterable[str]
) -> AppliedFilter | None:
    if filter_name is None:
        no_filter_values(filter_values)
        return None
    return apply_filter(ctx, filter_name, filter_values)


def _answer(
    ctx: WorkflowContext,
    subject: str,
    subject_id: str,
    response: Mapping[str, Any],
    data_dir: Path | None,
    **about: Any,
) -> Recommendations:
    """GetRecommendations' items, ranked and joined with titles and genres."""
    items = _join(response.get("itemList", []), catalog_or_note(data_dir))
    return Recommendations(subject, subject_id, items, ctx.planned(), **about)


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


def check_subjects(case: UseCase, user_id: str | None, item_id: str | None) -> None:
    """The use case decides which of user and item GetRecommendations needs (the guide's
    VIDEO_ON_DEMAND use cases, see `recommenders.UseCase`): a wrong combination is one line."""
    if case.user_id == "required" and user_id is None:
        raise ConfigError(
            f"--use-case {case.name} needs USER_ID: GetRecommendations requires a userId for "
            f"{case.title}."
        )
    if case.item_id == "required" and item_id is None:
        raise ConfigError(
            f"--use-case {case.name} needs --item-id ITEM: GetRecommendations requires an itemId "
            f"for {case.title}."
        )
    if case.item_id == "not used" and item_id is not None:
        item_cases = ", ".join(c for c in USE_CASE_NAMES_WITH_ITEM)
        raise ConfigError(
            f"--use-case {case.name} takes no --item-id: {case.title} does not use an itemId "
            f"(the item-based use cases are {item_cases})."
        )


def recommend(
    ctx: WorkflowContext,
    user_id: str | None,
    num_results: int = 10,
    recipe: str = DEFAULT_RECIPE,
    data_dir: Path | None = None,
    use_case_name: str | None = None,
    item_id: str | None = None,
    filter_name: str | None = None,
    filter_values: Iterable[str] = (),
) -> Recommendations:
    """Top-N movies for a user (or, for an item-based use case, like an item), with titles and
    genres when the prepared data is at hand. With `use_case_name` the use case's recommender
    answers, otherwise the recipe's campaign."""
    _check_num_results(num_results)
    filter_values = list(filter_values)
    parse_pairs(filter_values)  # malformed or too long: one line before any call
    if use_case_name is None:
        if item_id is not None:
            raise ConfigError(
                "--item-id needs --use-case (because-you-watched-x or more-like-x); "
                "for a campaign, `personalize-movielens similar ITEM` gives related items."
            )
        if user_id is None:
            raise ConfigError("USER_ID is required (or --use-case trending-now).")
        arn = campaign_for_recipe(ctx, recipe)
        applied = _filter(ctx, filter_name, filter_values)
        response = _ask(ctx, {"campaignArn": arn}, num_results, user_id, None, applied)
        return _answer(ctx, "user_id", str(user_id), response, data_dir, filter_name=filter_name)
    case = use_case(use_case_name)
    check_subjects(case, user_id, item_id)
    arn = active_recommender(ctx, case)
    applied = _filter(ctx, filter_name, filter_values)
    response = _ask(ctx, {"recommenderArn": arn}, num_results, user_id, item_id, applied)
    about = {"use_case": case.name, "filter_name": filter_name}
    if item_id is not None:
        return _answer(ctx, "item_id", str(item_id), response, data_dir, user_id=user_id, **about)
    if user_id is None:
        return _answer(ctx, "use_case", case.name, response, data_dir, **about)
    return _answer(ctx, "user_id", str(user_id), response, data_dir, **about)


def similar(
    ctx: WorkflowContext,
    item_id: str,
    num_results: int = 10,
    data_dir: Path | None = None,
    filter_name: str | None = None,
    filter_values: Iterable[str] = (),
) -> Recommendations:
    """Movies like `item_id`, from a related-items campaign."""
    _check_num_results(num_results)
    filter_values = list(filter_values)
    parse_pairs(filter_values)  # malformed or too long: one line before any call
    arn = related_items_campaign(ctx)
    applied = _filter(ctx, filter_name, filter_values)
    response = _ask(ctx, {"campaignArn": arn}, num_results, None, item_id, applied)
    return _answer(ctx, "item_id", str(item_id), response, data_dir, filter_name=filter_name)


def _check_num_results(num_results: int) -> None:
    if num_results < 1 or num_results > 500:
        raise ConfigError(f"-n {num_results}: must be between 1 and 500.")
