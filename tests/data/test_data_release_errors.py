"""`data prepare` and `data validate` on MovieLens sources that are not laid out as GroupLens
ships them: two layouts in one source, a renamed 1m folder, broken ratings lines, a missing users
file, an empty ratings file; `data validate` on users.csv.

The releases' READMEs name their files: ML-1M (https://files.grouplens.org/datasets/movielens/
ml-1m-README.txt) "ratings.dat, users.dat, movies.dat", written in Latin-1 (its titles hold
"é" as one byte); ML-10M (https://files.grouplens.org/datasets/movielens/ml-10m-README.html)
"ratings.dat, tags.dat, movies.dat". So a 1m whose folder is renamed is still told by users.dat,
a 10m by tags.dat.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from data_helpers import zip_with
from typer.testing import CliRunner

from personalize_movielens.cli import app
from personalize_movielens.data.layout import INTERACTIONS_FILE, REPORT_FILE, USERS_FILE
from personalize_movielens.errors import DataError

USERS, MOVIES = 40, 30  # 1,200 ratings: above Personalize's 1,000-interaction minimum
RATINGS_DAT = "".join(f"{u}::{m}::{(u + m) % 5 + 1}::{1_000_000_000 + u * 100 + m}\n"
                      for u in range(1, USERS + 1) for m in range(1, MOVIES + 1))  # fmt: skip
#: Latin-1 bytes, as ML-1M's movies.dat holds them ("é" is 0xe9, not valid UTF-8).
MOVIES_DAT = "".join(f"{m}::Misérables {m} (1995)::Drama\n" for m in range(1, MOVIES + 1)).encode(
    "latin-1"
)
USERS_DAT = "".join(f"{u}::{'MF'[u % 2]}::25::10::55455\n" for u in range(1, USERS + 1)).encode()
RATINGS_CSV = "userId,movieId,rating,timestamp\n" + "".join(
    f"{u},{m},{(u + m) % 5 + 1}.0,{1_000_000_000 + u * 100 + m}\n"
    for u in range(1, USERS + 1)
    for m in range(1, MOVIES + 1)
)
MOVIES_CSV = "movieId,title,genres\n" + "".join(
    f"{m},Movie {m} (1995),Drama\n" for m in range(1, MOVIES + 1)
)


def _run(*args: str) -> object:
    return CliRunner().invoke(app, ["data", *args])


def _prepare(source: Path, out: Path, *more: str) -> dict[str, object]:
    result = _run("prepare", "--source", str(source), "--out-dir", str(out), "--json", *more)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    doc: dict[str, object] = json.loads((out / REPORT_FILE).read_text(encoding="utf-8"))
    return doc


def _fails(source: Path, out: Path, *parts: str, more: tuple[str, ...] = ()) -> str:
    """prepare fails with one line holding every part, and nothing is written."""
    result = _run("prepare", "--source", str(source), "--out-dir", str(out), *more)
    exc = result.exception  # type: ignore[attr-defined]
    assert result.exit_code != 0 and isinstance(exc, DataError), result.output  # type: ignore[attr-defined]
    message = str(exc)
    assert "\n" not in message
    for part in parts:
        assert part in message, message
    assert not out.exists() or not any(out.iterdir()), list(out.iterdir())
    return message


def _one_m(path: Path, folder: str, users: bool = True) -> Path:
    top = f"{folder}/" if folder else ""
    members = {f"{top}ratings.dat": RATINGS_DAT.encode(), f"{top}movies.dat": MOVIES_DAT}
    if users:
        members[f"{top}users.dat"] = USERS_DAT
    return zip_with(path, members)


def test_two_layouts_in_one_source_are_refused_naming_both(tmp_path: Path) -> None:
    source = zip_with(
        tmp_path / "mixed.zip",
        {
            "ml-25m/ratings.csv": RATINGS_CSV.encode(),
            "ml-25m/movies.csv": MOVIES_CSV.encode(),
            "ml-1m/ratings.dat": RATINGS_DAT.encode(),
            "ml-1m/movies.dat": MOVIES_DAT,
        },
    )
    _fails(source, tmp_path / "out", "ml-25m/ratings.csv", "ml-1m/ratings.dat", "csv", "dat")


def test_two_layouts_in_a_folder_are_refused(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "ratings.csv").write_text(RATINGS_CSV)
    (source / "movies.csv").write_text(MOVIES_CSV)
    (source / "u.data").write_text("1\t1\t5\t1000000000\n")
    (source / "u.item").write_text("1|A (1995)||||" + "|".join(["0"] * 19) + "\n")
    _fails(source, tmp_path / "out", "ratings.csv", "u.data", "ml100k")


def test_two_releases_of_one_layout_side_by_side_are_refused(tmp_path: Path) -> None:
    """ml-1m and ml-10M100K unzipped in one folder: 10m's ratings with 1m's users would be a
    mix no release holds."""
    source = tmp_path / "data"
    for folder in ("ml-1m", "ml-10M100K"):
        (source / folder).mkdir(parents=True)
        (source / folder / "ratings.dat").write_text(RATINGS_DAT)
        (source / folder / "movies.dat").write_bytes(MOVIES_DAT)
    (source / "ml-1m" / "users.dat").write_bytes(USERS_DAT)
    _fails(source, tmp_path / "out", "ml-10M100K/ratings.dat", "ml-1m/ratings.dat", "one release")


def test_movies_are_read_from_the_ratings_folder_only(tmp_path: Path) -> None:
    """ml-20m's ratings.csv without its movies.csv, ml-32m's movies.csv elsewhere: refused, not
    20m's ratings with 32m's movies."""
    source = zip_with(
        tmp_path / "mixed.zip",
        {"ml-20m/ratings.csv": RATINGS_CSV.encode(), "ml-32m/movies.csv": MOVIES_CSV.encode()},
    )
    _fails(source, tmp_path / "out", "no movies.csv beside ml-20m/ratings.csv")


def test_a_latin1_release_resaved_as_utf8_reads_the_same(tmp_path: Path) -> None:
    """ML-1M's movies.dat re-saved as UTF-8 (a common edit): the same titles, not mojibake."""
    latin1, utf8 = tmp_path / "latin1", tmp_path / "utf8"
    _prepare(_one_m(tmp_path / "a.zip", "ml-1m"), latin1)
    members = {
        "ml-1m/ratings.dat": RATINGS_DAT.encode(),
        "ml-1m/movies.dat": MOVIES_DAT.decode("latin-1").encode("utf-8"),
        "ml-1m/users.dat": USERS_DAT,
    }
    _prepare(zip_with(tmp_path / "b.zip", members), utf8)
    titles = (utf8 / "titles.csv").read_text(encoding="utf-8")
    assert "Misérables 1 (1995)" in titles
    assert titles == (latin1 / "titles.csv").read_text(encoding="utf-8")


