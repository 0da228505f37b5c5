"""MovieLens -> interactions.csv, items.csv, titles.csv and a validation report, all checked
before they appear.

ratings.csv is scanned lazily with its schema pinned and read once, on the streaming engine, in
batches: each batch becomes the Interactions columns, is appended to the interactions file and
folded into the file's figures, whose state grows with the distinct IDs, never with the rows.
Columns, order and types of every output come from the schema files. The rules are decided on
the figures by the rule table, as `data validate` decides them on a file. Outputs are written
under temporary names and renamed only when all are complete and every rule holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO, TypeVar

import polars as pl

from ..atomic import atomic_paths
from ..errors import DataError
from ..results import JsonValue
from ..schemas import DatasetSchema, load_schema
from . import rules
from .csv_writer import CsvWriterThread
from .figures import Figures
from .fold import FiguresFold
from .items import parse_movies
from .layout import INTERACTIONS_FILE, ITEMS_FILE, REPORT_FILE, TITLES_FILE
from .movielens import MovieLensFiles, check_ratings_header, open_movielens
from .report import FileReport, Report
from .wording import first_line
from .writing import refused_output

#: EVENT_TYPE of every MovieLens interaction in the event-value variant: each one is a rating.
EVENT_TYPE = "rating"
#: ratings.csv as GroupLens writes it: the types are pinned, never inferred on 25M rows.
RATINGS_SCHEMA: dict[str, pl.DataType] = {
    "userId": pl.Int64(),
    "movieId": pl.Int64(),
    "rating": pl.Float64(),
    "timestamp": pl.Int64(),
}
#: Rows per ratings batch: few enough Python round trips that writing each batch's CSV runs near
#: a native sink's speed (324 default-sized batches were ~45% slower at 25M), and ~32 MB each.
BATCH_ROWS = 1_000_000

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


@dataclass(frozen=True)
class PrepareResult:
    """The files written and the report on them (the content of validation-report.json)."""

    interactions: Path
    items: Path
    titles: Path
    report_file: Path
    report: Report
    #: The settings the files were written with (not in the report: validate cannot know them).
    min_rating: float | None = None
    with_event_value: bool = False

    @property
    def reports(self) -> list[FileReport]:
        return list(self.report.files)

    def to_json(self) -> dict[str, JsonValue]:
        settings: dict[str, JsonValue] = {
            "min_rating": self.min_rating,
            "with_event_value": self.with_event_value,
        }
        return {**self.report.to_json(), "settings": settings}


#: Where each Interactions field comes from in ratings.csv.
INTERACTIONS_SOURCE: dict[str, pl.Expr] = {
    "USER_ID": pl.col("userId"),
    "ITEM_ID": pl.col("movieId"),
    "TIMESTAMP": pl.col("timestamp"),
    "EVENT_TYPE": pl.lit(EVENT_TYPE),
    "EVENT_VALUE": pl.col("rating"),
}


def _sources(schema: DatasetSchema) -> dict[str, pl.Expr]:
    unknown = [f for f in schema.field_names if f not in INTERACTIONS_SOURCE]
    if unknown:
        raise DataError(f"The Interactions schema has fields MovieLens cannot fill: {unknown}.")
    return {f: INTERACTIONS_SOURCE[f] for f in schema.field_names}


def ratings_columns(schema: DatasetSchema) -> list[str]:
    """The ratings.csv columns that the Interactions fields of `schema` are made of, in order.

    rating only when it is written (EVENT_VALUE): parsing 25M floats is about a third of the
    read, and a value Personalize never sees needs no check. --min-rating filters on it before
    this selection, so there it is still read.
    """
    used = {name for expr in _sources(schema).values() for name in expr.meta.root_names()}
    return [c for c in RATINGS_SCHEMA if c in used]


def interactions_plan(ratings: Frame, schema: DatasetSchema) -> Frame:
    """ratings (the `ratings_columns` at least) -> the Interactions columns of `schema`.

    Works on a lazy plan or on one eager batch of it.

    Names, order and types come from the schema file. One exception, for speed: integer IDs
    bound for a `string` field are not cast, because a CSV holds the same text either way
    (`42` is `42`) and 50M string allocations would double the memory of the run.
    """
    integer_ids = {"USER_ID", "ITEM_ID"}
    sources = _sources(schema)
    columns = []
    for f in schema.fields:
        dtype = rules.polars_dtype(f)
        expr = sources[f.name]
        if not (f.name in integer_ids and dtype == pl.String()):
            expr = expr.cast(dtype)
        columns.append(expr.alias(f.name))
    return ratings.select(columns)


def write_interactions(ratings: pl.LazyFrame, schema: DatasetSchema, out: IO[bytes]) -> Figures:
    """The one pass over ratings.csv: stream batches, append each to `out`, fold in the figures.

    The figures are computed on the batches that are written, so writing cannot wait for them
    (a broken rule is found at the end and the temporary file is then discarded). Batches arrive
    in file order (maintain_order) and are written in that order, so the output is the same as a
    sink's.
    """
    fold = FiguresFold(schema, "Interactions")
    batches = 0
    with CsvWriterThread(out) as writer:
        for batch in ratings.collect_batches(chunk_size=BATCH_ROWS, engine="streaming"):
            frame = interactions_plan(batch, schema)
            writer.put(frame)
            fold.add(frame)
            batches += 1
        if batches == 0:  # no rows at all: still a header, like a sink writes
            empty = pl.DataFrame(schema=ratings.collect_schema())
            writer.put(interactions_plan(empty, schema))
    return fold.figures()


def _scan_ratings(path: Path) -> pl.LazyFrame:
    return pl.scan_csv(path, schema=RATINGS_SCHEMA, has_header=True, quote_char=None)


def _locate_bad_value(files: MovieLensFiles, columns: list[str]) -> str:
    """After the typed scan failed: the first row whose value in `columns` (those that were
    read) does not parse, as text."""
    raw = pl.scan_csv(
        files.ratings,
        schema=dict.fromkeys(RATINGS_SCHEMA, pl.String),
        has_header=True,
        quote_char=None,
        truncate_ragged_lines=False,
    ).with_row_index("row", offset=1)
    read = {c: t for c, t in RATINGS_SCHEMA.items() if c in columns}
    bad = [
        pl.col(c).is_not_null() & pl.col(c).cast(t, strict=False).is_null() for c, t in read.items()
    ]
    try:
        hit = raw.filter(pl.any_horizontal(bad)).head(1).collect(engine="streaming")
    except pl.exceptions.PolarsError as exc:
        return f"cannot be parsed as CSV ({first_line(exc)})"
    if hit.is_empty():
        return "cannot be parsed as CSV"
    row = hit.row(0, named=True)
    for column, dtype in read.items():
        value = row[column]
        if value is not None and pl.Series([value]).cast(dtype, strict=False).is_null().all():
            kind = "an integer" if dtype == pl.Int64() else "a number"
            return (
                f"data row {row['row']} (line {row['row'] + 1}): {column} {value!r} is not {kind}"
            )
    return "cannot be parsed as CSV"


def _file_report(
    name: str, dataset_type: str, schema: DatasetSchema, figures: Figures
) -> FileReport:
    return FileReport(name, dataset_type, figures, tuple(rules.evaluate(figures, schema)))


def _raise_first_failure(source: str, report: FileReport) -> None:
    """Stop at the first broken rule, naming the input and the file it would have made."""
    for check in report.checks:
        if not check.passed:
            rule = rules.RULES[check.rule]
            raise DataError(
                f"{source}: the {report.file} made from it breaks rule {rule.name} "
                f"({rule.description}): {check.detail}.",
                hint=rule.hint,
            )


def _interactions_report(
    files: MovieLensFiles, schema: DatasetSchema, min_rating: float | None, path: Path
) -> FileReport:
    """Write the Interactions file to `path` in the one streaming read; its report."""
    # Three passes (figures, sink, distinct items) were 2.5x a bare sink; one cached scan
    # shared by a sink and a group-by buffered rows and grew with the input. Batches keep both
    # the time and the memory down (bench/results.md); the price is that a broken rule is
    # found after the write.
    ratings = _scan_ratings(files.ratings)
    if min_rating is not None:
        ratings = ratings.filter(pl.col("rating") >= min_rating)
    columns = ratings_columns(schema)
    try:
        with path.open("wb") as out:
            figures = write_interactions(ratings.select(columns), schema, out)
    except pl.exceptions.PolarsError as exc:
        read = list(dict.fromkeys(columns + ([] if min_rating is None else ["rating"])))
        raise DataError(f"{files.ratings_name}: {_locate_bad_value(files, read)}.") from exc
    return _file_report(INTERACTIONS_FILE, "Interactions", schema, figures)


def _items_report(items: pl.DataFrame, schema: DatasetSchema, path: Path) -> FileReport:
    """Write the Items file to `path`; its report (its figures folded in like a batch)."""
    items.write_csv(path)
    fold = FiguresFold(schema, "Items")
    fold.add(items)
    return _file_report(ITEMS_FILE, "Items", schema, fold.figures())


def prepare(
    source: Path,
    out_dir: Path,
    min_rating: float | None = None,
    with_event_value: bool = False,
) -> PrepareResult:
    """Turn a MovieLens zip or directory into Personalize's CSVs, the titles and a report.

    Writes `interactions.csv`, `items.csv`, `titles.csv` and `validation-report.json` into
    `out_dir`, all together or none: on any broken rule it raises DataError and leaves
    `out_dir` as it was. An output directory the operating system refuses is one error naming it.
    """
    out_dir = Path(out_dir)
    inter_schema = load_schema("Interactions", with_event_value=with_event_value)
    items_schema = load_schema("Items")
    targets = [out_dir / n for n in (INTERACTIONS_FILE, ITEMS_FILE, TITLES_FILE, REPORT_FILE)]
    with refused_output(out_dir, "--out-dir"), open_movielens(Path(source), out_dir) as files:
        check_ratings_header(files)
        movies = parse_movies(files.movies, files.movies_name, items_schema)
        with atomic_paths(targets) as (inter_tmp, items_tmp, titles_tmp, report_tmp):
            interactions = _interactions_report(files, inter_schema, min_rating, inter_tmp)
            _raise_first_failure(files.ratings_name, interactions)
            items = _items_report(movies.items, items_schema, items_tmp)
            _raise_first_failure(files.movies_name, items)
            movies.titles.write_csv(titles_tmp)
            report = Report((interactions, items))
            report_tmp.write_text(report.text(), encoding="utf-8")
    return PrepareResult(
        targets[0], targets[1], targets[2], targets[3], report, min_rating, with_event_value
    )
