"""The emulator's HTTP server: the control plane, the runtime and the admin API.

It is an HTTP/1.1 server of the standard library that keeps connections open between requests,
as SDKs expect (werkzeug's development server, used before, closed every connection after its
answer, so each request paid for a new connection and a new thread). Run it as
`python -m personalize_movielens.local.emulator.server --port P --aws-endpoint URL
--state-dir DIR`; `personalize-movielens local up` does that in a detached process.
"""

from __future__ import annotations

import argparse
import email.utils
import json
import re
import signal
import sys
import time
import traceback
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from . import controlplane, events, runtime
from .errors import ApiError, InvalidInput
from .faults import FaultConfig
from .service import Emulator
from .validation import error_statuses, service_model, validate

CONTROL_SERVICE, RUNTIME_SERVICE = "personalize", "personalize-runtime"
EVENTS_SERVICE = events.SERVICE
TARGET_PREFIX = "AmazonPersonalize."
ADMIN_PREFIX = "/_emulator/"
#: Limits on a request's header lines, as http.server's (and http.client's) own.
MAX_LINE, MAX_HEADERS = 65536, 100
#: REST-JSON runtime routes: path -> operation, each path as botocore's model gives it.
RUNTIME_ROUTES = {
    service_model(RUNTIME_SERVICE).operation_model(name).http["requestUri"]: name
    for name in runtime.HANDLERS
}
#: REST-JSON events routes (personalize-events: PutEvents), on the same port as the runtime.
EVENTS_ROUTES = {
    service_model(EVENTS_SERVICE).operation_model(name).http["requestUri"]: name
    for name in events.HANDLERS
}
#: HTTP status of each error whose shape names one in botocore's models (see validation.py).
CONTROL_STATUSES = error_statuses(CONTROL_SERVICE)
RUNTIME_STATUSES = error_statuses(RUNTIME_SERVICE)
EVENTS_STATUSES = error_statuses(EVENTS_SERVICE)
_REGION = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/")


def _region(authorization: str, default: str) -> str:
    """The region the client signed for (from the SigV4 credential scope)."""
    match = _REGION.search(authorization)
    return match.group(1) if match else default


def dumps(value: Any) -> str:
    """JSON for answers; what JSON has no type for (a stray object) goes as its text."""
    return json.dumps(value, default=str)


@dataclass
class Answer:
    """An HTTP answer: status, headers (Content-Length included) and body."""

    status_code: int
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def status(self) -> str:
        return f"{self.status_code} {HTTPStatus(self.status_code).phrase}"


def _json(body: Any, status: int = 200, content_type: str = "application/x-amz-json-1.1") -> Answer:
    data = (body if isinstance(body, runtime.JsonText) else dumps(body)).encode()
    headers = [
        ("Content-Type", content_type),
        ("Content-Length", str(len(data))),
        ("x-amzn-RequestId", str(uuid.uuid4())),
    ]
    return Answer(status, headers, data)


def _empty() -> Answer:
    """200 with an empty body (PutEvents: "an HTTP 200 response with an empty HTTP body")."""
    return Answer(200, [("Content-Length", "0"), ("x-amzn-RequestId", str(uuid.uuid4()))], b"")


def _error(exc: ApiError, rest: bool, statuses: dict[str, int] | None = None) -> Answer:
    """The error answer; a modelled error gets the HTTP status its service model names."""
    body = {"__type": exc.code, "message": exc.message}
    content_type = "application/json" if rest else "application/x-amz-json-1.1"
    answer = _json(body, (statuses or {}).get(exc.code, exc.status), content_type)
    answer.headers.append(("x-amzn-ErrorType", exc.code))
    return answer


