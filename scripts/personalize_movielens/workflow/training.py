"""`train`: a solution per recipe and a solution version, waited for, with offline metrics.

Solutions are created with `performAutoTraining` passed explicitly, off unless asked: the API's
default is on (it retrains, and bills, every week). A solution made earlier with another
setting is brought to the one asked for with UpdateSolution. A rerun never trains twice for the
same data: a version in progress is waited for, and a version newer than the last successful
import is reused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from ..console import info
from ..errors import CloudError, ConfigError
from ..schemas import parse_schema
from .context import WorkflowContext
from .costs import training_cost
from .naming import DEFAULT_RECIPE, recipe_arn, recipe_name, solution_name
from .plan import PlannedCall, planned_json
from .resources import (
    created,
    describe_solution,
    find_solution,
    latest_import_time,
    list_versions,
    solution_metrics,
)
from .waiting import IN_PROGRESS, SUCCEEDED, Observation, failed, wait_until

#: FULL trains on all data; UPDATE brings a User-Personalization model up to new items/events.
TrainingMode = Literal["FULL", "UPDATE"]
BASELINE_RECIPE = "aws-popularity-count"
#: Recipes that take no event-value threshold (they count events, not weigh them).
NO_EVENT_VALUE_RECIPES = frozenset({"aws-popularity-count", "aws-similar-items", "aws-sims"})
DEFAULT_EVENT_VALUE_THRESHOLD = "3.5"
#: Recipes whose solutions accept trainingMode UPDATE (CreateSolutionVersion reference).
UPDATE_RECIPES = frozenset({"aws-user-personalization", "aws-hrnn-coldstart"})


@dataclass
class TrainResult:
    solution_name: str
    recipe: str
    solution_arn: str
    version_arn: str
    status: str
    created_version: bool
    metrics: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class TrainReport:
    """What `train` did: one result per recipe (the model, and the baseline when asked)."""

    solutions: list[TrainResult]
    planned: list[PlannedCall] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"solutions": [s.to_json() for s in self.solutions], **planned_json(self.planned)}


def interactions_have_event_value(ctx: WorkflowContext) -> bool:
    """Whether the Interactions schema the stack uses has EVENT_VALUE (read from the service)."""
    schema_arn = ctx.outputs.schema_arns.get("Interactions")
    if not schema_arn:
        return False
    response = ctx.clients.personalize.describe_schema(schemaArn=schema_arn)
    return parse_schema(response["schema"]["schema"], source=schema_arn).has("EVENT_VALUE")


def solution_config(ctx: WorkflowContext, recipe: str, threshold: str | None) -> dict[str, Any]:
    if recipe_name(recipe) in NO_EVENT_VALUE_RECIPES or not interactions_have_event_value(ctx):
        return {}
    return {"eventValueThreshold": threshold or DEFAULT_EVENT_VALUE_THRESHOLD}


#: A solution update's statuses (latestSolutionUpdate), as a solution's observation shows them.
_UPDATE_STATUSES = {"CREATE PENDING": "UPDATE PENDING", "CREATE IN_PROGRESS": "UPDATE IN_PROGRESS"}


def auto_training_of(solution: Mapping[str, Any]) -> bool:
    """Whether a described solution trains automatically. Absent means on: CreateSolution's
    performAutoTraining "The default is True and the solution automatically creates new
    solution versions every 7 days." (API reference)."""
    return bool(solution.get("performAutoTraining", True))


def observe_solution(ctx: WorkflowContext, arn: str) -> Observation:
    """The solution's status; while an UpdateSolution is under way (the solution stays ACTIVE
    but cannot be deleted), UPDATE PENDING or UPDATE IN_PROGRESS, so waits see it still moving."""
    solution = describe_solution(ctx, arn)
    if solution is None:
        return Observation("", gone=True)
    update: Mapping[str, Any] = solution.get("latestSolutionUpdate") or {}
    if update.get("status") in _UPDATE_STATUSES:
        return Observation(_UPDATE_STATUSES[update["status"]])
    # The API's Solution has no failureReason member (its latestSolutionUpdate has); the
    # stand-in gives one, so read it where it is.
    details: Mapping[str, Any] = solution
    return Observation(solution["status"], details.get("failureReason"))


def match_auto_training(
    ctx: WorkflowContext, name: str, arn: str, auto_training: bool, recipe: str
) -> None:
    """An existing solution whose automatic training is not what was asked is updated to it
    (UpdateSolution), and the update waited for: weekly retraining nobody asked for is the
    cost to avoid, and one asked for should not silently stay off."""
    solution = describe_solution(ctx, arn) or {}
    if auto_training_of(solution) == auto_training:
        return
    if auto_training:
        ctx.billable(
            f"solution {name} to automatic training",
            "a new version every 7 days, " + training_cost(recipe),
            verb="update",
        )
    else:
        ctx.announce("update", f"solution {name}: automatic training off (it was on)")
    ctx.clients.personalize.update_solution(solutionArn=arn, performAutoTraining=auto_training)
    wait_until(ctx, f"Updating solution {name}", lambda: observe_solution(ctx, arn))
    update = (describe_solution(ctx, arn) or {}).get("latestSolutionUpdate") or {}
    if update.get("status") == "CREATE FAILED":
        raise CloudError(
            f"Updating solution {name} failed: {update.get('failureReason') or 'no reason given'}"
        )


