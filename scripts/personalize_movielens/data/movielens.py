"""A MovieLens source, zip or directory: find ratings.csv and movies.csv, check their headers;
and how MovieLens writes a movie's genres.

From a zip, only ratings.csv is extracted (streamed to a temporary file beside the outputs, so
polars can scan it lazily); movies.csv is small and read into memory. Nothing else is unpacked.
"""

from __future__ import annotations

import contextlib
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from ..errors import DataError

RATINGS_COLUMNS = ("userId", "movieId", "rating", "timestamp")
MOVIES_COLUMNS = ("movieId", "title", "genres")
#: What movies.csv's genres column says of a movie without genres.
NO_GENRES = "(no genres listed)"
_COPY_BUFFER = 8 << 20


def parse_genres(genres: str) -> str | None:
    """movies.csv's genres as Personalize's categorical value: `|`-separated, None for none."""
    genres = genres.strip()
    return None if genres in ("", NO_GENRES) else genres


@dataclass(frozen=True)
class MovieLensFiles:
    """Where to read: `ratings` is a real file on disk; `movies` is the movies.csv text."""

    ratings: Path
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
    """Open a MovieLens zip or directory; temporary files live in `work_dir` and are removed."""
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
    with _zip_files(source, work_dir) as files:
        yield files


@contextlib.contextmanager
def _zip_files(source: Path, work_dir: Path) -> Iterator[MovieLensFiles]:
    """ratings.csv inflated into a temporary directory in `work_dir`, movies.csv read.

    A broken zip is a DataError; an error writing the temporary file (the output directory
    refused it, a full disk) stays an OSError, for the caller to name the output path.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        try:
            zf = stack.enter_context(zipfile.ZipFile(source))
        except (zipfile.BadZipFile, OSError) as exc:
            raise DataError(
                f"{source}: not a readable zip file ({exc}); it may be truncated or corrupt.",
                hint="delete it and download it again.",
            ) from exc
        names, where = zf.namelist(), "in the zip (is it a MovieLens zip?)"
        ratings_member = _required(source, "ratings.csv", _member(names, "ratings.csv"), where)
        movies_member = _required(source, "movies.csv", _member(names, "movies.csv"), where)
        tmp = Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix=".extract-", dir=work_dir))
        )
        ratings_path = tmp / "ratings.csv"
        with _reading_zip(source):
            src = stack.enter_context(zf.open(ratings_member))
        with ratings_path.open("wb") as dst:
            while True:
                with _reading_zip(source):
                    chunk = src.read(_COPY_BUFFER)
                if not chunk:
                    break
                dst.write(chunk)
        with _reading_zip(source):
            movies_csv = zf.read(movies_member)
        yield MovieLensFiles(
            ratings_path, f"{source}:{ratings_member}", movies_csv, f"{source}:{movies_member}"
        )


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
