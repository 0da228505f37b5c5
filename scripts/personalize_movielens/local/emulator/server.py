"""The emulator's HTTP server (WSGI, werkzeug): the control plane, the runtime and the admin API.

Run it as `python -m personalize_movielens.local.emulator.server --port P --aws-endpoint URL
--state-dir DIR`; `personalize-movielens local up` does that in a detached process.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import traceback
import uuid
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from . import controlplane, runtime
from .errors import ApiError, InvalidInput
from .faults import FaultConfig
from .service import Emulator
from .validation import error_statuses, service_model, validate

CONTROL_SERVICE, RUNTIME_SERVICE = "personalize", "personalize-runtime"
TARGET_PREFIX = "AmazonPersonalize."
#: REST-JSON runtime routes: path -> operation, each path as botocore's model gives it.
RUNTIME_ROUTES = {
    service_model(RUNTIME_SERVICE).operation_model(name).http["requestUri"]: name
    for name in runtime.HANDLERS
}
#: HTTP status of each error whose shape names one in botocore's models (see validation.py).
CONTROL_STATUSES = error_statuses(CONTROL_SERVICE)
RUNTIME_STATUSES = error_statuses(RUNTIME_SERVICE)
_REGION = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/")


def _region(request: Request, default: str) -> str:
    """The region the client signed for (from the SigV4 credential scope)."""
    match = _REGION.search(request.headers.get("Authorization", ""))
    return match.group(1) if match else default


def dumps(value: Any) -> str:
    """JSON for answers; what JSON has no type for (a stray object) goes as its text."""
    return json.dumps(value, default=str)


def _json(
    body: Any, status: int = 200, content_type: str = "application/x-amz-json-1.1"
) -> Response:
    response = Response(dumps(body), status=status, content_type=content_type)
    response.headers["x-amzn-RequestId"] = str(uuid.uuid4())
    return response


def _error(exc: ApiError, rest: bool, statuses: dict[str, int] | None = None) -> Response:
    """The error answer; a modelled error gets the HTTP status its service model names."""
    body = {"__type": exc.code, "message": exc.message}
    content_type = "application/json" if rest else "application/x-amz-json-1.1"
    response = _json(body, (statuses or {}).get(exc.code, exc.status), content_type)
    response.headers["x-amzn-ErrorType"] = exc.code
    return response


class EmulatorApp:
    """The WSGI application."""

    def __init__(self, emulator: Emulator) -> None:
        self.emu = emulator

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        return self.dispatch(request)(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        if request.path.startswith("/_emulator/"):
            return self.admin(request)
        target = request.headers.get("X-Amz-Target", "")
        rest = not target
        try:
            body = request.get_data(as_text=True) or "{}"
            try:
                params = json.loads(body)
            except json.JSONDecodeError:
                raise ApiError(
                    "The request body is not valid JSON.", "SerializationException"
                ) from None
            if target:
                if request.method != "POST" or not target.startswith(TARGET_PREFIX):
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
                return _json(handler(self.emu, params, _region(request, self.emu.region)))
            route = RUNTIME_ROUTES.get(request.path)
            if route is None or request.method != "POST":
                raise ApiError(
                    f"No runtime route {request.method} {request.path} in the local emulator.",
                    "UnknownOperationException",
                    status=404,
                )
            self.emu.faults.check(route)
            validate(RUNTIME_SERVICE, route, params)
            return _json(runtime.HANDLERS[route](self.emu, params), content_type="application/json")
        except ApiError as exc:
            return _error(exc, rest, RUNTIME_STATUSES if rest else CONTROL_STATUSES)
        except Exception as exc:  # a bug in the emulator: answer 500, log the traceback
            traceback.print_exc()
            return _error(
                ApiError(f"Internal error in the local emulator: {exc}", status=500), rest
            )

    def admin(self, request: Request) -> Response:
        """Health, pace, faults and reset: for `local status` and the tests."""
        path, method = request.path, request.method
        try:
            payload = request.get_json(silent=True) or {}
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


def build_server(
    host: str,
    port: int,
    aws_endpoint: str | None,
    speed: float | None,
    region: str = "us-east-1",
    state_dir: Path | None = None,
) -> Any:
    """A threaded werkzeug server bound to `host:port` (port 0 = any free port)."""
    emulator = Emulator(aws_endpoint=aws_endpoint, speed=speed, region=region, state_dir=state_dir)
    return make_server(host, port, EmulatorApp(emulator), threaded=True)


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