def test_a_control_code_in_a_latin1_release_fails_even_when_it_is_valid_utf8(
    tmp_path: Path,
) -> None:
    """Pure ASCII is valid UTF-8 too: a NUL (a zero-filled block) must still fail, not reach
    titles.csv."""
    movies = MOVIES_DAT.decode("latin-1").replace("é", "e").encode("ascii")
    movies = movies.replace(b"Miserables 3", b"Mis\x00erables 3")
    members = {
        "ml-1m/ratings.dat": RATINGS_DAT.encode(),
        "ml-1m/movies.dat": movies,
        "ml-1m/users.dat": USERS_DAT,
    }
    source = zip_with(tmp_path / "ml-1m.zip", members)
    _fails(source, tmp_path / "out", "movies.dat: line 3: 0x00 is a control code, not text")


@pytest.mark.parametrize("folder", ["ML-1M", "movielens-1m", ""])
def test_1m_in_a_renamed_folder_is_still_1m_and_latin1(tmp_path: Path, folder: str) -> None:
    out = tmp_path / "out"
    doc = _prepare(_one_m(tmp_path / "download.zip", folder), out)
    assert doc["settings"]["release"] == "1m"  # type: ignore[index]
    assert "Misérables 1 (1995)" in (out / "titles.csv").read_text(encoding="utf-8")
    assert (out / USERS_FILE).exists()


def test_10m_in_a_renamed_folder_is_told_by_tags_dat(tmp_path: Path) -> None:
    source = zip_with(
        tmp_path / "x.zip",
        {
            "movielens/ratings.dat": RATINGS_DAT.encode(),
            "movielens/movies.dat": MOVIES_DAT.decode("latin-1").encode(),
            "movielens/tags.dat": b"1::1::fun::1000000000\n",
        },
    )
    assert _prepare(source, tmp_path / "out")["settings"]["release"] == "10m"  # type: ignore[index]


def test_an_unrecognised_dat_release_says_so_when_it_cannot_decode(tmp_path: Path) -> None:
    source = _one_m(tmp_path / "x.zip", "movielens", users=False)
    message = _fails(source, tmp_path / "out", "movies.dat", "line 1", "release not recognised")
    assert "decoded as UTF-8" in message and "this release declares" not in message


USERS_CSV = "USER_ID,GENDER,AGE,OCCUPATION\n" + "".join(
    f"{u},{'MF'[u % 2]},25-34,K-12 student\n" for u in range(1, 30)
)


