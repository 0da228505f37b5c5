"""train with a stubbed Personalize: solution settings, version reuse, resume, metrics, failures."""

from __future__ import annotations

import json

import pytest
from botocore.stub import ANY, Stubber
from wf_helpers import (
    DSG,
    INTERACTIONS,
    ITEMS,
    SCHEMA,
    SOL,
    expect_solutions,
    expect_versions,
    solution_summary,
    when,
)

from personalize_movielens.errors import CloudError, ConfigError
from personalize_movielens.schemas import schema_path
from personalize_movielens.workflow.training import train

VERSION = SOL + "/v1"
METRICS = {"coverage": 0.3, "precision_at_25": 0.05}


def expect_schema(stub, with_event_value: bool) -> None:
    text = schema_path("Interactions", with_event_value=with_event_value).read_text()
    stub.add_response(
        "describe_schema",
        {"schema": {"name": "s", "schemaArn": SCHEMA, "schema": text}},
        {"schemaArn": SCHEMA},
    )


def expect_solution_status(stub, arn: str, status: str, auto: bool = False) -> None:
    stub.add_response(
        "describe_solution",
        {
            "solution": {
                "name": "s",
                "solutionArn": arn,
                "status": status,
                "performAutoTraining": auto,
            }
        },
        {"solutionArn": arn},
    )


def expect_existing_solution(stub: Stubber) -> None:
    """The solution is found ACTIVE by name, then described twice: settings check, then wait."""
    expect_solutions(stub, [solution_summary()])
    expect_solution_status(stub, SOL, "ACTIVE")
    expect_solution_status(stub, SOL, "ACTIVE")


def expect_imports(stub, finished_minute: int) -> None:
    done = {
        "jobName": "j",
        "datasetImportJobArn": "arn:aws:personalize:eu-west-1:1:dataset-import-job/j",
        "status": "ACTIVE",
        "creationDateTime": when(finished_minute - 1),
        "lastUpdatedDateTime": when(finished_minute),
    }
    stub.add_response(
        "list_dataset_import_jobs", {"datasetImportJobs": [done]}, {"datasetArn": INTERACTIONS}
    )
    stub.add_response("list_dataset_import_jobs", {"datasetImportJobs": []}, {"datasetArn": ITEMS})


def expect_version_status(stub, arn: str, status: str, reason: str | None = None) -> None:
    body = {"solutionVersionArn": arn, "status": status}
    if reason:
        body["failureReason"] = reason
    stub.add_response(
        "describe_solution_version", {"solutionVersion": body}, {"solutionVersionArn": arn}
    )


def expect_metrics(stub, arn: str) -> None:
    stub.add_response(
        "get_solution_metrics",
        {"solutionVersionArn": arn, "metrics": METRICS},
        {"solutionVersionArn": arn},
    )


def test_first_train_creates_solution_without_auto_training_and_a_full_version(stubbed) -> None:
    ctx, stub, _ = stubbed
    expect_solutions(stub, [])
    expect_schema(stub, with_event_value=False)
    stub.add_response(
        "create_solution",
        {"solutionArn": SOL},
        {
            "name": "movielens-user-personalization-v2",
            "recipeArn": "arn:aws:personalize:::recipe/aws-user-personalization-v2",
            "datasetGroupArn": DSG,
            "performAutoTraining": False,
        },
    )
    expect_solution_status(stub, SOL, "CREATE IN_PROGRESS")
    expect_solution_status(stub, SOL, "ACTIVE")
    expect_versions(stub, SOL, [])
    expect_imports(stub, 10)
    stub.add_response(
        "create_solution_version",
        {"solutionVersionArn": VERSION},
        {"solutionArn": SOL, "trainingMode": "FULL"},
    )
    expect_version_status(stub, VERSION, "CREATE IN_PROGRESS")
    expect_version_status(stub, VERSION, "ACTIVE")
    expect_metrics(stub, VERSION)
    [result] = train(ctx)
    assert result.created_version and result.status == "ACTIVE"
    assert result.metrics == METRICS


