"""The MovieLens releases the tool reads: where each is published and how its zip is laid out.

One table, read by `data download --release`, `data synth --release`, and `data prepare` (which
recognises a release from its zip's layout). The layouts, from each release's own README:

- "csv": ratings.csv and movies.csv with a header, UTF-8 (20m, 25m, 32m, latest, latest-small);
- "dat": `::`-separated ratings.dat and movies.dat without a header (1m, 10m; 1m also users.dat);
- "ml100k": tab-separated u.data, `|`-separated u.item with 19 genre flags, u.user (100k).

Checksums: GroupLens publishes an MD5 beside each zip (`<zip>.md5`); where the file is fixed the
MD5 and size are pinned here, so a changed file is noticed. `latest` changes over time: it has
neither, and the download says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Layout = Literal["csv", "dat", "ml100k"]
BASE_URL = "https://files.grouplens.org/datasets/movielens/"
DEFAULT_RELEASE = "25m"


@dataclass(frozen=True)
class Release:
    """One MovieLens release."""

    name: str
    #: The zip's file name at GroupLens, e.g. ml-25m.zip.
    zip_name: str
    #: The folder the zip's files are under, e.g. ml-25m (ml-10M100K for 10m).
    folder: str
    layout: Layout
    #: Encoding of the text files, as the release's README (or its bytes) says.
    encoding: str
    #: Whether the release has user demographics (a Users dataset can be built from it).
    has_users: bool
    #: Pinned MD5 and size in bytes; None where GroupLens changes the file over time.
    md5: str | None = None
    size: int | None = None

    @property
    def url(self) -> str:
        return BASE_URL + self.zip_name


RELEASES: dict[str, Release] = {
    r.name: r
    for r in (
        Release("100k", "ml-100k.zip", "ml-100k", "ml100k", "latin-1", True),
        Release("1m", "ml-1m.zip", "ml-1m", "dat", "latin-1", True),
        Release("10m", "ml-10m.zip", "ml-10M100K", "dat", "utf-8", False),
        Release("20m", "ml-20m.zip", "ml-20m", "csv", "utf-8", False),
        Release(
            "25m",
            "ml-25m.zip",
            "ml-25m",
            "csv",
            "utf-8",
            False,
            md5="6b51fb2759a8657d3bfcbfc42b592ada",
            size=261_978_986,
        ),
        Release("32m", "ml-32m.zip", "ml-32m", "csv", "utf-8", False),
        Release("latest-small", "ml-latest-small.zip", "ml-latest-small", "csv", "utf-8", False),
        Release("latest", "ml-latest.zip", "ml-latest", "csv", "utf-8", False),
    )
}
