"""Start and stop the local stand-in: moto server and the Personalize emulator.

Both run as detached background processes bound to 127.0.0.1 and outlive the command that
started them. The state directory (default `.local-aws/`) holds `state.json` (pids, ports),
`outputs.json` (the Terraform-outputs contract), the two servers' logs and the emulator's own
state directory (`emulator/`: imported rows as Parquet files, jobs' scratch files).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..atomic import write_text_atomic
from ..errors import CloudError, PersonalizeMovielensError
from ..paths import same_package_env
from . import DEFAULT_REGION, DEFAULT_STATE_DIR, provision

HOST = "127.0.0.1"
STATE_FILE = "state.json"
OUTPUTS_FILE = "outputs.json"
#: The Personalize emulator's `--state-dir`, under the stand-in's state directory.
EMULATOR_DIR = "emulator"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0
#: The commands of the two servers, also used to recognise our pids (never someone else's).
MARKERS = {"moto": "moto.server", "personalize": "personalize_movielens.local.emulator.server"}
#: Where each server answers once it is up (moto's own API, the emulator's admin API).
HEALTH_PATHS = {"moto": "/moto-api/", "personalize": "/_emulator/health"}


class StandInError(PersonalizeMovielensError):
    """The stand-in cannot do what was asked (already running, not running, port taken...)."""


class AlreadyRunningError(StandInError):
    pass


class NotRunningError(StandInError):
    pass


class PortInUseError(StandInError):
    pass


@dataclass
class ServerInfo:
    pid: int
    port: int
    log: str

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"


@dataclass
class StandInState:
    """What `state.json` records about a running stand-in."""

    state_dir: str
    region: str
    speed: float
    with_event_value: bool
    moto: ServerInfo
    personalize: ServerInfo
    started_at: float = field(default_factory=time.time)
    domain: str | None = None
    #: The Users dataset was provisioned (`local up --users`).
    users: bool = False

    @property
    def endpoints(self) -> provision.Endpoints:
        return provision.Endpoints(moto=self.moto.url, personalize=self.personalize.url)

    @property
    def outputs_path(self) -> Path:
        return Path(self.state_dir) / OUTPUTS_FILE

    def env(self) -> dict[str, str]:
        """The variables that point boto3 (and the tool) at the stand-in."""
        return env_vars(self.endpoints, self.region)

    def save(self) -> None:
        write_text_atomic(Path(self.state_dir) / STATE_FILE, json.dumps(asdict(self), indent=2))

    @classmethod
    def load(cls, state_dir: Path) -> StandInState | None:
        path = state_dir / STATE_FILE
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            raw["moto"] = ServerInfo(**raw["moto"])
            raw["personalize"] = ServerInfo(**raw["personalize"])
            return cls(**raw)
        except FileNotFoundError:
            return None
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise StandInError(
                f"{path}: unreadable stand-in state ({exc}).",
                hint="Stop leftover servers by hand if any, then delete the file.",
            ) from None


def env_vars(endpoints: provision.Endpoints, region: str) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL_S3": endpoints.moto,
        "AWS_ENDPOINT_URL_IAM": endpoints.moto,
        "AWS_ENDPOINT_URL_STS": endpoints.moto,
        "AWS_ENDPOINT_URL_SSM": endpoints.moto,
        "AWS_ENDPOINT_URL_PERSONALIZE": endpoints.personalize,
        "AWS_ENDPOINT_URL_PERSONALIZE_RUNTIME": endpoints.personalize,
        "AWS_ENDPOINT_URL_PERSONALIZE_EVENTS": endpoints.personalize,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": region,
        # What the other AWS SDKs (JavaScript v3, Java v2, Go v2) read instead.
        "AWS_REGION": region,
    }


def export_lines(env: dict[str, str]) -> str:
    """`export NAME=value` lines for `eval "$(personalize-movielens local env)"`."""
    return "\n".join(f"export {name}={value}" for name, value in env.items())


# --- processes -------------------------------------------------------------------------------


def _cmdline(pid: int) -> str | None:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return None


def is_alive(pid: int, marker: str | None = None) -> bool:
    """True if `pid` runs (not a zombie) and, where /proc exists, is the server we started."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)  # reap our own exited children
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    if stat.exists():
        with contextlib.suppress(OSError, IndexError):
            if stat.read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return False
        if marker is not None:
            cmdline = _cmdline(pid)
            return cmdline is not None and marker in cmdline
    return True


