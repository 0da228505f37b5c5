"""status on the stand-in: one report from read-only calls; the table and --json share it."""

from __future__ import annotations

import json

from rich.console import Console
from typer.testing import CliRunner
from wf_helpers import deployed, imported

from personalize_movielens.cli import app
from personalize_movielens.workflow.render import status_table
from personalize_movielens.workflow.status import fetch_status
from personalize_movielens.workflow.training import train


def test_status_report_covers_the_stack_and_what_bills(ctx, data_dir, slow) -> None:
    deployed(ctx, data_dir)
    slow(20)
    train(ctx, auto_training=True, wait=False)  # the default recipe, training now
    report = fetch_status(ctx)
    by_type = {d.dataset_type: d for d in report.datasets}
    assert by_type["Interactions"].latest_import.status == "ACTIVE"
    assert by_type["Interactions"].latest_import.mode == "FULL"
    solutions = {s.recipe: s for s in report.solutions}
    assert solutions["aws-popularity-count"].metrics
    assert solutions["aws-user-personalization-v2"].auto_training
    [campaign] = report.campaigns
    assert campaign.billing and campaign.hourly_usd == 0.2  # popularity-count: per TPS-hour
    billing = " ".join(report.billing_now)
    assert "campaign" in billing and "automatic training" in billing
    assert "training" in billing and "price unknown" in billing  # v2 has its own pricing


def test_automatic_training_bills_on_its_schedule(ctx) -> None:
    """A solution left to the API's defaults trains automatically, and status says so, at
    the solution's own frequency. AutoTrainingConfig (https://docs.aws.amazon.com/personalize/
    latest/dg/API_AutoTrainingConfig.html): "Specify a rate expression in rate(value unit)
    format. ... The default is every 7 days." Configuring automatic training
    (https://docs.aws.amazon.com/personalize/latest/dg/solution-config-auto-training.html):
    "Automatic training occurs only if you imported bulk or real-time interaction data since
    the last training." """
    every_three = {"autoTrainingConfig": {"schedulingExpression": "rate(3 days)"}}
    for name, extra in (("by-default", {}), ("every-three", {"solutionConfig": every_three})):
        ctx.clients.personalize.create_solution(
            name=name,
            datasetGroupArn=ctx.outputs.dataset_group_arn,
            recipeArn="arn:aws:personalize:::recipe/aws-popularity-count",
            **extra,
        )
    report = fetch_status(ctx)
    solutions = {s.name: (s.auto_training, s.auto_training_days) for s in report.solutions}
    assert solutions == {"by-default": (True, 7), "every-three": (True, 3)}
    lines = dict(line.split(": ", 1) for line in report.billing_now)
    assert lines["solution by-default"].startswith(
        "automatic training, a new version every 7 days when interactions were imported"
    )
    assert "every 3 days" in lines["solution every-three"]
    assert "$0.24/training hour" in lines["solution every-three"]
    console = Console(width=200, record=True)
    console.print(status_table(report))
    assert "aws-popularity-count, auto-training every 3 days" in console.export_text()


def test_status_json_and_table_come_from_the_same_report(ctx, data_dir, fresh_stand_in) -> None:
    imported(ctx, data_dir)
    outputs = ["--outputs", str(fresh_stand_in.outputs_file)]
    result = CliRunner().invoke(app, ["status", "--json", *outputs])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == fetch_status(ctx).to_json()
    table = CliRunner().invoke(app, ["status", *outputs])
    assert table.exit_code == 0
    assert "Interactions" in table.stdout and "FULL import" in table.stdout
    assert "Billing now: nothing in Personalize" in table.stdout
