"""deploy on the stand-in: create with the cost stated, move to a newer version, nothing to do."""

from __future__ import annotations

import pytest
from wf_helpers import deployed, trained

from personalize_movielens.errors import ConfigError
from personalize_movielens.workflow.deploy import deploy
from personalize_movielens.workflow.naming import solution_name
from personalize_movielens.workflow.plan import PLANNED
from personalize_movielens.workflow.resources import list_campaigns, list_solutions
from personalize_movielens.workflow.training import observe_version
from personalize_movielens.workflow.waiting import wait_until

POPULARITY = "aws-popularity-count"


def new_version(ctx, solution_arn: str) -> str:
    """A newer version of the solution (as `train` would make after new data), settled."""
    arn = ctx.clients.personalize.create_solution_version(solutionArn=solution_arn)[
        "solutionVersionArn"
    ]
    wait_until(ctx, "new version", lambda: observe_version(ctx, arn))
    return arn


def test_first_deploy_creates_a_campaign_on_the_latest_active_version(
    ctx, data_dir, fresh_stand_in, capsys
) -> None:
    [model] = trained(ctx, data_dir, POPULARITY).solutions
    fresh_stand_in.set_faults(fail_training=True)
    new_version(ctx, model.solution_arn)  # newer, but CREATE FAILED
    fresh_stand_in.reset_faults()
    result = deploy(ctx, recipe=POPULARITY, min_tps=2)
    assert (result.action, result.status, result.min_tps) == ("created", "ACTIVE", 2)
    assert result.solution_version_arn == model.version_arn
    [campaign] = list_campaigns(ctx, model.solution_arn)
    assert (campaign["campaignArn"], campaign["status"]) == (result.campaign_arn, "ACTIVE")
    assert "$0.40/hour" in capsys.readouterr().err  # the cost, said before the create


def test_deploy_moves_the_campaign_to_a_newer_version(ctx, data_dir) -> None:
    first = deployed(ctx, data_dir)
    [solution] = list_solutions(ctx)
    newer = new_version(ctx, solution["solutionArn"])
    result = deploy(ctx, recipe=POPULARITY)
    assert (result.action, result.solution_version_arn) == ("updated", newer)
    campaign = ctx.clients.personalize.describe_campaign(campaignArn=first.campaign_arn)
    assert campaign["campaign"]["solutionVersionArn"] == newer


def test_rerun_with_nothing_new_changes_nothing(ctx, data_dir) -> None:
    first = deployed(ctx, data_dir)
    again = deploy(ctx, recipe=POPULARITY)
    assert (again.action, again.campaign_arn) == ("unchanged", first.campaign_arn)


def test_deploy_without_a_trained_version_says_to_train(ctx) -> None:
    ctx.clients.personalize.create_solution(  # a solution, but no version yet
        name=solution_name(ctx.outputs.dataset_group_arn, POPULARITY),
        datasetGroupArn=ctx.outputs.dataset_group_arn,
        recipeArn="arn:aws:personalize:::recipe/aws-popularity-count",
    )
    with pytest.raises(ConfigError, match="no ACTIVE version") as info:
        deploy(ctx, recipe=POPULARITY)
    assert "train" in info.value.one_line()


def test_deploy_without_a_solution_says_to_train(ctx) -> None:
    with pytest.raises(ConfigError, match="No solution"):
        deploy(ctx)


def test_dry_run_plans_the_campaign_and_creates_nothing(make_ctx, data_dir) -> None:
    [model] = trained(make_ctx(), data_dir, POPULARITY).solutions
    ctx = make_ctx(dry_run=True)
    result = deploy(ctx, recipe=POPULARITY)
    assert (result.action, result.status) == ("created", PLANNED)
    [call] = result.planned
    assert (call.operation, call.params["solutionVersionArn"]) == (
        "CreateCampaign",
        model.version_arn,
    )
    assert result.to_json()["campaign_arn"].endswith(":campaign/" + call.params["name"])
    assert list_campaigns(ctx, model.solution_arn) == []
