"""MovieLens-shaped synthetic data: same zip layout, files, columns, quoting and value ranges.

MovieLens may not be redistributed, so tests, the benchmark and the demo run on this instead.
Generation is vectorised with numpy and written in chunks of users, so memory stays bounded
and 25M ratings take well under a minute. The same seed gives byte-identical files.
"""

from __future__ import annotations

import contextlib
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt
import polars as pl

from ..atomic import atomic_path
from ..errors import DataError
from .movielens import NO_GENRES
from .writing import refused_output

#: The folder inside the zip, as in GroupLens' ml-25m.zip.
ZIP_FOLDER = "ml-25m"
#: ML-25M's genres (movies without any say NO_GENRES, as in movies.csv).
GENRES = (
    "Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama",
    "Fantasy", "Film-Noir", "Horror", "IMAX", "Musical", "Mystery", "Romance", "Sci-Fi",
    "Thriller", "War", "Western",
)  # fmt: skip
#: Rating values 0.5..5.0 and roughly ML-25M's share of each.
RATING_VALUES = np.arange(1, 11) / 2
RATING_WEIGHTS = np.array([1.6, 3.1, 1.6, 6.6, 5.0, 19.6, 12.6, 26.6, 8.5, 14.8])
#: ML-25M's time span: 1995-01-09 .. 2019-11-21, in epoch seconds.
FIRST_TIMESTAMP = 789_652_009
LAST_TIMESTAMP = 1_574_327_703
#: Every ML-25M user has at least this many ratings.
MIN_RATINGS_PER_USER = 20
#: ML-25M's averages, used for defaults: ~154 ratings per user, ~400 per movie.
RATINGS_PER_USER = 154
RATINGS_PER_MOVIE = 400
MAX_MOVIES = 62_423
#: Ratings generated per chunk (bounds memory whatever the total).
CHUNK_RATINGS = 2_000_000

_WORDS = (
    "Night", "River", "Dark", "Star", "Love", "City", "Last", "Ghost", "Summer", "King", "Road",
    "Secret", "Blue", "Winter", "Dream", "Iron", "Silent", "Wild", "Lost", "Golden", "Fire",
    "Shadow", "Heart", "Storm", "Glass", "Empire", "Hunter", "Garden", "Ocean", "Machine",
)  # fmt: skip
#: Titles with what makes the real movies.csv hard to parse: commas, quotes, non-ASCII text,
#: no year, a trailing space, a year range, parentheses that are not a year.
_SPECIAL_TITLES = (
    "Lord of the Rings, The",
    'Dr. Strangelove or: How I Learned to Stop Worrying, "Love" the Bomb',
    "Amélie (Fabuleux destin d'Amélie Poulain, Le)",
    "Crouching Tiger, Hidden Dragon (Wo hu cang long) 臥虎藏龍",
    'The "Great" Escape',
    "Léon: The Professional (a.k.a. The Professional) (Léon)",
    "Ничего личного",
)
_POPULARITY_ROUNDS = 8
_NO_YEAR_EVERY = 97  # every 97th movie has no year (ML has a few hundred of those)


@dataclass(frozen=True)
class SynthSizes:
    """How big a synthetic set is: ratings, users and movies."""

    ratings: int
    users: int
    movies: int


