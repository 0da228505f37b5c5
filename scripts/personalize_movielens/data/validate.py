"""Check any CSV against its Personalize schema and the documented import rules, before upload.

The core, `validate_file`, is a library function: the `data validate` command and the local
Personalize emulator (on the CSVs it imports) both call it. One byte-level pass checks UTF-8
and counts lines; one polars pass (streaming) counts the file's `Figures`, with the rule table's
own tests; the rules are then decided on those figures, as for `data prepare`. Only when a rule
fails does a second pass fetch example rows to name.

Rows: `Violation.row` is the 1-based data row (the header is not counted), which is line
`row + 1` when every record is on one line. File-level rules have `row=None`.
"""

from __future__ import annotations

import codecs
import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from ..errors import DataError
from ..results import JsonValue
from ..schemas import DatasetSchema, SchemaField
from . import rules
from .figures import (
    Figures,
    break_counts,
    breaks_from,
    empty_counts,
    empty_from,
    has_event_types,
    has_timestamps,
    is_interactions,
    ordered_counts,
)
from .report import FileReport
from .rules import RuleCheck
from .wording import first_line

_ROW = "__row"
_CHUNK = 16 << 20
#: Examples named per failing rule.
MAX_EXAMPLES = 5


@dataclass(frozen=True)
class Violation:
    """One broken rule: where (file, 1-based data row, field) and a one-line message."""

    file: str
    rule: str
    row: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file} row {self.row}"
        return f"{where}: [{self.rule}] {self.message}"

    def to_json(self) -> dict[str, JsonValue]:
        return {"rule": self.rule, "row": self.row, "field": self.field, "message": self.message}


@dataclass
class ValidationResult:
    """What `validate_file` found: violations (empty when ok), figures and each rule's result."""

    path: Path
    dataset_type: str
    violations: list[Violation] = field(default_factory=list)
    figures: Figures | None = None
    checks: list[RuleCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations

    def report(self) -> FileReport:
        return FileReport(self.path.name, self.dataset_type, self.figures, tuple(self.checks))

    def to_json(self) -> dict[str, JsonValue]:
        """The file's report and its violations."""
        return self.report().to_json() | {"violations": [v.to_json() for v in self.violations]}

    def first_error(self) -> str:
        """The first violation as one line (what the CLI prints when it stops)."""
        extra = len(self.violations) - 1
        more = f" (and {extra} more)" if extra > 0 else ""
        return f"{self.violations[0]}{more}" if self.violations else ""

    def error(self) -> DataError | None:
        """The first violation as the error to raise, with its rule's hint; None when ok."""
        if not self.violations:
            return None
        return DataError(self.first_error(), hint=rules.RULES[self.violations[0].rule].hint)


class _Collector:
    """Accumulates violations and rule results for one file."""

    def __init__(self, result: ValidationResult) -> None:
        self.result = result
        self.name = str(result.path)

    def fail(self, rule: str, message: str, row: int | None = None, fld: str | None = None) -> None:
        self.result.violations.append(Violation(self.name, rule, row, fld, message))

    def check(self, rule: str, passed: bool, detail: str = "") -> None:
        self.result.checks.append(RuleCheck(rule, passed, detail))


def validate_file(
    path: Path,
    schema: DatasetSchema,
    dataset_type: str,
    max_examples: int = MAX_EXAMPLES,
    domain: str | None = None,
) -> ValidationResult:
    """Validate one CSV against `schema` and Personalize's import rules for `dataset_type` (and
    those of `domain`, for a Domain dataset group's file).

    Never raises for bad data: every problem is a `Violation` in the result. Raises `DataError`
    only when the file cannot be opened.
    """
    path = Path(path)
    result = ValidationResult(path=path, dataset_type=dataset_type)
    out = _Collector(result)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror}).") from exc
    if size == 0:
        out.fail("non-empty-file", "the file is empty (no header line)")
        out.check("non-empty-file", False, "empty")
        return result
    lines = _check_bytes(path, out)
    if lines is None or not _check_header(path, schema, out):
        return result
    _check_rows(path, schema, dataset_type, lines, out, max_examples, domain)
    return result


