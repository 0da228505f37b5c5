"""`data prepare` on every MovieLens layout, from tiny zips written here byte by byte.

The formats, as each release's README words them:
- ML-1M (https://files.grouplens.org/datasets/movielens/ml-1m-README.txt): "UserID::MovieID::
  Rating::Timestamp", "MovieID::Title::Genres", "UserID::Gender::Age::Occupation::Zip-code",
  "Ratings are made on a 5-star scale (whole-star ratings only)", "Age is chosen from the
  following ranges: * 1: "Under 18" * 18: "18-24" ...", "Occupation is chosen from the
  following choices: * 0: "other" or not specified * 1: "academic/educator" ...".
- ML-100K (https://files.grouplens.org/datasets/movielens/ml-100k-README.txt): u.data "is a tab
  separated list of user id | item id | rating | timestamp"; u.item "movie id | movie title |
  release date | video release date | IMDb URL | unknown | Action | ... | Western | The last 19
  fields are the genres, a 1 indicates the movie is of that genre"; u.user "user id | age |
  gender | occupation | zip code".
- ML-10M (https://files.grouplens.org/datasets/movielens/ml-10m-README.html): the 1M formats,
  "Ratings are made on a 5-star scale, with half-star increments".
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from data_helpers import zip_with
from typer.testing import CliRunner

from personalize_movielens.cli import app
from personalize_movielens.data.formats import ML100K_GENRES
from personalize_movielens.data.layout import (
    INTERACTIONS_FILE,
    ITEMS_FILE,
    REPORT_FILE,
    TITLES_FILE,
    USERS_FILE,
)
from personalize_movielens.data.users import AGE_BUCKETS, OCCUPATIONS_1M, age_bucket
from personalize_movielens.errors import DataError

USERS, MOVIES = 30, 50
T0 = 1_000_000_000
#: Movies with the quirks: Latin-1 letters, commas and quotes, no year.
QUIRKY = {
    1: "Misérables, Les (1995)",
    2: '"Great Day in Harlem, A" (1994)',
    3: "Niño sin año",
}


def _ratings(half_stars: bool = False) -> list[tuple[int, int, str, int]]:
    rows = []
    for u in range(1, USERS + 1):
        for m in range(1, MOVIES + 1):
            stars = (u + m) % 5 + 1
            rating = f"{stars - 0.5 * ((u * m) % 2)}" if half_stars else str(stars)
            rows.append((u, m, rating, T0 + u * 1000 + m))
    return rows


def _title(m: int) -> str:
    return QUIRKY.get(m, f"Movie {m} ({1990 + m % 20})")


def _dat_zip(path: Path, folder: str, encoding: str, users: bool, half: bool = False) -> Path:
    ratings = "".join(f"{u}::{m}::{r}::{t}\n" for u, m, r, t in _ratings(half))
    movies = "".join(
        f"{m}::{_title(m)}::{'(no genres listed)' if m == 4 else 'Comedy|Drama'}\n"
        for m in range(1, MOVIES + 1)
    )
    members = {
        f"{folder}/ratings.dat": ratings.encode(),
        f"{folder}/movies.dat": movies.encode(encoding),
    }
    if users:
        codes = list(AGE_BUCKETS)
        members[f"{folder}/users.dat"] = "".join(
            f"{u}::{'MF'[u % 2]}::{codes[u % 7]}::{u % 21}::55455\n" for u in range(1, USERS + 1)
        ).encode(encoding)
    return zip_with(path, members)


def _uitem_line(m: int) -> str:
    flags = ["0"] * 19
    if m == 4:
        pass  # no genre at all
    elif m == 5:
        flags[0] = "1"  # only "unknown"
    else:
        flags[1] = flags[5] = "1"  # Action, Comedy
    date = "01-Jan-1977" if m == 3 else ""
    return f"{m}|{_title(m)}|{date}||http://us.imdb.com/M/x|" + "|".join(flags)


def _ml100k_zip(path: Path, **replace: bytes) -> Path:
    occupations = ["Technician", "writer", "other"]
    members = {
        "ml-100k/u.data": "".join(f"{u}\t{m}\t{r}\t{t}\n" for u, m, r, t in _ratings()).encode(),
        "ml-100k/u.item": "".join(_uitem_line(m) + "\n" for m in range(1, MOVIES + 1)).encode(
            "latin-1"
        ),
        "ml-100k/u.user": "".join(
            f"{u}|{10 + 2 * u}|{'MF'[u % 2]}|{occupations[u % 3]}|85711\n"
            for u in range(1, USERS + 1)
        ).encode("latin-1"),
    }
    members |= {f"ml-100k/{k}": v for k, v in replace.items()}
    return zip_with(path, members)


def _run(*args: str) -> object:
    return CliRunner().invoke(app, ["data", "prepare", *args])


def _prepare(source: Path, out: Path, *more: str) -> dict[str, object]:
    result = _run("--source", str(source), "--out-dir", str(out), "--json", *more)
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    doc: dict[str, object] = json.loads((out / REPORT_FILE).read_text(encoding="utf-8"))
    return doc


def _csv(path: Path) -> list[dict[str, str]]:
    text = path.read_bytes().decode("utf-8")  # every output is UTF-8
    return list(csv.DictReader(io.StringIO(text)))


def _fails(source: Path, out: Path, *pattern: str, more: tuple[str, ...] = ()) -> str:
    result = _run("--source", str(source), "--out-dir", str(out), *more)
    assert result.exit_code != 0  # type: ignore[attr-defined]
    exc = result.exception  # type: ignore[attr-defined]
    assert isinstance(exc, DataError), result.output  # type: ignore[attr-defined]
    message = str(exc)
    assert "\n" not in message
    for part in pattern:
        assert part in message, message
    assert not out.exists() or not any(out.iterdir()), list(out.iterdir())
    return message


def test_1m_dat_latin1_with_users(tmp_path: Path) -> None:
    out = tmp_path / "out"
    doc = _prepare(_dat_zip(tmp_path / "ml-1m.zip", "ml-1m", "latin-1", True), out)
    assert doc["settings"]["release"] == "1m" and doc["settings"]["layout"] == "dat"  # type: ignore[index]
    inter = _csv(out / INTERACTIONS_FILE)
    assert list(inter[0]) == ["USER_ID", "ITEM_ID", "TIMESTAMP"]
    assert len(inter) == USERS * MOVIES and inter[0] == {
        "USER_ID": "1",
        "ITEM_ID": "1",
        "TIMESTAMP": str(T0 + 1001),
    }
    titles = {r["ITEM_ID"]: r for r in _csv(out / TITLES_FILE)}
    assert [titles[str(m)]["TITLE"] for m in QUIRKY] == list(QUIRKY.values())
    items = {r["ITEM_ID"]: r for r in _csv(out / ITEMS_FILE)}
    assert items["1"] == {"ITEM_ID": "1", "GENRES": "Comedy|Drama", "YEAR": "1995"}
    assert items["3"]["YEAR"] == ""  # no year in the title, none elsewhere in movies.dat
    assert items["4"]["GENRES"] == "" and titles["4"]["GENRES"] == "(no genres listed)"
    users = _csv(out / USERS_FILE)
    assert list(users[0]) == ["USER_ID", "GENDER", "AGE", "OCCUPATION"]
    assert users[0] == {
        "USER_ID": "1",
        "GENDER": "F",
        "AGE": "18-24",
        "OCCUPATION": "academic/educator",
    }
    # the README's words as written: "* 10: "K-12 student"" (not lower-cased)
    assert users[9]["OCCUPATION"] == "K-12 student" and users[6]["AGE"] == "Under 18"
    assert [f["file"] for f in doc["files"]] == [INTERACTIONS_FILE, ITEMS_FILE, USERS_FILE]  # type: ignore[union-attr,index]


def test_the_readme_names(tmp_path: Path) -> None:
    """The tables are the READMEs' (quoted in the module docstring), in their order."""
    assert AGE_BUCKETS == {
        1: "Under 18", 18: "18-24", 25: "25-34", 35: "35-44", 45: "45-49", 50: "50-55", 56: "56+"
    }  # fmt: skip
    assert OCCUPATIONS_1M[0] == "other" and OCCUPATIONS_1M[10] == "K-12 student"
    assert OCCUPATIONS_1M[20] == "writer" and len(OCCUPATIONS_1M) == 21
    assert ML100K_GENRES[:5] == ("unknown", "Action", "Adventure", "Animation", "Children's")
    assert ML100K_GENRES[-1] == "Western" and len(ML100K_GENRES) == 19
    assert [age_bucket(a) for a in (7, 17, 18, 24, 25, 49, 50, 56, 73)] == [
        "Under 18", "Under 18", "18-24", "18-24", "25-34", "45-49", "50-55", "56+", "56+"
    ]  # fmt: skip


