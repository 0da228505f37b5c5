"""`data validate` as a library call: which schema each file gets, the run's result, its JSON.

The command only parses its options, calls `validate_files` and prints the result, so tests and
other callers reach the same behaviour without the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError
from ..results import JsonValue
from ..schemas import DatasetSchema, load_schema
from .report import FileReport
from .validate import ValidationResult, read_header, validate_file
from .writing import refused_input


def infer_dataset_type(path: Path, domain: str | None = None) -> tuple[str, bool]:
    """(dataset type, with event value) from the header, else from the file name."""
    header = read_header(path).lstrip("\ufeff").replace('"', "").split(",")
    candidates = [("Interactions", True), ("Interactions", False), ("Items", False)]
    if domain is not None:  # a domain has one schema per type
        candidates = [("Interactions", False), ("Items", False)]
    candidates.append(("Users", False))
    for dataset_type, event in candidates:
        schema = load_schema(dataset_type, with_event_value=event, domain=domain)
        if schema.field_names == header:
            return dataset_type, event
    name = path.name.lower()
    if "interaction" in name:
        return "Interactions", "EVENT" in header
    if "item" in name:
        return "Items", False
    if "user" in name:
        return "Users", False
    raise DataError(
        f"{path}: cannot tell the dataset type from the header or the file name.",
        hint="pass --type Interactions, --type Items or --type Users.",
    )


def schema_for(
    path: Path, dataset_type: str | None = None, domain: str | None = None
) -> tuple[str, DatasetSchema]:
    """(dataset type, schema) to check `path` against: the type given, or the inferred one;
    the domain's schema for a domain; else for Interactions, the event-value variant when the
    header has EVENT_VALUE."""
    if dataset_type is None:
        dataset_type, event = infer_dataset_type(path, domain)
    else:
        event = domain is None and "EVENT_VALUE" in read_header(path).split(",")
    return dataset_type, load_schema(dataset_type, with_event_value=event, domain=domain)


@dataclass(frozen=True)
class ValidationRun:
    """The results of one `data validate` over several files."""

    results: tuple[ValidationResult, ...]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def reports(self) -> list[FileReport]:
        return [r.report() for r in self.results]

    def to_json(self) -> list[JsonValue]:
        """One entry per file: its report and its violations."""
        return [r.to_json() for r in self.results]

    def error(self) -> DataError | None:
        """The first file's first violation as the error to raise; None when every file is ok."""
        return next((e for r in self.results if (e := r.error()) is not None), None)


def validate_files(
    paths: list[Path], dataset_type: str | None = None, domain: str | None = None
) -> ValidationRun:
    """Validate each file against its schema (see `schema_for`) and the import rules (with
    `domain`'s own, for a Domain dataset group's files).

    Raises DataError for a path that is not a file or whose type cannot be told; broken rules
    are in the result (`ok`, `error()`), not raised.
    """
    results = []
    for path in paths:
        if not path.is_file():
            raise DataError(f"{path}: no such file.")
        with refused_input(path):
            kind, schema = schema_for(path, dataset_type, domain)
            results.append(validate_file(path, schema, kind, domain=domain))
    return ValidationRun(tuple(results))
