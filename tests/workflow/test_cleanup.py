"""clean-cloud on a stubbed Personalize: campaigns, stop training, solutions; foreign left."""

from __future__ import annotations

from wf_helpers import (
    CAMPAIGN,
    SOL,
    campaign_summary,
    expect_campaigns,
    expect_solutions,
    expect_versions,
    solution_summary,
)

from personalize_movielens.workflow.cleanup import clean_cloud, plan_cleanup

OTHER = "arn:aws:personalize:eu-west-1:123456789012:solution/someone-elses"
TRAINING = SOL + "/v2"


def expect_plan(stub) -> None:
    expect_solutions(stub, [solution_summary(), solution_summary("someone-elses", OTHER)])
    expect_campaigns(stub, SOL, [campaign_summary()])
    expect_versions(
        stub,
        SOL,
        [
            {"solutionVersionArn": SOL + "/v1", "status": "ACTIVE"},
            {"solutionVersionArn": TRAINING, "status": "CREATE IN_PROGRESS"},
        ],
    )


def not_found(stub, operation: str, params: dict) -> None:
    stub.add_client_error(operation, "ResourceNotFoundException", "gone", expected_params=params)


def test_cleanup_deletes_in_the_order_the_service_requires(stubbed) -> None:
    ctx, stub, _ = stubbed
    expect_plan(stub)
    plan = plan_cleanup(ctx)
    assert [s["name"] for s in plan.foreign] == ["someone-elses"]
    campaign = {
        "name": "c",
        "campaignArn": CAMPAIGN,
        "solutionVersionArn": SOL + "/v1",
        "status": "ACTIVE",
    }
    stub.add_response("describe_campaign", {"campaign": campaign}, {"campaignArn": CAMPAIGN})
    stub.add_response("delete_campaign", {}, {"campaignArn": CAMPAIGN})
    stub.add_response("stop_solution_version_creation", {}, {"solutionVersionArn": TRAINING})
    deleting = dict(campaign, status="DELETE IN_PROGRESS")
    stub.add_response("describe_campaign", {"campaign": deleting}, {"campaignArn": CAMPAIGN})
    not_found(stub, "describe_campaign", {"campaignArn": CAMPAIGN})
    for status in ("CREATE STOPPING", "CREATE STOPPED"):
        stub.add_response(
            "describe_solution_version",
            {"solutionVersion": {"solutionVersionArn": TRAINING, "status": status}},
            {"solutionVersionArn": TRAINING},
        )
    stub.add_response("delete_solution", {}, {"solutionArn": SOL})
    not_found(stub, "describe_solution", {"solutionArn": SOL})
    clean_cloud(ctx, plan)


def test_interrupted_cleanup_reruns_past_what_is_already_gone(stubbed) -> None:
    ctx, stub, _ = stubbed
    expect_solutions(stub, [solution_summary("movielens-popularity-count")])
    expect_campaigns(stub, SOL, [])
    expect_versions(stub, SOL, [])
    plan = plan_cleanup(ctx)
    assert [s["solutionArn"] for s in plan.solutions] == [SOL] and not plan.campaigns
    not_found(stub, "delete_solution", {"solutionArn": SOL})  # deleted meanwhile
    not_found(stub, "describe_solution", {"solutionArn": SOL})
    done = clean_cloud(ctx, plan)  # no error: what is gone already counts as deleted
    stub.assert_no_pending_responses()  # both the delete and the wait for it were made
    assert done is plan and not done.foreign


def test_a_campaign_that_failed_to_create_is_deleted_then_its_solution(stubbed) -> None:
    ctx, stub, _ = stubbed
    expect_solutions(stub, [solution_summary("movielens-x")])
    failed = campaign_summary("c", status="CREATE FAILED")
    expect_campaigns(stub, SOL, [failed])
    expect_versions(stub, SOL, [])
    plan = plan_cleanup(ctx)
    assert [c["status"] for c in plan.campaigns] == ["CREATE FAILED"]
    detail = dict(failed, solutionVersionArn=SOL + "/v1", failureReason="no capacity")
    stub.add_response("describe_campaign", {"campaign": detail}, {"campaignArn": CAMPAIGN})
    stub.add_response("delete_campaign", {}, {"campaignArn": CAMPAIGN})
    not_found(stub, "describe_campaign", {"campaignArn": CAMPAIGN})
    stub.add_response("delete_solution", {}, {"solutionArn": SOL})
    not_found(stub, "describe_solution", {"solutionArn": SOL})
    clean_cloud(ctx, plan)
    stub.assert_no_pending_responses()


def test_a_solution_still_being_created_is_waited_for_before_its_delete(stubbed, clock) -> None:
    ctx, stub, _ = stubbed
    pending = solution_summary("movielens-x", status="CREATE PENDING")
    expect_solutions(stub, [pending])
    expect_campaigns(stub, SOL, [])
    expect_versions(stub, SOL, [])
    plan = plan_cleanup(ctx)
    for status in ("CREATE IN_PROGRESS", "ACTIVE"):
        stub.add_response(
            "describe_solution",
            {"solution": dict(pending, status=status)},
            {"solutionArn": SOL},
        )
    stub.add_response("delete_solution", {}, {"solutionArn": SOL})
    not_found(stub, "describe_solution", {"solutionArn": SOL})
    clean_cloud(ctx, plan)
    stub.assert_no_pending_responses()


def test_dry_run_lists_deletes_without_waiting(stubbed) -> None:
    ctx, stub, _ = stubbed
    ctx.dry_run = True
    expect_plan(stub)
    clean_cloud(ctx, plan_cleanup(ctx, include_foreign=False))
    ops = [c.operation for c in ctx.planned]
    assert ops == ["DeleteCampaign", "StopSolutionVersionCreation", "DeleteSolution"]
