"""`data download --release R`: each release's URL and pin, a pin enforced on a mirror too, the
changing releases (latest, latest-small) verified as far as they can be, and `make data RELEASE=R`.

The expected values are not read from our table but copied from sources outside the project, so
a typo in the table fails here:
- URLs: the download links of https://grouplens.org/datasets/movielens/ (files.grouplens.org/
  datasets/movielens/ml-<name>.zip, the folder names from each release's README);
- MD5s: eli-osherovich/papers_with_code datasets/movielens/dl_config.py, and for ml-1m
  PaddlePaddle/Paddle python/paddle/text/datasets/movielens.py;
- sizes: tensorflow/datasets tensorflow_datasets/url_checksums/movielens.txt;
- ml-32m's MD5 and size, ml-10m's size: public download scripts and loaders that pin them
  independently of each other (one cites "Official checksum from
  https://files.grouplens.org/datasets/movielens/ml-32m.zip.md5").
Served from a local http.server (tests/data/test_data_download.py's handler): no internet here.
"""

from __future__ import annotations

import hashlib
import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

import pytest
from test_data_download import _Handler  # the Range-honouring handler of the base tests
from typer.testing import CliRunner

from personalize_movielens.cli import app
from personalize_movielens.data import download as dl
from personalize_movielens.data.releases import RELEASES, release_for, release_named
from personalize_movielens.errors import DataError

ROOT = Path(__file__).resolve().parents[2]
BASE = "https://files.grouplens.org/datasets/movielens/"
#: release -> (URL, MD5 or None, size or None), from the sources in the module docstring.
EXPECTED: dict[str, tuple[str, str | None, int | None]] = {
    "100k": (BASE + "ml-100k.zip", "0e33842e24a9c977be4e0107933c0723", 4_924_029),
    "1m": (BASE + "ml-1m.zip", "c4d9eecfca2ab87c1945afe126590906", 5_917_549),
    "10m": (BASE + "ml-10m.zip", "ce571fd55effeba0271552578f2648bd", 65_566_137),
    "20m": (BASE + "ml-20m.zip", "cd245b17a1ae2cc31bb14903e1204af3", 198_702_078),
    "25m": (BASE + "ml-25m.zip", "6b51fb2759a8657d3bfcbfc42b592ada", 261_978_986),
    "32m": (BASE + "ml-32m.zip", "d472be332d4daa821edc399621853b57", 238_950_008),
    "latest-small": (BASE + "ml-latest-small.zip", None, None),
    "latest": (BASE + "ml-latest.zip", None, None),
}


def test_every_release_of_the_issue_is_known() -> None:
    assert set(RELEASES) == set(EXPECTED)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_each_release_resolves_to_its_url_pin_and_default_dest(
    name: str, offline: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, md5, size = EXPECTED[name]
    release = release_named(name)
    assert (release.url, release.md5, release.size) == (url, md5, size)
    assert dl.PINNED.get(url) == ((md5, size) if md5 else None)
    assert release.changes_over_time == name.startswith("latest")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError, match="Cannot reach") as info:
        dl.download(release=release)  # the first thing asked is the .md5 beside the release's zip
    # a pinned release needs no .md5: offline, the error names the zip itself
    assert offline == ([url + ".md5", url] if md5 else [url + ".md5"])
    assert info.value.message.startswith(f"Cannot reach {url if md5 else url + '.md5'} (")
    assert f"`make data DATASET=synthetic RELEASE={name}`" in (info.value.hint or "")
    assert dl.default_dest(release) == Path("data") / url.rsplit("/", 1)[1]
    assert not (tmp_path / "data").exists() or list((tmp_path / "data").iterdir()) == []


@pytest.fixture
def server() -> Iterator[tuple[str, type[_Handler]]]:
    class Handler(_Handler):
        files: ClassVar[dict[str, bytes]] = {}
        ranges: ClassVar[list[tuple[str, str | None]]] = []

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", Handler
    finally:
        httpd.shutdown()
        httpd.server_close()


FAKE = b"PK\x05\x06" + bytes(range(256)) * 40  # not MovieLens: a pinned release must refuse it


def _md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def test_a_mirror_of_a_pinned_release_is_held_to_the_pin(server, tmp_path: Path) -> None:
    base, handler = server
    handler.files = {"/ml-1m.zip": FAKE}
    dest = tmp_path / "ml-1m.zip"
    with pytest.raises(DataError, match="Checksum mismatch") as info:
        dl.download(f"{base}/ml-1m.zip", dest, release=RELEASES["1m"])
    assert f"MD5 {_md5(FAKE)}" in str(info.value)
    assert "expected c4d9eecfca2ab87c1945afe126590906" in str(info.value)
    assert list(tmp_path.iterdir()) == []  # neither the zip nor its partial file is left


