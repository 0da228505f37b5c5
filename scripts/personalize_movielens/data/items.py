"""The movies file -> the Items dataset (ITEM_ID, GENRES categorical, YEAR from the title) and
the titles (ITEM_ID, TITLE, GENRES as MovieLens gives them) that recommendations are shown with.
movies.csv is parsed here; movies.dat and u.item in formats.py, into the same rows.

movies.csv is small (62k rows in ML-25M) but the hardest file to parse: titles are quoted when
they hold commas or quotes, carry non-ASCII text, may lack a year, may end with a space or a
year range ("(2007-)"). Python's csv module in strict mode reads it with exact line numbers
for errors, in a fraction of a second.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import polars as pl

from ..errors import DataError
from ..schemas import DatasetSchema
from . import formats, rules
from .domains import GENRES_WHEN_NONE
from .formats import MovieRow
from .layout import TITLES_COLUMNS
from .movielens import MOVIES_COLUMNS, parse_genres
from .releases import Layout

#: A year at the end of a title: "(1995)", "(2007-)", "(2007-2013)", with trailing spaces.
_YEAR = re.compile(r"\((\d{4})(?:\s*[-\u2013]\s*(?:\d{4})?)?\)\s*$")
#: Years accepted as release years (film began in the 1870s).
_YEAR_RANGE = range(1870, 2101)
#: Items fields that movies.csv cannot fill and the ratings do, after it (first_seen.py): they
#: are left out of `Movies.items`.
FROM_RATINGS = frozenset({"CREATION_TIMESTAMP"})


def parse_year(title: str) -> int | None:
    """The release year at the end of a title, or None; a range gives its first year."""
    match = _YEAR.search(title)
    if not match:
        return None
    year = int(match.group(1))
    return year if year in _YEAR_RANGE else None


@dataclass(frozen=True)
class Movies:
    """movies.csv, parsed once: the Items dataset and the titles, one row per movie in both."""

    items: pl.DataFrame
    titles: pl.DataFrame


def parse_movies(movies_csv: bytes, source: str, schema: DatasetSchema) -> Movies:
    """Parse movies.csv: the Items rows, columns and types from `schema`, and the titles.

    A schema whose GENRES may not be null (a domain's) gets GENRES_WHEN_NONE for a movie without
    genres. Fields in FROM_RATINGS are left out. Raises DataError naming the line for a broken
    quote, a wrong field count or a non-numeric movieId. Personalize's rules (a genre's length,
    ...) are checked on the Items rows, as on any file: see rules.py.
    """
    return build_movies(_movies_csv_rows(movies_csv, source), schema)


def read_movies(
    data: bytes,
    source: str,
    layout: Layout,
    encoding: str,
    schema: DatasetSchema,
    *,
    declared: bool = True,
) -> Movies:
    """The movies file of any layout (movies.csv, movies.dat, u.item) as Items and titles
    (`declared`: as formats.decode)."""
    if layout == "csv":
        return parse_movies(data, source, schema)
    text = formats.decode(data, source, encoding, declared=declared)
    rows = (
        formats.movies_dat(text, source) if layout == "dat" else formats.movies_uitem(text, source)
    )
    return build_movies(rows, schema)


def _movies_csv_rows(movies_csv: bytes, source: str) -> list[MovieRow]:
    """movies.csv's rows, read by the csv module in strict mode (exact line numbers)."""
    try:
        text = movies_csv.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = movies_csv.count(b"\n", 0, exc.start) + 1
        raise DataError(f"{source}: line {line} is not valid UTF-8.") from exc
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[MovieRow] = []
    try:
        header = next(reader, None)
        if header is None:
            raise DataError(f"{source}: the file is empty (no header, no movies).")
        if [h.lstrip("\ufeff") for h in header] != list(MOVIES_COLUMNS):
            raise DataError(
                f"{source}: header is {','.join(header)!r}, expected {','.join(MOVIES_COLUMNS)!r}."
            )
        for record in reader:
            line = reader.line_num
            if len(record) != len(MOVIES_COLUMNS):
                raise DataError(
                    f"{source}: line {line} has {len(record)} fields, expected "
                    f"{len(MOVIES_COLUMNS)} (a broken quote or an unquoted comma)."
                )
            movie_id, title, genre = record
            if "\n" in title or "\r" in title:
                raise DataError(
                    f"{source}: broken quote: the title that ends on line {line} spans lines."
                )
            digits = movie_id.strip()
            if not (digits.isascii() and digits.isdigit()):  # "1²" and "٣" pass isdigit alone
                raise DataError(
                    f"{source}: line {line}: movieId {movie_id[:40]!r} is not a number."
                )
            rows.append(MovieRow(str(int(movie_id)), title, parse_genres(genre), genre))
    except csv.Error as exc:
        raise DataError(f"{source}: line {reader.line_num}: broken quote ({exc}).") from exc
    return rows


def build_movies(rows: list[MovieRow], schema: DatasetSchema) -> Movies:
    """Items (columns and types from `schema`) and titles from the movies of any format.

    YEAR is the title's "(YYYY)", else the format's own hint (u.item's release date).
    """
    ids = [r.movie_id for r in rows]
    genres: list[str | None] = [r.genres for r in rows]
    years = [y if (y := parse_year(r.title)) is not None else r.year_hint for r in rows]
    if schema.has("GENRES") and not schema.field("GENRES").nullable:
        genres = [GENRES_WHEN_NONE if g is None else g for g in genres]
    columns = {"ITEM_ID": ids, "GENRES": genres, "YEAR": years}
    missing = [f for f in schema.field_names if f not in columns and f not in FROM_RATINGS]
    if missing:
        raise DataError(f"The Items schema has fields this tool cannot fill: {', '.join(missing)}.")
    dtypes = {n: t for n, t in rules.polars_schema(schema).items() if n in columns}
    items = pl.DataFrame({name: columns[name] for name in dtypes}, schema=dtypes)
    titles_frame = pl.DataFrame(
        dict(
            zip(
                TITLES_COLUMNS,
                (ids, [r.title for r in rows], [r.shown_genres for r in rows]),
                strict=True,
            )
        ),
        schema=dict.fromkeys(TITLES_COLUMNS, pl.String),
    )
    return Movies(items, titles_frame)
