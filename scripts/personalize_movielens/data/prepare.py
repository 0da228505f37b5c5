"""MovieLens -> interactions.csv, items.csv, titles.csv and a validation report, all checked
before they appear.

ratings.csv is read once with its schema pinned, in batches (from a directory, polars'
streaming engine; from a zip, blocks parsed as they are inflated, zip_stream.py): each batch
becomes the Interactions columns, is appended to the interactions file and folded into the
file's figures, whose state grows with the distinct IDs, never with the rows.
Columns, order and types of every output come from the schema files. The rules are decided on
the figures by the rule table, as `data validate` decides them on a file. Outputs are written
under temporary names and renamed only when all are complete and every rule holds.

`--domain video-on-demand` writes the domain's schemas (domains.py: EVENT_TYPE from the
rating, CREATION_TIMESTAMP from the same pass, first_seen.py); `--hold-out N` sends the N
newest interactions to held-out-events.csv instead (hold_out.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TypeVar

import polars as pl

from ..atomic import atomic_paths
from ..errors import DataError
from ..results import JsonValue
from ..schemas import DOMAIN_SCHEMA_FILES, DatasetSchema, load_schema
from . import domains, rules
from .csv_writer import CsvWriterThread
from .figures import Figures
from .first_seen import FirstSeen
from .fold import FiguresFold
from .formats import MALFORMED, bad_ratings_line, first_bad_ratings_line
from .hold_out import HoldOut, find_cut
from .items import read_movies
from .layout import (
    HELD_OUT_EVENTS_FILE,
    INTERACTIONS_FILE,
    ITEMS_FILE,
    REPORT_FILE,
    TITLES_FILE,
    USERS_FILE,
)
from .movielens import MovieLensFiles, check_ratings_header, open_movielens, scan_ratings
from .releases import RELEASES
from .report import FileReport, Report
from .users import parse_users
from .writing import refused_output
from .zip_stream import ZipMember, member_csv_frames, verify_member

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
class PrepareSettings:
    """How the files are made from MovieLens: what `data prepare`'s options chose."""

    min_rating: float | None = None
    with_event_value: bool = False
    #: None: a custom dataset group's schemas; else the domain's (the API's name).
    domain: str | None = None
    #: Ratings at or above it are Watch events (a domain only; None there means the default).
    watch_threshold: float | None = None
    #: How many of the newest interactions go to the held-out file (0: none, no file).
    hold_out: int = 0

    def __post_init__(self) -> None:
        domains.check_options(
            self.domain, self.with_event_value, self.watch_threshold, self.hold_out
        )
        if self.domain is not None and self.watch_threshold is None:
            object.__setattr__(self, "watch_threshold", domains.DEFAULT_WATCH_THRESHOLD)

    def to_json(self) -> dict[str, JsonValue]:
        """The report's `settings` (`upload` and `import` read its `domain`)."""
        return {
            "min_rating": self.min_rating,
            "with_event_value": self.with_event_value,
            "domain": self.domain,
            "watch_threshold": self.watch_threshold,
            "hold_out": self.hold_out,
        }


@dataclass(frozen=True)
class PrepareResult:
    """The files written and the report on them (the content of validation-report.json)."""

    interactions: Path
    items: Path
    titles: Path
    report_file: Path
    report: Report
    settings: PrepareSettings = field(default_factory=PrepareSettings)
    #: The held-out events file, when interactions were held out.
    held_out: Path | None = None
    #: users.csv, when the release has demographics.
    users: Path | None = None
    #: What the caller should know though nothing failed (a release's users file missing).
    warnings: tuple[str, ...] = ()

    @property
    def reports(self) -> list[FileReport]:
        return list(self.report.files)

    def to_json(self) -> dict[str, JsonValue]:
        """The report as written, settings included."""
        return self.report.to_json()


#: Where each Interactions field comes from in ratings.csv.
INTERACTIONS_SOURCE: dict[str, pl.Expr] = {
    "USER_ID": pl.col("userId"),
    "ITEM_ID": pl.col("movieId"),
    "TIMESTAMP": pl.col("timestamp"),
    "EVENT_TYPE": pl.lit(EVENT_TYPE),
    "EVENT_VALUE": pl.col("rating"),
}


def watch_or_click(watch_threshold: float) -> pl.Expr:
    """A domain's EVENT_TYPE of a rating: Watch at or above the threshold, else Click."""
    watched = pl.col("rating") >= watch_threshold
    return pl.when(watched).then(pl.lit(domains.WATCH)).otherwise(pl.lit(domains.CLICK))


