"""End-to-end fixtures: small prepared synthetic data, fast polling, the CLI on the stand-in."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from personalize_movielens.cli import app
from personalize_movielens.data.prepare import prepare
from personalize_movielens.data.synth import write_synthetic_movielens

#: Small enough that a whole flow takes seconds, large enough for Personalize's minimums.
RATINGS, USERS, MOVIES = 12_000, 200, 400


@pytest.fixture(scope="session")
def prepared_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Synthetic MovieLens-shaped zip, prepared once per session (tests copy it)."""
    root = tmp_path_factory.mktemp("e2e-data")
    zip_path = write_synthetic_movielens(
        root / "ml-25m.zip", RATINGS, seed=7, users=USERS, movies=MOVIES
    )
    prepare(zip_path, root)
    return root


@pytest.fixture
def data_dir(prepared_data: Path, tmp_path: Path) -> Path:
    """A private copy of the prepared data (upload writes its manifest there)."""
    target = tmp_path / "data"
    shutil.copytree(prepared_data, target)
    return target


@pytest.fixture(autouse=True)
def fast_polling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PERSONALIZE_MOVIELENS_POLL_INITIAL", "0.02")
    monkeypatch.setenv("PERSONALIZE_MOVIELENS_POLL_MAX", "0.2")
    monkeypatch.setenv("PERSONALIZE_MOVIELENS_IAM_WINDOW", "0")
    monkeypatch.setenv("PERSONALIZE_MOVIELENS_WAIT_TIMEOUT", "60")


@pytest.fixture
def cli(fresh_stand_in) -> Iterator[Callable[..., Result]]:
    """`cli("train", "--baseline")`: run a command on the fresh stand-in; asserts success
    unless `ok=False`."""
    outputs = str(fresh_stand_in.outputs_file)

    def run(*args: str, ok: bool = True, outputs_file: str | None = None) -> Result:
        result = CliRunner().invoke(app, [*args, "--outputs", outputs_file or outputs])
        if ok:
            assert result.exit_code == 0, (args, result.output, result.exception)
        return result

    yield run
