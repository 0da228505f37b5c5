"""A MovieLens source, zip or directory: recognise its layout (csv, dat, ml100k) from the file
names (two layouts in one source are refused) and its release from the folder name, any case, or
else from the files beside the ratings (users.dat: 1m; tags.dat: 10m); find the ratings, movies
and (where the release has demographics) users files; check the CSV ratings header; and how
MovieLens writes a movie's genres.

From a zip, nothing is extracted: the ratings file is inflated as polars parses it
(zip_stream.py); the movies and users files are small and read into memory by `member_bytes`.
`scan_ratings` gives the same lazy frame from a directory or a zip, whatever the layout.
"""

from __future__ import annotations

import contextlib
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import polars as pl

from ..errors import DataError
from .releases import RELEASES, Layout, Release
from .zip_stream import ZipMember, first_line, scan_member_csv

RATINGS_COLUMNS = ("userId", "movieId", "rating", "timestamp")
MOVIES_COLUMNS = ("movieId", "title", "genres")
#: What movies.csv's genres column says of a movie without genres.
NO_GENRES = "(no genres listed)"


@dataclass(frozen=True)
class LayoutFiles:
    """The file names of one layout (users: None where no release of it has demographics)."""

    ratings: str
    movies: str
    users: str | None


#: Each layout's files, in the order recognition tries them (releases.py names the releases).
LAYOUT_FILES: dict[Layout, LayoutFiles] = {
    "csv": LayoutFiles("ratings.csv", "movies.csv", None),
    "dat": LayoutFiles("ratings.dat", "movies.dat", "users.dat"),
    "ml100k": LayoutFiles("u.data", "u.item", "u.user"),
}
#: Encoding of a layout whose folder names no known release (the default release's for csv).
_LAYOUT_ENCODING: dict[Layout, str] = {"csv": "utf-8", "dat": "utf-8", "ml100k": "latin-1"}


def parse_genres(genres: str) -> str | None:
    """movies.csv's genres as Personalize's categorical value: `|`-separated, None for none."""
    genres = genres.strip()
    return None if genres in ("", NO_GENRES) else genres


@dataclass(frozen=True)
class MovieLensFiles:
    """Where to read: `ratings` is a file on disk or a zip's member (read with `scan_ratings`);
    `movies` (and `users`) their bytes."""

    ratings: Path | ZipMember
    ratings_name: str
    movies: bytes
    movies_name: str
    layout: Layout = "csv"
    #: The release recognised (None: neither the folder name nor the files tell it).
    release: str | None = None
    #: The text files' encoding: the release's (releases.py), else the layout's usual one.
    encoding: str = "utf-8"
    users: bytes | None = None
    users_name: str | None = None
    #: Where the users file of a release with demographics should be but is not.
    missing_users: str | None = None


def known_layouts() -> str:
    """The layouts, their files and releases, for the message on an unknown source."""
    parts = []
    for layout, files in LAYOUT_FILES.items():
        names = ", ".join(r.name for r in RELEASES.values() if r.layout == layout)
        parts.append(f"{layout} ({files.ratings} + {files.movies}: {names})")
    return "; ".join(parts)


def _members(names: list[str], wanted: str) -> list[str]:
    """Every member called `wanted`, at any depth (ml-25m/ratings.csv)."""
    return [n for n in names if n == wanted or n.endswith("/" + wanted)]


def _member(names: list[str], wanted: str) -> str | None:
    """The member called `wanted` at the shallowest depth."""
    hits = _members(names, wanted)
    return min(hits, key=lambda n: n.count("/")) if hits else None


def _beside(names: list[str], wanted: str, other: str) -> str | None:
    """The member called `wanted` in the folder of the member `other`."""
    path = str(PurePosixPath(other).parent / wanted).removeprefix("./")
    return path if path in names else None


@dataclass(frozen=True)
class Recognised:
    """A source's layout, its release (if the folder names one) and its members' names."""

    layout: Layout
    release: Release | None
    ratings: str
    movies: str
    users: str | None

    @property
    def encoding(self) -> str:
        return self.release.encoding if self.release else _LAYOUT_ENCODING[self.layout]

    @property
    def missing_users(self) -> str | None:
        """The users file's path when the release has demographics but the file is absent."""
        name = LAYOUT_FILES[self.layout].users
        if self.users is not None or name is None or not (self.release and self.release.has_users):
            return None
        return str(PurePosixPath(self.ratings).parent / name)


#: A file only one release of a layout has beside its ratings, to tell them apart when the
#: folder is renamed (READMEs: ML-1M "ratings.dat, users.dat, movies.dat"; ML-10M "ratings.dat,
#: tags.dat, movies.dat"); ML-100K is the one ml100k release.
_RELEASE_MARKERS: dict[str, str] = {"1m": "users.dat", "10m": "tags.dat"}


def _release_of(layout: Layout, folder: str, ratings: str, names: list[str]) -> Release | None:
    """The release whose folder is `folder` (any case), else the one the files beside the
    ratings (or the layout itself) point to; None when nothing tells."""
    of_layout = [r for r in RELEASES.values() if r.layout == layout]
    by_folder = [r for r in of_layout if r.folder.lower() == folder.lower()]
    if by_folder:
        return by_folder[0]
    if len(of_layout) == 1:
        return of_layout[0]
    marked = [
        r
        for r in of_layout
        if r.name in _RELEASE_MARKERS and _beside(names, _RELEASE_MARKERS[r.name], ratings)
    ]
    return marked[0] if len(marked) == 1 else None