def ensure_solution(
    ctx: WorkflowContext, recipe: str, auto_training: bool, threshold: str | None
) -> str:
    """The recipe's solution in the dataset group, created if missing (with automatic training
    as asked, always passed: the API's default is on), or updated to it; its ARN."""
    name = solution_name(ctx.outputs.dataset_group_arn, recipe)
    existing = find_solution(ctx, name)
    if existing is not None:
        arn = str(existing["solutionArn"])
    else:
        params: dict[str, Any] = {
            "name": name,
            "recipeArn": recipe_arn(recipe),
            "datasetGroupArn": ctx.outputs.dataset_group_arn,
            "performAutoTraining": auto_training,
        }
        config = solution_config(ctx, recipe, threshold)
        if config:
            params["solutionConfig"] = config
        if auto_training:
            ctx.billable(
                f"solution {name} with automatic training",
                "a new version every 7 days, " + training_cost(recipe),
            )
        else:
            ctx.announce(
                "create", f"solution {name} ({recipe_name(recipe)}); a solution itself is free"
            )
        arn = str(ctx.clients.personalize.create_solution(**params)["solutionArn"])
    obs = wait_until(ctx, f"Solution {name}", lambda: observe_solution(ctx, arn))
    if failed(obs):
        raise CloudError(
            f"Solution {name} is {obs.status or 'gone'}: {obs.failure_reason or 'no reason given'}",
            hint="Run `personalize-movielens clean-cloud`, fix the cause, then train again.",
        )
    if existing is not None:
        match_auto_training(ctx, name, arn, auto_training, recipe)
    return arn


def ensure_version(
    ctx: WorkflowContext,
    solution_arn: str,
    training_mode: TrainingMode,
    recipe: str = DEFAULT_RECIPE,
) -> tuple[str, bool]:
    """The version to wait for: one in progress, one newer than the data, or a new one."""
    versions = list_versions(ctx, solution_arn)
    for version in versions:
        if version["status"] in IN_PROGRESS:
            info(f"Training already in progress ({version['solutionVersionArn']}); waiting for it.")
            return version["solutionVersionArn"], False
    data_time = latest_import_time(ctx)
    if data_time is None:
        raise ConfigError(
            "No dataset has a successful import yet.",
            hint="Run `personalize-movielens import` first.",
        )
    for version in versions:  # FULL or UPDATE: a model newer than the data needs no training
        if version["status"] == "ACTIVE":
            if created(version) >= data_time:
                info(f"Up to date: {version['solutionVersionArn']} is newer than the data.")
                return version["solutionVersionArn"], False
            break
    ctx.billable(f"solution version ({training_mode}) of {solution_arn}", training_cost(recipe))
    response = ctx.clients.personalize.create_solution_version(
        solutionArn=solution_arn,
        trainingMode=training_mode,
    )
    return response["solutionVersionArn"], True


def observe_version(ctx: WorkflowContext, arn: str) -> Observation:
    response = ctx.clients.personalize.describe_solution_version(solutionVersionArn=arn)
    version = response["solutionVersion"]
    return Observation(version["status"], version.get("failureReason"))


def wait_version(ctx: WorkflowContext, result: TrainResult) -> None:
    version_arn = result.version_arn
    obs = wait_until(
        ctx, f"Training {result.solution_name}", lambda: observe_version(ctx, version_arn)
    )
    result.status = obs.status
    if failed(obs):
        raise CloudError(
            f"Solution version {version_arn} ended {obs.status}: "
            f"{obs.failure_reason or 'no reason given'}",
            hint="See docs/operations.md#training for the usual causes.",
        )
    if obs.status in SUCCEEDED:  # not a version a dry run saw training
        result.metrics = solution_metrics(ctx, version_arn)


def train(
    ctx: WorkflowContext,
    recipe: str = DEFAULT_RECIPE,
    auto_training: bool = False,
    update: bool = False,
    baseline: bool = False,
    wait: bool = True,
    event_value_threshold: str | None = None,
) -> TrainReport:
    """Train `recipe` (and the popularity baseline if asked); wait and fetch metrics if `wait`."""
    if update and recipe_name(recipe) not in UPDATE_RECIPES:
        raise ConfigError(
            f"--update: trainingMode UPDATE works only with aws-user-personalization (or legacy "
            f"aws-hrnn-coldstart), not {recipe_name(recipe)}; train it without --update."
        )
    plans: list[tuple[str, TrainingMode, bool]] = [
        (recipe, "UPDATE" if update else "FULL", auto_training)
    ]
    if baseline and recipe_name(recipe) != BASELINE_RECIPE:
        plans.append((BASELINE_RECIPE, "FULL", False))
    results = []
    for plan_recipe, mode, auto in plans:
        arn = ensure_solution(ctx, plan_recipe, auto, event_value_threshold)
        version_arn, created_version = ensure_version(ctx, arn, mode, plan_recipe)
        results.append(
            TrainResult(
                solution_name(ctx.outputs.dataset_group_arn, plan_recipe),
                recipe_name(plan_recipe),
                arn,
                version_arn,
                "CREATE PENDING",
                created_version,
            )
        )
    if not wait:
        info("Not waiting. Resume with `personalize-movielens train --wait` or check `status`.")
        for result in results:
            result.status = observe_version(ctx, result.version_arn).status
    else:
        for result in results:  # the versions train in parallel on the service
            wait_version(ctx, result)
    return TrainReport(results, ctx.planned())
