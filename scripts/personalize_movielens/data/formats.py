"""The MovieLens file formats other than CSV, read exactly as each release's README describes
them: `::`-separated .dat files without a header (1m, 10m) and ML-100K's tab-separated u.data
and `|`-separated u.item with 19 genre flags. Also how any of their text is decoded.

Ratings are scanned by polars, one whole line per value, split on the separator in the plan: a
column split on a one-byte separator (":") would silently drop a line's extra fields, so every
line's field count is checked in the stream instead (`MALFORMED`), and an offending line is
then found and named by `bad_ratings_line`. On 10M lines: 1.5 s against 1.1 s for the ":" split
that misses extra fields (bench notes in the commit).
"""

from __future__ import annotations

import contextlib
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import polars as pl

from ..errors import DataError
from .movielens import NO_GENRES, parse_genres
from .zip_stream import ZipMember, scan_member_csv

#: Each layout's ratings separator and field order (README: "UserID::MovieID::Rating::Timestamp";
#: ML-100K: "a tab separated list of user id | item id | rating | timestamp").
RATINGS_SEPARATOR = {"dat": "::", "ml100k": "\t"}
RATINGS_FIELDS = ("userId", "movieId", "rating", "timestamp")
_RATINGS_TYPES: dict[str, pl.DataType] = {
    "userId": pl.Int64(),
    "movieId": pl.Int64(),
    "rating": pl.Float64(),
    "timestamp": pl.Int64(),
}
#: The column of a ratings scan that is true on a line breaking its format.
MALFORMED = "_malformed"
#: A byte that never occurs in a ratings line: polars reads each line as one value.
_WHOLE_LINE = "\x1f"

#: ML-100K's README, u.item: "unknown | Action | Adventure | ... | Western |  The last 19 fields
#: are the genres, a 1 indicates the movie is of that genre" (the order of u.genre).
ML100K_GENRES = (
    "unknown",
    "Action",
    "Adventure",
    "Animation",
    "Children's",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Film-Noir",
    "Horror",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
)
#: u.item: movie id | movie title | release date | video release date | IMDb URL | 19 flags.
_UITEM_FIXED = 5
#: u.item's release date, e.g. 01-Jan-1995: its year is YEAR when the title has none.
_RELEASE_DATE = re.compile(r"^\d{1,2}-[A-Za-z]{3}-(\d{4})$")
#: Characters a Latin-1 text file never holds: control codes other than tab and line ends
#: (0x80-0x9f decode from Latin-1 into C1 controls: the bytes of another encoding, cp1252's
#: quotes for one).
_NOT_LATIN1_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def decode(data: bytes, source: str, encoding: str, *, declared: bool = True) -> str:
    """A text file's bytes in the release's declared encoding (`declared` False: the release
    was not recognised and `encoding` is the layout's usual one); DataError naming the line of
    the first byte that is not text in that encoding.

    A Latin-1 release's file is read as UTF-8 when it is valid UTF-8: a copy re-saved as UTF-8
    is common, and Latin-1 text with accents is practically never valid UTF-8.
    """
    if encoding.replace("_", "-").lower() in ("latin-1", "latin1", "iso-8859-1"):
        try:
            text = data.decode("utf-8").removeprefix("\ufeff")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        bad = _NOT_LATIN1_TEXT.search(text)  # in either: a NUL is no text
        if bad:
            line = text.count("\n", 0, bad.start()) + 1
            raise DataError(
                f"{source}: line {line}: 0x{ord(bad.group()):02x} is a control code, not text, "
                "in Latin-1 (the encoding this release's README declares) and in UTF-8."
            )
        return text
    try:
        return data.decode(encoding).removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        why = (
            "the encoding this release declares"
            if declared
            else f"release not recognised; decoded as {encoding.upper()}"
        )
        raise DataError(f"{source}: line {line} is not valid {encoding.upper()} ({why}).") from exc


