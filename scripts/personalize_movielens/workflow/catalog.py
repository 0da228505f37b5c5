"""Movie titles and genres for showing recommendations: what `data prepare` wrote, nothing else.

Personalize imports `items.csv` (ITEM_ID, GENRES, YEAR) but not the titles, so `data prepare`
writes them beside it in `titles.csv` (ITEM_ID, TITLE, GENRES as MovieLens gives them). The
catalog joins the two. Without `titles.csv` there is no catalog ({}): the caller shows IDs and
says so. A `titles.csv` that is not one `data prepare` wrote is an error naming the file.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..data.layout import ITEMS_FILE, TITLES_COLUMNS, TITLES_FILE
from ..data.movielens import parse_genres
from ..errors import DataError


@dataclass(frozen=True)
class Movie:
    item_id: str
    title: str | None = None
    genres: str | None = None
    year: str | None = None


def _rows(path: Path, required: tuple[str, ...]) -> Iterator[dict[str, str]]:
    """The records of a prepared CSV, after checking that its header has `required`."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in required if c not in (reader.fieldnames or [])]
        if missing:
            raise DataError(
                f"{path}: no {', '.join(missing)} column; it was not written by `data prepare`.",
                hint="run `personalize-movielens data prepare` again.",
            )
        yield from reader


def load_catalog(data_dir: Path | None) -> dict[str, Movie]:
    """ITEM_ID -> Movie: the titles from titles.csv, genres and year from items.csv (the
    MovieLens genres when an item has no row there); {} when there is no titles.csv."""
    if data_dir is None or not (data_dir / TITLES_FILE).is_file():
        return {}
    items: dict[str, dict[str, str]] = {}
    if (data_dir / ITEMS_FILE).is_file():
        items = {r["ITEM_ID"]: r for r in _rows(data_dir / ITEMS_FILE, ("ITEM_ID",))}
    titles = {r["ITEM_ID"]: r for r in _rows(data_dir / TITLES_FILE, TITLES_COLUMNS)}
    catalog: dict[str, Movie] = {}
    for item_id in dict.fromkeys([*titles, *items]):
        title, item = titles.get(item_id), items.get(item_id)
        if item is not None:
            genres, year = item.get("GENRES") or None, item.get("YEAR") or None
        else:  # only in titles.csv: MovieLens' genres, as items.csv would have them
            genres, year = parse_genres(titles[item_id]["GENRES"]), None
        name = title["TITLE"] if title is not None else None
        catalog[item_id] = Movie(item_id, name or None, genres, year)
    return catalog
