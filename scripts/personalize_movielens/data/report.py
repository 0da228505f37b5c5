"""The validation report: the figures and each rule's result, as JSON and as a readable table."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from rich.table import Table

from .rules import RULE_DESCRIPTIONS


@dataclass(frozen=True)
class RuleCheck:
    """One rule, whether it held, and the figure or example that shows it."""

    rule: str
    passed: bool
    detail: str = ""

    @property
    def description(self) -> str:
        return RULE_DESCRIPTIONS.get(self.rule, self.rule)


@dataclass
class FileReport:
    """What was checked in one output file."""

    file: str
    dataset_type: str
    stats: dict[str, Any]
    checks: list[RuleCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.passed for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "dataset_type": self.dataset_type,
            "ok": self.ok,
            "stats": self.stats,
            "checks": [asdict(c) | {"description": c.description} for c in self.checks],
        }


def iso_time(epoch_seconds: int | None) -> str | None:
    """Epoch seconds as an ISO date-time in UTC (for the time span)."""
    if epoch_seconds is None:
        return None
    return datetime.fromtimestamp(epoch_seconds, UTC).isoformat().replace("+00:00", "Z")


def reports_json(reports: list[FileReport]) -> str:
    """The report file's text: every output file with its figures and checks."""
    doc = {"ok": all(r.ok for r in reports), "files": [r.to_dict() for r in reports]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def reports_table(reports: list[FileReport]) -> Table:
    """One table: figures, then each rule with PASS/FAIL, per file."""
    table = Table(title="Validation report", show_lines=False)
    table.add_column("file")
    table.add_column("check")
    table.add_column("result")
    table.add_column("detail")
    for report in reports:
        for key, value in report.stats.items():
            figure = f"{value:,}" if isinstance(value, int) and "timestamp" not in key else value
            table.add_row(report.file, key, "", str(figure))
        for check in report.checks:
            table.add_row(
                report.file, check.description, "PASS" if check.passed else "FAIL", check.detail
            )
    return table
