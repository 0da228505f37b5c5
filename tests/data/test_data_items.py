"""movies.csv -> items and titles: quoted titles, non-ASCII, missing years, ranges, broken
quotes."""

from __future__ import annotations

import pytest

from personalize_movielens.data.items import parse_movies, parse_year
from personalize_movielens.data.layout import TITLES_COLUMNS
from personalize_movielens.data.movielens import NO_GENRES, parse_genres
from personalize_movielens.errors import DataError
from personalize_movielens.schemas import load_schema


@pytest.mark.parametrize(
    ("title", "year"),
    [
        ("Toy Story (1995)", 1995),
        ("Babylon 5 (1994) ", 1994),
        ("Stranger Things (2016-)", 2016),
        ("Fawlty Towers (1975-1979)", 1975),
        ("Amélie (Fabuleux destin d'Amélie Poulain, Le) (2001)", 2001),
        ("Crouching Tiger, Hidden Dragon (Wo hu cang long) (2000)", 2000),
        ("Hyena Road", None),
        ("Léon: The Professional (a.k.a. The Professional) (Léon)", None),
        ("2001: A Space Odyssey", None),
        ("Movie (0012)", None),
    ],
)
def test_year_comes_from_a_trailing_parenthesis(title: str, year: int | None) -> None:
    assert parse_year(title) == year


def test_no_genres_listed_becomes_empty() -> None:
    assert NO_GENRES == "(no genres listed)"  # as movies.csv writes it
    assert parse_genres(NO_GENRES) is None
    assert parse_genres("Action|Sci-Fi") == "Action|Sci-Fi"


TRICKY = (
    "movieId,title,genres\n"
    "1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy\n"
    '11,"American President, The (1995)",Comedy|Drama|Romance\n'
    '31,"Dr. ""Strange"" Love, A (1964)",Comedy\n'
    "41,Ничего личного (2007),Drama\n"
    "51,Hyena Road,(no genres listed)\n"
    "61,Stranger Things (2016-),Drama\n"
).encode()


def test_items_columns_and_values_follow_the_schema() -> None:
    schema = load_schema("Items")
    df = parse_movies(TRICKY, "movies.csv", schema).items
    assert df.columns == schema.field_names
    rows = {r["ITEM_ID"]: r for r in df.iter_rows(named=True)}
    assert rows["11"]["YEAR"] == 1995
    assert rows["31"]["YEAR"] == 1964
    assert rows["41"]["YEAR"] == 2007
    assert rows["51"] == {"ITEM_ID": "51", "GENRES": None, "YEAR": None}
    assert rows["61"]["YEAR"] == 2016
    assert df.height == 6


def test_titles_are_as_movielens_gives_them() -> None:
    titles = parse_movies(TRICKY, "movies.csv", load_schema("Items")).titles
    assert tuple(titles.columns) == TITLES_COLUMNS
    rows = {r["ITEM_ID"]: r for r in titles.iter_rows(named=True)}
    assert rows["31"]["TITLE"] == 'Dr. "Strange" Love, A (1964)'
    assert rows["41"]["TITLE"] == "Ничего личного (2007)"
    assert rows["51"] == {"ITEM_ID": "51", "TITLE": "Hyena Road", "GENRES": NO_GENRES}
    assert titles.height == 6


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('movieId,title,genres\n1,"Toy Story (1995),Comedy\n2,Heat (1995),Action\n', "line"),
        ('movieId,title,genres\n1,"Toy Story" (1995),Comedy\n', "line 2"),
        ("movieId,title,genres\n1,Toy Story, The (1995),Comedy\n", "line 2"),
        ("movieId,title,genres\nabc,Toy Story (1995),Comedy\n", "line 2"),
        ("movieId,title,genres\n1\u00b2,Toy Story (1995),Comedy\n", "line 2"),  # isdigit(), not int
        ("movieId,name,genres\n1,Toy Story (1995),Comedy\n", "header"),
        ("", "empty"),
    ],
    ids=[
        "unclosed-quote",
        "stray-quote",
        "unquoted-comma",
        "bad-id",
        "superscript-id",
        "bad-header",
        "empty",
    ],
)
def test_broken_movies_csv_names_the_line(text: str, where: str) -> None:
    with pytest.raises(DataError) as info:
        parse_movies(text.encode(), "movies.csv", load_schema("Items"))
    assert "movies.csv" in str(info.value)
    assert where in str(info.value)
