"""How each MovieLens release writes its files, for the synthetic twin: names, separators,
header or none, quoting, encoding; and each release's flavour of values.

From each release's own README (quoted in tests/data/test_data_synth_releases.py):

- ML-100K (`ml100k`): u.data "a tab separated list of user id | item id | rating | timestamp",
  randomly ordered; u.item `|`-separated "movie id | movie title | release date | video release
  date | IMDb URL | unknown | Action | ... | Western", 19 genre flags; u.user "user id | age |
  gender | occupation | zip code"; u.genre, u.occupation, u.info. Latin-1, no header, no quoting.
- ML-1M and ML-10M (`dat`): `::`-separated, no header, no quoting: ratings.dat
  "UserID::MovieID::Rating::Timestamp", movies.dat "MovieID::Title::Genres"; ML-1M adds users.dat
  "UserID::Gender::Age::Occupation::Zip-code" (Latin-1), ML-10M tags.dat (UTF-8, half stars,
  written "4.5" and "5").
- The CSV releases: a header, RFC 4180 quoting where a field needs it, UTF-8, ratings "3.5".
"""

from __future__ import annotations

import io
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import IO

import numpy as np
import polars as pl

from .movielens import NO_GENRES
from .releases import Release
from .synth_values import (
    LATIN1_TITLES,
    ML25M,
    Flavour,
    SynthSizes,
    csv_extras,
    movies_frame,
    ratings_chunks,
    tags_frame,
)

#: Opens one member of the output (a file in the zip or in the directory) for writing.
OpenMember = Callable[[str], IO[bytes]]

#: ML-1M's genres (README: "Children's", no IMAX, every movie has one).
ML1M_GENRES = (
    "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
    "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller",
    "War", "Western",
)  # fmt: skip
#: ML-100K's u.item flags, in order: "unknown" first, then ML-1M's 18 genres.
ML100K_FLAGS = ("unknown", *ML1M_GENRES)
#: u.occupation (ML-100K): the 21 occupations u.user names.
ML100K_OCCUPATIONS = (
    "administrator", "artist", "doctor", "educator", "engineer", "entertainment", "executive",
    "healthcare", "homemaker", "lawyer", "librarian", "marketing", "none", "other",
    "programmer", "retired", "salesman", "scientist", "student", "technician", "writer",
)  # fmt: skip
#: ML-1M's age buckets (README: 1 "Under 18", 18 "18-24", ... 56 "56+") and occupation codes 0-20.
ML1M_AGES = (1, 18, 25, 35, 45, 50, 56)
ML1M_OCCUPATION_CODES = 21
_WHOLE_STARS = (1.0, 2.0, 3.0, 4.0, 5.0)
_STAND_IN = "\x1f"  # ASCII unit separator, never in a number
_YEAR_AT_END = re.compile(r"\(\d{4}-?\)\s*$")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _epoch(day: str) -> int:
    """A README's date (the start or end of its collection period) as epoch seconds, UTC."""
    return int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp())


def _like_25m(first_day: str, last_day: str) -> Flavour:
    """A later release's values: ML-25M's half stars and genres over its own README's period."""
    first, last = _epoch(first_day), _epoch(last_day)
    return replace(ML25M, first_timestamp=first, last_timestamp=last, last_year=int(last_day[:4]))


#: Each release's values: scale, span (its README's dates), years, genres and title quirks.
FLAVOURS: dict[str, Flavour] = {
    "100k": replace(
        ML25M,
        rating_values=_WHOLE_STARS,
        rating_weights=(6.1, 11.4, 27.1, 34.2, 21.2),
        first_timestamp=_epoch("1997-09-19"),
        last_timestamp=_epoch("1998-04-22"),
        first_year=1922,
        last_year=1999,
        genres=ML1M_GENRES,
        special_titles=LATIN1_TITLES,
        consecutive_movie_ids=True,
    ),
    "1m": replace(
        ML25M,
        rating_values=_WHOLE_STARS,
        rating_weights=(5.6, 10.8, 26.1, 34.9, 22.6),
        first_timestamp=_epoch("2000-04-25"),
        last_timestamp=_epoch("2003-02-28"),
        first_year=1919,
        last_year=2001,
        genres=ML1M_GENRES,
        has_no_genres=False,
        special_titles=LATIN1_TITLES,
    ),
    "10m": _like_25m("1995-01-09", "2009-01-05"),
    "20m": _like_25m("1995-01-09", "2015-03-31"),
    "25m": ML25M,
    "32m": _like_25m("1995-01-09", "2023-10-12"),
    "latest-small": _like_25m("1996-03-29", "2018-09-24"),
    "latest": _like_25m("1995-01-09", "2018-09-26"),
}
#: The CSV releases' files beyond ratings.csv and movies.csv (their READMEs' lists).
CSV_EXTRAS: dict[str, tuple[str, ...]] = {
    "20m": ("tags.csv", "links.csv", "genome-tags.csv", "genome-scores.csv"),
    "25m": ("tags.csv", "links.csv", "genome-tags.csv", "genome-scores.csv"),
    "32m": ("tags.csv", "links.csv"),
    "latest-small": ("tags.csv", "links.csv"),
    "latest": ("tags.csv", "links.csv", "genome-tags.csv", "genome-scores.csv"),
}
#: The README's name in each zip (README.txt in the CSV releases).
README_NAMES = {"100k": "README", "1m": "README", "10m": "README.html"}

