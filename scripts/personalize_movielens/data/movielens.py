"""A MovieLens source, zip or directory: find ratings.csv and movies.csv, check their headers;
and how MovieLens writes a movie's genres.

From a zip, nothing is extracted: ratings.csv is inflated as polars parses it (zip_stream.py),
movies.csv is small and read into memory. `scan_ratings` gives the same lazy frame either way.
"""

from __future__ import annotations

import contextlib
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import polars as pl

from ..errors import DataError
from .zip_stream import ZipMember, first_line, scan_member_csv

RATINGS_COLUMNS = ("userId", "movieId", "rating", "timestamp")
MOVIES_COLUMNS = ("movieId", "title", "genres")
#: What movies.csv's genres column says of a movie without genres.
NO_GENRES = "(no genres listed)"


def parse_genres(genres: str) -> str | None:
    """movies.csv's genres as Personalize's categorical value: `|`-separated, None for none."""
    genres = genres.strip()
    return None if genres in ("", NO_GENRES) else genres


@dataclass(frozen=True)
class MovieLensFiles:
    """Where to read: `ratings` is a file on disk or a zip's member (read with `scan_ratings`);
    `movies` is the movies.csv text."""

    ratings: Path | ZipMember
    ratings_name: str
    movies: bytes
    movies_name: str


def _member(names: list[str], wanted: str) -> str | None:
    """The zip member called `wanted` at the shallowest depth (ml-25m/ratings.csv)."""
    hits = [n for n in names if n == wanted or n.endswith("/" + wanted)]
    return min(hits, key=lambda n: n.count("/")) if hits else None


def _dir_file(source: Path, wanted: str) -> Path | None:
    for candidate in (source / wanted, *sorted(source.glob(f"*/{wanted}"))):
        if candidate.is_file():
            return candidate
    return None


Found = TypeVar("Found", Path, str)


def _required(source: Path, name: str, found: Found | None, where: str) -> Found:
    """What was found for `name`, or a DataError saying it is missing."""
    if found is None:
        raise DataError(f"{source}: no {name} {where}.")
    return found


@contextlib.contextmanager
def open_movielens(source: Path, work_dir: Path) -> Iterator[MovieLensFiles]:
    """Open a MovieLens zip or directory. Nothing is written: `work_dir` is kept for callers
    that name where temporary files would go (a zip's members are streamed, not extracted)."""
    source = Path(source)
    if not source.exists():
        raise DataError(
            f"{source}: no such file or directory.",
            hint="run `personalize-movielens data download` or `data synth --out PATH.zip`.",
        )
    if source.is_dir():
        where = "in this directory (or one level below)"
        ratings = _required(source, "ratings.csv", _dir_file(source, "ratings.csv"), where)
        movies = _required(source, "movies.csv", _dir_file(source, "movies.csv"), where)
        yield MovieLensFiles(ratings, str(ratings), movies.read_bytes(), str(movies))
        return
    yield _zip_files(source)


def _zip_files(source: Path) -> MovieLensFiles:
    """ratings.csv as a member to stream, movies.csv read. A broken zip is a DataError."""
    try:
        with zipfile.ZipFile(source) as zf:
            names, where = zf.namelist(), "in the zip (is it a MovieLens zip?)"
            ratings = _required(source, "ratings.csv", _member(names, "ratings.csv"), where)
            movies = _required(source, "movies.csv", _member(names, "movies.csv"), where)
            with _reading_zip(source):
                movies_csv = zf.read(movies)
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataError(
            f"{source}: not a readable zip file ({exc}); it may be truncated or corrupt.",
            hint="delete it and download it again.",
        ) from exc
    member = ZipMember(source, ratings)
    return MovieLensFiles(member, str(member), movies_csv, f"{source}:{movies}")


def scan_ratings(
    files: MovieLensFiles, schema: dict[str, pl.DataType], **options: Any
) -> pl.LazyFrame:
    """ratings.csv (header skipped) as a lazy frame, from the directory or straight from the
    zip; `options` are pl.scan_csv's, the same for both. Records are lines: no quote char."""
    if isinstance(files.ratings, ZipMember):
        return scan_member_csv(files.ratings, schema, has_header=True, **options)
    return pl.scan_csv(files.ratings, schema=schema, has_header=True, quote_char=None, **options)


@contextlib.contextmanager
def _reading_zip(source: Path) -> Iterator[None]:
    """An error reading the zip's members: the zip is corrupt."""
    try:
        yield
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise DataError(
            f"{source}: the zip is corrupt ({exc}).", hint="delete it and download it again."
        ) from exc


def check_ratings_header(files: MovieLensFiles) -> None:
    """ratings.csv must start with MovieLens' header; a missing or renamed column stops here."""
    if isinstance(files.ratings, ZipMember):
        first = first_line(files.ratings)
    else:
        with files.ratings.open("rb") as fh:
            first = fh.readline()
    if not first.strip():
        raise DataError(f"{files.ratings_name}: the file is empty (no header, no ratings).")
    header = first.decode("utf-8", errors="replace").strip().lstrip("\ufeff").split(",")
    expected = list(RATINGS_COLUMNS)
    if header != expected:
        missing = [c for c in expected if c not in header]
        what = f"missing column(s) {', '.join(missing)}" if missing else "columns out of order"
        raise DataError(
            f"{files.ratings_name}: {what}: header is {','.join(header)!r}, "
            f"expected {','.join(expected)!r}."
        )