def recognise(source: Path, names: list[str]) -> Recognised:
    """The layout whose ratings and movies files are among `names` (paths relative to the
    source, `/`-separated); a DataError naming what was found and the known layouts when none
    is, or naming both when two are (reading one silently would be a guess)."""
    partial = ""
    found: list[tuple[Layout, LayoutFiles, str, str]] = []
    for layout, files in LAYOUT_FILES.items():
        all_ratings = sorted(_members(names, files.ratings))
        if len(all_ratings) > 1:  # two releases side by side: their files must not be mixed
            raise DataError(
                f"{source}: holds more than one {files.ratings} ({', '.join(all_ratings)}): "
                "keep one release's files."
            )
        ratings = all_ratings[0] if all_ratings else None
        movies = _beside(names, files.movies, ratings) if ratings else _member(names, files.movies)
        if ratings is None or movies is None:
            if not partial and (ratings or movies):
                have, lacking = (ratings, files.movies) if ratings else (movies, files.ratings)
                partial = f"no {lacking} beside {have}; "
            continue
        found.append((layout, files, ratings, movies))
    if len(found) > 1:
        both = " and ".join(f"{layout} ({r} + {m})" for layout, _, r, m in found)
        raise DataError(
            f"{source}: holds more than one MovieLens layout: {both}; keep one release's files."
        )
    if found:
        layout, files, ratings, movies = found[0]
        users = _beside(names, files.users, ratings) if files.users else None
        folder = PurePosixPath(ratings).parent.name or source.stem
        release = _release_of(layout, folder, ratings, names)
        return Recognised(layout, release, ratings, movies, users)
    files_found = sorted(n for n in names if not n.endswith("/"))
    shown = ", ".join(files_found[:5]) + (", ..." if len(files_found) > 5 else "")
    raise DataError(
        f"{source}: not a MovieLens layout: found {len(files_found)} file(s) "
        f"({shown or 'none'}); {partial}known layouts: {known_layouts()}."
    )


def _dir_names(source: Path) -> list[str]:
    """The files in a directory and one level below, as relative `/` paths."""
    found = [p for p in (*source.glob("*"), *source.glob("*/*")) if p.is_file()]
    return sorted(p.relative_to(source).as_posix() for p in found)


@contextlib.contextmanager
def open_movielens(source: Path) -> Iterator[MovieLensFiles]:
    """Open a MovieLens zip or directory. Nothing is written (a zip's members are streamed,
    not extracted)."""
    source = Path(source)
    if not source.exists():
        raise DataError(
            f"{source}: no such file or directory.",
            hint="run `personalize-movielens data download` or `data synth --out PATH.zip`.",
        )
    if source.is_dir():
        found = recognise(source, _dir_names(source))
        users = source / found.users if found.users else None
        yield MovieLensFiles(
            source / found.ratings,
            str(source / found.ratings),
            (source / found.movies).read_bytes(),
            str(source / found.movies),
            found.layout,
            found.release.name if found.release else None,
            found.encoding,
            users.read_bytes() if users else None,
            str(users) if users else None,
            str(source / found.missing_users) if found.missing_users else None,
        )
        return
    yield _zip_files(source)


def member_bytes(zf: zipfile.ZipFile, source: Path, member: str) -> bytes:
    """The whole content of one (small) member of the zip: the movies and users files."""
    with _reading_zip(source):
        return zf.read(member)


def _zip_files(source: Path) -> MovieLensFiles:
    """The ratings file as a member to stream, the movies and users files read. A broken zip
    is a DataError."""
    try:
        with zipfile.ZipFile(source) as zf:
            found = recognise(source, zf.namelist())
            movies = member_bytes(zf, source, found.movies)
            users = member_bytes(zf, source, found.users) if found.users else None
    except (zipfile.BadZipFile, OSError) as exc:
        raise DataError(
            f"{source}: not a readable zip file ({exc}); it may be truncated or corrupt.",
            hint="delete it and download it again.",
        ) from exc
    member = ZipMember(source, found.ratings)
    return MovieLensFiles(
        member,
        str(member),
        movies,
        f"{source}:{found.movies}",
        found.layout,
        found.release.name if found.release else None,
        found.encoding,
        users,
        f"{source}:{found.users}" if found.users else None,
        f"{source}:{found.missing_users}" if found.missing_users else None,
    )


def scan_ratings(
    files: MovieLensFiles, schema: dict[str, pl.DataType], **options: Any
) -> pl.LazyFrame:
    """The ratings as a lazy frame, from the directory or straight from the zip: ratings.csv
    (header skipped; `options` are pl.scan_csv's, the same for both; records are lines, no
    quote char), or the .dat / u.data lines split exactly (formats.py, with MALFORMED)."""
    if files.layout != "csv":
        from .formats import scan_ratings as scan_lines  # formats imports this module's names

        return scan_lines(files.ratings, files.layout)
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
    """The ratings file must not be empty, and ratings.csv must start with MovieLens' header; a
    missing or renamed column stops here."""
    if isinstance(files.ratings, ZipMember):
        first = first_line(files.ratings)
    else:
        with files.ratings.open("rb") as fh:
            first = fh.readline()
    if not first.strip():
        what = "no header, no ratings" if files.layout == "csv" else "no ratings"
        raise DataError(f"{files.ratings_name}: the file is empty ({what}).")
    if files.layout != "csv":
        return
    header = first.decode("utf-8", errors="replace").strip().lstrip("\ufeff").split(",")
    expected = list(RATINGS_COLUMNS)
    if header != expected:
        missing = [c for c in expected if c not in header]
        what = f"missing column(s) {', '.join(missing)}" if missing else "columns out of order"
        raise DataError(
            f"{files.ratings_name}: {what}: header is {','.join(header)!r}, "
            f"expected {','.join(expected)!r}."
        )