class EmulatorApp:
    """The application: `answer` for the APIs, `admin` for the admin routes."""

    def __init__(self, emulator: Emulator) -> None:
        self.emu = emulator

    def answer(
        self, method: str, path: str, target: str, body: bytes, authorization: str
    ) -> Answer:
        """A control-plane (JSON 1.1, `target` set), runtime or events (REST-JSON, routed by
        path) request's answer."""
        rest = not target
        rest_statuses = RUNTIME_STATUSES
        try:
            try:
                params = json.loads(body or b"{}")
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise ApiError(
                    "The request body is not valid JSON.", "SerializationException"
                ) from None
            if target:
                if method != "POST" or not target.startswith(TARGET_PREFIX):
                    raise ApiError(f"Unknown target {target}.", "UnknownOperationException")
                operation = target[len(TARGET_PREFIX) :]
                handler = controlplane.HANDLERS.get(operation)
                if handler is None:
                    raise ApiError(
                        f"The local emulator does not implement {operation}.",
                        "UnknownOperationException",
                    )
                self.emu.faults.check(operation)
                validate(CONTROL_SERVICE, operation, params)
                return _json(handler(self.emu, params, _region(authorization, self.emu.region)))
            if path in EVENTS_ROUTES and method == "POST":
                rest_statuses = EVENTS_STATUSES
                operation = EVENTS_ROUTES[path]
                self.emu.faults.check(operation)
                validate(EVENTS_SERVICE, operation, params)
                events.HANDLERS[operation](self.emu, params)
                return _empty()
            route = RUNTIME_ROUTES.get(path)
            if route is None or method != "POST":
                raise ApiError(
                    f"No runtime route {method} {path} in the local emulator.",
                    "UnknownOperationException",
                    status=404,
                )
            self.emu.faults.check(route)
            validate(RUNTIME_SERVICE, route, params)
            return _json(runtime.HANDLERS[route](self.emu, params), content_type="application/json")
        except ApiError as exc:
            return _error(exc, rest, rest_statuses if rest else CONTROL_STATUSES)
        except Exception as exc:  # a bug in the emulator: answer 500, log the traceback
            traceback.print_exc()
            return _error(
                ApiError(f"Internal error in the local emulator: {exc}", status=500), rest
            )

    def admin(self, method: str, path: str, body: bytes) -> Answer:
        """Health, pace, faults and reset: for `local status` and the tests."""
        try:
            try:
                payload = json.loads(body or b"{}")
            except (json.JSONDecodeError, UnicodeDecodeError):
                payload = {}
            if not isinstance(payload, dict):
                payload = {}
            if path == "/_emulator/health":
                return _json(self._health(), content_type="application/json")
            if path == "/_emulator/faults":
                if method == "POST":
                    self.emu.faults.set(FaultConfig.from_json(payload))
                elif method == "DELETE":
                    self.emu.faults.reset()
                return _json(self.emu.faults.as_json(), content_type="application/json")
            if path == "/_emulator/speed" and method == "POST":
                self.emu.lifecycle.set_speed(float(payload["speed"]))
                return _json(self._health(), content_type="application/json")
            if path == "/_emulator/reset" and method == "POST":
                self.emu.reset()
                return _json(self._health(), content_type="application/json")
        except (ValueError, KeyError, TypeError) as exc:
            return _error(InvalidInput(f"Bad admin request: {exc}"), rest=True)
        return _error(ApiError(f"No admin route {method} {path}.", "NotFound", 404), rest=True)

    def _health(self) -> dict[str, Any]:
        counts = {kind: len(items) for kind, items in self.emu.store.resources.items()}
        return {
            "status": "ok",
            "speed": self.emu.lifecycle.speed,
            "awsEndpoint": self.emu.aws_endpoint,
            "accountId": self.emu.account_id,
            "resources": counts,
        }