@pytest.mark.parametrize("name", ["users.csv", "people.csv"])
def test_validate_tells_a_users_file_by_its_header(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(USERS_CSV, encoding="utf-8")
    result = _run("validate", str(path), "--json")
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    doc = json.loads(result.output)  # type: ignore[attr-defined]
    assert doc[0]["dataset_type"] == "Users", doc


def test_validate_tells_a_users_file_by_its_name(tmp_path: Path) -> None:
    """A users file whose header is wrong is checked as Users (and fails on the header)."""
    path = tmp_path / "my-users.csv"
    path.write_text(USERS_CSV.replace("GENDER", "SEX"), encoding="utf-8")
    result = _run("validate", str(path), "--json")
    doc = json.loads(result.output)  # type: ignore[attr-defined]
    assert result.exit_code != 0 and doc[0]["dataset_type"] == "Users", result.output  # type: ignore[attr-defined]


def test_validate_hint_names_users(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("A,B\n1,2\n", encoding="utf-8")
    exc = _run("validate", str(path)).exception  # type: ignore[attr-defined]
    assert isinstance(exc, DataError) and "--type Users" in (exc.hint or ""), exc


def _csv_source(tmp_path: Path, bad_line: bytes, as_zip: bool) -> Path:
    """ratings.csv with its 7th line (data row 6) replaced by `bad_line`."""
    lines = RATINGS_CSV.encode().splitlines(keepends=True)
    lines[6] = bad_line
    members = {"ml-25m/ratings.csv": b"".join(lines), "ml-25m/movies.csv": MOVIES_CSV.encode()}
    if as_zip:
        return zip_with(tmp_path / "ml-25m.zip", members)
    for name, data in members.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    return tmp_path / "ml-25m"


@pytest.mark.parametrize("as_zip", [False, True], ids=["folder", "zip"])
@pytest.mark.parametrize("more", [(), ("--with-event-value",)], ids=["plain", "event-value"])
@pytest.mark.parametrize(
    ("bad_line", "expected"),
    [
        (b"1,6,3.0,1000000106,9\n", "line 7 has 5 fields, expected 4"),
        (b"1,6,3.0\n", "line 7 has 3 fields, expected 4"),
        (b"1\xe9,6,3.0,1000000106\n", "line 7 is not valid UTF-8"),
    ],
    ids=["five-fields", "three-fields", "not-utf8"],
)
def test_a_bad_ratings_csv_line_is_named(
    tmp_path: Path, bad_line: bytes, expected: str, more: tuple[str, ...], as_zip: bool
) -> None:
    source = _csv_source(tmp_path, bad_line, as_zip)
    _fails(source, tmp_path / "out", "ratings.csv", expected, more=more)


def test_users_on_a_1m_without_users_dat_names_the_missing_file(tmp_path: Path) -> None:
    source = _one_m(tmp_path / "ml-1m.zip", "ml-1m", users=False)
    message = _fails(source, tmp_path / "out", "ml-1m/users.dat is missing", more=("--users",))
    assert "has no user demographics" not in message


@pytest.mark.parametrize("release", ["1m", "100k"])
def test_a_release_without_its_users_file_is_prepared_with_one_warning(
    tmp_path: Path, release: str
) -> None:
    if release == "1m":
        source = _one_m(tmp_path / "ml-1m.zip", "ml-1m", users=False)
        missing = "ml-1m/users.dat"
    else:
        lines = [f"{u}\t{m}\t{(u + m) % 5 + 1}\t{1_000_000_000 + u * 100 + m}\n"
                 for u in range(1, USERS + 1) for m in range(1, MOVIES + 1)]  # fmt: skip
        item = "|".join(["0"] * 18 + ["1"])
        source = zip_with(
            tmp_path / "ml-100k.zip",
            {
                "ml-100k/u.data": "".join(lines).encode(),
                "ml-100k/u.item": "".join(
                    f"{m}|M {m} (1990)||||{item}\n" for m in range(1, MOVIES + 1)
                ).encode(),
            },
        )
        missing = "ml-100k/u.user"
    out = tmp_path / "out"
    result = _run("prepare", "--source", str(source), "--out-dir", str(out))
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]  # type: ignore[attr-defined]
    assert len(warnings) == 1 and f"{missing} is missing" in warnings[0], result.stderr  # type: ignore[attr-defined]
    assert (out / INTERACTIONS_FILE).exists() and not (out / USERS_FILE).exists()


@pytest.mark.parametrize(
    ("ratings", "movies"),
    [("ml-1m/ratings.dat", "ml-1m/movies.dat"), ("ml-100k/u.data", "ml-100k/u.item")],
)
def test_an_empty_ratings_file_says_so(tmp_path: Path, ratings: str, movies: str) -> None:
    source = zip_with(tmp_path / "x.zip", {ratings: b"", movies: b""})
    _fails(source, tmp_path / "out", ratings, "the file is empty")
