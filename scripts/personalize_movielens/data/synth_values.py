"""The random content of a synthetic MovieLens set: sizes, ratings, movies, tags and links.

What is drawn, not how it is written (synth_layouts.py writes each release's files). A
`Flavour` says what differs between releases in the values themselves: the rating scale, the
time span, the genre names, the title quirks, whether IDs are consecutive. Generation is
vectorised with numpy and yields ratings in chunks of users, so memory stays bounded whatever
the size. The same seed gives the same values; ML-25M's flavour draws exactly what the
generator drew before there were flavours, so its files are byte-identical.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from ..errors import DataError
from .movielens import NO_GENRES

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
#: Every MovieLens user has at least this many ratings.
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
SPECIAL_TITLES = (
    "Lord of the Rings, The",
    'Dr. Strangelove or: How I Learned to Stop Worrying, "Love" the Bomb',
    "Amélie (Fabuleux destin d'Amélie Poulain, Le)",
    "Crouching Tiger, Hidden Dragon (Wo hu cang long) 臥虎藏龍",
    'The "Great" Escape',
    "Léon: The Professional (a.k.a. The Professional) (Léon)",
    "Ничего личного",
)
#: The same hard cases within Latin-1 (ML-100K's and ML-1M's encoding), accents first so that
#: even a small set (200 movies, four special titles) has é, ñ and ü.
LATIN1_TITLES = (
    "Misérables, Les",
    "Niño de la Bola, El",
    "Über die Brücke: Straße der Garçons",
    'Dr. Strangelove or: How I Learned to Stop Worrying, "Love" the Bomb',
    "Lord of the Rings, The",
    'The "Great" Escape',
    "Léon: The Professional (a.k.a. The Professional) (Léon)",
)
_POPULARITY_ROUNDS = 8
_NO_YEAR_EVERY = 97  # every 97th movie has no year (ML has a few hundred of those)


@dataclass(frozen=True)
class Flavour:
    """What a release's values look like (its README's scale, span and genres)."""

    rating_values: tuple[float, ...]
    rating_weights: tuple[float, ...]
    first_timestamp: int
    last_timestamp: int
    #: Release years are drawn in [first_year, last_year).
    first_year: int
    last_year: int
    genres: tuple[str, ...]
    #: Whether some movies have no genre (movies.csv's "(no genres listed)").
    has_no_genres: bool
    special_titles: tuple[str, ...]
    #: ML-100K: "Users and items are numbered consecutively from 1"; others have gaps.
    consecutive_movie_ids: bool = False


ML25M = Flavour(
    rating_values=tuple(RATING_VALUES.tolist()),
    rating_weights=tuple(RATING_WEIGHTS.tolist()),
    first_timestamp=FIRST_TIMESTAMP,
    last_timestamp=LAST_TIMESTAMP,
    first_year=1902,
    last_year=2020,
    genres=GENRES,
    has_no_genres=True,
    special_titles=SPECIAL_TITLES,
)


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


def ratings_chunks(
    sizes: SynthSizes, seed: int, flavour: Flavour = ML25M
) -> Iterator[pl.DataFrame]:
    """Yield ratings DataFrames (userId, movieId, rating, timestamp), users in order."""
    rng = np.random.default_rng(seed)
    ids = movie_ids(seed, sizes.movies, flavour)
    popularity = _zipf_weights(rng, sizes.movies, 1.1)
    cdf = np.cumsum(popularity / popularity.sum())
    counts = _user_counts(rng, sizes)
    values = np.array(flavour.rating_values)
    rating_p = np.array(flavour.rating_weights) / sum(flavour.rating_weights)
    first, last = flavour.first_timestamp, flavour.last_timestamp
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
        movie = ids[keys % sizes.movies]
        # Each user rates over an active period that starts some time in the release's span.
        start = rng.integers(first, last, hi - lo)
        span = np.minimum(rng.exponential(180 * 86_400, hi - lo), last - start)
        offset = (rng.random(user.size) * span[user - lo]).astype(np.int64)
        yield pl.DataFrame(
            {
                "userId": (user + 1).astype(np.int64),
                "movieId": movie.astype(np.int64),
                "rating": rng.choice(values, size=user.size, p=rating_p),
                "timestamp": start[user - lo] + offset,
            }
        )


def movie_ids(seed: int, n: int, flavour: Flavour = ML25M) -> np.ndarray:
    """1..n for ML-100K; else increasing, gappy IDs from 1 (ML-25M's run to 209171 for 62423)."""
    if flavour.consecutive_movie_ids:
        return np.arange(1, n + 1, dtype=np.int64)
    rng = np.random.default_rng(seed + 1)
    rest = rng.choice(np.arange(2, n * 3 + 1), size=n - 1, replace=False)
    return np.concatenate([[1], np.sort(rest)]).astype(np.int64)


def _title(rng: np.random.Generator, i: int, year: int, special: tuple[str, ...]) -> str:
    """A title in MovieLens' style: 'Name (YYYY)', with the awkward cases mixed in."""
    if i % 50 == 7:
        base = special[(i // 50) % len(special)]
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


def movies_frame(sizes: SynthSizes, seed: int, flavour: Flavour = ML25M) -> pl.DataFrame:
    """movieId, title, genres (`|`-separated, or NO_GENRES where the flavour has such movies),
    year (the title's release year, for ML-100K's release date)."""
    rng = np.random.default_rng(seed + 2)
    ids = movie_ids(seed, sizes.movies, flavour)
    years = rng.integers(flavour.first_year, flavour.last_year, sizes.movies)
    titles, genres = [], []
    for i in range(sizes.movies):
        titles.append(_title(rng, i, int(years[i]), flavour.special_titles))
        if i % 89 == 4 and flavour.has_no_genres:
            genres.append(NO_GENRES)
        else:
            picked = rng.choice(
                len(flavour.genres), size=1 + int(rng.integers(0, 4)), replace=False
            )
            genres.append("|".join(flavour.genres[j] for j in sorted(picked)))
    return pl.DataFrame({"movieId": ids, "title": titles, "genres": genres, "year": years})


def tags_frame(
    sizes: SynthSizes, seed: int, movies: pl.DataFrame, flavour: Flavour
) -> pl.DataFrame:
    """userId, movieId, tag, timestamp: a few tags (one with a comma); nothing reads them."""
    return _tags_and_links(sizes, seed, movies, flavour)[0]


def _tags_and_links(
    sizes: SynthSizes, seed: int, movies: pl.DataFrame, flavour: Flavour
) -> tuple[pl.DataFrame, pl.DataFrame, np.random.Generator]:
    """tags and links, drawn in this order from one generator (the genome follows from it)."""
    rng = np.random.default_rng(seed + 3)
    n_tags = min(1000, sizes.movies)
    tag_movies = movies["movieId"].to_numpy()[:n_tags]
    tags = pl.DataFrame(
        {
            "userId": rng.integers(1, sizes.users + 1, n_tags),
            "movieId": tag_movies,
            "tag": rng.choice(["classic", "twist ending", "funny, sort of", "atmospheric"], n_tags),
            "timestamp": rng.integers(flavour.first_timestamp, flavour.last_timestamp, n_tags),
        }
    )
    links = pl.DataFrame(
        {
            "movieId": movies["movieId"],
            "imdbId": [f"{x:07d}" for x in rng.integers(1, 9_999_999, sizes.movies)],
            "tmdbId": rng.integers(1, 600_000, sizes.movies),
        }
    )
    return tags, links, rng


def csv_extras(
    sizes: SynthSizes, seed: int, movies: pl.DataFrame, flavour: Flavour
) -> dict[str, pl.DataFrame]:
    """tags, links and the tag genome of the CSV releases: well-formed, small."""
    tags, links, rng = _tags_and_links(sizes, seed, movies, flavour)
    genome_tags = pl.DataFrame({"tagId": np.arange(1, 21), "tag": [w.lower() for w in _WORDS[:20]]})
    genome_movies = tags["movieId"].to_numpy()[: min(50, tags.height)]
    return {
        "tags.csv": tags,
        "links.csv": links,
        "genome-tags.csv": genome_tags,
        "genome-scores.csv": pl.DataFrame(
            {
                "movieId": np.repeat(genome_movies, 20),
                "tagId": np.tile(np.arange(1, 21), genome_movies.size),
                "relevance": np.round(rng.random(genome_movies.size * 20), 5),
            }
        ),
    }
