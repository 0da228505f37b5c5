"""What a person reads: tables (status, metrics side by side, recommendations) and the lines
that sum up a command's result.

Only presentation lives here, and nothing is printed: the CLI prints these, and `--json` prints
the same results as JSON (their `to_json`).
"""

from __future__ import annotations

from rich.table import Table

from ..arns import arn_name
from .cleanup import CleanupReport
from .deploy import DeployResult
from .imports import ImportReport
from .plan import PLANNED
from .recommend import Recommendations
from .recommenders import RecommenderInfo, RecommendersResult
from .status import SolutionInfo, StatusReport, every
from .training import TrainResult
from .upload import UploadReport

_METRIC_ABBREVIATIONS = {
    "normalized_discounted_cumulative_gain_at_": "ndcg@",
    "mean_reciprocal_rank_at_": "mrr@",
    "precision_at_": "precision@",
}


def _short(arn: str | None) -> str:
    return arn_name(arn) if arn else "-"


def metric_label(name: str) -> str:
    """`normalized_discounted_cumulative_gain_at_10` -> `ndcg@10` (the names the docs use)."""
    for long, short in _METRIC_ABBREVIATIONS.items():
        if name.startswith(long):
            return short + name.removeprefix(long)
    return name


def _metric_order(name: str) -> tuple[str, int]:
    label = metric_label(name)
    base, _, k = label.partition("@")
    return base, int(k) if k.isdigit() else 0


def _without_group(name: str, group: str) -> str:
    return name.removeprefix(f"{group}-") or name


def _when(iso: str | None) -> str:
    return iso[:16].replace("T", " ") if iso else ""


def metrics_table(results: list[TrainResult]) -> Table:
    """Offline metrics, one column per solution (the baseline beside the model)."""
    table = Table(title="Solution metrics (offline, from the held-out test split)")
    table.add_column("metric", no_wrap=True)
    for result in results:
        table.add_column(result.recipe.removeprefix("aws-"), justify="right")
    names = sorted({name for r in results for name in r.metrics}, key=_metric_order)
    for name in names:
        row = [metric_label(name)]
        for result in results:
            value = result.metrics.get(name)
            row.append("-" if value is None else f"{value:.4f}")
        table.add_row(*row)
    return table


def recommendations_table(result: Recommendations) -> Table:
    """Ranked items; a score column only when the answer has scores (Personalize shows none for
    Popularity-Count, Similar-Items and SIMS)."""
    scored = any(rec.score is not None for rec in result.items)
    table = Table(title=result.title)
    for column in ("#", "item", "title", "genres", "year", *(["score"] if scored else [])):
        table.add_column(column)
    for rec in result.items:
        row = [str(rec.rank), rec.item_id, rec.title or "-", rec.genres or "-", rec.year or "-"]
        if scored:
            row.append("-" if rec.score is None else f"{rec.score:.4f}")
        table.add_row(*row)
    return table


def _auto(solution: SolutionInfo) -> str:
    """The solution's automatic training, as the status table's details say it."""
    if not solution.auto_training:
        return ""
    return f", auto-training {every(solution.auto_training_days)}"