def _stop_process(pid: int, marker: str) -> bool:
    """SIGTERM the process group we started (the server is its leader), SIGKILL if it lingers."""
    if not is_alive(pid, marker):
        return False
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)
        deadline = time.monotonic() + STOP_TIMEOUT
        while time.monotonic() < deadline:
            if not is_alive(pid):
                return True
            time.sleep(0.05)
    return not is_alive(pid)


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _choose_port(port: int | None, what: str, taken: set[int]) -> int:
    if port is None:
        chosen = free_port()
        while chosen in taken:
            chosen = free_port()
        return chosen
    if port in taken or not port_free(port):
        raise PortInUseError(
            f"Port {port} on {HOST} is already in use; cannot start {what} there.",
            hint="Pick another with --moto-port/--personalize-port, or omit it for a free one.",
        )
    return port


def _spawn(args: list[str], log: Path, env: dict[str, str]) -> int:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as handle:
        process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # detached: survives the command, stopped by process group
            env=env,
            close_fds=True,
        )
    return process.pid


def http_ok(url: str) -> bool:
    """True when a server answers `url` (any status below 500): it is up and serving."""
    try:
        with urllib.request.urlopen(url, timeout=1.0) as answer:
            status: int = answer.status
        return status < 500
    except urllib.error.HTTPError as exc:
        return exc.code < 500
    except (urllib.error.URLError, OSError):
        return False