def _check_bytes(path: Path, out: _Collector) -> int | None:
    """UTF-8 check and line count in one pass over the bytes; None when not UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    newlines = 0
    last = b""
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line = newlines + chunk.count(b"\n", 0, max(0, exc.start)) + 1
                out.check("non-empty-file", True)
                out.fail("utf8", f"line {line} is not valid UTF-8 ({exc.reason})", row=line - 1)
                out.check("utf8", False, f"line {line}")
                return None
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
    out.check("non-empty-file", True)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        out.fail("utf8", "the file ends inside a UTF-8 character")
        out.check("utf8", False, "truncated character at the end")
        return None
    out.check("utf8", True)
    return newlines + (0 if last == b"\n" else 1)


def read_header(path: Path) -> str:
    """The first line without its line break."""
    with path.open("rb") as fh:
        return fh.readline().decode("utf-8", errors="replace").rstrip("\r\n")


def _check_header(path: Path, schema: DatasetSchema, out: _Collector) -> bool:
    header = read_header(path)
    expected = ",".join(schema.field_names)
    if '"' in header:
        out.fail("header", f"the header must not be quoted: {header[:200]!r}", row=None)
        out.check("header", False, "quoted")
        return False
    if header.lstrip("\ufeff") != expected:
        out.fail(
            "header",
            f"header is {header[:200]!r} but the {schema.name} schema needs {expected!r} "
            "(names and order)",
        )
        out.check("header", False, header[:80])
        return False
    if header.startswith("\ufeff"):
        out.fail("header", "the header starts with a byte-order mark; save as UTF-8 without BOM")
        out.check("header", False, "BOM")
        return False
    return True


def _scan(path: Path, schema: DatasetSchema) -> pl.LazyFrame:
    """Every column as text (types are checked by rule, not by the parser)."""
    return pl.scan_csv(
        path,
        schema={name: pl.String for name in schema.field_names},
        has_header=True,
        quote_char='"',
        encoding="utf8",
    ).with_row_index(_ROW, offset=1)


def count_figures(
    lf: pl.LazyFrame, schema: DatasetSchema, dataset_type: str, lines: int
) -> Figures:
    """The file's figures, from a scan of its text (every column a string)."""
    text = dict.fromkeys(schema.field_names, pl.String())
    ts = pl.col("TIMESTAMP").cast(pl.Int64, strict=False)
    timestamps = [ts.min().alias("first"), ts.max().alias("last")]
    # Separate streaming passes, not one shared scan: polars buffers rows between consumers
    # of a shared scan that run at different speeds, and memory would grow with the file.
    queries = [
        lf.select(
            pl.len().alias("rows"),
            *break_counts(schema, text),
            *empty_counts(schema),
            *(timestamps if has_timestamps(schema, dataset_type) else []),
        )
    ]
    interactions = is_interactions(schema, dataset_type)
    if interactions:
        queries.append(_distinct(lf, "USER_ID", "users", with_two=True))
    if schema.has("ITEM_ID"):
        queries.append(_distinct(lf, "ITEM_ID", "items"))
    found: dict[str, Any] = {}
    for query in queries:
        found |= query.collect(engine="streaming").row(0, named=True)
    event_types = None
    if has_event_types(schema, dataset_type):
        kinds = lf.select("EVENT_TYPE").filter(~rules.is_empty(pl.col("EVENT_TYPE")))
        counted = kinds.group_by("EVENT_TYPE").len().collect(engine="streaming")
        event_types = ordered_counts({k: int(n) for k, n in counted.iter_rows()})
    return Figures(
        rows=found["rows"],
        lines=lines,
        breaks=breaks_from(schema, found),
        items=found.get("items"),
        users=found.get("users"),
        users_with_two=found.get("two") if interactions else None,
        first_timestamp=found.get("first"),
        last_timestamp=found.get("last"),
        empty=empty_from(schema, found),
        event_types=event_types,
    )


def _distinct(lf: pl.LazyFrame, column: str, name: str, with_two: bool = False) -> pl.LazyFrame:
    """How many distinct non-empty values `column` has (and how many occur twice or more)."""
    counts = lf.select(column).filter(~rules.is_empty(pl.col(column))).group_by(column).len()
    two = [(pl.col("len") >= 2).sum().alias("two")] if with_two else []
    return counts.select(pl.len().alias(name), *two)


def _check_rows(
    path: Path,
    schema: DatasetSchema,
    dataset_type: str,
    lines: int,
    out: _Collector,
    max_examples: int,
    domain: str | None,
) -> None:
    lf = _scan(path, schema)
    try:
        figures = count_figures(lf, schema, dataset_type, lines)
    except (pl.exceptions.PolarsError, OSError) as exc:
        out.check("header", True, ",".join(schema.field_names))
        _locate_parse_error(path, schema, exc, out)
        return
    out.result.figures = figures
    out.result.checks = rules.evaluate(figures, schema, domain)
    failing = [
        (rule, schema.field(name))
        for rule in rules.TABLE
        if isinstance(rule, rules.ValueRule)
        for name, _ in rule.failing(figures, schema)
    ]
    for (rule, fld), examples in _examples(lf, failing, max_examples).items():
        for row, value in examples:
            out.fail(rule.name, rule.explain(fld, value), row=row, fld=fld.name)
    for check in out.result.checks:
        whole = rules.RULES[check.rule]  # rules on the whole file: explained once, no row
        if check.passed:
            continue
        if isinstance(whole, rules.LineRule) and not whole.failing(figures, schema):
            out.fail(whole.name, whole.explain_lines(figures))
        elif isinstance(whole, rules.MinimumRule):
            value = whole.figure(figures)
            out.fail(whole.name, whole.explain(0 if value is None else value))


def _examples(
    lf: pl.LazyFrame, failing: list[tuple[rules.ValueRule, SchemaField]], limit: int
) -> dict[tuple[rules.ValueRule, SchemaField], list[tuple[int, Any]]]:
    """The first `limit` (row, value) of each failing rule (a second pass, failures only)."""
    queries = [
        lf.filter(rule.breaks_text(fld)).select(pl.col(_ROW), pl.col(fld.name)).head(limit)
        for rule, fld in failing
    ]
    frames = pl.collect_all(queries, engine="streaming") if queries else []
    return {key: list(frame.iter_rows()) for key, frame in zip(failing, frames, strict=True)}


def _locate_parse_error(path: Path, schema: DatasetSchema, exc: Exception, out: _Collector) -> None:
    """The CSV parser stopped (a ragged line, a broken quote): find the line with csv."""
    line, problem = _first_bad_record(path, len(schema.field_names))
    if line is None:
        problem = first_line(exc)
        out.fail("field-count", f"the CSV parser stopped: {problem}")
        out.check("field-count", False, problem[:80])
        return
    out.fail("field-count", f"line {line}{problem}", row=line - 1)
    out.check("field-count", False, f"line {line}")


def _first_bad_record(path: Path, width: int) -> tuple[int | None, str]:
    """(line, what is wrong there) of the first record without `width` fields or with broken
    quoting; (None, "") when Python's csv reads every record."""
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh, strict=True)
        try:
            next(reader)
            for record in reader:
                if len(record) != width:
                    return reader.line_num, f" has {len(record)} fields, the header {width}"
        except csv.Error as err:
            return reader.line_num, f": broken quoting ({err})"
    return None, ""
