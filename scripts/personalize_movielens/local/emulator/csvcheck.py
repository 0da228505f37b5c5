"""Import-time checks of a CSV against its dataset's schema, as Personalize documents them.

The rules live in one place, the project's validator (`personalize_movielens.data.validate`),
which the `data validate` command also uses. The training minimums it can report (1000
interactions, 25 users with two or more) are not import rules: the service imports small files
and enforces those minimums when a solution version trains, so they are ignored here.

A file that passes is then read with its types (`scan`), as the import keeps it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from ...data import rules
from ...data.validate import Violation, validate_file
from ...schemas import DatasetSchema

#: Validator rules that the service applies at training time, not at import.
TRAINING_RULES = frozenset({"min-interactions", "min-users-with-two"})
MAX_REPORTED = 5


def problems(path: Path, schema: DatasetSchema, dataset_type: str, source: str) -> list[str]:
    """One message per broken import rule (empty when the file imports cleanly)."""
    result = validate_file(path, schema, dataset_type)
    found = [v for v in result.violations if v.rule not in TRAINING_RULES]
    return [_message(v, source) for v in found[:MAX_REPORTED]]


def _message(violation: Violation, source: str) -> str:
    where = source if violation.row is None else f"{source} row {violation.row}"
    return f"{where}: [{violation.rule}] {violation.message}"


def scan(paths: Sequence[Path], schema: DatasetSchema) -> pl.LazyFrame:
    """The rows of CSV files that passed `problems`, typed by the schema (an empty value is
    null), in file order."""
    return pl.scan_csv(
        [str(p) for p in paths],
        schema=rules.polars_schema(schema),
        has_header=True,
        quote_char='"',
        null_values=[""],
        encoding="utf8",
        glob=False,
    )
