"""Fetch ml-25m.zip from GroupLens: resumable (HTTP Range), with progress, MD5-verified.

The download goes to a hidden `.part` file beside the destination, so an interrupted run
resumes where it stopped; only a file whose MD5 matches the published (and, for the default
URL, pinned) checksum is renamed into place. A mismatch deletes the partial file.

A copy already on disk is checked first, without the network: against the pinned checksum, or
the one recorded beside it (a hidden `.md5` file) when this tool verified it. So a rerun
offline succeeds when the verified file is there.
"""

from __future__ import annotations

import hashlib
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.client import HTTPResponse
from pathlib import Path
from typing import cast

from ..atomic import write_text_atomic
from ..console import info, progress
from ..errors import DataError

DEFAULT_URL = "https://files.grouplens.org/datasets/movielens/ml-25m.zip"
#: GroupLens' published checksum and size of ml-25m.zip, pinned so a changed file is noticed.
PINNED: dict[str, tuple[str, int]] = {
    DEFAULT_URL: ("6b51fb2759a8657d3bfcbfc42b592ada", 261_978_986),
}
#: Seconds to wait for a connection or a read before giving up (offline machines fail fast).
TIMEOUT = 10.0
_CHUNK = 1 << 20
_MD5 = re.compile(r"\b([0-9a-fA-F]{32})\b")
OFFLINE_HINT = "without internet, use synthetic data: `make data DATASET=synthetic`."


@dataclass(frozen=True)
class DownloadResult:
    """The verified file, its MD5, and whether bytes were fetched (False: already present)."""

    path: Path
    md5: str
    size: int
    fetched: bool


def partial_path(dest: Path) -> Path:
    """Where an unfinished download is kept (stable, so the next run resumes it)."""
    return dest.with_name(f".{dest.name}.part")


def recorded_path(dest: Path) -> Path:
    """Where the MD5 a download was verified against is recorded, with its URL."""
    return dest.with_name(f".{dest.name}.md5")


def _record(dest: Path, url: str, md5: str) -> None:
    write_text_atomic(recorded_path(dest), f"{md5}  {url}\n")


def _recorded(dest: Path, url: str) -> str | None:
    """The MD5 recorded when `dest` was verified as a download of `url`, if it was."""
    try:
        md5, recorded_url = recorded_path(dest).read_text(encoding="utf-8").split()
    except (OSError, ValueError):
        return None
    return md5 if recorded_url == url and _MD5.fullmatch(md5) else None


def file_md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK * 8):
            digest.update(chunk)
    return digest.hexdigest()