def test_10m_half_stars_min_rating_and_no_users(tmp_path: Path) -> None:
    source = _dat_zip(tmp_path / "ml-10m.zip", "ml-10M100K", "utf-8", False, half=True)
    out = tmp_path / "out"
    doc = _prepare(source, out, "--min-rating", "2", "--with-event-value")
    assert doc["settings"]["release"] == "10m"  # type: ignore[index]
    kept = [r for r in _ratings(True) if float(r[2]) >= 2]
    inter = _csv(out / INTERACTIONS_FILE)
    assert [(r["USER_ID"], r["ITEM_ID"], float(r["EVENT_VALUE"])) for r in inter] == [
        (str(u), str(m), float(r)) for u, m, r, _ in kept
    ]
    assert any(r["EVENT_VALUE"].endswith(".5") for r in inter)
    assert not (out / USERS_FILE).exists()
    _fails(source, tmp_path / "out2", "--users", "10m", "1m", "100k", more=("--users",))


def test_100k_flags_latin1_release_date_and_users(tmp_path: Path) -> None:
    out = tmp_path / "out"
    doc = _prepare(
        _ml100k_zip(tmp_path / "ml-100k.zip"),
        out,
        "--domain",
        "video-on-demand",
        "--watch-threshold",
        "2",
    )
    assert doc["settings"]["release"] == "100k" and doc["settings"]["layout"] == "ml100k"  # type: ignore[index]
    inter = _csv(out / INTERACTIONS_FILE)
    assert len(inter) == USERS * MOVIES and {r["EVENT_TYPE"] for r in inter} == {"Watch", "Click"}
    items = {r["ITEM_ID"]: r for r in _csv(out / ITEMS_FILE)}
    titles = {r["ITEM_ID"]: r for r in _csv(out / TITLES_FILE)}
    assert items["6"]["GENRES"] == "Action|Comedy" and titles["6"]["GENRES"] == "Action|Comedy"
    # all-zero flags and only "unknown": no genres (the domain's stand-in value)
    assert titles["4"]["GENRES"] == titles["5"]["GENRES"] == "(no genres listed)"
    assert items["4"]["GENRES"] == items["5"]["GENRES"] == "(no genres listed)"
    assert titles["3"]["TITLE"] == "Niño sin año" and items["3"]["YEAR"] == "1977"  # the date's
    assert items["1"]["YEAR"] == "1995"  # the title's
    users = {r["USER_ID"]: r for r in _csv(out / USERS_FILE)}
    assert users["1"] == {"USER_ID": "1", "GENDER": "F", "AGE": "Under 18", "OCCUPATION": "writer"}
    assert users["3"]["OCCUPATION"] == "technician" and users["30"]["AGE"] == "56+"


