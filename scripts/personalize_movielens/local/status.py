"""Whether the local stand-in runs: the verdict `local status` prints and exits on.

Three answers: running (both servers alive and answering), partly running (one is down or not
answering: restart it), not running (no state recorded, or every server recorded has exited).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from . import DEFAULT_STATE_DIR
from .standin import (
    HEALTH_PATHS,
    MARKERS,
    NotRunningError,
    ServerInfo,
    StandInState,
    admin_request,
    http_ok,
    is_alive,
)


class Verdict(StrEnum):
    RUNNING = "running"
    PARTLY_RUNNING = "partly running"
    NOT_RUNNING = "not running"


@dataclass(frozen=True)
class ServerStatus:
    name: str
    url: str
    pid: int
    #: The recorded process still runs (and is the server we started).
    running: bool
    #: It answers its health route.
    healthy: bool

    @property
    def up(self) -> bool:
        return self.running and self.healthy


@dataclass(frozen=True)
class StandInStatus:
    """What runs where, and the verdict on it; `to_json()` is `local status --json`."""

    state_dir: str
    servers: list[ServerStatus]
    outputs_file: str | None
    env: dict[str, str]
    #: The emulator's health answer (speed, resource counts) when it answers.
    emulator: dict[str, Any] | None

    @property
    def verdict(self) -> Verdict:
        if self.servers and all(s.up for s in self.servers):
            return Verdict.RUNNING
        if any(s.running for s in self.servers):
            return Verdict.PARTLY_RUNNING
        return Verdict.NOT_RUNNING

    @property
    def running(self) -> bool:
        return self.verdict is Verdict.RUNNING

    def require_running(self) -> None:
        """Raise NotRunningError, saying what to do, unless the stand-in fully runs."""
        verdict = self.verdict
        if verdict is Verdict.PARTLY_RUNNING:
            down = ", ".join(s.name for s in self.servers if not s.up)
            raise NotRunningError(
                f"The local stand-in is only partly running ({down} down).",
                hint="Restart it: `personalize-movielens local down` then `local up`.",
            )
        if verdict is Verdict.NOT_RUNNING:
            exited = " (its servers have exited)" if self.servers else ""
            raise NotRunningError(
                f"The local stand-in is not running{exited} (state dir {self.state_dir}).",
                hint="Start it with `personalize-movielens local up`.",
            )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["running"] = self.running
        data["verdict"] = str(self.verdict)
        return data


def _server_status(name: str, info: ServerInfo) -> ServerStatus:
    alive = is_alive(info.pid, MARKERS[name])
    healthy = alive and http_ok(info.url + HEALTH_PATHS[name])
    return ServerStatus(name, info.url, info.pid, alive, healthy)


def read_status(state_dir: Path = DEFAULT_STATE_DIR) -> StandInStatus:
    """What runs where (and whether it answers); never raises for a stopped stand-in."""
    state_dir = Path(state_dir).resolve()
    state = StandInState.load(state_dir)
    if state is None:
        return StandInStatus(str(state_dir), [], None, {}, None)
    moto = _server_status("moto", state.moto)
    personalize = _server_status("personalize", state.personalize)
    emulator = None
    if personalize.healthy:
        emulator = admin_request(personalize.url, "GET", HEALTH_PATHS["personalize"])
    outputs = str(state.outputs_path) if state.outputs_path.exists() else None
    return StandInStatus(str(state_dir), [moto, personalize], outputs, state.env(), emulator)