def test_a_mirror_publishing_another_md5_than_the_pin_is_refused(server, tmp_path: Path) -> None:
    base, handler = server
    handler.files = {"/ml-1m.zip": FAKE, "/ml-1m.zip.md5": f"{_md5(FAKE)}  ml-1m.zip\n".encode()}
    with pytest.raises(DataError, match="pins c4d9eecfca2ab87c1945afe126590906"):
        dl.download(f"{base}/ml-1m.zip", tmp_path / "ml-1m.zip", release=RELEASES["1m"])
    assert list(tmp_path.iterdir()) == []


def test_a_pinned_release_rejects_the_right_md5_at_the_wrong_size(server, tmp_path: Path) -> None:
    """The size is checked on its own: a pin whose size disagrees is refused, MD5 or not."""
    base, handler = server
    handler.files = {"/ml-1m.zip": FAKE}
    pinned = replace(RELEASES["1m"], md5=_md5(FAKE), size=len(FAKE) + 1)
    with pytest.raises(DataError, match=f"{len(FAKE):,} bytes, expected {len(FAKE) + 1:,}"):
        dl.download(f"{base}/ml-1m.zip", tmp_path / "ml-1m.zip", release=pinned)
    assert list(tmp_path.iterdir()) == []
    exact = replace(pinned, size=len(FAKE))
    result = dl.download(f"{base}/ml-1m.zip", tmp_path / "ml-1m.zip", release=exact)
    assert (result.fetched, result.check, result.size) == (True, "pinned", len(FAKE))


def test_an_unpinned_fixed_release_is_verified_against_the_published_md5(
    server, tmp_path: Path
) -> None:
    base, handler = server
    unpinned = replace(RELEASES["32m"], md5=None, size=None)  # a fixed release no source pins
    handler.files = {"/ml-32m.zip": FAKE, "/ml-32m.zip.md5": f"{_md5(FAKE)}  ml-32m.zip\n".encode()}
    result = dl.download(f"{base}/ml-32m.zip", tmp_path / "ml-32m.zip", release=unpinned)
    assert (result.check, result.md5, result.changes_over_time) == ("published", _md5(FAKE), False)
    handler.files = {"/ml-32m.zip": FAKE}  # no .md5: a fixed release is never taken unverified
    with pytest.raises(DataError, match="No checksum published"):
        dl.download(f"{base}/ml-32m.zip", tmp_path / "other.zip", release=unpinned)


@pytest.mark.parametrize("name", ["latest", "latest-small"])
def test_a_changing_release_uses_the_md5_published_today(name: str, server, tmp_path: Path) -> None:
    base, handler = server
    zip_name = f"ml-{name}.zip"
    handler.files = {
        f"/{zip_name}": FAKE,
        f"/{zip_name}.md5": f"MD5 ({zip_name}) = {_md5(FAKE)}\n".encode(),
    }
    result = dl.download(f"{base}/{zip_name}", tmp_path / zip_name, release=RELEASES[name])
    assert (result.fetched, result.check, result.changes_over_time) == (True, "published", True)
    handler.files[f"/{zip_name}.md5"] = f"{'0' * 32}  {zip_name}\n".encode()
    with pytest.raises(DataError, match="Checksum mismatch"):  # a wrong published MD5 still fails
        dl.download(f"{base}/{zip_name}", tmp_path / "again.zip", release=RELEASES[name])