def _wait_ready(info: ServerInfo, health_path: str, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if not is_alive(info.pid):
            tail = _log_tail(Path(info.log))
            if "Address already in use" in tail or "address already in use" in tail:
                raise PortInUseError(f"Port {info.port} on {HOST} is already in use ({what}).")
            raise StandInError(f"{what} exited during start-up: {tail or 'no output'}")
        if http_ok(info.url + health_path):
            return
        time.sleep(0.1)
    raise StandInError(f"{what} did not answer on {info.url} within {START_TIMEOUT:.0f} s.")


def _log_tail(path: Path, lines: int = 3) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(text[-lines:])


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    # The servers must never talk to real AWS, nor inherit endpoint overrides pointing elsewhere.
    for name in list(env):
        if name.startswith("AWS_ENDPOINT_URL") or name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
            env.pop(name)
    env.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
    env.setdefault("PYTHONUNBUFFERED", "1")
    # AWS managed policies (AmazonPersonalizeFullAccess, ...) exist, as user code expects.
    env["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
    # The emulator runs the same copy of the package as this process, wherever it was imported
    # from (a checkout's tests may import it from there rather than from the install).
    return same_package_env(env)


# --- commands --------------------------------------------------------------------------------


def running_state(state_dir: Path) -> StandInState | None:
    """The recorded state if at least one of its servers still runs."""
    state = StandInState.load(state_dir)
    if state is None:
        return None
    if is_alive(state.moto.pid, MARKERS["moto"]) or is_alive(
        state.personalize.pid, MARKERS["personalize"]
    ):
        return state
    return None


def up(
    state_dir: Path = DEFAULT_STATE_DIR,
    moto_port: int | None = None,
    personalize_port: int | None = None,
    speed: float = 1.0,
    region: str = DEFAULT_REGION,
    with_event_value: bool = False,
    domain: str | None = None,
    users: bool = False,
) -> StandInState:
    """Start both servers, provision the stack's resources, write outputs.json."""
    state_dir = Path(state_dir).resolve()
    running = running_state(state_dir)
    if running is not None:
        raise AlreadyRunningError(
            f"The local stand-in already runs from {state_dir} (moto on {running.moto.url}, "
            f"Personalize emulator on {running.personalize.url}).",
            hint="Use it as is (`personalize-movielens local env`), or stop it first with "
            "`personalize-movielens local down`.",
        )
    if speed <= 0:
        raise StandInError(f"--speed must be positive, got {speed}.")
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / STATE_FILE).unlink(missing_ok=True)
    (state_dir / OUTPUTS_FILE).unlink(missing_ok=True)
    moto_port = _choose_port(moto_port, "moto server", set())
    personalize_port = _choose_port(personalize_port, "the Personalize emulator", {moto_port})
    env = _child_env()
    moto_log, emulator_log = state_dir / "moto.log", state_dir / "emulator.log"
    moto_pid = _spawn(
        [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(moto_port)], moto_log, env
    )
    moto = ServerInfo(moto_pid, moto_port, str(moto_log))
    started = [("moto", moto)]
    try:
        emulator_pid = _spawn(
            [
                sys.executable,
                "-m",
                MARKERS["personalize"],
                "--host",
                HOST,
                "--port",
                str(personalize_port),
                "--aws-endpoint",
                moto.url,
                "--speed",
                str(speed),
                "--region",
                region,
                "--state-dir",
                str(state_dir / EMULATOR_DIR),
            ],
            emulator_log,
            env,
        )
        emulator = ServerInfo(emulator_pid, personalize_port, str(emulator_log))
        started.append(("personalize", emulator))
        state = StandInState(
            state_dir=str(state_dir),
            region=region,
            speed=speed,
            with_event_value=with_event_value,
            moto=moto,
            personalize=emulator,
            domain=domain,
            users=users,
        )
        state.save()
        _wait_ready(moto, HEALTH_PATHS["moto"], "moto server")
        _wait_ready(emulator, HEALTH_PATHS["personalize"], "Personalize emulator")
        try:
            settings = provision.StackSettings(
                with_event_value=with_event_value, domain=domain, users=users
            )
            outputs = provision.provision(state.endpoints, region, settings)
        except PersonalizeMovielensError:
            raise
        except Exception as exc:
            raise CloudError(f"Provisioning the local stand-in failed: {exc}") from exc
        write_text_atomic(state.outputs_path, json.dumps(outputs.to_json(), indent=2) + "\n")
        return state
    except BaseException:
        for name, info in started:
            _stop_process(info.pid, MARKERS[name])
        (state_dir / STATE_FILE).unlink(missing_ok=True)
        raise


def down(state_dir: Path = DEFAULT_STATE_DIR, purge: bool = False) -> list[str]:
    """Stop both servers; keep the state dir (outputs, logs) unless `purge`, but not the
    emulator's imported rows, which no restart can use (its resources lived in its memory);
    say what stopped."""
    import shutil

    state_dir = Path(state_dir).resolve()
    state = StandInState.load(state_dir)
    stopped = []
    if state is not None:
        for name, info in (("personalize", state.personalize), ("moto", state.moto)):
            if _stop_process(info.pid, MARKERS[name]):
                stopped.append(name)
        (state_dir / STATE_FILE).unlink(missing_ok=True)
    shutil.rmtree(state_dir / EMULATOR_DIR, ignore_errors=True)
    purged = ""
    if purge and state_dir.is_dir():
        shutil.rmtree(state_dir, ignore_errors=True)
        purged = " The state dir was removed (--purge)."
    if state is None:
        raise NotRunningError(
            f"The local stand-in is not running (no {STATE_FILE} in {state_dir}).{purged}",
            hint="Start it with `personalize-movielens local up`.",
        )
    if not stopped:
        raise NotRunningError(
            f"The local stand-in in {state_dir} was not running (its servers had already "
            f"exited); its stale state was cleared.{purged}"
        )
    return stopped


def env_for(state_dir: Path = DEFAULT_STATE_DIR) -> dict[str, str]:
    state = running_state(Path(state_dir).resolve())
    if state is None:
        raise NotRunningError(
            f"The local stand-in is not running (state dir {Path(state_dir).resolve()}).",
            hint="Start it with `personalize-movielens local up`.",
        )
    return state.env()


def admin_request(base_url: str, method: str, path: str, body: Any = None) -> dict[str, Any]:
    """Call the emulator's admin API (`/_emulator/...`)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        base_url + path, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            result: dict[str, Any] = json.loads(answer.read() or b"{}")
        return result
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")
        raise StandInError(f"Emulator admin call {method} {path} failed: {detail}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise NotRunningError(
            f"The Personalize emulator at {base_url} does not answer: {exc}"
        ) from None
