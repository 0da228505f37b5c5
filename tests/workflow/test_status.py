"""status: one report from read-only calls; the table and --json share it; billing is named."""

from __future__ import annotations

import json

from typer.testing import CliRunner
from wf_helpers import (
    CAMPAIGN,
    DSG,
    INTERACTIONS,
    ITEMS,
    SOL,
    campaign_summary,
    expect_campaigns,
    expect_solutions,
    expect_versions,
    solution_summary,
    when,
)

from personalize_movielens.cli import app
from personalize_movielens.cli import workflow as cli_workflow
from personalize_movielens.workflow.costs import campaign_hourly
from personalize_movielens.workflow.status import fetch_status


def expect_everything(stub) -> None:
    stub.add_response(
        "describe_dataset_group",
        {"datasetGroup": {"name": "movielens", "datasetGroupArn": DSG, "status": "ACTIVE"}},
        {"datasetGroupArn": DSG},
    )
    for arn, jobs in ((INTERACTIONS, 2), (ITEMS, 0)):
        stub.add_response(
            "describe_dataset",
            {"dataset": {"datasetArn": arn, "status": "ACTIVE"}},
            {"datasetArn": arn},
        )
        summaries = [
            {
                "jobName": f"job{i}",
                "datasetImportJobArn": f"arn:aws:personalize:eu-west-1:1:dataset-import-job/job{i}",
                "status": "ACTIVE" if i == 0 else "CREATE FAILED",
                "failureReason": None if i == 0 else "bad CSV",
                "creationDateTime": when(i),
                "importMode": "FULL",
            }
            for i in range(jobs)
        ]
        for s in summaries:
            if s["failureReason"] is None:
                del s["failureReason"]
        stub.add_response(
            "list_dataset_import_jobs", {"datasetImportJobs": summaries}, {"datasetArn": arn}
        )
    expect_solutions(stub, [solution_summary()])
    stub.add_response(
        "describe_solution",
        {
            "solution": {
                "name": "s",
                "solutionArn": SOL,
                "status": "ACTIVE",
                "performAutoTraining": True,
                "recipeArn": "arn:aws:personalize:::recipe/aws-user-personalization-v2",
            }
        },
        {"solutionArn": SOL},
    )
    expect_versions(
        stub,
        SOL,
        [
            {
                "solutionVersionArn": SOL + "/v2",
                "status": "CREATE IN_PROGRESS",
                "creationDateTime": when(9),
            },
            {"solutionVersionArn": SOL + "/v1", "status": "ACTIVE", "creationDateTime": when(5)},
        ],
    )
    stub.add_response(
        "get_solution_metrics", {"metrics": {"coverage": 0.5}}, {"solutionVersionArn": SOL + "/v1"}
    )
    expect_campaigns(stub, SOL, [campaign_summary()])
    stub.add_response(
        "describe_campaign",
        {
            "campaign": {
                "name": "c",
                "campaignArn": CAMPAIGN,
                "status": "ACTIVE",
                "minProvisionedTPS": 3,
                "solutionVersionArn": SOL + "/v1",
            }
        },
        {"campaignArn": CAMPAIGN},
    )


def test_status_report_covers_the_stack_and_what_bills(stubbed) -> None:
    ctx, stub, _ = stubbed
    expect_everything(stub)
    report = fetch_status(ctx)
    by_type = {d.dataset_type: d for d in report.datasets}
    assert by_type["Interactions"].latest_import.name == "job1"
    assert by_type["Interactions"].latest_import.failure_reason == "bad CSV"
    assert by_type["Items"].latest_import is None
    [solution] = report.solutions
    assert solution.metrics == {"coverage": 0.5} and solution.auto_training
    # a v2 campaign bills hourly, but its pricing model is not the per-TPS-hour one
    assert report.campaigns[0].billing and report.campaigns[0].hourly_usd is None
    assert campaign_hourly(3, "aws-user-personalization-v2") is None
    billing = " ".join(report.billing_now)
    assert "price unknown" in billing
    assert "campaign" in billing and "training" in billing and "automatic" in billing


def test_status_json_and_table_come_from_the_same_report(stubbed, monkeypatch) -> None:
    ctx, stub, _ = stubbed
    monkeypatch.setattr(cli_workflow, "_context", lambda *a, **k: ctx)
    expect_everything(stub)
    result = CliRunner().invoke(app, ["status", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["campaigns"][0]["min_tps"] == 3
    assert doc["solutions"][0]["versions"][0]["status"] == "CREATE IN_PROGRESS"
    expect_everything(stub)
    table = CliRunner().invoke(app, ["status"])
    assert table.exit_code == 0
    assert "movielens-user-personalization-v2" in table.stdout
