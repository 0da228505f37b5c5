"""deploy with a stubbed Personalize: create with the cost stated, update, nothing to do."""

from __future__ import annotations

import pytest
from wf_helpers import (
    CAMPAIGN,
    SOL,
    SOLUTION_NAME,
    campaign_summary,
    expect_campaigns,
    expect_solutions,
    expect_versions,
    solution_summary,
    when,
)

from personalize_movielens.errors import ConfigError
from personalize_movielens.workflow.costs import campaign_hourly
from personalize_movielens.workflow.deploy import deploy


def expect_solution_and_versions(stub, versions: list[dict]) -> None:
    expect_solutions(stub, [solution_summary()])
    expect_versions(stub, SOL, versions)


def version(n: int, status: str = "ACTIVE") -> dict:
    return {"solutionVersionArn": f"{SOL}/v{n}", "status": status, "creationDateTime": when(n)}


def expect_campaign(
    stub, version_n: int, tps: int = 1, status: str = "ACTIVE", update: dict | None = None
) -> None:
    body = {
        "name": SOLUTION_NAME,
        "campaignArn": CAMPAIGN,
        "solutionVersionArn": f"{SOL}/v{version_n}",
        "minProvisionedTPS": tps,
        "status": status,
    }
    if update:
        body["latestCampaignUpdate"] = update
    stub.add_response("describe_campaign", {"campaign": body}, {"campaignArn": CAMPAIGN})


def test_first_deploy_creates_a_campaign_on_the_latest_active_version(stubbed, capsys) -> None:
    ctx, stub, _ = stubbed
    expect_solution_and_versions(stub, [version(1), version(3, "CREATE FAILED"), version(2)])
    expect_campaigns(stub, SOL, [])
    stub.add_response(
        "create_campaign",
        {"campaignArn": CAMPAIGN},
        {"name": SOLUTION_NAME, "solutionVersionArn": f"{SOL}/v2", "minProvisionedTPS": 2},
    )
    expect_campaign(stub, 2, 2, "CREATE IN_PROGRESS")
    expect_campaign(stub, 2, 2, "ACTIVE")
    expect_campaign(stub, 2, 2, "ACTIVE")
    result = deploy(ctx, min_tps=2)
    assert result.action == "created" and result.solution_version_arn == f"{SOL}/v2"
    stated = capsys.readouterr().err  # the default recipe, v2, has its own pricing model
    assert "price unknown" in stated and "/TPS-hour" not in stated
    assert campaign_hourly(2, "aws-user-personalization-v2") is None


def test_deploy_moves_the_campaign_to_a_newer_version(stubbed) -> None:
    ctx, stub, _ = stubbed
    expect_solution_and_versions(stub, [version(1), version(2)])
    expect_campaigns(stub, SOL, [campaign_summary()])
    expect_campaign(stub, 1)
    expect_campaign(stub, 1)
    stub.add_response(
        "update_campaign",
        {"campaignArn": CAMPAIGN},
        {"campaignArn": CAMPAIGN, "solutionVersionArn": f"{SOL}/v2", "minProvisionedTPS": 1},
    )
    expect_campaign(
        stub, 1, update={"status": "UPDATE IN_PROGRESS", "solutionVersionArn": f"{SOL}/v2"}
    )
    expect_campaign(stub, 2, update={"status": "ACTIVE"})
    expect_campaign(stub, 2, update={"status": "ACTIVE"})
    assert deploy(ctx).action == "updated"


def test_rerun_with_nothing_new_changes_nothing(stubbed) -> None:
    ctx, stub, _ = stubbed
    expect_solution_and_versions(stub, [version(1)])
    expect_campaigns(stub, SOL, [campaign_summary()])
    expect_campaign(stub, 1)
    expect_campaign(stub, 1)
    assert deploy(ctx).action == "unchanged"


def test_deploy_without_a_trained_version_says_to_train(stubbed) -> None:
    ctx, stub, _ = stubbed
    expect_solution_and_versions(stub, [version(1, "CREATE IN_PROGRESS")])
    with pytest.raises(ConfigError) as info:
        deploy(ctx)
    assert "train" in info.value.one_line()


def test_deploy_without_a_solution_says_to_train(stubbed) -> None:
    ctx, stub, _ = stubbed
    expect_solutions(stub, [])
    with pytest.raises(ConfigError, match="No solution"):
        deploy(ctx)
