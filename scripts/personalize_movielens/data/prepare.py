"""MovieLens -> interactions.csv, items.csv and a validation report, checked before they appear.

ratings.csv is scanned lazily with its schema pinned and read once, on the streaming engine, in
batches: each batch is appended to the interactions file and folded into the figures the rules
need (rows, users, items, time span, users with two or more interactions, empty values), whose
state grows with the distinct IDs, never with the rows. Columns, order and types of every output
come from the schema files. Outputs are written under temporary names and renamed only when all
are complete and every rule holds.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

import numpy as np
import polars as pl

from ..atomic import atomic_paths
from ..errors import DataError
from ..schemas import DatasetSchema, load_schema
from . import rules
from .items import items_frame
from .movielens import MovieLensFiles, check_ratings_header, open_movielens
from .report import FileReport, RuleCheck, iso_time, reports_json

INTERACTIONS_FILE = "interactions.csv"
ITEMS_FILE = "items.csv"
REPORT_FILE = "validation-report.json"
#: EVENT_TYPE of every MovieLens interaction in the event-value variant: each one is a rating.
EVENT_TYPE = "rating"
#: ratings.csv as GroupLens writes it: the types are pinned, never inferred on 25M rows.
RATINGS_SCHEMA: dict[str, pl.DataType] = {
    "userId": pl.Int64(),
    "movieId": pl.Int64(),
    "rating": pl.Float64(),
    "timestamp": pl.Int64(),
}


#: IDs in [0, DENSE_ID_LIMIT) are counted in one array indexed by ID (np.bincount: 8 bytes per
#: ID up to the largest, 1.3 MB for MovieLens' 162k users); others in a hashed polars frame.
DENSE_ID_LIMIT = 1 << 22
#: Hashed per-batch counts are merged into one frame every this many batches.
MERGE_EVERY = 32
#: Rows per ratings batch: few enough Python round trips that writing each batch's CSV runs near
#: a native sink's speed (324 default-sized batches were ~45% slower at 25M), and ~32 MB each.
BATCH_ROWS = 1_000_000
#: Batches waiting for the writer thread: enough to keep it busy, few enough to bound memory.
WRITE_QUEUE = 2

Frame = TypeVar("Frame", pl.DataFrame, pl.LazyFrame)


@dataclass
class PrepareResult:
    """The files written and what was checked in them."""

    interactions: Path
    items: Path
    report_file: Path
    reports: list[FileReport]


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


class IdCounts:
    """How often each integer ID occurs, added batch by batch: memory follows the distinct IDs.

    Non-negative IDs below DENSE_ID_LIMIT (all of MovieLens') go to an array indexed by ID;
    the rest to per-batch group-bys merged every MERGE_EVERY batches. The two never share an ID.
    Nulls are not counted (the id-length rule reports them).
    """

    def __init__(self) -> None:
        self.dense = np.zeros(0, dtype=np.int64)
        self.sparse: list[pl.DataFrame] = []

    def add(self, ids: pl.Series) -> None:
        ids = ids.drop_nulls()
        if ids.is_empty():
            return
        if not (ids.min() >= 0 and ids.max() < DENSE_ID_LIMIT):  # type: ignore[operator]
            in_range = (ids >= 0) & (ids < DENSE_ID_LIMIT)
            self._add_sparse(ids.filter(~in_range))
            ids = ids.filter(in_range)
        if ids.is_empty():
            return
        counts = np.bincount(ids.to_numpy(), minlength=len(self.dense))
        counts[: len(self.dense)] += self.dense
        self.dense = counts

    def _add_sparse(self, ids: pl.Series) -> None:
        self.sparse.append(ids.rename("id").value_counts(name="n"))
        if len(self.sparse) >= MERGE_EVERY:
            self.sparse = [self._merged()]

    def _merged(self) -> pl.DataFrame:
        if not self.sparse:
            return pl.DataFrame({"id": [], "n": []}, schema={"id": pl.Int64, "n": pl.UInt32})
        return pl.concat(self.sparse).group_by("id").agg(pl.col("n").sum())

    def distinct(self) -> int:
        return int(np.count_nonzero(self.dense)) + self._merged().height

    def at_least(self, n: int) -> int:
        """How many IDs occur n times or more."""
        sparse = self._merged()
        return int((self.dense >= n).sum()) + int((sparse["n"] >= n).sum())


class RatingsFigures:
    """The figures the rules and the report need, folded in one ratings batch at a time."""

    def __init__(self) -> None:
        self.rows = 0
        self.users = IdCounts()
        self.items = IdCounts()
        #: Empty values per column read (rating only when it is used: see `ratings_columns`).
        self.nulls: dict[str, int] = {}
        self.first_timestamp: int | None = None
        self.last_timestamp: int | None = None

    def add(self, batch: pl.DataFrame) -> None:
        self.rows += batch.height
        self.users.add(batch.get_column("userId"))
        self.items.add(batch.get_column("movieId"))
        for column, count in batch.null_count().row(0, named=True).items():
            self.nulls[column] = self.nulls.get(column, 0) + count
        timestamps = batch.get_column("timestamp").drop_nulls()
        if timestamps.is_empty():
            return
        first, last = int(timestamps.min()), int(timestamps.max())  # type: ignore[arg-type]
        if self.first_timestamp is None or self.last_timestamp is None:
            self.first_timestamp, self.last_timestamp = first, last
        else:
            self.first_timestamp = min(self.first_timestamp, first)
            self.last_timestamp = max(self.last_timestamp, last)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "users": self.users.distinct(),
            "items": self.items.distinct(),
            "users_with_two": self.users.at_least(2),
            "first_timestamp": self.first_timestamp,
            "last_timestamp": self.last_timestamp,
            **{f"null_{c}": n for c, n in self.nulls.items()},
        }


class CsvWriterThread:
    """Appends frames to one CSV file, in order, on a thread of its own (header once).

    Serialising and writing a batch (polars releases the GIL while it does) then overlaps with
    folding the figures and reading the next batch on the caller's thread. The queue holds at
    most WRITE_QUEUE frames, so memory stays bounded. A failed write is raised to the caller at
    its next `put` or on leaving the `with` block; later frames are then dropped, not written,
    as are those still queued when the caller's block fails.
    """

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out
        self._queue: queue.Queue[pl.DataFrame | None] = queue.Queue(maxsize=WRITE_QUEUE)
        self._error: BaseException | None = None
        #: Set when the caller failed: what is still queued would only be thrown away.
        self._abandoned = threading.Event()
        self._header = True
        self._thread = threading.Thread(target=self._run, name="csv-writer", daemon=True)

    def __enter__(self) -> CsvWriterThread:
        self._thread.start()
        return self

    def put(self, frame: pl.DataFrame) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(frame)

    def _run(self) -> None:
        while (frame := self._queue.get()) is not None:
            if self._error is not None or self._abandoned.is_set():
                continue  # keep draining, so that `put` never blocks on a dead writer
            try:
                frame.write_csv(self._out, include_header=self._header)
            except BaseException as exc:  # handed to the caller's thread
                self._error = exc
            self._header = False

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            self._abandoned.set()
        self._queue.put(None)
        self._thread.join()
        if exc_type is None and self._error is not None:
            raise self._error


def write_interactions(
    ratings: pl.LazyFrame, schema: DatasetSchema, out: IO[bytes]
) -> dict[str, Any]:
    """The one pass over ratings.csv: stream batches, append each to `out`, fold in the figures.

    The figures are computed on the batches that are written, so writing cannot wait for them
    (a broken rule is found at the end and the temporary file is then discarded). Batches arrive
    in file order (maintain_order) and are written in that order, so the output is the same as a
    sink's.
    """
    figures = RatingsFigures()
    batches = 0
    with CsvWriterThread(out) as writer:
        for batch in ratings.collect_batches(chunk_size=BATCH_ROWS, engine="streaming"):
            writer.put(interactions_plan(batch, schema))
            figures.add(batch)
            batches += 1
        if batches == 0:  # no rows at all: still a header, like a sink writes
            empty = pl.DataFrame(schema=ratings.collect_schema())
            writer.put(interactions_plan(empty, schema))
    return figures.as_dict()


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
        return f"cannot be parsed as CSV ({_first_line(exc)})"
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


def _first_line(exc: Exception) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


#: What the `required` rule says of rating, by how the run used it.
RATING_USE = {
    "written": "empty rating: {n:,}",
    "filter": "rating read only for --min-rating (a row with an empty rating is left out)",
    "unused": "rating not written, so not read",
}


def _rating_use(columns: list[str], min_rating: float | None) -> str:
    """How a run uses rating, given the `ratings_columns` it writes from."""
    if "rating" in columns:
        return "written"
    return "unused" if min_rating is None else "filter"


def _interaction_checks(figures: dict[str, Any], header: str, rating_use: str) -> list[RuleCheck]:
    rows, two = figures["rows"], figures["users_with_two"]
    nulls = {c: figures.get(f"null_{c}", 0) for c in RATINGS_SCHEMA}
    required = f"empty timestamp: {nulls['timestamp']:,}; " + RATING_USE[rating_use].format(
        n=nulls["rating"]
    )
    last = figures["last_timestamp"]
    return [
        RuleCheck("header", True, f"{header} from the schema file"),
        RuleCheck(
            "id-length",
            nulls["userId"] == 0 and nulls["movieId"] == 0,
            f"empty userId: {nulls['userId']:,}, empty movieId: {nulls['movieId']:,}",
        ),
        RuleCheck(
            "required",
            nulls["timestamp"] == 0 and nulls["rating"] == 0,
            required,
        ),
        RuleCheck(
            "timestamp-seconds",
            last is None or not rules.looks_like_milliseconds(last),
            f"largest TIMESTAMP {last}",
        ),
        RuleCheck("min-interactions", rows >= rules.MIN_INTERACTIONS, f"{rows:,} interactions"),
        RuleCheck("min-users-with-two", two >= rules.MIN_USERS_WITH_TWO, f"{two:,} users"),
    ]


def _raise_first_failure(name: str, checks: list[RuleCheck], figures: dict[str, Any]) -> None:
    for check in checks:
        if check.passed:
            continue
        if check.rule == "timestamp-seconds":
            raise DataError(
                f"{name}: timestamp {figures['last_timestamp']} is in milliseconds, not epoch "
                f"seconds (rule {check.rule}); Personalize would read it as a date far in the "
                "future.",
                hint="convert timestamps to seconds (divide by 1000).",
            )
        if check.rule == "min-interactions":
            raise DataError(
                f"{name}: only {figures['rows']:,} interactions; Personalize needs at least "
                f"{rules.MIN_INTERACTIONS:,} (rule {check.rule}).",
                hint="lower --min-rating or use more data.",
            )
        if check.rule == "min-users-with-two":
            raise DataError(
                f"{name}: {check.detail} with two or more interactions; Personalize needs at "
                f"least {rules.MIN_USERS_WITH_TWO} (rule {check.rule}).",
                hint="lower --min-rating or use more data.",
            )
        raise DataError(f"{name}: rule {check.rule} failed: {check.detail}.")


def prepare(
    source: Path,
    out_dir: Path,
    min_rating: float | None = None,
    with_event_value: bool = False,
) -> PrepareResult:
    """Turn a MovieLens zip or directory into Personalize's CSVs and a validation report.

    Writes `interactions.csv`, `items.csv` and `validation-report.json` into `out_dir`, all
    together or none: on any broken rule it raises DataError and leaves `out_dir` as it was.
    """
    out_dir = Path(out_dir)
    inter_schema = load_schema("Interactions", with_event_value=with_event_value)
    items_schema = load_schema("Items")
    targets = [out_dir / INTERACTIONS_FILE, out_dir / ITEMS_FILE, out_dir / REPORT_FILE]
    with open_movielens(Path(source), out_dir) as files:
        check_ratings_header(files)
        items = items_frame(files.movies, files.movies_name, items_schema)
        with atomic_paths(targets) as (inter_tmp, items_tmp, report_tmp):
            # One streaming read of ratings.csv. Three passes (figures, sink, distinct items)
            # were 2.5x a bare sink; one cached scan shared by a sink and a group-by buffered
            # rows and grew with the input. Batches keep both the time and the memory down
            # (bench/results.md); the price is that a broken rule is found after the write.
            ratings = _scan_ratings(files.ratings)
            if min_rating is not None:
                ratings = ratings.filter(pl.col("rating") >= min_rating)
            columns = ratings_columns(inter_schema)
            ratings = ratings.select(columns)
            rating_use = _rating_use(columns, min_rating)
            read = columns + (["rating"] if rating_use == "filter" else [])
            try:
                with inter_tmp.open("wb") as out:
                    figures = write_interactions(ratings, inter_schema, out)
            except pl.exceptions.PolarsError as exc:
                bad = _locate_bad_value(files, read)
                raise DataError(f"{files.ratings_name}: {bad}.") from exc
            checks = _interaction_checks(figures, ",".join(inter_schema.field_names), rating_use)
            _raise_first_failure(files.ratings_name, checks, figures)
            items.write_csv(items_tmp)
            reports = [
                FileReport(
                    INTERACTIONS_FILE,
                    "Interactions",
                    {
                        "rows": figures["rows"],
                        "users": figures["users"],
                        "items": figures["items"],
                        "first_timestamp": figures["first_timestamp"],
                        "last_timestamp": figures["last_timestamp"],
                        "time_span": f"{iso_time(figures['first_timestamp'])} .. "
                        f"{iso_time(figures['last_timestamp'])}",
                        "users_with_2plus_interactions": figures["users_with_two"],
                        "min_rating": min_rating,
                        "columns": ",".join(inter_schema.field_names),
                    },
                    checks,
                ),
                _items_report(items, items_schema),
            ]
            report_tmp.write_text(reports_json(reports), encoding="utf-8")
    return PrepareResult(targets[0], targets[1], targets[2], reports)


def _items_report(items: pl.DataFrame, schema: DatasetSchema) -> FileReport:
    figures = items.select(
        pl.len().alias("rows"),
        pl.col("ITEM_ID").n_unique().alias("unique_items"),
        pl.col("GENRES").is_null().sum().alias("without_genres"),
        pl.col("YEAR").is_null().sum().alias("without_year"),
    ).row(0, named=True)
    longest_id = items["ITEM_ID"].str.len_chars().max() or 0
    checks = [
        RuleCheck("header", True, ",".join(schema.field_names) + " from the schema file"),
        RuleCheck("id-length", longest_id <= rules.MAX_ID_CHARS, f"longest ITEM_ID {longest_id}"),
        RuleCheck("categorical-length", True, "checked while parsing movies.csv"),
    ]
    return FileReport(
        ITEMS_FILE, "Items", figures | {"columns": ",".join(schema.field_names)}, checks
    )
