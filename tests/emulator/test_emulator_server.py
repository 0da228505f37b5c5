"""The emulator's HTTP server as SDKs use it: connections kept open between requests (HTTP/1.1,
RFC 9112 section 9.3: "A server that supports persistent connections ... MUST ... keep the
connection open unless 'close' is signalled"), request bodies sent in chunks or after
`Expect: 100-continue`, and GetRecommendations answers that repeat for the same question."""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import polars as pl
import pytest

from personalize_movielens.local.emulator import server, training

CAMPAIGN = "arn:aws:personalize:us-east-1:123456789012:campaign/served"
VERSION = "arn:aws:personalize:us-east-1:123456789012:solution/served/0001"
TARGET = {"X-Amz-Target": "AmazonPersonalize.ListDatasetGroups"}
JSON_11 = {"Content-Type": "application/x-amz-json-1.1"}


@pytest.fixture
def emulator(tmp_path) -> Iterator[Any]:
    """An emulator serving on a free port of 127.0.0.1, a campaign of a small model ACTIVE."""
    httpd = server.build_server("127.0.0.1", 0, None, None, state_dir=tmp_path)
    rows = [(f"u{u}", f"i{(u + k) % 30}", 1_600_000_000 + k) for u in range(40) for k in range(12)]
    frame = pl.DataFrame(rows, schema=["USER_ID", "ITEM_ID", "TIMESTAMP"], orient="row")
    store = httpd.app.emu.store
    store.models[VERSION] = training.fit(frame, "aws-user-personalization")
    group = "arn:aws:personalize:us-east-1:123456789012:dataset-group/served"
    store.add("solution_version", VERSION, {"status": "ACTIVE", "datasetGroupArn": group})
    store.add("campaign", CAMPAIGN, {"status": "ACTIVE", "solutionVersionArn": VERSION})
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def recommend(connection: http.client.HTTPConnection, user: str) -> dict[str, Any]:
    body = json.dumps({"campaignArn": CAMPAIGN, "userId": user, "numResults": 5})
    connection.request("POST", "/recommendations", body, {"Content-Type": "application/json"})
    answer = connection.getresponse()
    assert answer.status == 200, answer.read()
    assert answer.getheader("Connection") is None and not answer.will_close
    return dict(json.loads(answer.read()))


def test_a_connection_serves_request_after_request(emulator):
    connection = http.client.HTTPConnection("127.0.0.1", emulator.server_port, timeout=10)
    first = recommend(connection, "u1")
    local = connection.sock.getsockname()
    for user in ("u2", "u1", "u3"):
        answer = recommend(connection, user)
        assert connection.sock.getsockname() == local  # the same connection, not a new one
    again = recommend(connection, "u1")
    assert again["itemList"] == first["itemList"]  # the same answer, from the model or not
    assert again["recommendationId"] != first["recommendationId"]  # each answer its own ID
    assert answer["itemList"] != first["itemList"]
    connection.request("POST", "/", "{}", {**TARGET, **JSON_11, "Connection": "close"})
    closing = connection.getresponse()
    assert closing.status == 200 and closing.getheader("Connection") == "close"
    assert json.loads(closing.read()) == {"datasetGroups": []}


def raw_exchange(port: int, request: bytes, answers: int = 1) -> list[bytes]:
    """Send raw bytes; read until the server closes or `answers` answers arrived."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while data.count(b"HTTP/1.") < answers or not data.endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    return [b"HTTP/1." + part for part in data.split(b"HTTP/1.")[1:]]


def test_chunked_bodies_and_expect_100_continue(emulator):
    """boto3 sends Content-Length; other clients may send a chunked body (RFC 9112 section 7.1)
    or wait for "100 Continue" before the body (RFC 9110 section 10.1.1)."""
    head = b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: AmazonPersonalize.ListDatasetGroups\r\n"
    chunked = head + b"Transfer-Encoding: chunked\r\n\r\n1\r\n{\r\n1;ext=1\r\n}\r\n0\r\n\r\n"
    (answer,) = raw_exchange(emulator.server_port, chunked)
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and answer.endswith(b'{"datasetGroups": []}')
    expecting = head + b"Content-Length: 2\r\nExpect: 100-continue\r\n\r\n{}"
    continued, final = raw_exchange(emulator.server_port, expecting, answers=2)
    assert continued.startswith(b"HTTP/1.1 100 Continue\r\n")
    assert final.startswith(b"HTTP/1.1 200 OK\r\n")


def test_http_1_0_and_malformed_requests(emulator):
    old = b"POST /recommendations HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}"
    (answer,) = raw_exchange(emulator.server_port, old)
    assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n")  # campaignArn is required
    assert b"\r\nConnection: close\r\n" in answer  # HTTP/1.0 without keep-alive: closed
    (answer,) = raw_exchange(emulator.server_port, b"NONSENSE\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400 ")
    too_many = b"GET /_emulator/health HTTP/1.1\r\n" + b"X-A: b\r\n" * 101 + b"\r\n"
    (answer,) = raw_exchange(emulator.server_port, too_many)
    assert answer.startswith(b"HTTP/1.1 431 ")
    health = b"GET /_emulator/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    (answer,) = raw_exchange(emulator.server_port, health)
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and b'"status": "ok"' in answer


def test_many_clients_connecting_at_once_are_all_answered(emulator):
    """A load tool opens its connections together: none is reset (the listen queue holds them)."""
    clients = 100
    start = threading.Barrier(clients)
    failures: list[str] = []

    def client(user: int) -> None:
        start.wait()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", emulator.server_port, timeout=30)
            recommend(connection, f"u{user % 40}")
            connection.close()
        except OSError as exc:
            failures.append(repr(exc))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


@pytest.mark.parametrize(
    "head",
    [
        "Content-Length: abc",
        "Content-Length: -1",
        "Transfer-Encoding: chunked",  # then a chunk size that is no hex number
    ],
)
def test_a_malformed_body_length_is_answered_400(emulator, head: str):
    with socket.create_connection(("127.0.0.1", emulator.server_port), timeout=10) as sock:
        body = "zz\r\n{}\r\n0\r\n\r\n" if "chunked" in head else ""
        sock.sendall(f"POST / HTTP/1.1\r\nHost: x\r\n{head}\r\n\r\n{body}".encode())
        answer = sock.recv(4096).decode("latin-1")
    assert answer.startswith("HTTP/1.1 400 "), answer


def test_sigterm_removes_the_temporary_state_directory(tmp_path):
    """`local down` sends SIGTERM; a server started without --state-dir cleans up after itself."""
    import os
    import signal
    import subprocess
    import sys

    from personalize_movielens.paths import same_package_env

    env = same_package_env({**os.environ, "TMPDIR": str(tmp_path)})
    proc = subprocess.Popen(
        [sys.executable, "-m", "personalize_movielens.local.emulator.server"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    assert "personalize emulator on" in proc.stdout.readline()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("personalize-emulator-")]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("personalize-emulator-")]