def status_table(report: StatusReport) -> Table:
    """One table: kind, name, status, details."""
    table = Table(title=f"Dataset group {report.dataset_group_name} ({report.region})")
    table.add_column("kind", no_wrap=True)
    for column in ("name", "status", "details"):
        table.add_column(column)
    table.add_row("dataset group", report.dataset_group_name, report.dataset_group_status, "")
    for ds in report.datasets:
        latest = ds.latest_import
        details = "no import yet"
        if latest:
            details = f"{latest.mode or '-'} import {_when(latest.created)}: {latest.status}"
            if latest.failure_reason:
                details += f": {latest.failure_reason}"
        table.add_row("dataset", ds.dataset_type, ds.status, details)
    group = report.dataset_group_name
    for sol in report.solutions:
        table.add_row(
            "solution", _without_group(sol.name, group), sol.status, sol.recipe + _auto(sol)
        )
        for version in sol.versions[:3]:
            detail = f"{version.training_mode or '-'} {_when(version.created)}"
            if version.failure_reason:
                detail += f": {version.failure_reason}"
            table.add_row("  version", _short(version.arn), version.status, detail)
        if sol.metrics:
            shown = [k for k in sol.metrics if k.endswith("_at_25") or k == "coverage"]
            text = ", ".join(
                f"{metric_label(k)}={sol.metrics[k]:.4f}" for k in sorted(shown, key=_metric_order)
            )
            table.add_row("  metrics", "", "", text)
    for rec in report.recommenders:
        table.add_row(
            "recommender", _without_group(rec.name, group), rec.status, recommender_details(rec)
        )
    for camp in report.campaigns:
        cost = f", ~${camp.hourly_usd:.2f}/hour" if camp.hourly_usd is not None else ""
        if camp.billing and camp.hourly_usd is None:
            cost = ", bills hourly (price unknown to this tool)"
        table.add_row(
            "campaign",
            _without_group(camp.name, group),
            camp.status,
            f"{_short(camp.solution_version_arn)}, {camp.min_tps} TPS{cost}",
        )
    return table


def recommender_details(rec: RecommenderInfo) -> str:
    """A recommender's use case, minimum RPS and what it bills per hour while it bills."""
    details = f"{rec.use_case or 'not made by this tool'}, {rec.min_rps or '-'} min RPS"
    if rec.hourly_requests is not None:
        details += f", bills >= {rec.hourly_requests:,} requests/hour"
    if rec.failure_reason:
        details += f": {rec.failure_reason}"
    return details


def recommenders_table(result: RecommendersResult) -> Table:
    """One row per recommender: name, status, action, details."""
    table = Table(title="Recommenders")
    for column in ("name", "status", "action", "details"):
        table.add_column(column)
    for rec in result.recommenders:
        table.add_row(rec.name, rec.status, rec.action, recommender_details(rec))
    return table


def recommenders_lines(result: RecommendersResult) -> list[str]:
    if not result.recommenders:
        return ["No recommenders in the dataset group (`recommenders create` makes them)."]
    if result.planned is not None:
        return ["A dry run: nothing was created, changed, stopped or started."]
    return []


def billing_summary(report: StatusReport) -> list[str]:
    """What bills now, under the status table."""
    if not report.billing_now:
        return ["Billing now: nothing in Personalize (S3 storage of the data aside)."]
    return [f"Billing now (approx., {report.prices_as_of}):"] + [
        f"  - {line}" for line in report.billing_now
    ]


def upload_lines(report: UploadReport) -> list[str]:
    lines = [f"Aborted the unfinished upload of {u.key} ({u.initiated})." for u in report.aborted]
    return lines + [f"{r.file.file} -> {r.file.uri} ({r.state})" for r in report.files]


def import_lines(report: ImportReport) -> list[str]:
    return [
        f"{job.dataset_type}: {job.job_name} {job.status}{' (reused)' if job.reused else ''}"
        for job in report.jobs
    ]


def deploy_lines(result: DeployResult) -> list[str]:
    if result.status == PLANNED:
        return [
            f"Campaign {result.campaign_name}: {result.action}, {PLANNED}: a dry run, nothing "
            "was created or changed."
        ]
    return [f"Campaign {result.campaign_name}: {result.action} ({result.campaign_arn})."]


def cleanup_lines(report: CleanupReport) -> list[str]:
    deleted = len(report.campaigns) + len(report.solutions)
    verb = "Would delete" if report.planned is not None else "Deleted"
    lines = [f"{verb} {deleted} campaign(s) and solution(s) made by this tool."]
    if report.recommenders:
        lines.insert(0, f"{verb} {len(report.recommenders)} recommender(s) made by this tool.")
    if report.object_versions or report.aborted_uploads:
        lines.append(
            f"{verb} {report.object_versions} object version(s) and "
            f"{len(report.aborted_uploads)} unfinished upload(s) of the data."
        )
    if report.batch_output_versions:
        lines.append(
            f"{verb} {report.batch_output_versions} object version(s) of the output of "
            f"{len(report.batch_jobs)} batch job(s) made by this tool."
        )
    return lines + [kept.line() for kept in report.left_alone]
