"""The catalog behind recommend and similar: titles from `data prepare`'s output, nothing else."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from personalize_movielens.data.prepare import prepare
from personalize_movielens.data.synth import write_synthetic_movielens
from personalize_movielens.errors import DataError
from personalize_movielens.workflow.catalog import load_catalog

ITEMS = "ITEM_ID,GENRES,YEAR\n1,Adventure|Comedy,1995\n2,,\n"
TITLES = (
    "ITEM_ID,TITLE,GENRES\n"
    '1,"Toy Story, The (1995)",Adventure|Comedy\n'
    "2,Hyena Road,(no genres listed)\n"
    "3,Heat (1995),Action|Crime\n"
)


def test_titles_join_the_items(tmp_path: Path) -> None:
    (tmp_path / "items.csv").write_text(ITEMS)
    (tmp_path / "titles.csv").write_text(TITLES)
    catalog = load_catalog(tmp_path)
    assert catalog["1"].title == "Toy Story, The (1995)"
    assert (catalog["1"].genres, catalog["1"].year) == ("Adventure|Comedy", "1995")
    assert (catalog["2"].title, catalog["2"].genres, catalog["2"].year) == (
        "Hyena Road",
        None,
        None,
    )
    # Not in items.csv: MovieLens' genres, as items.csv would have them.
    assert (catalog["3"].genres, catalog["3"].year) == ("Action|Crime", None)


def test_the_titles_prepare_writes_are_the_catalog(tmp_path: Path) -> None:
    source = write_synthetic_movielens(tmp_path / "ml-25m.zip", ratings=3000, seed=7)
    out = prepare(source, tmp_path / "data")
    with zipfile.ZipFile(source) as zf:
        movies = zf.read("ml-25m/movies.csv").decode("utf-8")
    catalog = load_catalog(out.items.parent)
    lines = movies.splitlines()[1:]
    assert len(catalog) == len(lines)
    assert any(not movie.title.isascii() for movie in catalog.values() if movie.title)
    assert all(movie.title for movie in catalog.values())


def test_without_titles_there_is_no_catalog(tmp_path: Path) -> None:
    """Only prepared output is read: MovieLens files lying in the folder are not a source."""
    (tmp_path / "items.csv").write_text(ITEMS)
    (tmp_path / "movies.csv").write_text("movieId,title,genres\n1,Toy Story (1995),Comedy\n")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("ml-25m/movies.csv", "movieId,title,genres\n1,Toy Story (1995),Comedy\n")
    (tmp_path / "ml-25m.zip").write_bytes(buffer.getvalue())
    assert load_catalog(tmp_path) == {}
    assert load_catalog(None) == {}
    assert load_catalog(tmp_path / "missing") == {}


def test_a_titles_file_prepare_did_not_write_is_one_error(tmp_path: Path) -> None:
    (tmp_path / "titles.csv").write_text("movieId,title,genres\n1,Toy Story (1995),Comedy\n")
    with pytest.raises(DataError) as info:
        load_catalog(tmp_path)
    line = info.value.one_line()
    assert str(tmp_path / "titles.csv") in line and "data prepare" in line
