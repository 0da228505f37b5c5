"""The synthetic set has MovieLens 25M's layout, columns, quoting, value ranges and skew."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import polars as pl
import pytest

from personalize_movielens.data.movielens import NO_GENRES
from personalize_movielens.data.synth import GENRES, default_sizes, write_synthetic_movielens
from personalize_movielens.errors import DataError

ML25M_FILES = {
    "ratings.csv": "userId,movieId,rating,timestamp",
    "movies.csv": "movieId,title,genres",
    "tags.csv": "userId,movieId,tag,timestamp",
    "links.csv": "movieId,imdbId,tmdbId",
    "genome-scores.csv": "movieId,tagId,relevance",
    "genome-tags.csv": "tagId,tag",
}


def _ratings(zip_path: Path) -> pl.DataFrame:
    with zipfile.ZipFile(zip_path) as zf:
        return pl.read_csv(zf.read("ml-25m/ratings.csv"))


def test_zip_has_ml25m_layout_and_headers(synth_zip: Path) -> None:
    with zipfile.ZipFile(synth_zip) as zf:
        names = set(zf.namelist())
        for name, header in ML25M_FILES.items():
            assert f"ml-25m/{name}" in names
            first = zf.read(f"ml-25m/{name}").split(b"\n", 1)[0].decode()
            assert first == header


def test_ratings_values_are_in_movielens_ranges(synth_zip: Path) -> None:
    df = _ratings(synth_zip)
    assert df.height == 3000
    assert set(df["rating"].unique().to_list()) <= {x / 2 for x in range(1, 11)}
    assert df["timestamp"].min() >= 789_652_009  # 1995
    assert df["timestamp"].max() <= 1_574_327_703  # 2019-11
    assert df.select(pl.struct("userId", "movieId").is_unique().all()).item()
    per_user = df.group_by("userId").len()["len"]
    assert per_user.min() >= 20


def test_popularity_is_skewed(tmp_path: Path) -> None:
    zip_path = write_synthetic_movielens(tmp_path / "ml.zip", ratings=40_000, seed=1)
    counts = _ratings(zip_path).group_by("movieId").len()["len"].sort(descending=True)
    top_tenth = counts.head(counts.len() // 10).sum()
    assert top_tenth > 0.2 * counts.sum()  # uniform would give 10%


def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path) -> None:
    a = write_synthetic_movielens(tmp_path / "a.zip", ratings=2000, seed=3)
    b = write_synthetic_movielens(tmp_path / "b.zip", ratings=2000, seed=3)
    c = write_synthetic_movielens(tmp_path / "c.zip", ratings=2000, seed=4)
    assert a.read_bytes() == b.read_bytes()
    assert _ratings(a).equals(_ratings(b))
    assert not _ratings(a).equals(_ratings(c))


def test_movies_are_quoted_like_the_real_file(synth_dir: Path) -> None:
    text = (synth_dir / "movies.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))[1:]
    titles = [r[1] for r in rows]
    assert any("," in t for t in titles)
    assert any('"' in t for t in titles)
    assert any(not t.isascii() for t in titles)
    assert any(not t.rstrip().endswith(")") for t in titles)  # no year
    # Quoted exactly when needed, as GroupLens writes it.
    for line in text.splitlines()[1:]:
        title_field = line.split(",", 1)[1].rsplit(",", 1)[0]
        needs_quotes = "," in title_field.strip('"') or '""' in title_field
        assert title_field.startswith('"') == needs_quotes, line
    genres = {g for r in rows for g in r[2].split("|")}
    assert genres <= {*GENRES, NO_GENRES}
    assert NO_GENRES in genres


def test_directory_output_has_the_same_files(synth_dir: Path) -> None:
    assert {p.name for p in synth_dir.iterdir()} >= set(ML25M_FILES)


@pytest.mark.parametrize(
    ("ratings", "users", "movies"), [(10, None, None), (1000, 100, None), (100_000, 5, 100)]
)
def test_impossible_sizes_are_refused(ratings: int, users: int | None, movies: int | None) -> None:
    with pytest.raises(DataError):
        default_sizes(ratings, users, movies)
