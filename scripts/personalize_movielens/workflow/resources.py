"""Finding what exists: solutions, versions, campaigns of the dataset group, newest first.

Shared by train, deploy, recommend, status and clean-cloud, so each asks the service the same
way and a rerun always starts from what is really there.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .clients import AwsCallError
from .context import WorkflowContext


def created(item: dict[str, Any], key: str = "creationDateTime") -> dt.datetime:
    value = item.get(key)
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.min.replace(tzinfo=dt.UTC)


def newest_first(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=created, reverse=True)


def list_solutions(ctx: WorkflowContext) -> list[dict[str, Any]]:
    return newest_first(
        list(
            ctx.paginate(
                "personalize",
                "list_solutions",
                "solutions",
                datasetGroupArn=ctx.outputs.dataset_group_arn,
            )
        )
    )


def find_solution(ctx: WorkflowContext, name: str) -> dict[str, Any] | None:
    for summary in list_solutions(ctx):
        if summary["name"] == name:
            return summary
    return None


def describe_solution(ctx: WorkflowContext, solution_arn: str) -> dict[str, Any] | None:
    try:
        return ctx.call("personalize", "describe_solution", solutionArn=solution_arn)["solution"]
    except AwsCallError as exc:
        if exc.code == "ResourceNotFoundException":
            return None
        raise


def list_versions(ctx: WorkflowContext, solution_arn: str) -> list[dict[str, Any]]:
    return newest_first(
        list(
            ctx.paginate(
                "personalize",
                "list_solution_versions",
                "solutionVersions",
                solutionArn=solution_arn,
            )
        )
    )


def list_campaigns(ctx: WorkflowContext, solution_arn: str) -> list[dict[str, Any]]:
    return newest_first(
        list(ctx.paginate("personalize", "list_campaigns", "campaigns", solutionArn=solution_arn))
    )


def describe_campaign(ctx: WorkflowContext, campaign_arn: str) -> dict[str, Any] | None:
    try:
        return ctx.call("personalize", "describe_campaign", campaignArn=campaign_arn)["campaign"]
    except AwsCallError as exc:
        if exc.code == "ResourceNotFoundException":
            return None
        raise


def solution_metrics(ctx: WorkflowContext, version_arn: str) -> dict[str, float]:
    response = ctx.call("personalize", "get_solution_metrics", solutionVersionArn=version_arn)
    return dict(sorted(response.get("metrics", {}).items()))


def latest_import_time(ctx: WorkflowContext) -> dt.datetime | None:
    """When the newest successful import of any dataset finished (data newer than a model)."""
    latest = None
    for dataset_arn in ctx.outputs.dataset_arns.values():
        for job in ctx.paginate(
            "personalize", "list_dataset_import_jobs", "datasetImportJobs", datasetArn=dataset_arn
        ):
            if job["status"] != "ACTIVE":
                continue
            finished = created(job, "lastUpdatedDateTime")
            if latest is None or finished > latest:
                latest = finished
    return latest
