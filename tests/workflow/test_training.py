"""train on the stand-in: solution settings, version reuse and resume, metrics, dry run."""

from __future__ import annotations

import pytest
from wf_helpers import imported, trained

from personalize_movielens.arns import arn_prefix
from personalize_movielens.errors import ConfigError
from personalize_movielens.workflow.naming import recipe_arn, solution_name
from personalize_movielens.workflow.plan import PLANNED
from personalize_movielens.workflow.resources import list_solutions, list_versions
from personalize_movielens.workflow.training import auto_training_of, train

V2 = "aws-user-personalization-v2"


def test_first_train_creates_the_solution_and_a_full_version_with_metrics(ctx, data_dir) -> None:
    imported(ctx, data_dir)
    [result] = train(ctx).solutions
    assert (result.recipe, result.status, result.created_version) == (V2, "ACTIVE", True)
    assert result.metrics and all(isinstance(v, float) for v in result.metrics.values())
    personalize = ctx.clients.personalize
    solution = personalize.describe_solution(solutionArn=result.solution_arn)["solution"]
    assert solution["performAutoTraining"] is False  # the API's own default is True
    version = personalize.describe_solution_version(solutionVersionArn=result.version_arn)
    assert version["solutionVersion"]["trainingMode"] == "FULL"


def test_rerun_with_unchanged_data_reuses_the_version(ctx, data_dir) -> None:
    [first] = trained(ctx, data_dir).solutions
    [again] = train(ctx, recipe="aws-popularity-count").solutions
    assert not again.created_version and again.version_arn == first.version_arn
    assert again.metrics == first.metrics
    assert len(list_versions(ctx, first.solution_arn)) == 1


def test_training_left_running_is_resumed_not_duplicated(ctx, data_dir, slow) -> None:
    imported(ctx, data_dir)
    slow(20)  # the first look must see it training, under load too
    [started] = train(ctx, auto_training=True, wait=False).solutions
    assert started.status in {"CREATE PENDING", "CREATE IN_PROGRESS"}  # --no-wait: as it is
    [resumed] = train(ctx, auto_training=True).solutions
    assert (resumed.version_arn, resumed.status) == (started.version_arn, "ACTIVE")
    assert not resumed.created_version
    [solution] = list_solutions(ctx)
    assert len(list_versions(ctx, solution["solutionArn"])) == 1


def test_update_is_refused_for_recipes_without_update_training(offline) -> None:
    for recipe in (V2, "aws-popularity-count", "aws-similar-items"):  # refused before any call
        with pytest.raises(ConfigError, match="only with aws-user-personalization") as exc:
            train(offline, recipe=recipe, update=True)
        assert recipe in exc.value.message and exc.value.hint is None  # one line


def test_train_before_any_import_says_to_import(ctx) -> None:
    with pytest.raises(ConfigError) as info:
        train(ctx)
    assert "import" in info.value.one_line()


def test_dry_run_plans_two_solutions_and_versions_and_creates_nothing(make_ctx, data_dir):
    imported(make_ctx(), data_dir)
    ctx = make_ctx(dry_run=True)
    report = train(ctx, baseline=True)
    assert [c.operation for c in report.planned] == ["CreateSolution", "CreateSolutionVersion"] * 2
    model, baseline = (c.params for c in report.planned if c.operation == "CreateSolution")
    assert model["performAutoTraining"] is False and "solutionConfig" not in baseline
    assert baseline["recipeArn"].endswith("aws-popularity-count")
    assert [(r.recipe, r.status) for r in report.solutions] == [
        (V2, PLANNED),
        ("aws-popularity-count", PLANNED),
    ]
    # The ARNs the service would give: in the dataset group's region and account, not the
    # recipe's (`arn:aws:personalize:::recipe/...` names neither).
    account_prefix = arn_prefix(ctx.outputs.dataset_group_arn)
    assert [r.solution_arn for r in report.solutions] == [
        f"{account_prefix}:solution/{model['name']}",
        f"{account_prefix}:solution/{baseline['name']}",
    ]
    assert all(r.version_arn.startswith(r.solution_arn + "/") for r in report.solutions)
    assert (
        report.to_json()["planned"][1]["params"]["solutionArn"] == report.solutions[0].solution_arn
    )
    assert list_solutions(ctx) == []


def test_a_dry_run_waits_for_nothing_and_reports_training_as_it_is(make_ctx, data_dir, slow):
    real = make_ctx()
    imported(real, data_dir)
    slow(2)  # training takes seconds now: a wait would be seen
    [started] = train(real, wait=False).solutions
    ctx = make_ctx(dry_run=True)
    [seen] = train(ctx).solutions
    assert (seen.version_arn, seen.created_version) == (started.version_arn, False)
    assert seen.status in {"CREATE PENDING", "CREATE IN_PROGRESS"} and seen.metrics == {}
    assert ctx.plan.calls == []  # nothing to create: the version is on its way


def test_a_solution_without_the_field_trains_automatically() -> None:
    """CreateSolution, performAutoTraining (https://docs.aws.amazon.com/personalize/latest/dg/
    API_CreateSolution.html): "The default is True and the solution automatically creates new
    solution versions every 7 days." A solution described without the field (made before it
    existed, or by a client that leaves out defaults) is read as training automatically."""
    assert auto_training_of({}) is True
    assert auto_training_of({"performAutoTraining": False}) is False


def existing_solution(ctx, recipe: str = V2, **params) -> str:
    """The tool's solution for `recipe`, made by someone else with `params` (the API's defaults
    for the rest: automatic training on)."""
    return ctx.clients.personalize.create_solution(
        name=solution_name(ctx.outputs.dataset_group_arn, recipe),
        datasetGroupArn=ctx.outputs.dataset_group_arn,
        recipeArn=recipe_arn(recipe),
        **params,
    )["solutionArn"]


def test_train_brings_an_existing_solution_to_the_automatic_training_asked(ctx, data_dir):
    """A solution made with the API's default (automatic training every 7 days) is turned off
    by `train` (UpdateSolution, waited for), and on again by `train --auto-training`. Updating a
    solution (https://docs.aws.amazon.com/personalize/latest/dg/updating-solution.html): "You
    can turn automatic training on or off, and you can change the training frequency."
    """
    imported(ctx, data_dir)
    arn = existing_solution(ctx)
    personalize = ctx.clients.personalize
    assert personalize.describe_solution(solutionArn=arn)["solution"]["performAutoTraining"]
    [result] = train(ctx).solutions
    solution = personalize.describe_solution(solutionArn=arn)["solution"]
    assert result.solution_arn == arn and result.status == "ACTIVE"
    assert solution["performAutoTraining"] is False
    assert solution["latestSolutionUpdate"]["status"] == "ACTIVE"
    train(ctx, auto_training=True)  # the version is up to date: only the setting changes
    assert personalize.describe_solution(solutionArn=arn)["solution"]["performAutoTraining"]
    assert len(list_versions(ctx, arn)) == 1


def test_dry_run_plans_the_update_and_changes_nothing(make_ctx, data_dir) -> None:
    real = make_ctx()
    imported(real, data_dir)
    arn = existing_solution(real, "aws-popularity-count")
    ctx = make_ctx(dry_run=True)
    train(ctx, recipe="aws-popularity-count")
    update, create = ctx.plan.calls
    assert (update.operation, update.params) == (
        "UpdateSolution",
        {"solutionArn": arn, "performAutoTraining": False},
    )
    assert create.operation == "CreateSolutionVersion"
    solution = real.clients.personalize.describe_solution(solutionArn=arn)["solution"]
    assert solution["performAutoTraining"] is True and "latestSolutionUpdate" not in solution