def _sources(schema: DatasetSchema, event_type: pl.Expr | None = None) -> dict[str, pl.Expr]:
    """Field -> its expression on ratings.csv; `event_type` replaces EVENT_TYPE's (a domain's)."""
    unknown = [f for f in schema.field_names if f not in INTERACTIONS_SOURCE]
    if unknown:
        raise DataError(f"The Interactions schema has fields MovieLens cannot fill: {unknown}.")
    chosen = INTERACTIONS_SOURCE | ({} if event_type is None else {"EVENT_TYPE": event_type})
    return {f: chosen[f] for f in schema.field_names}


def ratings_columns(schema: DatasetSchema, event_type: pl.Expr | None = None) -> list[str]:
    """The ratings.csv columns that the Interactions fields of `schema` are made of, in order.

    rating only when it is written (EVENT_VALUE): parsing 25M floats is about a third of the
    read, and a value Personalize never sees needs no check. --min-rating filters on it before
    this selection, so there it is still read.
    """
    sources = _sources(schema, event_type).values()
    used = {name for expr in sources for name in expr.meta.root_names()}
    return [c for c in RATINGS_SCHEMA if c in used]


def interactions_plan(
    ratings: Frame, schema: DatasetSchema, event_type: pl.Expr | None = None
) -> Frame:
    """ratings (the `ratings_columns` at least) -> the Interactions columns of `schema`.

    Works on a lazy plan or on one eager batch of it.

    Names, order and types come from the schema file. One exception, for speed: integer IDs
    bound for a `string` field are not cast, because a CSV holds the same text either way
    (`42` is `42`) and 50M string allocations would double the memory of the run.
    """
    integer_ids = {"USER_ID", "ITEM_ID"}
    sources = _sources(schema, event_type)
    columns = []
    for f in schema.fields:
        dtype = rules.polars_dtype(f)
        expr = sources[f.name]
        if not (f.name in integer_ids and dtype == pl.String()):
            expr = expr.cast(dtype)
        columns.append(expr.alias(f.name))
    return ratings.select(columns)


@dataclass
class PassExtras:
    """What the one pass does besides writing interactions.csv (each optional)."""

    event_type: pl.Expr | None = None
    #: Takes the held-out interactions out of the batches.
    hold_out: HoldOut | None = None
    #: Folds every interaction read (held out too): the items' CREATION_TIMESTAMP.
    first_seen: FirstSeen | None = None


def write_interactions(
    batches: Iterable[pl.DataFrame],
    schema: DatasetSchema,
    out: IO[bytes],
    extras: PassExtras | None = None,
) -> Figures:
    """The one pass over ratings.csv: append each batch of the read to `out`, fold in the figures.

    The figures are computed on the batches that are written, so writing cannot wait for them
    (a broken rule is found at the end and the temporary file is then discarded). Batches arrive
    in file order and are written in that order, so the output is the same as a
    sink's.
    """
    extras = extras or PassExtras()
    fold = FiguresFold(schema, "Interactions")
    written = 0
    with CsvWriterThread(out) as writer:
        for batch in batches:
            if MALFORMED in batch.columns:
                if batch[MALFORMED].any():
                    raise MalformedLine
                batch = batch.drop(MALFORMED)
            frame = interactions_plan(batch, schema, extras.event_type)
            if extras.first_seen is not None:
                extras.first_seen.add(frame)
            if extras.hold_out is not None:
                frame = extras.hold_out.split(frame)
            writer.put(frame)
            fold.add(frame)
            written += 1
        if written == 0:  # no rows at all: still a header, like a sink writes
            writer.put(empty_interactions(schema, extras.event_type))
    return fold.figures()


def read_ratings(
    files: MovieLensFiles,
    kept: pl.LazyFrame,
    schema: dict[str, pl.DataType],
    columns: list[str],
    keep: pl.Expr | None,
) -> Generator[pl.DataFrame, None, None]:
    """The one streaming read of `kept` (`scan_ratings(files, schema)` filtered by `keep`):
    its `columns`, in file order, in batches of about BATCH_ROWS.

    ratings.csv in a zip is parsed block by block as it is inflated, past the lazy frame: a
    polars IO source in between cost ~0.5 s of 2 at 25M ratings (bench/results.md).
    """
    if files.layout == "csv" and isinstance(files.ratings, ZipMember):
        yield from member_csv_frames(
            files.ratings, schema, has_header=True, columns=columns, predicate=keep
        )
        return
    yield from kept.select(columns).collect_batches(chunk_size=BATCH_ROWS, engine="streaming")


def empty_interactions(schema: DatasetSchema, event_type: pl.Expr | None) -> pl.DataFrame:
    """No interactions, with the columns and types of the written ones (for a header)."""
    return interactions_plan(pl.DataFrame(schema=RATINGS_SCHEMA), schema, event_type)