def test_latest_without_a_published_md5_is_checked_by_its_size_and_says_so(
    server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, handler = server
    handler.files = {"/ml-latest.zip": FAKE}
    dest = tmp_path / "ml-latest.zip"
    result = CliRunner().invoke(
        app,
        [
            "data",
            "download",
            "--release",
            "latest",
            "--url",
            f"{base}/ml-latest.zip",
            "--dest",
            str(dest),
        ],
    )
    assert result.exit_code == 0, result.output
    assert dest.read_bytes() == FAKE
    out = " ".join(result.output.split())
    assert "only its size checked" in out
    assert "not verified against a fixed checksum" in out
    assert not dl.download(f"{base}/ml-latest.zip", dest, release=RELEASES["latest"]).fetched


@pytest.mark.parametrize(("zip_name", "outcome"), [("ml-latest-small.zip", 0), ("ml-1m.zip", 1)])
def test_url_without_release_is_held_to_the_release_its_zip_names(
    server, tmp_path: Path, zip_name: str, outcome: int
) -> None:
    """A mirror of ml-latest-small.zip is checked against its published .md5, one of ml-1m.zip
    against 1m's pin: neither against 25m's, the default without --url."""
    base, handler = server
    handler.files = {
        f"/{zip_name}": FAKE,
        f"/{zip_name}.md5": f"MD5 ({zip_name}) = {_md5(FAKE)}\n".encode(),
    }
    dest = tmp_path / zip_name
    args = ["data", "download", "--url", f"{base}/{zip_name}", "--dest", str(dest)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == outcome, result.output
    if outcome == 0:
        assert dest.read_bytes() == FAKE
    else:
        assert RELEASES["1m"].md5 in str(result.exception)
        assert RELEASES["25m"].md5 not in str(result.exception)


class _NoLength(_Handler):
    """Serves the body without Content-Length (HTTP/1.0: the end of the body is the close)."""

    files: ClassVar[dict[str, bytes]] = {"/ml-latest.zip": FAKE}

    def send_header(self, keyword: str, value: str) -> None:
        if keyword != "Content-Length":
            super().send_header(keyword, value)


def test_latest_without_md5_nor_content_length_is_refused(tmp_path: Path) -> None:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NoLength)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/ml-latest.zip"
        with pytest.raises(DataError, match="nothing to verify"):
            dl.download(url, tmp_path / "ml-latest.zip", release=RELEASES["latest"])
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_release_is_one_line_naming_the_known_ones() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from personalize_movielens.cli import main; main()",
            "data",
            "download",
            "--release",
            "7m",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT / "scripts")},
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Error: --release '7m' is not a MovieLens release; known: "
        "100k, 1m, 10m, 20m, 25m, 32m, latest-small, latest."
    ]


def _make(*args: str) -> str:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout


def test_make_data_synthetic_release_builds_synth_and_prepare_for_that_release() -> None:
    dry = _make("-n", "data", "RELEASE=1m", "DATASET=synthetic")
    assert "data synth --release 1m --ratings 200000 --out data/synthetic-ml-1m.zip" in dry
    assert "data prepare --source data/synthetic-ml-1m.zip" in dry
    # Run the recipe with the CLI replaced by echo: the branch the shell takes, in order.
    ran = _make("-s", "data", "RELEASE=1m", "DATASET=synthetic", "CLI=echo", "RUN_STAMP=")
    lines = ran.splitlines()
    assert lines[0] == "data synth --release 1m --ratings 200000 --out data/synthetic-ml-1m.zip"
    assert lines[1].startswith("data prepare --source data/synthetic-ml-1m.zip ")
    assert not any("download" in line for line in lines)


def test_make_data_release_downloads_that_release_to_its_zip(tmp_path: Path) -> None:
    ran = _make("-s", "data", "RELEASE=32m", f"DATA_DIR={tmp_path}", "CLI=echo", "RUN_STAMP=")
    lines = ran.splitlines()
    assert lines[0] == f"data download --release 32m --dest {tmp_path}/ml-32m.zip"
    assert lines[1].startswith(f"data prepare --source {tmp_path}/ml-32m.zip ")
    # Present: still handed to `data download`, which checks it against the pin offline (a
    # synthetic zip saved under the real name must not be imported as MovieLens).
    (tmp_path / "ml-32m.zip").write_bytes(b"there")
    again = _make("-s", "data", "RELEASE=32m", f"DATA_DIR={tmp_path}", "CLI=echo", "RUN_STAMP=")
    assert again.splitlines()[0] == f"data download --release 32m --dest {tmp_path}/ml-32m.zip"


def test_make_data_keeps_a_present_changing_release(tmp_path: Path) -> None:
    """latest-small changes over time and has no pin: a copy already there is prepared as it
    is (checking it would need the network), as the download module promises."""
    (tmp_path / "ml-latest-small.zip").write_bytes(b"there")
    args = ["RELEASE=latest-small", f"DATA_DIR={tmp_path}", "CLI=echo", "RUN_STAMP="]
    ran = _make("-s", "data", *args)
    assert ran.splitlines()[0].startswith(f"data prepare --source {tmp_path}/ml-latest-small.zip")


@pytest.mark.parametrize(
    "url",
    [
        "https://mirror.example/ML-1M.zip",
        "https://mirror.example/movielens/ml-1m%2Ezip",
        "https://mirror.example/ml-1m.zip?token=a",
    ],
)
def test_release_for_a_url_reads_its_zip_name(url: str) -> None:
    assert release_for(None, url).name == "1m"
    assert release_for(None, "https://mirror.example/movielens.zip").name == "25m"
    assert release_for("32m", url).name == "32m"


def test_make_data_default_is_25m() -> None:
    dry = _make("-n", "data", "CLI=echo", "RUN_STAMP=")
    assert "data download --release 25m --dest data/ml-25m.zip" in dry