def test_latest_small_csv_is_recognised(tmp_path: Path, synth_dir: Path) -> None:
    source = zip_with(
        tmp_path / "ml-latest-small.zip",
        {
            f"ml-latest-small/{n}": (synth_dir / n).read_bytes()
            for n in ("ratings.csv", "movies.csv")
        },
    )
    doc = _prepare(source, tmp_path / "out")
    assert doc["settings"]["release"] == "latest-small"  # type: ignore[index]
    assert not (tmp_path / "out" / USERS_FILE).exists()


def test_stale_users_file_is_removed(tmp_path: Path, synth_zip: Path) -> None:
    out = tmp_path / "out"
    _prepare(_ml100k_zip(tmp_path / "ml-100k.zip"), out)
    assert (out / USERS_FILE).exists()
    _prepare(synth_zip, out)
    assert not (out / USERS_FILE).exists()


def test_unknown_layout_names_what_it_found(tmp_path: Path) -> None:
    source = zip_with(tmp_path / "x.zip", {"data/a.txt": b"1", "data/b.tsv": b"2"})
    _fails(
        source,
        tmp_path / "out",
        "not a MovieLens layout",
        "data/a.txt",
        "known layouts",
        "dat (ratings.dat",
    )


@pytest.mark.parametrize(
    ("member", "line", "expected"),
    [
        ("ratings.dat", "7::1::5::1000000000::9", "ratings.dat: line 5 has 5 fields, expected 4"),
        ("ratings.dat", "7:1::5::1000000000", "ratings.dat: line 5 has 3 fields, expected 4"),
        (
            "ratings.dat",
            "7::x::5::1000000000",
            "ratings.dat: line 5: movieId 'x' is not an integer",
        ),
        ("movies.dat", "5::Title, with :: inside (1990)::Drama", "movies.dat: line 5 has 4 fields"),
        ("users.dat", "5::M::25::3", "users.dat: line 5 has 4 fields, expected 5"),
    ],
)
def test_a_dat_line_with_the_wrong_fields_names_file_and_line(
    tmp_path: Path, member: str, line: str, expected: str
) -> None:
    good = _dat_zip(tmp_path / "good.zip", "ml-1m", "latin-1", True)
    import zipfile

    with zipfile.ZipFile(good) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    lines = members[f"ml-1m/{member}"].split(b"\n")
    lines[4] = line.encode()
    members[f"ml-1m/{member}"] = b"\n".join(lines)
    _fails(zip_with(tmp_path / "bad.zip", members), tmp_path / "out", expected)


