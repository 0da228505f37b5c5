"""`status`: the whole stack in one report, and what is billing now.

Fetching (`fetch_status`), the result model (`StatusReport`) and rendering (`render.py`) are
separate, so `--json` and the table come from the same data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from ..arns import arn_name
from ..timefmt import iso_time
from .clients import AwsCallError
from .context import WorkflowContext
from .costs import PRICES_AS_OF, TRAINING_PER_HOUR, campaign_hourly, prices_known, unknown_price
from .naming import recipe_name
from .recommenders import VIDEO_ON_DEMAND, RecommenderInfo, info_of
from .resources import (
    describe_campaign,
    describe_solution,
    is_not_found,
    list_campaigns,
    list_import_jobs,
    list_recommenders,
    list_solutions,
    list_versions,
    solution_metrics,
)
from .training import auto_training_of
from .waiting import IN_PROGRESS

#: AutoTrainingConfig: "The default is every 7 days."
DEFAULT_AUTO_TRAINING_DAYS = 7
_RATE = re.compile(r"rate\((\d+) days?\)")


@dataclass
class ImportInfo:
    name: str
    status: str
    mode: str | None
    created: str | None
    failure_reason: str | None


@dataclass
class DatasetInfo:
    dataset_type: str
    arn: str
    status: str
    latest_import: ImportInfo | None


@dataclass
class VersionInfo:
    arn: str
    status: str
    training_mode: str | None
    created: str | None
    failure_reason: str | None


@dataclass
class SolutionInfo:
    name: str
    arn: str
    recipe: str
    status: str
    auto_training: bool  # performAutoTraining; absent means on, the API's default
    versions: list[VersionInfo]
    metrics: dict[str, float]
    #: Days between automatic trainings (AutoTrainingConfig's rate(N days); default 7).
    auto_training_days: int = DEFAULT_AUTO_TRAINING_DAYS


@dataclass
class CampaignInfo:
    name: str
    arn: str
    status: str
    solution_version_arn: str | None
    min_tps: int | None
    hourly_usd: float | None  # None when not billing, or when the recipe's price is unknown
    billing: bool = False
    recipe: str = ""


@dataclass
class StatusReport:
    region: str
    dataset_group_name: str
    dataset_group_arn: str
    dataset_group_status: str
    datasets: list[DatasetInfo] = field(default_factory=list)
    solutions: list[SolutionInfo] = field(default_factory=list)
    campaigns: list[CampaignInfo] = field(default_factory=list)
    #: A VIDEO_ON_DEMAND dataset group's recommenders (none listed for a custom one).
    recommenders: list[RecommenderInfo] = field(default_factory=list)
    billing_now: list[str] = field(default_factory=list)
    prices_as_of: str = PRICES_AS_OF

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "recommenders": [r.to_json() for r in self.recommenders]}


def _dataset(ctx: WorkflowContext, dtype: str, arn: str) -> DatasetInfo:
    try:
        status = ctx.clients.personalize.describe_dataset(datasetArn=arn)["dataset"]["status"]
    except AwsCallError as exc:
        if not is_not_found(exc):
            raise
        return DatasetInfo(dtype, arn, "NOT FOUND", None)
    jobs = list_import_jobs(ctx, arn)
    latest = None
    if jobs:
        job = jobs[0]
        latest = ImportInfo(
            job["jobName"],
            job["status"],
            job.get("importMode"),
            iso_time(job.get("creationDateTime")),
            job.get("failureReason"),
        )
    return DatasetInfo(dtype, arn, status, latest)


def _solution(ctx: WorkflowContext, summary: Mapping[str, Any]) -> SolutionInfo:
    arn = summary["solutionArn"]
    detail = describe_solution(ctx, arn) or {}
    versions = [
        VersionInfo(
            v["solutionVersionArn"],
            v["status"],
            v.get("trainingMode"),
            iso_time(v.get("creationDateTime")),
            v.get("failureReason"),
        )
        for v in list_versions(ctx, arn)
    ]
    active = next((v for v in versions if v.status == "ACTIVE"), None)
    metrics = solution_metrics(ctx, active.arn) if active else {}
    return SolutionInfo(
        summary["name"],
        arn,
        recipe_name(detail.get("recipeArn") or summary.get("recipeArn") or ""),
        summary["status"],
        auto_training_of(detail) if detail else False,
        versions,
        metrics,
        auto_training_days(detail),
    )


def auto_training_days(solution: Mapping[str, Any]) -> int:
    """Days between automatic trainings: the solution's schedulingExpression, else 7."""
    config = (solution.get("solutionConfig") or {}).get("autoTrainingConfig") or {}
    match = _RATE.fullmatch(config.get("schedulingExpression") or "")
    return int(match.group(1)) if match else DEFAULT_AUTO_TRAINING_DAYS


