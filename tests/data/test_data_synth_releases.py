"""`data synth --release R` writes each MovieLens release's own files, separators and encoding.

Every zip is opened with zipfile and parsed by hand here (not through the readers under test
elsewhere), against the releases' own READMEs, quoted in each test with its address.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from personalize_movielens.cli import app
from personalize_movielens.data.movielens import NO_GENRES
from personalize_movielens.data.releases import RELEASES
from personalize_movielens.data.synth import write_synthetic_movielens
from personalize_movielens.errors import DataError

RATINGS = 3000
SEED = 7
#: ML-1M README: genres "selected from the following genres" (ML-100K's u.item flags are the
#: same, after "unknown"); the CSV releases say "Children" and add IMAX.
ML1M_GENRES = {
    "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
    "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller",
    "War", "Western",
}  # fmt: skip
CSV_GENRES = (ML1M_GENRES - {"Children's"}) | {"Children", "IMAX", NO_GENRES}
#: Latin-1 bytes of é, ñ, ü (UTF-8 would write C3 A9, C3 B1, C3 BC).
LATIN1_ACCENTS = (b"\xe9", b"\xf1", b"\xfc")


@pytest.fixture(scope="module")
def zips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("releases")
    return {
        name: write_synthetic_movielens(
            out / release.zip_name, ratings=RATINGS, seed=SEED, release=name
        )
        for name, release in RELEASES.items()
    }


def _members(path: Path) -> dict[str, bytes]:
    """The zip's files by name inside the release's folder (every member must be in it)."""
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        folders = {n.split("/", 1)[0] for n in names}
        assert len(folders) == 1, names
        return {n.split("/", 1)[1]: zf.read(n) for n in names}


def _lines(data: bytes, encoding: str) -> list[str]:
    text = data.decode(encoding)
    assert text.endswith("\n") and "\r" not in text
    return text.splitlines()


@pytest.mark.parametrize("name", list(RELEASES))
def test_each_zip_is_under_the_release_folder(zips: dict[str, Path], name: str) -> None:
    """GroupLens zips unpack to one folder: ml-100k/, ml-1m/, ml-10M100K/, ml-25m/ ..."""
    with zipfile.ZipFile(zips[name]) as zf:
        assert {n.split("/", 1)[0] for n in zf.namelist()} == {RELEASES[name].folder}


def test_ml100k_files_separators_flags_and_latin1(zips: dict[str, Path]) -> None:
    """ML-100K README (https://files.grouplens.org/datasets/movielens/ml-100k-README.txt):

    "u.data -- The full u data set, 100000 ratings by 943 users on 1682 items. Each user has
    rated at least 20 movies. Users and items are numbered consecutively from 1. The data is
    randomly ordered. This is a tab separated list of user id | item id | rating | timestamp."
    "u.item -- Information about the items (movies); this is a tab separated list of movie id |
    movie title | release date | video release date | IMDb URL | unknown | Action | Adventure |
    ... | Western | The last 19 fields are the genres, a 1 indicates the movie is of that genre,
    a 0 indicates it is not; movies can be in several genres at once."
    "u.user -- Demographic information about the users; this is a tab separated list of user id
    | age | gender | occupation | zip code"; "u.genre -- A list of the genres."; "u.occupation --
    A list of the occupations."; "100,000 ratings (1-5)".

    The README's "tab separated" for u.item and u.user means the `|` it draws: the real files
    are `|`-separated ("1|24|M|technician|85711"), and Latin-1.
    """
    files = _members(zips["100k"])
    assert set(files) == {
        "u.data",
        "u.item",
        "u.user",
        "u.genre",
        "u.occupation",
        "u.info",
        "README",
    }

    ratings = [line.split("\t") for line in _lines(files["u.data"], "ascii")]
    assert len(ratings) == RATINGS and {len(r) for r in ratings} == {4}
    assert {r[2] for r in ratings} <= {"1", "2", "3", "4", "5"}
    users = [int(r[0]) for r in ratings]
    assert users != sorted(users)  # randomly ordered, not by user
    assert min(int(r[3]) for r in ratings) >= 874_627_200  # 1997-09-19

    genres = [line.split("|") for line in _lines(files["u.genre"].rstrip(b"\n") + b"\n", "latin-1")]
    assert [g[0] for g in genres][:2] == ["unknown", "Action"] and len(genres) == 19
    assert {g[0] for g in genres[1:]} == ML1M_GENRES
    assert [int(g[1]) for g in genres] == list(range(19))

    items = [line.split("|") for line in _lines(files["u.item"], "latin-1")]
    assert {len(i) for i in items} == {5 + 19}
    assert [int(i[0]) for i in items] == list(range(1, len(items) + 1))  # consecutive from 1
    assert {int(r[1]) for r in ratings} <= {int(i[0]) for i in items}
    flags = [i[5:] for i in items]
    assert all(set(f) <= {"0", "1"} for f in flags)
    # A movie without genres: "unknown" is its only flag (as ML-100K's own unknown movies).
    only_unknown = [f for f in flags if f[0] == "1"]
    assert only_unknown and all(f[1:] == ["0"] * 18 for f in only_unknown)
    assert all("1" in f for f in flags)
    assert all(re.fullmatch(r"\d\d-[A-Z][a-z]{2}-\d{4}", i[2]) or i[2] == "" for i in items)
    titles = [i[1] for i in items]
    assert any("," in t for t in titles) and any('"' in t for t in titles)
    assert any(not re.search(r"\(\d{4}-?\)\s*$", t) for t in titles)  # no year

    # Latin-1 really: the accented bytes are there, and they are not UTF-8.
    for accent in LATIN1_ACCENTS:
        assert accent in files["u.item"]
    with pytest.raises(UnicodeDecodeError):
        files["u.item"].decode("utf-8")
    assert {"Misérables, Les", "Niño de la Bola, El"} <= {re.sub(r" \(.*", "", t) for t in titles}

    occupations = set(_lines(files["u.occupation"], "latin-1"))
    users_rows = [line.split("|") for line in _lines(files["u.user"], "latin-1")]
    assert {len(u) for u in users_rows} == {5}
    assert [int(u[0]) for u in users_rows] == list(range(1, len(users_rows) + 1))
    assert {u[2] for u in users_rows} == {"M", "F"}
    assert {u[3] for u in users_rows} <= occupations and len(occupations) == 21
    assert all(7 <= int(u[1]) <= 73 for u in users_rows)
    assert any(not u[4].isdigit() for u in users_rows)  # ML-100K has Canadian zip codes
    assert max(users) == len(users_rows)


def test_ml1m_dat_files_whole_stars_demographics_latin1(zips: dict[str, Path]) -> None:
    """ML-1M README (https://files.grouplens.org/datasets/movielens/ml-1m-README.txt):

    "All ratings are contained in the file "ratings.dat" and are in the following format:
    UserID::MovieID::Rating::Timestamp ... Ratings are made on a 5-star scale (whole-star
    ratings only)"; "User information is in the file "users.dat" and is in the following format:
    UserID::Gender::Age::Occupation::Zip-code ... Gender is denoted by a "M" for male and "F" for
    female. Age is chosen from the following ranges: 1: "Under 18", 18: "18-24", 25: "25-34",
    35: "35-44", 45: "45-49", 50: "50-55", 56: "56+". Occupation is chosen from the following
    choices: 0: "other" or not specified ... 20: "writer""; "Movie information is in the file
    "movies.dat" and is in the following format: MovieID::Title::Genres".
    """
    files = _members(zips["1m"])
    assert set(files) == {"ratings.dat", "movies.dat", "users.dat", "README"}

    ratings = [line.split("::") for line in _lines(files["ratings.dat"], "latin-1")]
    assert len(ratings) == RATINGS and {len(r) for r in ratings} == {4}
    assert {r[2] for r in ratings} == {"1", "2", "3", "4", "5"}

    raw_movies = files["movies.dat"]
    movies = [line.split("::") for line in _lines(raw_movies, "latin-1")]
    assert {len(m) for m in movies} == {3}  # titles have ':' but never '::'
    titles = [m[1] for m in movies]
    assert any(":" in t for t in titles)
    assert any("," in t for t in titles)
    assert any('"Love"' in t for t in titles)  # not CSV-quoted: the quote is the title's
    assert {g for m in movies for g in m[2].split("|")} <= ML1M_GENRES  # none without genres
    for accent in LATIN1_ACCENTS:
        assert accent in raw_movies
    with pytest.raises(UnicodeDecodeError):
        raw_movies.decode("utf-8")

    users = [line.split("::") for line in _lines(files["users.dat"], "latin-1")]
    assert {len(u) for u in users} == {5}
    assert {u[1] for u in users} == {"M", "F"}
    assert {int(u[2]) for u in users} <= {1, 18, 25, 35, 45, 50, 56}
    assert {int(u[3]) for u in users} <= set(range(21))
    assert any("-" in u[4] for u in users)  # ZIP+4 codes, as in ML-1M
    assert max(int(r[0]) for r in ratings) == len(users)


def test_ml10m_dat_files_half_stars_tags_utf8(zips: dict[str, Path]) -> None:
    """ML-10M README (http://files.grouplens.org/papers/ml-10m-README.html):

    "The data are contained in three files, movies.dat, ratings.dat and tags.dat."
    "UserID::MovieID::Rating::Timestamp ... Ratings are made on a 5-star scale, with half-star
    increments."; "UserID::MovieID::Tag::Timestamp"; "MovieID::Title::Genres".
    Its ratings read "1::122::5::838985046" and "3::590::3.5::1136075494": no ".0".
    """
    files = _members(zips["10m"])
    assert {"ratings.dat", "movies.dat", "tags.dat"} <= set(files)
    ratings = [line.split("::") for line in _lines(files["ratings.dat"], "utf-8")]
    assert {len(r) for r in ratings} == {4}
    values = {r[2] for r in ratings}
    assert "4.5" in values and "5" in values and "5.0" not in values
    assert values <= {str(x / 2).removesuffix(".0") for x in range(1, 11)}
    movies = [line.split("::") for line in _lines(files["movies.dat"], "utf-8")]
    assert {len(m) for m in movies} == {3}
    assert NO_GENRES in {m[2] for m in movies}
    assert any(not m[1].isascii() for m in movies)
    tags = [line.split("::") for line in _lines(files["tags.dat"], "utf-8")]
    assert {len(t) for t in tags} == {4}


#: The CSV releases' READMEs: "The data are contained in six files, genome-scores.csv,
#: genome-tags.csv, links.csv, movies.csv, ratings.csv and tags.csv" (ml-20m-README.html;
#: ML-25M and ml-latest the same), "The data are contained in the files links.csv, movies.csv,
#: ratings.csv and tags.csv" (ml-32m-README.html, ml-latest-small's README.txt).
CSV_FILES = {
    "20m": {"genome-scores.csv", "genome-tags.csv", "links.csv", "movies.csv", "ratings.csv"},
    "25m": {"genome-scores.csv", "genome-tags.csv", "links.csv", "movies.csv", "ratings.csv"},
    "latest": {"genome-scores.csv", "genome-tags.csv", "links.csv", "movies.csv", "ratings.csv"},
    "32m": {"links.csv", "movies.csv", "ratings.csv"},
    "latest-small": {"links.csv", "movies.csv", "ratings.csv"},
}


@pytest.mark.parametrize("name", sorted(CSV_FILES))
def test_csv_releases_headers_quoting_half_stars(zips: dict[str, Path], name: str) -> None:
    """https://files.grouplens.org/datasets/movielens/ml-32m-README.html: "Each line of this file
    after the header row represents one rating ... userId,movieId,rating,timestamp ... Ratings
    are made on a 5-star scale, with half-star increments (0.5 stars - 5.0 stars)"; movies.csv
    "movieId,title,genres", genres from a list ending "(no genres listed)"."""
    files = _members(zips[name])
    assert set(files) == CSV_FILES[name] | {"tags.csv", "README.txt"}
    ratings = list(csv.reader(io.StringIO(files["ratings.csv"].decode("utf-8"))))
    assert ratings[0] == ["userId", "movieId", "rating", "timestamp"]
    assert {r[2] for r in ratings[1:]} <= {f"{x / 2:.1f}" for x in range(1, 11)}
    assert "4.5" in {r[2] for r in ratings[1:]}
    movies = list(csv.reader(io.StringIO(files["movies.csv"].decode("utf-8"), newline="")))
    assert movies[0] == ["movieId", "title", "genres"] and {len(m) for m in movies} == {3}
    assert {g for m in movies[1:] for g in m[2].split("|")} <= CSV_GENRES
    assert NO_GENRES in {m[2] for m in movies}
    titles = [m[1] for m in movies[1:]]
    assert any("," in t for t in titles) and any('"' in t for t in titles)
    assert any("é" in t for t in titles)


def test_25m_is_byte_identical_to_before_releases(zips: dict[str, Path]) -> None:
    """Tests and benchmarks rely on ML-25M's synthetic files: the digest of every member (name,
    date, bytes) for ratings=3000, seed=7 was taken from the generator before --release."""
    digest = hashlib.sha256()
    with zipfile.ZipFile(zips["25m"]) as zf:
        for info in zf.infolist():
            digest.update(info.filename.encode() + b"\0" + repr(info.date_time).encode() + b"\0")
            digest.update(zf.read(info) + b"\0")
    assert digest.hexdigest() == "8e6feefe6fcfe7ddbc7324533fab917edd3b5135f81b23c3725038a2f20ac968"


def test_same_seed_same_bytes_for_every_layout(tmp_path: Path, zips: dict[str, Path]) -> None:
    for name in ("100k", "1m", "10m"):
        again = write_synthetic_movielens(
            tmp_path / f"{name}.zip", ratings=RATINGS, seed=SEED, release=name
        )
        assert again.read_bytes() == zips[name].read_bytes()


def test_unknown_release_is_one_line_naming_the_known_ones(tmp_path: Path) -> None:
    out = tmp_path / "x.zip"
    with pytest.raises(DataError) as err:
        write_synthetic_movielens(out, ratings=RATINGS, release="2m")
    assert "\n" not in str(err.value)
    assert all(name in str(err.value) for name in RELEASES)
    assert not out.exists()


def test_cli_synth_release(tmp_path: Path) -> None:
    out = tmp_path / "ml-1m.zip"
    args = ["data", "synth", "--release", "1m", "--ratings", "2000", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert set(_members(out)) == {"ratings.dat", "movies.dat", "users.dat", "README"}
    bad = CliRunner().invoke(app, ["data", "synth", "--release", "ml-1m", "--out", str(out)])
    # cli.main prints a PersonalizeMovielensError on one line and exits 1.
    assert bad.exit_code != 0 and isinstance(bad.exception, DataError)
    assert "known: 100k, 1m, 10m, 20m, 25m, 32m, latest-small, latest" in str(bad.exception)