def _open(
    url: str, headers: dict[str, str] | None = None, timeout: float = TIMEOUT
) -> HTTPResponse:
    request = urllib.request.Request(
        url, headers={"User-Agent": "personalize-movielens"} | (headers or {})
    )
    try:
        return cast(HTTPResponse, urllib.request.urlopen(request, timeout=timeout))
    except urllib.error.HTTPError:
        raise
    except (TimeoutError, urllib.error.URLError, ConnectionError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DataError(f"Cannot reach {url} ({reason}).", hint=OFFLINE_HINT) from exc


def published_md5(url: str, timeout: float = TIMEOUT) -> str | None:
    """The MD5 published at `<url>.md5` ("<hex>  <name>" or "MD5 (<name>) = <hex>"), if any."""
    try:
        with _open(url + ".md5", timeout=timeout) as response:
            text = response.read(4096).decode("utf-8", errors="replace")
    except urllib.error.HTTPError:
        return None
    match = _MD5.search(text)
    return match.group(1).lower() if match else None


def expected_checksum(url: str, timeout: float = TIMEOUT) -> tuple[str, int | None]:
    """(MD5, size or None) to verify against: the pinned one for the default URL, else `.md5`."""
    published = published_md5(url, timeout)
    pinned = PINNED.get(url)
    if pinned:
        if published and published != pinned[0]:
            raise DataError(
                f"{url}.md5 says {published}, but this tool pins {pinned[0]} for that file: "
                "GroupLens changed the file or something is tampering with the download."
            )
        return pinned
    if not published:
        raise DataError(
            f"No checksum published at {url}.md5: refusing to use an unverified download."
        )
    return published, None


def _fetch(url: str, part: Path, timeout: float) -> None:
    """Append the rest of `url` to `part` (Range from its size), showing progress."""
    have = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        response = _open(url, headers, timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:
            return  # the partial file is already complete
        raise DataError(f"Download of {url} failed: HTTP {exc.code} {exc.reason}.") from exc
    with response:
        if have and response.status != 206:
            info(f"The server ignored the resume request: downloading {url} from the start.")
            have = 0
        length = response.headers.get("Content-Length")
        total = have + int(length) if length is not None else None
        if have:
            info(f"Resuming {part.name} at {have:,} bytes.")
        with (
            part.open("ab" if have else "wb") as out,
            progress(f"Downloading {url.rsplit('/', 1)[-1]}", total, bytes_=True) as bar,
        ):
            bar.advance(have)
            while True:
                try:
                    chunk = response.read(_CHUNK)
                except (TimeoutError, OSError) as exc:
                    raise DataError(
                        f"Download of {url} interrupted ({exc}); run the command again to resume."
                    ) from exc
                if not chunk:
                    break
                out.write(chunk)
                bar.advance(len(chunk))
    if total is not None and part.stat().st_size < total:
        raise DataError(
            f"Download of {url} stopped at {part.stat().st_size:,} of {total:,} bytes; "
            "run the command again to resume."
        )


def _present(dest: Path, md5: str) -> DownloadResult:
    """`dest`, already on disk, when its MD5 is `md5`; else DataError."""
    if file_md5(dest) != md5:
        raise DataError(
            f"{dest} exists but its MD5 is not {md5}.",
            hint="delete it and run the command again.",
        )
    return DownloadResult(dest, md5, dest.stat().st_size, fetched=False)


def verified_copy(url: str, dest: Path) -> DownloadResult | None:
    """`dest` when it is on disk and its MD5 is the one pinned for `url` or recorded when this
    tool verified it: checked without the network. None when there is nothing to check it
    against offline (or the recorded MD5 no longer matches: the caller asks the network)."""
    if not dest.exists():
        return None
    if url in PINNED:
        return _present(dest, PINNED[url][0])
    recorded = _recorded(dest, url)
    if recorded is None or file_md5(dest) != recorded:
        return None
    return DownloadResult(dest, recorded, dest.stat().st_size, fetched=False)


def download(
    url: str = DEFAULT_URL, dest: Path = Path("data/ml-25m.zip"), timeout: float = TIMEOUT
) -> DownloadResult:
    """Download `url` to `dest`, resuming a partial file, and verify its MD5 before the rename.

    If `dest` already exists with the right checksum, nothing is fetched (and, when the
    checksum is pinned or was recorded, nothing is asked of the network). On a checksum
    mismatch the partial file is deleted and DataError says so.
    """
    dest = Path(dest)
    present = verified_copy(url, dest)
    if present is not None:
        return present
    md5, size = expected_checksum(url, timeout)
    if dest.exists():
        present = _present(dest, md5)
        _record(dest, url, md5)
        return present
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = partial_path(dest)
    _fetch(url, part, timeout)
    got = file_md5(part)
    actual_size = part.stat().st_size
    if got != md5 or (size is not None and actual_size != size):
        part.unlink(missing_ok=True)
        raise DataError(
            f"Checksum mismatch for {url}: MD5 {got} ({actual_size:,} bytes), expected {md5}"
            + (f" ({size:,} bytes)" if size is not None else "")
            + f"; deleted the partial file {part.name}.",
            hint="run the command again to download from scratch.",
        )
    os.replace(part, dest)
    _record(dest, url, md5)
    return DownloadResult(dest, md5, actual_size, fetched=True)
