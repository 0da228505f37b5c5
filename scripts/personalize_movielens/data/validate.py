"""Check any CSV against its Personalize schema and the documented import rules, before upload.

The core, `validate_file`, is a library function: the `data validate` command and the local
Personalize emulator (on the CSVs it imports) both call it. One byte-level pass checks UTF-8
and counts lines; one polars pass (streaming) computes every row rule and the figures; only
when a rule fails does a second pass fetch example rows to name.

Rows: `Violation.row` is the 1-based data row (the header is not counted), which is line
`row + 1` when every record is on one line. File-level rules have `row=None`.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from ..errors import DataError
from ..schemas import DatasetSchema, load_schema
from . import rules
from .report import FileReport, RuleCheck, iso_time

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


@dataclass
class ValidationResult:
    """What `validate_file` found: violations (empty when ok), figures and each rule's result."""

    path: Path
    dataset_type: str
    violations: list[Violation] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    checks: list[RuleCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations

    def report(self) -> FileReport:
        return FileReport(self.path.name, self.dataset_type, self.stats, self.checks)

    def first_error(self) -> str:
        """The first violation as one line (what the CLI prints when it stops)."""
        extra = len(self.violations) - 1
        more = f" (and {extra} more)" if extra > 0 else ""
        return f"{self.violations[0]}{more}" if self.violations else ""


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
    path: Path, schema: DatasetSchema, dataset_type: str, max_examples: int = MAX_EXAMPLES
) -> ValidationResult:
    """Validate one CSV against `schema` and Personalize's import rules for `dataset_type`.

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
    if lines is None:
        return result
    if not _check_header(path, schema, out):
        return result
    _check_rows(path, schema, dataset_type, lines, out, max_examples)
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
                out.fail("utf8", f"line {line} is not valid UTF-8 ({exc.reason})", row=line - 1)
                out.check("utf8", False, f"line {line}")
                return None
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
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
    out.check("header", True, expected)
    return True


def _row_rules(schema: DatasetSchema) -> dict[tuple[str, str], pl.Expr]:
    """(rule, field) -> an expression that is true on rows breaking that rule."""
    exprs: dict[tuple[str, str], pl.Expr] = {}
    for f in schema.fields:
        col = pl.col(f.name)
        exprs[("one-record-per-line", f.name)] = col.str.contains("\n", literal=True).fill_null(
            False
        )
        if f.name in rules.ID_FIELDS:
            exprs[("id-length", f.name)] = col.is_null() | (
                col.str.len_chars() > rules.MAX_ID_CHARS
            )
        elif not f.nullable:
            exprs[("required", f.name)] = col.is_null()
        dtype = rules.polars_dtype(f)
        if dtype != pl.String():
            parsed = col.str.strip_chars().cast(dtype, strict=False)
            if dtype == pl.Boolean():
                parsed = col.str.to_lowercase().replace_strict(
                    {"true": True, "false": False}, default=None, return_dtype=pl.Boolean
                )
            exprs[("types", f.name)] = col.is_not_null() & parsed.is_null()
        if f.name == "TIMESTAMP":
            ts = col.cast(pl.Int64, strict=False)
            exprs[("timestamp-seconds", f.name)] = (ts >= rules.MAX_EPOCH_SECONDS).fill_null(False)
        if f.categorical:
            longest = (
                col.str.split(rules.CATEGORICAL_SEPARATOR)
                .list.eval(pl.element().str.len_chars())
                .list.max()
            )
            exprs[("categorical-length", f.name)] = (
                longest > rules.MAX_CATEGORICAL_CHARS
            ).fill_null(False)
    return exprs


def _scan(path: Path, schema: DatasetSchema) -> pl.LazyFrame:
    """Every column as text (types are checked by rule, not by the parser)."""
    return pl.scan_csv(
        path,
        schema={name: pl.String for name in schema.field_names},
        has_header=True,
        quote_char='"',
        encoding="utf8",
    ).with_row_index(_ROW, offset=1)


def _explain(rule: str, fld: str, value: Any, schema: DatasetSchema) -> str:
    shown = repr(value if value is None or len(str(value)) <= 60 else str(value)[:60] + "...")
    if rule == "types":
        return f"{fld} {shown} is not a valid {schema.field(fld).avro_type}"
    if rule == "id-length":
        if value is None:
            return f"{fld} is empty"
        return f"{fld} has {len(value)} characters (at most {rules.MAX_ID_CHARS})"
    if rule == "required":
        return f"{fld} is empty but the schema does not allow null"
    if rule == "timestamp-seconds":
        return (
            f"{fld} {value} is not epoch seconds: it looks like milliseconds "
            f"(must be below {rules.MAX_EPOCH_SECONDS}); divide by 1000"
        )
    if rule == "categorical-length":
        return f"{fld} has a value over {rules.MAX_CATEGORICAL_CHARS} characters"
    if rule == "one-record-per-line":
        return f"{fld} contains a line break (a quoted field spans lines)"
    return f"{fld}: {rule}"


def _check_rows(
    path: Path,
    schema: DatasetSchema,
    dataset_type: str,
    lines: int,
    out: _Collector,
    max_examples: int,
) -> None:
    lf = _scan(path, schema)
    exprs = _row_rules(schema)
    keys = list(exprs)
    interactions = dataset_type == "Interactions" and {"USER_ID", "ITEM_ID"} <= set(
        schema.field_names
    )
    ts = pl.col("TIMESTAMP").cast(pl.Int64, strict=False)
    with_ts = interactions and schema.has("TIMESTAMP")
    # Separate streaming passes, not one shared scan: polars buffers rows between consumers
    # of a shared scan that run at different speeds, and memory would grow with the file.
    queries = {
        "counts": lf.select(
            pl.len().alias("__rows"),
            *[e.sum().alias(f"{r}\t{f}") for (r, f), e in exprs.items()],
            *([ts.min().alias("min_ts"), ts.max().alias("max_ts")] if with_ts else []),
        )
    }
    if interactions:
        queries["users"] = (
            lf.group_by("USER_ID")
            .len()
            .select(pl.len().alias("users"), (pl.col("len") >= 2).sum().alias("two"))
        )
    if schema.has("ITEM_ID"):
        queries["items"] = lf.group_by("ITEM_ID").len().select(pl.len().alias("items"))
    try:
        figures = {}
        for query in queries.values():
            figures |= query.collect(engine="streaming").row(0, named=True)
    except (pl.exceptions.PolarsError, OSError) as exc:
        _locate_parse_error(path, schema, exc, out)
        return
    counts = figures
    rows = counts["__rows"]
    stats: dict[str, Any] = {"rows": rows}
    if interactions:
        stats |= {"users": figures["users"], "items": figures["items"]}
        if with_ts:
            stats |= {
                "first_timestamp": figures["min_ts"],
                "last_timestamp": figures["max_ts"],
                "time_span": f"{iso_time(_seconds(figures['min_ts']))} .. "
                f"{iso_time(_seconds(figures['max_ts']))}",
            }
        stats["users_with_2plus_interactions"] = figures["two"]
    elif "items" in figures:
        stats["items"] = figures["items"]
    out.result.stats = stats

    # One record per line: rows + header == lines, unless a quoted field spans lines.
    failing = [k for k in keys if counts[f"{k[0]}\t{k[1]}"]]
    examples = _examples(lf, exprs, failing, max_examples) if failing else {}
    by_rule: dict[str, list[str]] = {}
    for rule, fld in keys:
        n = counts[f"{rule}\t{fld}"]
        if n:
            by_rule.setdefault(rule, []).append(f"{fld}: {n:,} rows")
            for row, value in examples[(rule, fld)]:
                out.fail(rule, _explain(rule, fld, value, schema), row=row, fld=fld)
    if lines != rows + 1 and "one-record-per-line" not in by_rule:
        out.fail("one-record-per-line", f"{lines} lines for {rows} records and a header")
        by_rule["one-record-per-line"] = [f"{lines} lines, {rows} records"]
    for rule in dict.fromkeys(r for r, _ in keys):
        out.check(rule, rule not in by_rule, "; ".join(by_rule.get(rule, [])))

    if interactions:
        out.check("min-interactions", rows >= rules.MIN_INTERACTIONS, f"{rows:,} interactions")
        if rows < rules.MIN_INTERACTIONS:
            out.fail(
                "min-interactions",
                f"{rows:,} interactions; Personalize needs at least {rules.MIN_INTERACTIONS:,}",
            )
        two = stats["users_with_2plus_interactions"]
        out.check("min-users-with-two", two >= rules.MIN_USERS_WITH_TWO, f"{two:,} users")
        if two < rules.MIN_USERS_WITH_TWO:
            out.fail(
                "min-users-with-two",
                f"{two:,} users have two or more interactions; Personalize needs at least "
                f"{rules.MIN_USERS_WITH_TWO}",
            )


def _seconds(value: int | None) -> int | None:
    """A timestamp usable for the time span (None when it is not plausible seconds)."""
    if value is None or value < 0 or rules.looks_like_milliseconds(value):
        return None
    return value


def _examples(
    lf: pl.LazyFrame,
    exprs: dict[tuple[str, str], pl.Expr],
    failing: list[tuple[str, str]],
    limit: int,
) -> dict[tuple[str, str], list[tuple[int, Any]]]:
    """The first `limit` (row, value) of each failing rule (a second pass, failures only)."""
    queries = [
        lf.filter(exprs[key]).select(pl.col(_ROW), pl.col(key[1])).head(limit) for key in failing
    ]
    frames = pl.collect_all(queries, engine="streaming")
    return {key: list(frame.iter_rows()) for key, frame in zip(failing, frames, strict=True)}


def _locate_parse_error(path: Path, schema: DatasetSchema, exc: Exception, out: _Collector) -> None:
    """The CSV parser stopped (a ragged line, a broken quote): find the line with csv."""
    import csv

    width = len(schema.field_names)
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh, strict=True)
        try:
            next(reader)
            for record in reader:
                if len(record) != width:
                    out.fail(
                        "field-count",
                        f"line {reader.line_num} has {len(record)} fields, the header {width}",
                        row=reader.line_num - 1,
                    )
                    out.check("field-count", False, f"line {reader.line_num}")
                    return
        except csv.Error as err:
            out.fail(
                "field-count",
                f"line {reader.line_num}: broken quoting ({err})",
                row=reader.line_num - 1,
            )
            out.check("field-count", False, f"line {reader.line_num}")
            return
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    out.fail("field-count", f"the CSV parser stopped: {first}")
    out.check("field-count", False, first[:80])


def infer_dataset_type(path: Path) -> tuple[str, bool]:
    """(dataset type, with event value) from the header, else from the file name."""
    header = read_header(path).lstrip("\ufeff").replace('"', "").split(",")
    candidates = [("Interactions", True), ("Interactions", False), ("Items", False)]
    for dataset_type, event in candidates:
        if load_schema(dataset_type, with_event_value=event).field_names == header:
            return dataset_type, event
    name = path.name.lower()
    if "interaction" in name:
        return "Interactions", "EVENT" in header
    if "item" in name:
        return "Items", False
    raise DataError(
        f"{path}: cannot tell the dataset type from the header or the file name.",
        hint="pass --type Interactions or --type Items.",
    )