def test_uitem_with_the_wrong_flag_count(tmp_path: Path) -> None:
    lines = [_uitem_line(m) for m in range(1, MOVIES + 1)]
    lines[2] += "|0"
    source = _ml100k_zip(tmp_path / "ml-100k.zip", **{"u.item": "\n".join(lines).encode("latin-1")})
    _fails(source, tmp_path / "out", "u.item: line 3 has 25 fields, expected 24", "19 genre flags")


def test_uitem_flag_not_0_or_1(tmp_path: Path) -> None:
    lines = [_uitem_line(m) for m in range(1, MOVIES + 1)]
    lines[1] = lines[1][:-1] + "2"
    source = _ml100k_zip(tmp_path / "ml-100k.zip", **{"u.item": "\n".join(lines).encode("latin-1")})
    _fails(source, tmp_path / "out", "u.item: line 2: genre flag Western is '2', expected 0 or 1")


def test_bytes_not_in_the_declared_encoding(tmp_path: Path) -> None:
    # 10m declares UTF-8: a Latin-1 é is not UTF-8.
    source = _dat_zip(tmp_path / "ml-10m.zip", "ml-10M100K", "latin-1", False)
    _fails(source, tmp_path / "out", "movies.dat: line 1 is not valid UTF-8")
    # 100k declares Latin-1: cp1252's curly quote (0x92) decodes to a control code.
    item = "\n".join(_uitem_line(m) for m in range(1, MOVIES + 1)).encode("latin-1")
    item = item.replace(b"Movie 7 ", b"Movie\x92s 7 ")
    source = _ml100k_zip(tmp_path / "ml-100k.zip", **{"u.item": item})
    _fails(source, tmp_path / "out2", "u.item: line 7: 0x92 is a control code, not text")


def test_prepare_from_a_directory_of_dat_files(tmp_path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(_dat_zip(tmp_path / "z.zip", "ml-1m", "latin-1", True)) as zf:
        zf.extractall(tmp_path / "src")
    doc = _prepare(tmp_path / "src", tmp_path / "out")
    assert doc["settings"]["release"] == "1m"  # type: ignore[index]
    assert len(_csv(tmp_path / "out" / USERS_FILE)) == USERS