def test_event_value_schema_sets_the_threshold(stubbed) -> None:
    ctx, stub, _ = stubbed
    expect_solutions(stub, [])
    expect_schema(stub, with_event_value=True)
    stub.add_response(
        "create_solution",
        {"solutionArn": SOL},
        {
            "name": ANY,
            "recipeArn": ANY,
            "datasetGroupArn": DSG,
            "performAutoTraining": True,
            "solutionConfig": {"eventValueThreshold": "4"},
        },
    )
    expect_solution_status(stub, SOL, "ACTIVE", auto=True)
    expect_versions(stub, SOL, [])
    expect_imports(stub, 10)
    stub.add_response(
        "create_solution_version",
        {"solutionVersionArn": VERSION},
        {"solutionArn": SOL, "trainingMode": "FULL"},
    )
    expect_version_status(stub, VERSION, "CREATE PENDING")  # --no-wait reports the status
    [result] = train(ctx, auto_training=True, wait=False, event_value_threshold="4")
    assert (result.version_arn, result.status) == (VERSION, "CREATE PENDING")


def test_rerun_with_unchanged_data_reuses_the_version(stubbed) -> None:
    ctx, stub, _ = stubbed
    expect_existing_solution(stub)
    expect_versions(
        stub,
        SOL,
        [{"solutionVersionArn": VERSION, "status": "ACTIVE", "creationDateTime": when(20)}],
    )
    expect_imports(stub, 10)
    expect_version_status(stub, VERSION, "ACTIVE")
    expect_metrics(stub, VERSION)
    [result] = train(ctx)
    assert not result.created_version and result.version_arn == VERSION


def test_training_in_progress_is_resumed_not_duplicated(stubbed) -> None:
    ctx, stub, _ = stubbed
    expect_existing_solution(stub)
    expect_versions(
        stub,
        SOL,
        [
            {
                "solutionVersionArn": VERSION,
                "status": "CREATE IN_PROGRESS",
                "creationDateTime": when(20),
            }
        ],
    )
    expect_version_status(stub, VERSION, "CREATE IN_PROGRESS")
    expect_version_status(stub, VERSION, "ACTIVE")
    expect_metrics(stub, VERSION)
    [result] = train(ctx)
    assert not result.created_version and result.metrics == METRICS


def test_failed_training_reports_the_reason(stubbed) -> None:
    ctx, stub, _ = stubbed
    expect_existing_solution(stub)
    expect_versions(stub, SOL, [])
    expect_imports(stub, 10)
    stub.add_response(
        "create_solution_version",
        {"solutionVersionArn": VERSION},
        {"solutionArn": SOL, "trainingMode": "FULL"},
    )
    expect_version_status(stub, VERSION, "CREATE FAILED", "There are not enough interactions.")
    with pytest.raises(CloudError, match="not enough interactions"):
        train(ctx)


def test_update_is_refused_for_recipes_without_update_training(stubbed) -> None:
    ctx, _, _ = stubbed  # no call is made: the stubs would fail on any
    for recipe in ("aws-user-personalization-v2", "aws-popularity-count", "aws-similar-items"):
        with pytest.raises(ConfigError, match="only with aws-user-personalization") as exc:
            train(ctx, recipe=recipe, update=True)
        assert recipe in exc.value.message and exc.value.hint is None  # one line


def test_train_before_any_import_says_to_import(stubbed) -> None:
    ctx, stub, _ = stubbed
    expect_existing_solution(stub)
    expect_versions(stub, SOL, [])
    stub.add_response(
        "list_dataset_import_jobs", {"datasetImportJobs": []}, {"datasetArn": INTERACTIONS}
    )
    stub.add_response("list_dataset_import_jobs", {"datasetImportJobs": []}, {"datasetArn": ITEMS})
    with pytest.raises(ConfigError) as info:
        train(ctx)
    assert "import" in info.value.one_line()


def test_dry_run_baseline_plans_two_solutions_and_versions(stubbed) -> None:
    ctx, stub, _ = stubbed
    ctx.dry_run = True
    expect_solutions(stub, [])
    expect_schema(stub, with_event_value=False)
    expect_imports(stub, 10)
    expect_solutions(stub, [])
    expect_imports(stub, 10)
    planned = train(ctx, baseline=True)
    ops = [c.operation for c in ctx.planned]
    assert ops == ["CreateSolution", "CreateSolutionVersion"] * 2
    assert ctx.planned[2].params["recipeArn"].endswith("aws-popularity-count")
    assert "solutionConfig" not in ctx.planned[2].params
    assert [r.recipe for r in planned] == ["aws-user-personalization-v2", "aws-popularity-count"]
    assert json.dumps([p.line() for p in ctx.planned])