class MalformedLine(Exception):
    """A ratings line broke its format's field rule; the slow path names it."""


def _file_report(
    name: str, dataset_type: str, schema: DatasetSchema, figures: Figures, domain: str | None
) -> FileReport:
    checks = tuple(rules.evaluate(figures, schema, domain))
    return FileReport(name, dataset_type, figures, checks)


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
    files: MovieLensFiles,
    schema: DatasetSchema,
    settings: PrepareSettings,
    path: Path,
    extras: PassExtras,
) -> FileReport:
    """Write the Interactions file to `path` in the one streaming read; its report. With
    a hold-out, a streaming top-k over the timestamps finds the cut first."""
    # Three passes (figures, sink, distinct items) were 2.5x a bare sink; one cached scan
    # shared by a sink and a group-by buffered rows and grew with the input. Batches keep both
    # the time and the memory down (bench/results.md); the price is that a broken rule is
    # found after the write.
    columns = ratings_columns(schema, extras.event_type)
    unread = settings.min_rating is None and "rating" not in columns
    # polars checks a line's field count only when every column is read: an unused rating is
    # read as text (not parsed: ~7% of the read at 5M rows) so a line with a fifth field fails
    scan_schema = RATINGS_SCHEMA | ({"rating": pl.String()} if unread else {})
    ratings = scan_ratings(files, scan_schema)
    checked = MALFORMED in ratings.collect_schema()
    keep = None
    if settings.min_rating is not None:
        keep = pl.col("rating") >= settings.min_rating
        keep = keep | pl.col(MALFORMED) if checked else keep
    read = columns + (["rating"] if unread and files.layout == "csv" else [])
    columns = read + ([MALFORMED] if checked else [])
    kept = ratings if keep is None else ratings.filter(keep)
    try:
        if settings.hold_out:
            extras.hold_out = HoldOut(find_cut(kept, settings.hold_out, files.ratings_name))
        batches = read_ratings(files, kept, scan_schema, columns, keep)
        with path.open("wb") as out, contextlib.closing(batches):  # a failed pass stops the read
            figures = write_interactions(batches, schema, out, extras)
    except (pl.exceptions.PolarsError, MalformedLine) as exc:
        # A pass that failed stopped before the member's CRC (a whole pass checks it; so does
        # member_bytes for movies and users): garbage from a corrupt zip is not a bad line.
        if isinstance(files.ratings, ZipMember):
            verify_member(files.ratings)
        parsed = [c for c in read if not (unread and c == "rating")] + (
            [] if settings.min_rating is None else ["rating"]
        )
        checked_columns = parsed if files.layout == "csv" else list(RATINGS_SCHEMA)
        line = bad_ratings_line(files.ratings, files.ratings_name, files.layout, checked_columns)
        raise DataError(line + ".") from exc
    report = _file_report(INTERACTIONS_FILE, "Interactions", schema, figures, settings.domain)
    if files.layout == "csv" and any(c.rule == "required" and not c.passed for c in report.checks):
        # polars reads a short line's missing fields as empty: tell one apart, by its line
        short = first_bad_ratings_line(files.ratings, files.ratings_name, "csv", counts_only=True)
        if short is not None:
            raise DataError(short + ".")
    return report


def _items_report(
    items: pl.DataFrame, schema: DatasetSchema, path: Path, domain: str | None
) -> FileReport:
    """Write the Items file to `path`; its report (its figures folded in like a batch)."""
    items.write_csv(path)
    fold = FiguresFold(schema, "Items")
    fold.add(items)
    return _file_report(ITEMS_FILE, "Items", schema, fold.figures(), domain)


def _users_schema(domain: str | None) -> DatasetSchema:
    """The domain's Users schema where it has one, else the custom one."""
    has_own = "Users" in DOMAIN_SCHEMA_FILES.get(domain or "", {})
    return load_schema("Users", domain=domain if has_own else None)


def _check_users_wanted(files: MovieLensFiles, source: Path) -> None:
    """--users on a release without demographics is an error naming those with them; on one
    whose users file is absent, an error naming that file."""
    if files.missing_users is not None:
        raise DataError(
            f"{source}: --users: {files.missing_users} is missing (release {files.release}'s "
            "user demographics)."
        )
    if files.users is None:
        with_users = ", ".join(r.name for r in RELEASES.values() if r.has_users)
        what = f"release {files.release}" if files.release else f"this {files.layout} layout"
        raise DataError(
            f"{source}: --users: {what} has no user demographics (only {with_users} have them)."
        )


def _users_report(
    users: pl.DataFrame, schema: DatasetSchema, path: Path, domain: str | None
) -> FileReport:
    """Write the Users file to `path`; its report."""
    users.write_csv(path)
    fold = FiguresFold(schema, "Users")
    fold.add(users)
    return _file_report(USERS_FILE, "Users", schema, fold.figures(), domain)


