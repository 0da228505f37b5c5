"""Fixtures for the data pipeline: small synthetic MovieLens sets, made once per session."""

from __future__ import annotations

import shutil
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from personalize_movielens.data.synth import write_synthetic_movielens

#: Small enough for fast tests, big enough to pass Personalize's minimums.
RATINGS = 3000
SEED = 7


@pytest.fixture(scope="session")
def synth_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A MovieLens-shaped zip (ml-25m/ratings.csv, movies.csv, ...)."""
    return write_synthetic_movielens(
        tmp_path_factory.mktemp("synth") / "ml-25m.zip", ratings=RATINGS, seed=SEED
    )


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same set as a directory of CSVs."""
    return write_synthetic_movielens(
        tmp_path_factory.mktemp("synthdir"), ratings=RATINGS, seed=SEED
    )


@pytest.fixture
def source_dir(synth_dir: Path, tmp_path: Path) -> Path:
    """A private copy of the synthetic directory that a test may break."""
    return Path(shutil.copytree(synth_dir, tmp_path / "src"))


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """No network: every urlopen fails as on a machine without internet (and is recorded)."""
    asked: list[str] = []

    def no_network(request: urllib.request.Request, *args: object, **kwargs: object) -> None:
        asked.append(request.full_url)
        raise urllib.error.URLError(OSError(101, "Network is unreachable"))

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    return asked