_README = """Synthetic MovieLens-shaped dataset (NOT MovieLens data)
=========================================================

Generated by `personalize-movielens data synth` with ratings={ratings}, users={users},
movies={movies}, seed={seed}. Same layout, files and columns as GroupLens' {zip_name}.
"""


@dataclass(frozen=True)
class SynthRun:
    """One synthetic release being written: what, how big, which seed, and where."""

    release: Release
    sizes: SynthSizes
    seed: int
    open_member: OpenMember

    @property
    def flavour(self) -> Flavour:
        return FLAVOURS[self.release.name]

    def write_text(self, name: str, text: str) -> None:
        """One small member, encoded as the release is (strict: a stray character fails)."""
        with self.open_member(name) as out:
            out.write(text.encode(self.release.encoding))


def write_release(run: SynthRun) -> None:
    """Write every member of `run.release` in its layout, then its README."""
    writers = {"csv": _write_csv, "dat": _write_dat, "ml100k": _write_ml100k}
    writers[run.release.layout](run)
    run.write_text(
        README_NAMES.get(run.release.name, "README.txt"),
        _README.format(seed=run.seed, zip_name=run.release.zip_name, **run.sizes.__dict__),
    )


def _write_csv(run: SynthRun) -> None:
    """ratings.csv, movies.csv and the release's extras, with headers, as ML-25M writes them."""
    flavour = run.flavour
    movies = movies_frame(run.sizes, run.seed, flavour).drop("year")
    with run.open_member("ratings.csv") as out:
        for n, chunk in enumerate(ratings_chunks(run.sizes, run.seed, flavour)):
            buf = io.BytesIO()
            chunk.write_csv(buf, include_header=n == 0, float_precision=1)
            out.write(buf.getvalue())
    with run.open_member("movies.csv") as out:
        movies.write_csv(out)
    extras = csv_extras(run.sizes, run.seed, movies, flavour)
    for name in CSV_EXTRAS[run.release.name]:
        with run.open_member(name) as out:
            extras[name].write_csv(out)


def _rating_text(rating: pl.Expr) -> pl.Expr:
    """ML-1M/10M's rating: "5" for whole stars, "4.5" for half (never "5.0")."""
    return rating.cast(pl.String).str.replace(r"\.0$", "")


def _write_dat_lines(out: IO[bytes], frame: pl.DataFrame) -> None:
    """The frame's rows, fields joined by `::` (written with a one-byte stand-in, then swapped:
    polars writes one-byte separators only, and no field holds that byte)."""
    buf = io.BytesIO()
    frame.write_csv(buf, include_header=False, separator=_STAND_IN, quote_style="never")
    out.write(buf.getvalue().replace(_STAND_IN.encode(), b"::"))


def _write_dat(run: SynthRun) -> None:
    """ratings.dat, movies.dat and users.dat (1m) or tags.dat (10m): `::`, no header."""
    flavour, encoding = run.flavour, run.release.encoding
    movies = movies_frame(run.sizes, run.seed, flavour)
    with run.open_member("ratings.dat") as out:
        for chunk in ratings_chunks(run.sizes, run.seed, flavour):
            _write_dat_lines(out, chunk.with_columns(_rating_text(pl.col("rating"))))
    with run.open_member("movies.dat") as out:
        for movie_id, title, genres in movies.select("movieId", "title", "genres").iter_rows():
            out.write(f"{movie_id}::{title}::{genres}\n".encode(encoding))
    if run.release.has_users:
        run.write_text("users.dat", _ml1m_users(run.sizes.users, run.seed))
    else:
        tags = tags_frame(run.sizes, run.seed, movies, flavour)
        with run.open_member("tags.dat") as out:
            for user, movie, tag, ts in tags.iter_rows():
                out.write(f"{user}::{movie}::{tag}::{ts}\n".encode(encoding))


