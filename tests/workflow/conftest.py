"""Fixtures for the workflow library tests: a context on the local stand-in, prepared data.

The workflow is driven against the stand-in (moto server and the project's Personalize emulator,
answering over the real wire protocols), the way httpx tests its client against a transport that
answers like a server: the tests check what results and what exists afterwards, not which calls
were made in which order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from wf_helpers import FakeClock, SleepLog, offline_context, stand_in_context

from personalize_movielens.data.prepare import prepare
from personalize_movielens.data.synth import write_synthetic_movielens
from personalize_movielens.local.pytest_plugin import FAST_SPEED, LocalStandIn
from personalize_movielens.workflow.context import WorkflowContext


@pytest.fixture(scope="session")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Small synthetic MovieLens-shaped data, prepared once (above Personalize's minimums)."""
    root = tmp_path_factory.mktemp("wf-data")
    prepare(
        write_synthetic_movielens(root / "ml-25m.zip", 4000, seed=3, users=80, movies=150), root
    )
    return root


@pytest.fixture
def data_dir(prepared: Path, tmp_path: Path) -> Path:
    """A private copy of the prepared data (upload writes its manifest there)."""
    target = tmp_path / "data"
    target.mkdir()
    for path in prepared.iterdir():
        (target / path.name).write_bytes(path.read_bytes())
    return target


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dummy credentials and no endpoint overrides (for moto's in-process mock)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def offline(clock: FakeClock) -> WorkflowContext:
    """A context whose clients are never called (pure logic: waits, refusals before any call)."""
    return offline_context(clock)


@pytest.fixture
def sleeps() -> SleepLog:
    return SleepLog()


@pytest.fixture
def make_ctx(
    fresh_stand_in: LocalStandIn, sleeps: SleepLog
) -> Iterator[Callable[..., WorkflowContext]]:
    """`make_ctx(dry_run=False, **settings)`: a context on the fresh stand-in, fast polling."""
    yield lambda dry_run=False, **settings: stand_in_context(
        fresh_stand_in, sleeps, dry_run, **settings
    )


@pytest.fixture
def slow(fresh_stand_in: LocalStandIn) -> Iterator[Callable[[float], None]]:
    """`slow(speed)`: the stand-in at another pace for one test (status steps take 1/speed s)."""
    yield fresh_stand_in.set_speed
    fresh_stand_in.set_speed(FAST_SPEED)


@pytest.fixture
def ctx(make_ctx: Callable[..., WorkflowContext]) -> WorkflowContext:
    return make_ctx()