def _campaign(ctx: WorkflowContext, summary: Mapping[str, Any], recipe: str) -> CampaignInfo:
    detail = describe_campaign(ctx, summary["campaignArn"]) or {}
    min_tps = detail.get("minProvisionedTPS")
    status = summary["status"]
    update = detail.get("latestCampaignUpdate") or {}
    if update.get("status") in IN_PROGRESS:
        status = f"ACTIVE, {update['status']}"
    billing = status.startswith(("ACTIVE", "CREATE"))
    return CampaignInfo(
        summary["name"],
        summary["campaignArn"],
        status,
        detail.get("solutionVersionArn"),
        min_tps,
        campaign_hourly(min_tps or 1, recipe) if billing else None,
        billing,
        recipe,
    )


def billing_lines(report: StatusReport) -> list[str]:
    lines = [
        f"recommender {r.name}: at least {r.hourly_requests:,} requests/hour "
        f"({r.min_rps or 1} min RPS; more if more are made) plus its weekly retraining, until "
        "stopped or deleted"
        for r in report.recommenders
        if r.hourly_requests is not None
    ]
    for campaign in report.campaigns:
        if campaign.hourly_usd is not None:
            lines.append(
                f"campaign {campaign.name}: ~${campaign.hourly_usd:.2f}/hour "
                f"({campaign.min_tps or 1} min TPS), until deleted"
            )
        elif campaign.billing:
            lines.append(
                f"campaign {campaign.name}: every hour until deleted "
                f"({campaign.min_tps or 1} min TPS; {unknown_price(campaign.recipe)})"
            )
    for solution in report.solutions:
        for version in solution.versions:
            if version.status in IN_PROGRESS:
                price = (
                    f"${TRAINING_PER_HOUR}/training hour while it runs"
                    if prices_known(solution.recipe)
                    else f"while it runs ({unknown_price(solution.recipe)})"
                )
                lines.append(f"training {solution.name}: {price}")
        if solution.auto_training:
            lines.append(auto_training_line(solution))
    for dataset in report.datasets:
        if dataset.latest_import and dataset.latest_import.status in IN_PROGRESS:
            lines.append(f"import {dataset.latest_import.name}: ingestion per GB")
    return lines


def every(days: int) -> str:
    return "every day" if days == 1 else f"every {days} days"


def auto_training_line(solution: SolutionInfo) -> str:
    """What automatic training bills: "Automatic training occurs only if you imported bulk or
    real-time interaction data since the last training." (Configuring automatic training)."""
    price = (
        f"${TRAINING_PER_HOUR}/training hour each"
        if prices_known(solution.recipe)
        else unknown_price(solution.recipe)
    )
    return (
        f"solution {solution.name}: automatic training, a new version "
        f"{every(solution.auto_training_days)} when interactions were imported since the last "
        f"({price}), until it is turned off or the solution deleted"
    )


def fetch_status(ctx: WorkflowContext) -> StatusReport:
    """Read everything the status table shows (read-only calls only)."""
    outputs = ctx.outputs
    personalize = ctx.clients.personalize
    try:
        group = personalize.describe_dataset_group(datasetGroupArn=outputs.dataset_group_arn)
        group_name, group_status = group["datasetGroup"]["name"], group["datasetGroup"]["status"]
    except AwsCallError as exc:
        if not is_not_found(exc):
            raise
        group_name, group_status = arn_name(outputs.dataset_group_arn), "NOT FOUND"
    report = StatusReport(outputs.region, group_name, outputs.dataset_group_arn, group_status)
    if group_status == "NOT FOUND":
        return report
    report.datasets = [
        _dataset(ctx, dtype, arn) for dtype, arn in sorted(outputs.dataset_arns.items())
    ]
    for summary in list_solutions(ctx):
        report.solutions.append(_solution(ctx, summary))
        recipe = report.solutions[-1].recipe
        report.campaigns += [
            _campaign(ctx, c, recipe) for c in list_campaigns(ctx, summary["solutionArn"])
        ]
    if outputs.domain == VIDEO_ON_DEMAND:
        report.recommenders = [info_of(ctx, r) for r in list_recommenders(ctx)]
    report.billing_now = billing_lines(report)
    return report