def _lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line) of every non-empty line, line ends removed."""
    for number, line in enumerate(text.split("\n"), 1):
        line = line.removesuffix("\r")
        if line:
            yield number, line


@dataclass(frozen=True)
class MovieRow:
    """One movie, whatever the format: what items.py builds Items and titles from."""

    movie_id: str
    title: str
    #: Personalize's GENRES: `|`-separated, None for none.
    genres: str | None
    #: The genres as shown with recommendations (MovieLens's words, NO_GENRES for none).
    shown_genres: str
    #: The year from the format's other fields, used when the title has none.
    year_hint: int | None = None


def _movie_id(value: str, source: str, line: int) -> str:
    digits = value.strip()
    if not (digits.isascii() and digits.isdigit()):
        raise DataError(f"{source}: line {line}: movie id {value[:40]!r} is not a number.")
    return str(int(digits))


def split_fields(line: str, sep: str, count: int, source: str, number: int, form: str) -> list[str]:
    """`line` split exactly on `sep`; DataError naming the line and the format if the number of
    fields is not `count`."""
    fields = line.split(sep)
    if len(fields) != count:
        raise DataError(
            f"{source}: line {number} has {len(fields)} fields, expected {count} separated by "
            f"{sep!r} ({form})."
        )
    return fields


def movies_dat(text: str, source: str) -> list[MovieRow]:
    """movies.dat (README: "MovieID::Title::Genres"): split exactly on `::`, titles keep their
    commas and quotes."""
    rows = []
    for number, line in _lines(text):
        movie_id, title, genres = split_fields(
            line, "::", 3, source, number, "MovieID::Title::Genres"
        )
        movie = _movie_id(movie_id, source, number)
        rows.append(MovieRow(movie, title, parse_genres(genres), genres))
    return rows


def movies_uitem(text: str, source: str) -> list[MovieRow]:
    """u.item: the 19 genre flags become the genres' names in u.genre's order ("unknown" is no
    genre: a movie flagged only unknown, or nothing, has none, as MovieLens's NO_GENRES); the
    release date's year is the hint for a title without one."""
    count = _UITEM_FIXED + len(ML100K_GENRES)
    form = "movie id|title|release date|video release date|IMDb URL|19 genre flags"
    rows = []
    for number, line in _lines(text):
        fields = split_fields(line, "|", count, source, number, form)
        flags = fields[_UITEM_FIXED:]
        for name, flag in zip(ML100K_GENRES, flags, strict=True):
            if flag not in ("0", "1"):
                raise DataError(
                    f"{source}: line {number}: genre flag {name} is {flag[:20]!r}, expected 0 or 1."
                )
        names = [
            n for n, f in zip(ML100K_GENRES, flags, strict=True) if f == "1" and n != "unknown"
        ]
        genres = "|".join(names) or None
        date = _RELEASE_DATE.match(fields[2].strip())
        rows.append(
            MovieRow(
                _movie_id(fields[0], source, number),
                fields[1],
                genres,
                genres or NO_GENRES,
                int(date.group(1)) if date else None,
            )
        )
    return rows


def scan_ratings(source: Path | ZipMember, layout: str) -> pl.LazyFrame:
    """ratings.dat or u.data (a file, or a zip's member streamed) as the ratings columns
    (RATINGS_FIELDS), plus MALFORMED: true on a line without exactly four fields or with a
    value that is not a number."""
    sep = RATINGS_SEPARATOR[layout]
    line_schema: dict[str, pl.DataType] = {"line": pl.String()}
    if isinstance(source, ZipMember):
        lines = scan_member_csv(
            source, line_schema, has_header=False, separator=_WHOLE_LINE, quote_char=None
        )
    else:
        lines = pl.scan_csv(
            source, schema=line_schema, has_header=False, separator=_WHOLE_LINE, quote_char=None
        )
    parts = pl.col("line").str.split_exact(sep, len(RATINGS_FIELDS))
    typed = [
        parts.struct.field(f"field_{i}").cast(dtype, strict=False).alias(name)
        for i, (name, dtype) in enumerate(_RATINGS_TYPES.items())
    ]
    extra = parts.struct.field(f"field_{len(RATINGS_FIELDS)}")
    malformed = pl.any_horizontal(
        pl.col("_extra").is_not_null(), *(pl.col(n).is_null() for n in RATINGS_FIELDS)
    )
    return lines.select(*typed, extra.alias("_extra")).select(
        *RATINGS_FIELDS, malformed.alias(MALFORMED)
    )


def first_bad_ratings_line(
    path: Path | ZipMember,
    source: str,
    layout: str,
    columns: tuple[str, ...] | list[str] = RATINGS_FIELDS,
    *,
    counts_only: bool = False,
) -> str | None:
    """The slow path, after the scan found something wrong: the first line breaking its
    format (not text in the encoding, a field count other than four, a value in `columns` that
    is not a number), with the rule; None when no line does. ratings.csv's header is skipped and
    its empty values left to the required rule; `counts_only` checks the field counts alone."""
    csv = layout == "csv"
    sep = "," if csv else RATINGS_SEPARATOR[layout]
    form = "userId,movieId,rating,timestamp" if csv else "user id, movie id, rating, timestamp"
    with contextlib.ExitStack() as stack:
        if isinstance(path, ZipMember):
            zf = stack.enter_context(zipfile.ZipFile(path.zip))
            fh: IO[bytes] = stack.enter_context(zf.open(path.name))
        else:
            fh = stack.enter_context(path.open("rb"))
        for number, raw in enumerate(fh, 1):
            if csv and number == 1:
                continue
            try:
                line = raw.rstrip(b"\r\n").decode("utf-8" if csv else "latin-1")
            except UnicodeDecodeError:
                return f"{source}: line {number} is not valid UTF-8 (ratings.csv is UTF-8)"
            fields = line.split(sep)
            if len(fields) != len(RATINGS_FIELDS):
                return (
                    f"{source}: line {number} has {len(fields)} fields, expected "
                    f"{len(RATINGS_FIELDS)} separated by {sep!r} ({form})"
                )
            if counts_only:
                continue
            for name, value in zip(RATINGS_FIELDS, fields, strict=True):
                dtype = _RATINGS_TYPES[name]
                if name not in columns or (csv and value == ""):
                    continue
                if pl.Series([value]).cast(dtype, strict=False).is_null().all():
                    kind = "an integer" if dtype == pl.Int64() else "a number"
                    where = f"data row {number - 1} (line {number})" if csv else f"line {number}"
                    return f"{source}: {where}: {name} {value[:40]!r} is not {kind}"
    return None


def bad_ratings_line(
    path: Path | ZipMember,
    source: str,
    layout: str,
    columns: tuple[str, ...] | list[str] = RATINGS_FIELDS,
) -> str:
    """After the scan failed: `first_bad_ratings_line`, or that the file cannot be parsed."""
    found = first_bad_ratings_line(path, source, layout, columns)
    sep = "," if layout == "csv" else RATINGS_SEPARATOR[layout]
    return found or f"{source}: cannot be parsed (4 fields separated by {sep!r})"
