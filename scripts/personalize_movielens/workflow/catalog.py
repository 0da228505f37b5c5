"""Movie titles and genres for showing recommendations: the prepared items plus the titles.

`items.csv` (ITEM_ID, GENRES, YEAR) is what Personalize imports; titles are not imported, so
they come from a titles file beside it or from MovieLens' own `movies.csv` (loose, or inside the
zip in the data directory). Missing pieces degrade to showing IDs, never to an error.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Movie:
    item_id: str
    title: str | None = None
    genres: str | None = None
    year: str | None = None


def _rows(lines: Iterable[str]) -> Iterable[dict[str, str]]:
    return csv.DictReader(lines)


def _titles_from_movies(rows: Iterable[dict[str, str]]) -> dict[str, tuple[str, str]]:
    return {r["movieId"]: (r.get("title") or "", r.get("genres") or "") for r in rows}


def load_titles(data_dir: Path) -> dict[str, tuple[str, str]]:
    """ITEM_ID -> (title, MovieLens genres), from the first source found; {} if none."""
    titles_csv = data_dir / "titles.csv"
    if titles_csv.is_file():
        with titles_csv.open(encoding="utf-8", newline="") as fh:
            return {r["ITEM_ID"]: (r.get("TITLE") or "", r.get("GENRES") or "") for r in _rows(fh)}
    movies_csv = data_dir / "movies.csv"
    if movies_csv.is_file():
        with movies_csv.open(encoding="utf-8", newline="") as fh:
            return _titles_from_movies(_rows(fh))
    for archive in sorted(data_dir.glob("*.zip")):
        try:
            with zipfile.ZipFile(archive) as zf:
                member = next((n for n in zf.namelist() if n.endswith("/movies.csv")), None)
                if member is None:
                    continue
                with zf.open(member) as raw:
                    text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
                    return _titles_from_movies(_rows(text))
        except (zipfile.BadZipFile, OSError, KeyError):
            continue
    return {}


def load_catalog(data_dir: Path | None) -> dict[str, Movie]:
    """ITEM_ID -> Movie, joined from items.csv and the titles; {} when nothing is there."""
    if data_dir is None or not data_dir.is_dir():
        return {}
    titles = load_titles(data_dir)
    catalog: dict[str, Movie] = {}
    items_csv = data_dir / "items.csv"
    if items_csv.is_file():
        with items_csv.open(encoding="utf-8", newline="") as fh:
            for row in _rows(fh):
                item_id = row["ITEM_ID"]
                title = titles.get(item_id, (None, None))[0]
                catalog[item_id] = Movie(
                    item_id, title, row.get("GENRES") or None, row.get("YEAR") or None
                )
    for item_id, (title, genres) in titles.items():
        if item_id not in catalog:
            catalog[item_id] = Movie(item_id, title or None, genres or None)
    return catalog
