"""download(): resume with HTTP Range, MD5 verified before the rename, fast failure offline.

Served from a local threaded http.server on 127.0.0.1 (no internet here or in CI).
"""

from __future__ import annotations

import hashlib
import http.server
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from personalize_movielens.data import download as dl
from personalize_movielens.errors import DataError


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves `files` (path -> bytes), honouring `Range: bytes=N-`; records requests."""

    files: ClassVar[dict[str, bytes]] = {}
    ranges: ClassVar[list[tuple[str, str | None]]] = []

    def do_GET(self) -> None:
        body = self.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        rng = self.headers.get("Range")
        type(self).ranges.append((self.path, rng))
        if rng:
            start = int(rng.removeprefix("bytes=").split("-")[0])
            if start >= len(body):
                self.send_error(416)
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            body = body[start:]
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server(synth_zip: Path) -> Iterator[tuple[str, type[_Handler]]]:
    data = synth_zip.read_bytes()
    md5 = hashlib.md5(data).hexdigest()

    class Handler(_Handler):
        files: ClassVar[dict[str, bytes]] = {
            "/ml.zip": data,
            "/ml.zip.md5": f"{md5}  ml.zip\n".encode(),
            "/bad.zip": data,
            "/bad.zip.md5": f"MD5 (bad.zip) = {'0' * 32}\n".encode(),
            "/nomd5.zip": data,
        }
        ranges: ClassVar[list[tuple[str, str | None]]] = []

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", Handler
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_download_verifies_and_renames(server, synth_zip: Path, tmp_path: Path) -> None:
    base, _ = server
    dest = tmp_path / "ml-25m.zip"
    result = dl.download(f"{base}/ml.zip", dest)
    assert result.fetched
    assert dest.read_bytes() == synth_zip.read_bytes()
    assert not dl.partial_path(dest).exists()
    again = dl.download(f"{base}/ml.zip", dest)
    assert not again.fetched  # already present and verified


def test_resume_asks_for_the_rest_only(server, synth_zip: Path, tmp_path: Path) -> None:
    base, handler = server
    dest = tmp_path / "ml-25m.zip"
    data = synth_zip.read_bytes()
    half = len(data) // 2
    dl.partial_path(dest).write_bytes(data[:half])
    dl.download(f"{base}/ml.zip", dest)
    assert [r for p, r in handler.ranges if p == "/ml.zip"] == [f"bytes={half}-"]
    assert dest.read_bytes() == data


def test_checksum_mismatch_deletes_the_partial(server, tmp_path: Path) -> None:
    base, _ = server
    dest = tmp_path / "ml-25m.zip"
    with pytest.raises(DataError, match="Checksum mismatch") as info:
        dl.download(f"{base}/bad.zip", dest)
    assert "deleted the partial file" in str(info.value)
    assert not dest.exists()
    assert not dl.partial_path(dest).exists()


def test_no_published_checksum_is_refused(server, tmp_path: Path) -> None:
    base, _ = server
    with pytest.raises(DataError, match="No checksum"):
        dl.download(f"{base}/nomd5.zip", tmp_path / "x.zip")
    assert list(tmp_path.iterdir()) == []


def test_unreachable_url_fails_fast_naming_the_offline_way(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.monotonic()
    with pytest.raises(DataError) as info:
        dl.download(f"http://127.0.0.1:{port}/ml-25m.zip", tmp_path / "ml.zip", timeout=2)
    assert time.monotonic() - start < 5
    line = info.value.one_line()
    assert "Cannot reach" in line and "make data DATASET=synthetic" in line


def test_default_url_checksum_is_pinned() -> None:
    assert dl.PINNED[dl.DEFAULT_URL] == ("6b51fb2759a8657d3bfcbfc42b592ada", 261_978_986)


def test_pinned_checksum_wins_over_a_different_published_one(server, monkeypatch) -> None:
    base, _ = server
    url = f"{base}/ml.zip"
    monkeypatch.setitem(dl.PINNED, url, ("f" * 32, 10))
    with pytest.raises(DataError, match="pins"):
        dl.expected_checksum(url)


def test_a_pinned_verified_copy_is_kept_offline(
    synth_zip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offline: list[str]
) -> None:
    """The bug: the .md5 was fetched before the copy on disk was checked, so offline it failed."""
    url = "https://files.example.org/ml-25m.zip"
    data = synth_zip.read_bytes()
    monkeypatch.setitem(dl.PINNED, url, (hashlib.md5(data).hexdigest(), len(data)))
    dest = tmp_path / "ml-25m.zip"
    dest.write_bytes(data)
    result = dl.download(url, dest)
    assert (result.fetched, result.path, result.size) == (False, dest, len(data))
    assert offline == []  # not even the .md5 was asked for


def test_a_pinned_copy_that_does_not_match_is_refused_offline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offline: list[str]
) -> None:
    url = "https://files.example.org/ml-25m.zip"
    monkeypatch.setitem(dl.PINNED, url, ("0" * 32, 3))
    dest = tmp_path / "ml-25m.zip"
    dest.write_bytes(b"abc")
    with pytest.raises(DataError, match="exists but its MD5 is not"):
        dl.download(url, dest)
    assert offline == []


def test_a_copy_verified_by_an_earlier_download_is_kept_offline(
    server, synth_zip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, _ = server
    dest = tmp_path / "ml-25m.zip"
    assert dl.download(f"{base}/ml.zip", dest).fetched  # verified against the published .md5
    assert dl.recorded_path(dest).read_text().split() == [
        hashlib.md5(synth_zip.read_bytes()).hexdigest(),
        f"{base}/ml.zip",
    ]

    def no_network(*args: object, **kwargs: object) -> None:
        raise urllib.error.URLError("Network is unreachable")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    assert not dl.download(f"{base}/ml.zip", dest).fetched
    with pytest.raises(DataError, match="Cannot reach"):  # another URL: not verified for it
        dl.download(f"{base}/other.zip", dest)