def _zip_codes(rng: np.random.Generator, n: int, extended: bool) -> list[str]:
    """US zip codes with leading zeros, some Canadian ones (ML-100K's "T8H1N"), and, in ML-1M,
    some ZIP+4 ("55405-2010")."""
    codes = [f"{z:05d}" for z in rng.integers(0, 100_000, n)]
    for i in range(3, n, 37):
        codes[i] = f"{codes[i]}-{int(rng.integers(0, 10_000)):04d}" if extended else "T8H1N"
    return codes


def _ml1m_users(n: int, seed: int) -> str:
    """users.dat: UserID::Gender::Age::Occupation::Zip-code (age bucket, occupation code)."""
    rng = np.random.default_rng(seed + 5)
    gender = rng.choice(["M", "F"], n, p=[0.72, 0.28])
    age = rng.choice(ML1M_AGES, n, p=[0.04, 0.18, 0.35, 0.2, 0.09, 0.08, 0.06])
    occupation = rng.integers(0, ML1M_OCCUPATION_CODES, n)
    zips = _zip_codes(rng, n, extended=True)
    return "".join(
        f"{u + 1}::{gender[u]}::{age[u]}::{occupation[u]}::{zips[u]}\n" for u in range(n)
    )


def _write_ml100k(run: SynthRun) -> None:
    """u.data (tab, randomly ordered), u.item (`|`, 19 flags), u.user, u.genre, u.occupation,
    u.info: Latin-1, no header."""
    flavour, sizes = run.flavour, run.sizes
    shuffle = np.random.default_rng(run.seed + 4)
    with run.open_member("u.data") as out:
        for chunk in ratings_chunks(sizes, run.seed, flavour):
            # "The data is randomly ordered": shuffled within each chunk of users, so memory
            # stays flat (a whole-file shuffle would hold every rating).
            chunk = chunk.with_columns(pl.col("rating").cast(pl.Int64))
            chunk = chunk[shuffle.permutation(chunk.height)]
            buf = io.BytesIO()
            chunk.write_csv(buf, include_header=False, separator="\t")
            out.write(buf.getvalue())
    movies = movies_frame(sizes, run.seed, flavour)
    run.write_text("u.item", "".join(_u_item_line(*row) for row in movies.iter_rows()))
    run.write_text("u.user", _ml100k_users(sizes.users, run.seed))
    run.write_text("u.genre", "".join(f"{g}|{i}\n" for i, g in enumerate(ML100K_FLAGS)) + "\n")
    run.write_text("u.occupation", "".join(f"{o}\n" for o in ML100K_OCCUPATIONS))
    run.write_text(
        "u.info", f"{sizes.users} users\n{sizes.movies} items\n{sizes.ratings} ratings\n"
    )


def _u_item_line(movie_id: int, title: str, genres: str, year: int) -> str:
    """movie id | title | release date | video release date | IMDb URL | 19 flags.

    A movie without genres has only "unknown" set, as ML-100K's own unknown movies do; one
    without a year has no release date.
    """
    names = set() if genres == NO_GENRES else set(genres.split("|"))
    flags = ["1" if g in names else "0" for g in ML100K_FLAGS]
    if not names:
        flags[0] = "1"
    has_year = _YEAR_AT_END.search(title) is not None
    released = date(year, 1 + movie_id % 12, 1 + movie_id % 28)
    when = f"{released.day:02d}-{_MONTHS[released.month - 1]}-{released.year}" if has_year else ""
    url = "http://us.imdb.com/M/title-exact?" + urllib.parse.quote(
        title, safe="()", encoding="latin-1"
    )
    return "|".join([str(movie_id), title, when, "", url, *flags]) + "\n"


def _ml100k_users(n: int, seed: int) -> str:
    """u.user: user id | age | gender | occupation | zip code (age in years, occupation by name)."""
    rng = np.random.default_rng(seed + 5)
    age = rng.integers(7, 74, n)
    gender = rng.choice(["M", "F"], n, p=[0.71, 0.29])
    occupation = rng.choice(ML100K_OCCUPATIONS, n)
    zips = _zip_codes(rng, n, extended=False)
    return "".join(f"{u + 1}|{age[u]}|{gender[u]}|{occupation[u]}|{zips[u]}\n" for u in range(n))