def default_sizes(ratings: int, users: int | None = None, movies: int | None = None) -> SynthSizes:
    """ML-25M's proportions unless given; checks that every user can have 20 distinct ratings."""
    if ratings < MIN_RATINGS_PER_USER:
        raise DataError(f"--ratings must be at least {MIN_RATINGS_PER_USER} (got {ratings}).")
    # Small sets get more, lighter users than ML-25M's proportions, so that they still pass
    # Personalize's minimums (25 users with two or more interactions).
    users = users or max(
        ratings // RATINGS_PER_USER, min(ratings // (2 * MIN_RATINGS_PER_USER), 60), 1
    )
    movies = movies or min(MAX_MOVIES, max(200, ratings // RATINGS_PER_MOVIE, 4 * ratings // users))
    if users * MIN_RATINGS_PER_USER > ratings:
        raise DataError(
            f"{users} users need at least {users * MIN_RATINGS_PER_USER} ratings "
            f"(every MovieLens user has {MIN_RATINGS_PER_USER}); got {ratings}."
        )
    if movies < 2 * MIN_RATINGS_PER_USER:
        raise DataError(f"--movies must be at least {2 * MIN_RATINGS_PER_USER} (got {movies}).")
    if ratings > users * (movies // 2) * 0.8:
        raise DataError(
            f"{ratings} ratings do not fit {users} users x {movies} movies "
            "(a user rates at most half the movies); raise --users or --movies."
        )
    return SynthSizes(ratings=ratings, users=users, movies=movies)


def _zipf_weights(rng: np.random.Generator, n: int, exponent: float) -> np.ndarray:
    """Skewed weights (rank^-exponent) in a random order: a few very popular, a long tail."""
    weights = 1.0 / np.arange(1, n + 1) ** exponent
    return rng.permutation(weights)


def _user_counts(rng: np.random.Generator, sizes: SynthSizes) -> np.ndarray:
    """Ratings per user: at least 20 each, the rest by a log-normal activity (ML-25M's shape:
    median about half the mean, a few users with tens of thousands)."""
    cap = max(MIN_RATINGS_PER_USER, sizes.movies // 2)
    weights = rng.lognormal(0.0, 1.4, sizes.users)
    extra_total = sizes.ratings - MIN_RATINGS_PER_USER * sizes.users
    counts = MIN_RATINGS_PER_USER + np.floor(extra_total * weights / weights.sum()).astype(np.int64)
    counts = np.minimum(counts, cap)
    # Hand out what rounding and the cap left over, by the same weights, until the total is exact.
    while (short := sizes.ratings - int(counts.sum())) > 0:
        room = np.flatnonzero(counts < cap)
        if room.size == 0:
            raise DataError(f"{sizes.ratings} ratings do not fit {sizes.users} users.")
        p = weights[room] / weights[room].sum()
        counts += np.bincount(room[rng.choice(room.size, size=short, p=p)], minlength=sizes.users)
        counts = np.minimum(counts, cap)
    result: npt.NDArray[np.int64] = counts
    return result


def _distinct_movies(
    rng: np.random.Generator, counts: np.ndarray, cdf: np.ndarray, n_movies: int
) -> np.ndarray:
    """For each user, `counts[u]` distinct movie indexes drawn by popularity: keys u*M+m, sorted.

    Oversampled draws by popularity, duplicates dropped, a random `counts[u]` kept per user,
    repeated for users still short; after a few rounds the top-up is uniform (at most half the
    movies are needed per user, so each uniform round at least halves what is missing).
    """
    n_users = counts.size
    done: list[np.ndarray] = []
    users = np.arange(n_users)
    have = np.empty(0, dtype=np.int64)
    rounds = 0
    while users.size:
        need = counts[users] - np.bincount(have // n_movies, minlength=n_users)[users]
        uid = np.repeat(users, need + need // 3 + 2)
        if rounds < _POPULARITY_ROUNDS:
            movie = np.minimum(
                np.searchsorted(cdf, rng.random(uid.size), side="right"), n_movies - 1
            )
        else:
            movie = rng.integers(0, n_movies, uid.size)
        keys = np.sort(np.concatenate([have, uid * n_movies + movie]))
        keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])]
        owner = keys // n_movies
        # Order by owner, then at random within an owner (one sort on a combined key).
        order = np.argsort((owner << 32) | rng.integers(0, 1 << 32, keys.size), kind="stable")
        keys, owner = keys[order], owner[order]
        starts = np.searchsorted(owner, np.arange(n_users))
        rank = np.arange(keys.size) - starts[owner]
        keep = rank < counts[owner]
        keys, owner = keys[keep], owner[keep]
        full = np.bincount(owner, minlength=n_users) >= counts
        done.append(keys[full[owner]])
        have = keys[~full[owner]]
        users = users[~full[users]]
        rounds += 1
    return np.sort(np.concatenate(done))


def _ratings_chunks(sizes: SynthSizes, seed: int) -> Iterator[pl.DataFrame]:
    """Yield ratings DataFrames (userId, movieId, rating, timestamp), users in order."""
    rng = np.random.default_rng(seed)
    movie_ids = _movie_ids(np.random.default_rng(seed + 1), sizes.movies)
    popularity = _zipf_weights(rng, sizes.movies, 1.1)
    cdf = np.cumsum(popularity / popularity.sum())
    counts = _user_counts(rng, sizes)
    rating_p = RATING_WEIGHTS / RATING_WEIGHTS.sum()
    bounds = np.searchsorted(
        np.cumsum(counts), np.arange(CHUNK_RATINGS, sizes.ratings, CHUNK_RATINGS)
    )
    for lo, hi in zip(
        np.concatenate([[0], bounds]), np.concatenate([bounds, [sizes.users]]), strict=True
    ):
        if hi <= lo:
            continue
        chunk_counts = counts[lo:hi]
        keys = _distinct_movies(rng, chunk_counts, cdf, sizes.movies)
        user = keys // sizes.movies + lo
        movie = movie_ids[keys % sizes.movies]
        # Each user rates over an active period that starts some time in 1995..2019.
        start = rng.integers(FIRST_TIMESTAMP, LAST_TIMESTAMP, hi - lo)
        span = np.minimum(rng.exponential(180 * 86_400, hi - lo), LAST_TIMESTAMP - start)
        offset = (rng.random(user.size) * span[user - lo]).astype(np.int64)
        yield pl.DataFrame(
            {
                "userId": (user + 1).astype(np.int64),
                "movieId": movie.astype(np.int64),
                "rating": rng.choice(RATING_VALUES, size=user.size, p=rating_p),
                "timestamp": start[user - lo] + offset,
            }
        )


def _movie_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """Increasing, gappy IDs from 1 (ML-25M's run to 209171 for 62423 movies)."""
    rest = rng.choice(np.arange(2, n * 3 + 1), size=n - 1, replace=False)
    return np.concatenate([[1], np.sort(rest)]).astype(np.int64)


def _title(rng: np.random.Generator, i: int, year: int) -> str:
    """A title in MovieLens' style: 'Name (YYYY)', with the awkward cases mixed in."""
    if i % 50 == 7:
        base = _SPECIAL_TITLES[(i // 50) % len(_SPECIAL_TITLES)]
    else:
        words = rng.choice(_WORDS, size=1 + i % 3, replace=False)
        base = " ".join(words)
        if i % 13 == 0:
            base = f"{base}, The"
    if i % _NO_YEAR_EVERY == 5:
        return base
    if i % 211 == 3:
        return f"{base} ({year}-)"
    if i % 307 == 11:
        return f"{base} ({year}) "
    return f"{base} ({year})"


def movies_frame(sizes: SynthSizes, seed: int) -> pl.DataFrame:
    """movies.csv: movieId, title, genres (pipe-separated, or '(no genres listed)')."""
    rng = np.random.default_rng(seed + 2)
    ids = _movie_ids(np.random.default_rng(seed + 1), sizes.movies)
    years = rng.integers(1902, 2020, sizes.movies)
    titles, genres = [], []
    for i in range(sizes.movies):
        titles.append(_title(rng, i, int(years[i])))
        if i % 89 == 4:
            genres.append(NO_GENRES)
        else:
            picked = rng.choice(len(GENRES), size=1 + int(rng.integers(0, 4)), replace=False)
            genres.append("|".join(GENRES[j] for j in sorted(picked)))
    return pl.DataFrame({"movieId": ids, "title": titles, "genres": genres})


def _small_files(sizes: SynthSizes, seed: int, movies: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """tags, links and the tag genome: present and well-formed, small (nothing reads them)."""
    rng = np.random.default_rng(seed + 3)
    n_tags = min(1000, sizes.movies)
    tag_movies = movies["movieId"].to_numpy()[:n_tags]
    genome_tags = pl.DataFrame({"tagId": np.arange(1, 21), "tag": [w.lower() for w in _WORDS[:20]]})
    genome_movies = tag_movies[: min(50, n_tags)]
    return {
        "tags.csv": pl.DataFrame(
            {
                "userId": rng.integers(1, sizes.users + 1, n_tags),
                "movieId": tag_movies,
                "tag": rng.choice(
                    ["classic", "twist ending", "funny, sort of", "atmospheric"], n_tags
                ),
                "timestamp": rng.integers(FIRST_TIMESTAMP, LAST_TIMESTAMP, n_tags),
            }
        ),
        "links.csv": pl.DataFrame(
            {
                "movieId": movies["movieId"],
                "imdbId": [f"{x:07d}" for x in rng.integers(1, 9_999_999, sizes.movies)],
                "tmdbId": rng.integers(1, 600_000, sizes.movies),
            }
        ),
        "genome-tags.csv": genome_tags,
        "genome-scores.csv": pl.DataFrame(
            {
                "movieId": np.repeat(genome_movies, 20),
                "tagId": np.tile(np.arange(1, 21), genome_movies.size),
                "relevance": np.round(rng.random(genome_movies.size * 20), 5),
            }
        ),
    }


_README = """Synthetic MovieLens-shaped dataset (NOT MovieLens data)
=========================================================

Generated by `personalize-movielens data synth` with ratings={ratings}, users={users},
movies={movies}, seed={seed}. Same layout, files and columns as GroupLens' ml-25m.zip.
"""


#: Opens one member of the output (a file in the zip or in the directory) for writing.
OpenMember = Callable[[str], IO[bytes]]


def _write_members(sizes: SynthSizes, seed: int, open_member: OpenMember) -> None:
    """Write every file through `open_member(name)` (a binary writer), ratings in chunks."""
    movies = movies_frame(sizes, seed)
    with open_member("ratings.csv") as out:
        for n, chunk in enumerate(_ratings_chunks(sizes, seed)):
            buf = io.BytesIO()
            chunk.write_csv(buf, include_header=n == 0, float_precision=1)
            out.write(buf.getvalue())
    with open_member("movies.csv") as out:
        movies.write_csv(out)
    for name, frame in _small_files(sizes, seed, movies).items():
        with open_member(name) as out:
            frame.write_csv(out)
    with open_member("README.txt") as out:
        out.write(_README.format(seed=seed, **sizes.__dict__).encode())


def write_synthetic_movielens(
    out: Path,
    ratings: int,
    seed: int = 0,
    users: int | None = None,
    movies: int | None = None,
) -> Path:
    """Write a MovieLens-25M-shaped set to `out`: a zip (`ml-25m/*.csv`) or, else, a directory.

    Deterministic for a seed. Written atomically: `out` appears only when complete. An output
    path the operating system refuses is one error naming it. Returns `out`.
    """
    sizes = default_sizes(ratings, users, movies)
    out = Path(out)
    as_zip = out.suffix.lower() == ".zip"
    with refused_output(out, "--out", is_directory=not as_zip):
        if as_zip:
            _write_zip(out, sizes, seed)
        else:
            _write_directory(out, sizes, seed)
    return out


def _write_zip(out: Path, sizes: SynthSizes, seed: int) -> None:
    with (
        atomic_path(out) as tmp,
        zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf,
    ):

        def open_member(name: str) -> IO[bytes]:
            info = zipfile.ZipInfo(f"{ZIP_FOLDER}/{name}", date_time=(2019, 11, 21, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            return zf.open(info, "w", force_zip64=True)

        _write_members(sizes, seed, open_member)


def _write_directory(out: Path, sizes: SynthSizes, seed: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:

        def open_member(name: str) -> IO[bytes]:
            return stack.enter_context(atomic_path(out / name)).open("wb")

        _write_members(sizes, seed, open_member)
