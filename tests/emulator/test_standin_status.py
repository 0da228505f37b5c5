"""`local status` through the library: running, partly running or not running, and its JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from personalize_movielens.local import standin
from personalize_movielens.local.pytest_plugin import LocalStandIn
from personalize_movielens.local.status import Verdict, read_status


def _record(state_dir: Path, moto_pid: int, personalize_pid: int) -> None:
    """A state.json naming these pids, on ports nothing listens on."""
    state_dir.mkdir(parents=True, exist_ok=True)
    port = standin.free_port()
    moto = standin.ServerInfo(moto_pid, port, str(state_dir / "moto.log"))
    personalize = standin.ServerInfo(personalize_pid, port, str(state_dir / "emulator.log"))
    standin.StandInState(str(state_dir), "us-east-1", 1.0, False, moto, personalize).save()


@pytest.fixture
def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


@pytest.fixture
def silent_moto() -> Iterator[int]:
    """A process that looks like our moto server (its command line has the marker) but does
    not answer HTTP: alive, not healthy."""
    marker = standin.MARKERS["moto"]
    process = subprocess.Popen(
        [sys.executable, "-c", "import time; time.sleep(60)", marker],
        stdin=subprocess.DEVNULL,
    )
    try:
        yield process.pid
    finally:
        process.kill()
        process.wait()


def test_no_state_is_not_running(tmp_path: Path) -> None:
    report = read_status(tmp_path / "never-started")
    assert report.verdict is Verdict.NOT_RUNNING
    assert report.to_json() == {
        "state_dir": str((tmp_path / "never-started").resolve()),
        "servers": [],
        "outputs_file": None,
        "env": {},
        "emulator": None,
        "running": False,
        "verdict": "not running",
    }
    with pytest.raises(standin.NotRunningError, match="is not running \\(state dir"):
        report.require_running()


def test_servers_that_have_exited_are_not_running(tmp_path: Path, dead_pid: int) -> None:
    _record(tmp_path, dead_pid, dead_pid)
    report = read_status(tmp_path)
    assert report.verdict is Verdict.NOT_RUNNING
    assert [(s.running, s.healthy) for s in report.servers] == [(False, False), (False, False)]
    with pytest.raises(standin.NotRunningError, match="not running \\(its servers have exited\\)"):
        report.require_running()


def test_one_server_down_or_silent_is_partly_running(
    tmp_path: Path, dead_pid: int, silent_moto: int
) -> None:
    _record(tmp_path, silent_moto, dead_pid)
    report = read_status(tmp_path)
    assert report.verdict is Verdict.PARTLY_RUNNING
    moto, personalize = report.servers
    assert (moto.running, moto.healthy, personalize.running) == (True, False, False)
    assert report.to_json()["verdict"] == "partly running"
    with pytest.raises(standin.NotRunningError) as raised:
        report.require_running()
    assert (
        raised.value.message
        == "The local stand-in is only partly running (moto, personalize down)."
    )


def test_the_session_stand_in_is_running(local_stand_in: LocalStandIn) -> None:
    report = read_status(local_stand_in.state_dir)
    assert report.verdict is Verdict.RUNNING
    report.require_running()
    data = json.loads(json.dumps(report.to_json()))  # JSON-ready as it stands
    assert data["running"] is True
    assert data["outputs_file"] == str(local_stand_in.outputs_file)
    assert data["env"] == local_stand_in.env
    assert data["emulator"]["speed"] == local_stand_in.state.speed
    assert [s["name"] for s in data["servers"]] == ["moto", "personalize"]
