"""Tables for the terminal: status, metrics side by side, recommendations.

Only presentation lives here; the data comes from the library functions, and `--json` prints
the same data as JSON.
"""

from __future__ import annotations

from rich.table import Table

from ..console import console
from .recommend import Recommendation
from .status import StatusReport
from .training import TrainResult


def _short(arn: str | None) -> str:
    return arn.rsplit("/", 1)[-1] if arn else "-"


def metrics_table(results: list[TrainResult]) -> Table:
    """Offline metrics, one column per solution (the baseline beside the model)."""
    table = Table(title="Solution metrics (offline, from the held-out test split)")
    table.add_column("metric")
    for result in results:
        table.add_column(f"{result.recipe}", justify="right")
    names = sorted({name for r in results for name in r.metrics})
    for name in names:
        row = [name]
        for result in results:
            value = result.metrics.get(name)
            row.append("-" if value is None else f"{value:.4f}")
        table.add_row(*row)
    return table


def recommendations_table(title: str, items: list[Recommendation]) -> Table:
    table = Table(title=title)
    for column in ("#", "item", "title", "genres", "year", "score"):
        table.add_column(column)
    for rec in items:
        table.add_row(
            str(rec.rank),
            rec.item_id,
            rec.title or "-",
            rec.genres or "-",
            rec.year or "-",
            "-" if rec.score is None else f"{rec.score:.4f}",
        )
    return table


def status_table(report: StatusReport) -> Table:
    """One table: kind, name, status, details."""
    table = Table(title=f"Dataset group {report.dataset_group_name} ({report.region})")
    for column in ("kind", "name", "status", "details"):
        table.add_column(column)
    table.add_row("dataset group", report.dataset_group_name, report.dataset_group_status, "")
    for ds in report.datasets:
        latest = ds.latest_import
        details = "no import yet"
        if latest:
            details = f"latest import {latest.name}: {latest.status} ({latest.mode or '-'})"
            if latest.failure_reason:
                details += f": {latest.failure_reason}"
        table.add_row("dataset", ds.dataset_type, ds.status, details)
    for sol in report.solutions:
        auto = ", auto-training" if sol.auto_training else ""
        table.add_row("solution", sol.name, sol.status, f"{sol.recipe}{auto}")
        for version in sol.versions[:3]:
            detail = f"{version.training_mode or '-'} {version.created or ''}"
            if version.failure_reason:
                detail += f": {version.failure_reason}"
            table.add_row("  version", _short(version.arn), version.status, detail)
        if sol.metrics:
            shown = {
                k: v for k, v in sol.metrics.items() if k.endswith("_at_25") or k == "coverage"
            }
            text = ", ".join(f"{k}={v:.4f}" for k, v in sorted(shown.items()))
            table.add_row("  metrics", "", "", text)
    for camp in report.campaigns:
        cost = f", ~${camp.hourly_usd:.2f}/hour" if camp.hourly_usd is not None else ""
        table.add_row(
            "campaign",
            camp.name,
            camp.status,
            f"{_short(camp.solution_version_arn)}, {camp.min_tps} TPS{cost}",
        )
    return table


def print_status(report: StatusReport) -> None:
    console.print(status_table(report))
    if report.billing_now:
        console.print("Billing now (approx., " + report.prices_as_of + "):")
        for line in report.billing_now:
            console.print(f"  - {line}", markup=False)
    else:
        console.print("Billing now: nothing in Personalize (S3 storage of the data aside).")
