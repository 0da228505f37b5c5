"""Throttled PutEvents calls are retried by the client's retry mode, over real HTTP: a local
server answers ThrottlingException (rest-json, as personalize-events does) before it accepts.
The Stubber cannot show this: it answers before botocore's retry handler ever runs."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from wf_helpers import FakeClock, offline_context

from personalize_movielens.workflow import events


class _Throttling(BaseHTTPRequestHandler):
    throttle_first: int = 0
    bodies: list[dict] = []  # noqa: RUF012 (one server per test)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).bodies.append(body)
        if len(type(self).bodies) <= type(self).throttle_first:
            payload = json.dumps({"message": "Rate exceeded"}).encode()
            self.send_response(400)
            self.send_header("x-amzn-ErrorType", "ThrottlingException")
        else:
            payload = b"{}"
            self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_Throttling]]:
    handler = type("Handler", (_Throttling,), {"bodies": [], "throttle_first": 2})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv(
        "AWS_ENDPOINT_URL_PERSONALIZE_EVENTS", f"http://127.0.0.1:{httpd.server_port}"
    )
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    yield handler
    httpd.shutdown()


def test_throttled_calls_are_retried_until_accepted(server, tmp_path: Path) -> None:
    (tmp_path / "held-out-events.csv").write_text("USER_ID,ITEM_ID,TIMESTAMP\n1,7,100\n2,8,101\n")
    base = offline_context(FakeClock())
    ctx = replace(base, outputs=replace(base.outputs, event_tracking_id="tracker"))
    result = events.replay(ctx, tmp_path)
    assert (result.sent, result.failed, result.batches) == (2, 0, 2)
    # two throttled attempts of the first call, its accepted retry, then the second call
    assert [b["userId"] for b in server.bodies] == ["1", "1", "1", "2"]


def test_throttling_past_the_retries_is_a_counted_failure(server, tmp_path, monkeypatch):
    # botocore's `max_attempts` counts retries: 1 retry, and both attempts are throttled
    monkeypatch.setenv("PERSONALIZE_MOVIELENS_MAX_ATTEMPTS", "1")
    (tmp_path / "held-out-events.csv").write_text("USER_ID,ITEM_ID,TIMESTAMP\n1,7,100\n2,8,101\n")
    base = offline_context(FakeClock())
    ctx = replace(base, outputs=replace(base.outputs, event_tracking_id="tracker"))
    result = events.replay(ctx, tmp_path)
    assert (result.sent, result.failed) == (1, 1)
    assert result.first_failure == "ThrottlingException: Rate exceeded"
