"""Finding what exists: import jobs, solutions, versions, campaigns, recommenders and filters of the
dataset group.

Shared by import, train, deploy, recommend, status and clean-cloud, so each asks the service the
same way and a rerun always starts from what is really there. Lists are newest first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .clients import AwsCallError
from .context import WorkflowContext


def created(item: Mapping[str, Any], key: str = "creationDateTime") -> dt.datetime:
    value = item.get(key)
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.min.replace(tzinfo=dt.UTC)


def newest_first(items: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Plain dicts (the answers' typed shapes are for the calls), newest first."""
    return sorted((dict(item) for item in items), key=created, reverse=True)


def is_not_found(exc: AwsCallError) -> bool:
    return exc.code == "ResourceNotFoundException"


def list_import_jobs(ctx: WorkflowContext, dataset_arn: str) -> list[dict[str, Any]]:
    """Every import job of one dataset."""
    pages = ctx.clients.personalize.get_paginator("list_dataset_import_jobs")
    jobs = [
        job
        for page in pages.paginate(datasetArn=dataset_arn)
        for job in page.get("datasetImportJobs", [])
    ]
    return newest_first(jobs)


def list_solutions(ctx: WorkflowContext) -> list[dict[str, Any]]:
    pages = ctx.clients.personalize.get_paginator("list_solutions")
    group = ctx.outputs.dataset_group_arn
    return newest_first(
        [s for page in pages.paginate(datasetGroupArn=group) for s in page.get("solutions", [])]
    )


def find_solution(ctx: WorkflowContext, name: str) -> dict[str, Any] | None:
    return next((s for s in list_solutions(ctx) if s["name"] == name), None)


def _found(describe: Callable[[], Mapping[str, Any]]) -> dict[str, Any] | None:
    """A Describe* answer, or None when the resource is gone (ResourceNotFoundException)."""
    try:
        return dict(describe())
    except AwsCallError as exc:
        if is_not_found(exc):
            return None
        raise


def describe_solution(ctx: WorkflowContext, solution_arn: str) -> dict[str, Any] | None:
    personalize = ctx.clients.personalize
    return _found(lambda: personalize.describe_solution(solutionArn=solution_arn)["solution"])


def list_versions(ctx: WorkflowContext, solution_arn: str) -> list[dict[str, Any]]:
    pages = ctx.clients.personalize.get_paginator("list_solution_versions")
    return newest_first(
        [
            v
            for page in pages.paginate(solutionArn=solution_arn)
            for v in page.get("solutionVersions", [])
        ]
    )


def list_campaigns(ctx: WorkflowContext, solution_arn: str) -> list[dict[str, Any]]:
    pages = ctx.clients.personalize.get_paginator("list_campaigns")
    return newest_first(
        [c for page in pages.paginate(solutionArn=solution_arn) for c in page.get("campaigns", [])]
    )


def describe_campaign(ctx: WorkflowContext, campaign_arn: str) -> dict[str, Any] | None:
    personalize = ctx.clients.personalize
    return _found(lambda: personalize.describe_campaign(campaignArn=campaign_arn)["campaign"])


def solution_metrics(ctx: WorkflowContext, version_arn: str) -> dict[str, float]:
    response = ctx.clients.personalize.get_solution_metrics(solutionVersionArn=version_arn)
    return dict(sorted(response.get("metrics", {}).items()))


def latest_import_time(ctx: WorkflowContext) -> dt.datetime | None:
    """When the newest successful import of any dataset finished (data newer than a model)."""
    finished = [
        created(job, "lastUpdatedDateTime")
        for dataset_arn in ctx.outputs.dataset_arns.values()
        for job in list_import_jobs(ctx, dataset_arn)
        if job["status"] == "ACTIVE"
    ]
    return max(finished, default=None)


def list_recommenders(ctx: WorkflowContext) -> list[dict[str, Any]]:
    """Every recommender of the dataset group (a Domain dataset group's real-time endpoints)."""
    pages = ctx.clients.personalize.get_paginator("list_recommenders")
    group = ctx.outputs.dataset_group_arn
    return newest_first(
        [r for page in pages.paginate(datasetGroupArn=group) for r in page.get("recommenders", [])]
    )


def describe_recommender(ctx: WorkflowContext, recommender_arn: str) -> dict[str, Any] | None:
    personalize = ctx.clients.personalize
    return _found(
        lambda: personalize.describe_recommender(recommenderArn=recommender_arn)["recommender"]
    )


def describe_filter(ctx: WorkflowContext, filter_arn: str) -> dict[str, Any] | None:
    personalize = ctx.clients.personalize
    return _found(lambda: personalize.describe_filter(filterArn=filter_arn)["filter"])