class _Handler(BaseHTTPRequestHandler):
    """One connection: its requests, one after the other, each answered in a single write.

    The APIs' requests go to `EmulatorApp.answer`, the admin routes to `EmulatorApp.admin`."""

    protocol_version = "HTTP/1.1"  # connections stay open unless the client closes them
    disable_nagle_algorithm = True
    timeout = 300  # an idle connection's thread ends after this many seconds
    server_version = "PersonalizeEmulator"
    server: _Server
    raw_requestline: bytes  # set by handle_one_request
    #: The request's headers, names in lower case (repeated ones joined by ", ").
    fields: dict[str, str]

    def parse_request(self) -> bool:
        """The request line and the headers, into a dict: http.server's email parser took half
        the time of a whole GetRecommendations."""
        self.command, self.request_version, self.close_connection = "", "HTTP/1.0", True
        self.requestline = line = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = line.split()
        if len(words) != 3 or not words[2].startswith("HTTP/1."):
            if words:
                self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request {line!r}")
            return False
        self.command, self.path, self.request_version = words
        fields: dict[str, str] = {}
        for _ in range(MAX_HEADERS + 1):
            raw = self.rfile.readline(MAX_LINE + 1)
            if len(raw) > MAX_LINE:
                self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long")
                return False
            if raw in (b"\r\n", b"\n", b""):
                break
            name, _, value = raw.decode("iso-8859-1").partition(":")
            key, value = name.strip().lower(), value.strip()
            fields[key] = f"{fields[key]}, {value}" if key in fields else value
        else:
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many headers")
            return False
        self.fields = fields
        connection = fields.get("connection", "").lower()
        self.close_connection = connection == "close" or (
            self.request_version == "HTTP/1.0" and connection != "keep-alive"
        )
        if fields.get("expect", "").lower() == "100-continue" and not self.close_connection:
            return self.handle_expect_100()
        return True

    def do_POST(self) -> None:
        try:
            body = self._body()
        except ValueError as exc:  # a malformed Content-Length or chunk size
            self.close_connection = True
            self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request body: {exc}")
            return
        path = unquote(self.path.partition("?")[0])
        app = self.server.app
        if path.startswith(ADMIN_PREFIX):
            answer = app.admin(self.command, path, body)
        else:
            answer = app.answer(
                self.command,
                path,
                self.fields.get("x-amz-target", ""),
                body,
                self.fields.get("authorization", ""),
            )
        lines = [f"HTTP/1.1 {answer.status}", f"Server: {self.server_version}"]
        lines.append(f"Date: {_http_date()}")
        lines += [f"{name}: {value}" for name, value in answer.headers]
        if self.close_connection:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self.wfile.write(head if self.command == "HEAD" else head + answer.body)
        if answer.status_code >= 400:  # successes are not logged: the runtime's are the hot path
            self.log_request(answer.status_code)

    do_GET = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_POST

    def _body(self) -> bytes:
        if self.fields.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while size := int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16):
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            while self.rfile.readline().strip():  # trailers, up to the blank line
                pass
            return b"".join(parts)
        length = int(self.fields.get("content-length") or 0)
        if length < 0:
            raise ValueError(f"Content-Length {length} is negative")
        return self.rfile.read(length)

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"{self.address_string()} - {format % args}\n")


_DATE = (0, "")


def _http_date() -> str:
    """The Date header's value, formatted once a second."""
    global _DATE
    second = int(time.time())
    if _DATE[0] != second:
        _DATE = (second, email.utils.formatdate(second, usegmt=True))
    return _DATE[1]


class _Server(ThreadingHTTPServer):
    """A thread per connection (daemon threads: stopping the server does not wait for them).
    The listen queue holds 128 connections, as werkzeug's server did (the standard library's 5 reset
    clients that connect at once)."""

    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: EmulatorApp) -> None:
        self.app = app
        super().__init__(address, _Handler)


def build_server(
    host: str,
    port: int,
    aws_endpoint: str | None,
    speed: float | None,
    region: str = "us-east-1",
    state_dir: Path | None = None,
) -> Any:
    """A threaded HTTP/1.1 server bound to `host:port` (port 0 = any free port)."""
    emulator = Emulator(aws_endpoint=aws_endpoint, speed=speed, region=region, state_dir=state_dir)
    return _Server((host, port), EmulatorApp(emulator))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The local Personalize emulator.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--aws-endpoint", default=None, help="moto server URL (S3, IAM).")
    parser.add_argument("--speed", type=float, default=None)
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help="Where imported rows and jobs' scratch files go (default: a temporary directory).",
    )
    args = parser.parse_args(argv)
    server = build_server(
        args.host, args.port, args.aws_endpoint, args.speed, args.region, args.state_dir
    )

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(0)  # so that the state directory's clean-up runs (`local down`)

    signal.signal(signal.SIGTERM, stop)  # before the line that says it is up
    print(f"personalize emulator on http://{args.host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    sys.exit(0)


if __name__ == "__main__":
    main()
