"""The validation report: each file's figures and every rule's result, as JSON and as a table.

`data prepare` and `data validate` build it the same way, from `Figures` and the rule table, so
the report prepare writes equals the one validate makes of the files prepare wrote.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.table import Table

from ..results import JsonValue
from .figures import Figures
from .rules import RuleCheck

if TYPE_CHECKING:  # hold_out.py is only named here
    from .hold_out import HeldOutReport


@dataclass(frozen=True)
class FileReport:
    """What was checked in one dataset file; `figures` is None when the file could not be read
    into figures (empty, not UTF-8, a wrong header, broken quoting)."""

    file: str
    dataset_type: str
    figures: Figures | None
    checks: tuple[RuleCheck, ...]

    @property
    def ok(self) -> bool:
        return all(c.passed for c in self.checks)

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "file": self.file,
            "dataset_type": self.dataset_type,
            "ok": self.ok,
            "stats": {} if self.figures is None else self.figures.to_json(),
            "checks": [c.to_json() for c in self.checks],
        }


@dataclass(frozen=True)
class Report:
    """Every file's report: the content of validation-report.json, with the settings the files
    were prepared with (their domain: what `upload` and `import` check) and, when interactions
    were held out, how many."""

    files: tuple[FileReport, ...]
    settings: dict[str, JsonValue] = field(default_factory=dict)
    held_out: HeldOutReport | None = None

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files)

    def to_json(self) -> dict[str, JsonValue]:
        doc: dict[str, JsonValue] = {"ok": self.ok, "files": [f.to_json() for f in self.files]}
        if self.held_out is not None:
            doc["held_out"] = self.held_out.to_json()
        return doc | {"settings": dict(self.settings)}

    def text(self) -> str:
        """The report file's text."""
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"


def reports_table(reports: list[FileReport]) -> Table:
    """One table: figures, then each rule with PASS/FAIL, per file."""
    table = Table(title="Validation report", show_lines=False)
    for column in ("file", "check", "result", "detail"):
        table.add_column(column)
    for report in reports:
        stats = {} if report.figures is None else report.figures.to_json()
        for key, value in stats.items():
            table.add_row(report.file, key, "", _figure(key, value))
        for check in report.checks:
            table.add_row(
                report.file, check.description, "PASS" if check.passed else "FAIL", check.detail
            )
    return table


def _figure(key: str, value: JsonValue) -> str:
    """A figure as the table shows it: counts with thousands separators."""
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_figure(key, v)}" for k, v in value.items())
    if isinstance(value, int) and "timestamp" not in key:
        return f"{value:,}"
    return str(value)


def held_out_line(report: Report) -> str | None:
    """What was held out, in one line (None when nothing was)."""
    held = report.held_out
    if held is None:
        return None
    span = held.to_json()["time_span"]
    return f"Held out the {held.rows:,} newest interactions ({span}) in {held.file}."