def prepare(
    source: Path,
    out_dir: Path,
    min_rating: float | None = None,
    with_event_value: bool = False,
    *,
    domain: str | None = None,
    watch_threshold: float | None = None,
    hold_out: int = 0,
    users: bool = False,
) -> PrepareResult:
    """Turn a MovieLens zip or directory into Personalize's CSVs, the titles and a report.

    Writes `interactions.csv`, `items.csv`, `titles.csv` and `validation-report.json` into
    `out_dir` (and `held-out-events.csv` with `hold_out`), all together or none: on any broken
    rule it raises DataError and leaves `out_dir` as it was. Without `hold_out`, a held-out file
    of an earlier run is removed: it would replay events interactions.csv now holds. An output
    directory the operating system refuses is one error naming it.

    The layout (csv, dat, ml100k) and release are recognised from the file names. A release
    with demographics (1m, 100k) also gets `users.csv`; `users` requires it (an error on a
    release without). Without one, a users file of an earlier run is removed.
    """
    settings = PrepareSettings(min_rating, with_event_value, domain, watch_threshold, hold_out)
    out_dir = Path(out_dir)
    inter_schema = load_schema("Interactions", with_event_value=with_event_value, domain=domain)
    items_schema = load_schema("Items", domain=domain)
    extras = PassExtras()
    if settings.watch_threshold is not None:
        extras.event_type = watch_or_click(settings.watch_threshold)
    if items_schema.has("CREATION_TIMESTAMP"):
        extras.first_seen = FirstSeen()
    names = [INTERACTIONS_FILE, ITEMS_FILE, TITLES_FILE, REPORT_FILE]
    with refused_output(out_dir, "--out-dir"), open_movielens(Path(source)) as files:
        if users:
            _check_users_wanted(files, Path(source))
        warnings = (
            (f"{files.missing_users} is missing: no {USERS_FILE} for release {files.release}.",)
            if files.missing_users
            else ()
        )
        check_ratings_header(files)
        declared = files.release is not None
        movies = read_movies(
            files.movies,
            files.movies_name,
            files.layout,
            files.encoding,
            items_schema,
            declared=declared,
        )
        users_schema = users_frame = None
        if files.users is not None and files.users_name is not None:
            users_schema = _users_schema(domain)
            users_frame = parse_users(
                files.users,
                files.users_name,
                files.layout,
                files.encoding,
                users_schema,
                declared=declared,
            )
        extra_names = ([HELD_OUT_EVENTS_FILE] if hold_out else []) + (
            [USERS_FILE] if users_frame is not None else []
        )
        targets = [out_dir / n for n in names + extra_names]
        with atomic_paths(targets, own_folders=True) as (
            inter_tmp,
            items_tmp,
            titles_tmp,
            report_tmp,
            *more_tmp,
        ):
            held_tmp = more_tmp[:1] if hold_out else []
            interactions = _interactions_report(files, inter_schema, settings, inter_tmp, extras)
            _raise_first_failure(files.ratings_name, interactions)
            items_frame = movies.items
            if extras.first_seen is not None:
                items_frame = extras.first_seen.with_creation_timestamps(items_frame, items_schema)
            items = _items_report(items_frame, items_schema, items_tmp, domain)
            _raise_first_failure(files.movies_name, items)
            movies.titles.write_csv(titles_tmp)
            reports = [interactions, items]
            if users_frame is not None and users_schema is not None:
                users_report = _users_report(users_frame, users_schema, more_tmp[-1], domain)
                _raise_first_failure(files.users_name or "", users_report)
                reports.append(users_report)
            held = None
            if extras.hold_out is not None:
                empty = empty_interactions(inter_schema, extras.event_type)
                held = extras.hold_out.write(held_tmp[0], empty)
            recognised: dict[str, JsonValue] = {"release": files.release, "layout": files.layout}
            report = Report(tuple(reports), settings.to_json() | recognised, held)
            report_tmp.write_text(report.text(), encoding="utf-8")
        if not hold_out:
            (out_dir / HELD_OUT_EVENTS_FILE).unlink(missing_ok=True)
        if users_frame is None:
            (out_dir / USERS_FILE).unlink(missing_ok=True)
    inter_path, items_path, titles_path, report_path = targets[:4]
    held_path = out_dir / HELD_OUT_EVENTS_FILE if hold_out else None
    users_path = out_dir / USERS_FILE if users_frame is not None else None
    return PrepareResult(
        inter_path,
        items_path,
        titles_path,
        report_path,
        report,
        settings,
        held_path,
        users_path,
        warnings,
    )
