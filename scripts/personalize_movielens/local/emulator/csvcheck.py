"""Import-time checks of a CSV against its dataset's schema, as Personalize documents them.

Prefers the project's validator (`personalize_movielens.data.validate.validate_file`) so the
CLI and the emulator enforce one set of rules; this module's own checks are the fallback when
that validator is not installed: header equals the schema's fields, required values present,
numbers parse, IDs at most 256 characters, TIMESTAMP in Unix epoch seconds.
"""

from __future__ import annotations

import csv
from pathlib import Path

from ...schemas import DatasetSchema

MAX_ID_LENGTH = 256
MAX_CATEGORICAL_LENGTH = 1000
#: 2100-01-01 in epoch seconds: larger values are milliseconds or garbage.
MAX_EPOCH_SECONDS = 4_102_444_800
MAX_REPORTED = 5


def problems(path: Path, schema: DatasetSchema, dataset_type: str, source: str) -> list[str]:
    """Messages for each broken rule (empty when the file imports cleanly)."""
    try:
        from ...data.validate import validate_file  # type: ignore[import-not-found]
    except ImportError:
        return _fallback(path, schema, source)
    try:
        result = validate_file(path, schema, dataset_type)
    except Exception:  # the validator is still evolving: never let it crash an import job
        return _fallback(path, schema, source)
    if result.ok:
        return []
    return [f"{source}: {v.message}" for v in list(result.violations)[:MAX_REPORTED]]


def _fallback(path: Path, schema: DatasetSchema, source: str) -> list[str]:
    found: list[str] = []
    with path.open(newline="", encoding="utf-8", errors="strict") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            return [f"{source}: the file is empty; the first row must be the column headers."]
        except UnicodeDecodeError:
            return [f"{source}: the file is not UTF-8 encoded."]
        expected = schema.field_names
        missing = [n for n in expected if n not in header]
        extra = [n for n in header if n not in expected]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing column(s) {', '.join(missing)}")
            if extra:
                parts.append(f"column(s) not in the schema {', '.join(extra)}")
            return [f"{source}: the header does not match the schema: {'; '.join(parts)}."]
        index = {name: header.index(name) for name in expected}
        try:
            for row_number, row in enumerate(reader, start=2):
                if len(row) != len(header):
                    found.append(
                        f"{source}: row {row_number} has {len(row)} columns, "
                        f"expected {len(header)}."
                    )
                for field in schema.fields:
                    if len(row) != len(header):
                        break
                    message = _check_value(row[index[field.name]], field)
                    if message:
                        found.append(f"{source}: row {row_number}, field {field.name}: {message}")
                if len(found) >= MAX_REPORTED:
                    break
        except UnicodeDecodeError:
            found.append(f"{source}: the file is not UTF-8 encoded.")
    return found


def _check_value(value: str, field) -> str | None:
    if value == "":
        return None if field.nullable else "a value is required (the field is not nullable)."
    kind = field.avro_type
    if kind in ("int", "long"):
        try:
            number = int(value)
        except ValueError:
            return f"{value!r} is not an integer ({kind})."
        if (
            field.name in ("TIMESTAMP", "CREATION_TIMESTAMP")
            and not 0 <= number <= MAX_EPOCH_SECONDS
        ):
            return f"{number} is not a Unix epoch time in seconds."
    elif kind in ("float", "double"):
        try:
            float(value)
        except ValueError:
            return f"{value!r} is not a number ({kind})."
    elif kind == "boolean":
        if value.lower() not in ("true", "false"):
            return f"{value!r} is not a boolean."
    elif kind == "string":
        if field.name.endswith("_ID") and len(value) > MAX_ID_LENGTH:
            return f"longer than {MAX_ID_LENGTH} characters."
        if field.categorical and any(len(p) > MAX_CATEGORICAL_LENGTH for p in value.split("|")):
            return f"a categorical value is longer than {MAX_CATEGORICAL_LENGTH} characters."
    return None
