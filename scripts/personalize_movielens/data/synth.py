"""`data synth`: a seeded synthetic set in a MovieLens release's own zip layout and encoding.

MovieLens may not be redistributed, so tests, the benchmark and the demo run on this instead,
and every release's reader is tested offline. synth_values.py draws the values (skewed
popularity and activity, in chunks of users so memory stays bounded: 25M ratings take well
under a minute), synth_layouts.py writes them as the release does. The same seed gives
byte-identical files.
"""

from __future__ import annotations

import contextlib
import zipfile
from pathlib import Path
from typing import IO

from ..atomic import atomic_path
from .releases import DEFAULT_RELEASE, Release, release_named
from .synth_layouts import SynthRun, write_release
from .synth_values import GENRES, SynthSizes, default_sizes
from .writing import refused_output

__all__ = ["GENRES", "default_sizes", "release_named", "write_synthetic_movielens"]


def write_synthetic_movielens(
    out: Path,
    ratings: int,
    seed: int = 0,
    users: int | None = None,
    movies: int | None = None,
    release: str = DEFAULT_RELEASE,
) -> Path:
    """Write a synthetic set in `release`'s layout to `out`: a zip (`<folder>/<files>`, as
    GroupLens' zip) or, else, a directory of the same files.

    Deterministic for a seed. Written atomically: `out` appears only when complete. An output
    path the operating system refuses is one error naming it. Returns `out`.
    """
    chosen = release_named(release)
    sizes = default_sizes(ratings, users, movies)
    out = Path(out)
    as_zip = out.suffix.lower() == ".zip"
    with refused_output(out, "--out", is_directory=not as_zip):
        if as_zip:
            _write_zip(out, chosen, sizes, seed)
        else:
            _write_directory(out, chosen, sizes, seed)
    return out


def _write_zip(out: Path, release: Release, sizes: SynthSizes, seed: int) -> None:
    with (
        atomic_path(out) as tmp,
        zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf,
    ):

        def open_member(name: str) -> IO[bytes]:
            info = zipfile.ZipInfo(f"{release.folder}/{name}", date_time=(2019, 11, 21, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            return zf.open(info, "w", force_zip64=True)

        write_release(SynthRun(release, sizes, seed, open_member))


def _write_directory(out: Path, release: Release, sizes: SynthSizes, seed: int) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:

        def open_member(name: str) -> IO[bytes]:
            return stack.enter_context(atomic_path(out / name)).open("wb")

        write_release(SynthRun(release, sizes, seed, open_member))
