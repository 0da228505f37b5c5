"""The MovieLens releases the tool reads: where each is published and how its zip is laid out.

One table, read by `data download --release`, `data synth --release`, and `data prepare` (which
recognises a release from its zip's layout). The layouts, from each release's own README:

- "csv": ratings.csv and movies.csv with a header, UTF-8 (20m, 25m, 32m, latest, latest-small);
- "dat": `::`-separated ratings.dat and movies.dat without a header (1m, 10m; 1m also users.dat);
- "ml100k": tab-separated u.data, `|`-separated u.item with 19 genre flags, u.user (100k).

Checksums: GroupLens publishes an MD5 beside each zip (`<zip>.md5`); where the file is fixed the
MD5 and size are pinned here, so a changed file is noticed. `latest` and `latest-small` change
over time (their READMEs: "This is a *development* dataset. As such, it may change over time",
https://files.grouplens.org/datasets/movielens/ml-latest-small-README.html): they have neither,
and the download says so. A fixed release whose value no citable source gave is left unpinned
(its size, or its MD5 too): the download then checks it against the `.md5` GroupLens publishes.

Sources of the pinned values (GroupLens' own `.md5` files cannot be fetched from here):
- MD5s: eli-osherovich/papers_with_code datasets/movielens/dl_config.py (100k, 1m, 10m, 20m,
  25m); ml-1m also PaddlePaddle/Paddle python/paddle/text/datasets/movielens.py and
  numericalalgorithmsgroup/MLFirstSteps_Azure ncf/verify_dataset.sh, which quotes
  ml-1m.zip.md5 and ml-25m.zip.md5.
- Sizes: tensorflow/datasets tensorflow_datasets/url_checksums/movielens.txt (100k, 1m, 20m,
  25m; it records ml-latest-small.zip at 978,202 bytes, its 2018 version, not pinned here);
  ml-20m also https://academictorrents.com/details/296054417b4d8eeeb4c7b1c842570bf792ee4d14/tech
  ("198,702,078 bytes").
- ml-32m.zip: d472be332d4daa821edc399621853b57 and 238,950,008 bytes, pinned independently by
  several public projects (a download script citing "Official checksum from
  https://files.grouplens.org/datasets/movielens/ml-32m.zip.md5", pooch `known_hash` entries in
  dataset loaders, a data manifest with "expected_bytes": 238_950_008 and the same MD5).
- ml-10m.zip's size, 65,566,137 bytes: three public download scripts and notebooks agree
  (`zip_file_size <- 65566137`, `maybe_download('ml-10m.zip', 65566137)`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal
from urllib.parse import unquote, urlsplit

from ..errors import DataError

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
    #: Pinned MD5 and size in bytes; None where GroupLens changes the file over time, or where
    #: no citable source gave the value (see the module docstring).
    md5: str | None = None
    size: int | None = None
    #: GroupLens updates the file in place (latest, latest-small): no fixed checksum exists.
    changes_over_time: bool = False

    @property
    def url(self) -> str:
        return BASE_URL + self.zip_name


RELEASES: dict[str, Release] = {
    r.name: r
    for r in (
        Release(
            "100k",
            "ml-100k.zip",
            "ml-100k",
            "ml100k",
            "latin-1",
            True,
            md5="0e33842e24a9c977be4e0107933c0723",
            size=4_924_029,
        ),
        Release(
            "1m",
            "ml-1m.zip",
            "ml-1m",
            "dat",
            "latin-1",
            True,
            md5="c4d9eecfca2ab87c1945afe126590906",
            size=5_917_549,
        ),
        Release(
            "10m",
            "ml-10m.zip",
            "ml-10M100K",
            "dat",
            "utf-8",
            False,
            md5="ce571fd55effeba0271552578f2648bd",
            size=65_566_137,
        ),
        Release(
            "20m",
            "ml-20m.zip",
            "ml-20m",
            "csv",
            "utf-8",
            False,
            md5="cd245b17a1ae2cc31bb14903e1204af3",
            size=198_702_078,
        ),
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
        Release(
            "32m",
            "ml-32m.zip",
            "ml-32m",
            "csv",
            "utf-8",
            False,
            md5="d472be332d4daa821edc399621853b57",
            size=238_950_008,
        ),
        Release(
            "latest-small",
            "ml-latest-small.zip",
            "ml-latest-small",
            "csv",
            "utf-8",
            False,
            changes_over_time=True,
        ),
        Release(
            "latest",
            "ml-latest.zip",
            "ml-latest",
            "csv",
            "utf-8",
            False,
            changes_over_time=True,
        ),
    )
}


def release_named(name: str) -> Release:
    """The release called `name`, or one line naming the known ones."""
    try:
        return RELEASES[name]
    except KeyError:
        raise DataError(
            f"--release {name!r} is not a MovieLens release; known: {', '.join(RELEASES)}."
        ) from None


def release_for(name: str | None, url: str | None) -> Release:
    """`--release` when given; else the release whose zip a mirror's `url` names (a mirror of
    ml-1m.zip is held to 1m's pin, not 25m's), else the default."""
    if name is not None:
        return release_named(name)
    zip_name = PurePosixPath(unquote(urlsplit(url).path)).name.lower() if url else ""
    by_zip = [r for r in RELEASES.values() if r.zip_name.lower() == zip_name]
    return by_zip[0] if by_zip else RELEASES[DEFAULT_RELEASE]
