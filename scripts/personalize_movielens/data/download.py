"""Fetch a MovieLens release's zip from GroupLens: resumable (HTTP Range), with progress, verified.

The download goes to a hidden `.part` file beside the destination, so an interrupted run
resumes where it stopped; only a file that passes its check is renamed into place, and a
mismatch deletes the partial file. The check, by release (data/releases.py):

- pinned MD5 (and size where pinned): the fixed releases, also when fetched from a mirror (`url`);
- the MD5 GroupLens publishes beside the zip (`<url>.md5`): a fixed release nobody pinned, or
  any other URL;
- `latest` and `latest-small` change over time, so no fixed checksum exists: the `.md5` published
  today, or, when none is published, only the size announced by Content-Length; the result
  says which.

A copy already on disk is checked first, without the network: against the pinned checksum, or
the one recorded beside it (a hidden `.md5` file) when this tool verified it. So a rerun
offline succeeds when the verified file is there (and a changing release is not refreshed until
the file is deleted).
"""

from __future__ import annotations

import hashlib
import os
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, replace
from http.client import HTTPResponse
from pathlib import Path
from typing import Literal, cast

from ..atomic import write_text_atomic
from ..console import info, progress
from ..errors import DataError
from .releases import DEFAULT_RELEASE, RELEASES, Release

DEFAULT_URL = RELEASES[DEFAULT_RELEASE].url
#: GroupLens' published checksums (and sizes, where known) of the fixed releases, by URL, pinned
#: so a changed file is noticed.
PINNED: dict[str, tuple[str, int | None]] = {
    r.url: (r.md5, r.size) for r in RELEASES.values() if r.md5 is not None
}
#: Seconds to wait for a connection or a read before giving up (offline machines fail fast).
TIMEOUT = 10.0
_CHUNK = 1 << 20
_MD5 = re.compile(r"\b([0-9a-fA-F]{32})\b")
OFFLINE_HINT = "without internet, use synthetic data: `make data DATASET=synthetic`."


def offline_hint(release: Release | None) -> str:
    """OFFLINE_HINT for the release asked for (the Makefile's default is 25m)."""
    if release is None:
        return OFFLINE_HINT
    command = f"make data DATASET=synthetic RELEASE={release.name}"
    demo = f"make demo RELEASE={release.name}"
    return f"without internet, use synthetic data: `{command}` (or the whole demo: `{demo}`)."


#: What a download was checked against: a pinned MD5, the `.md5` published beside it, the MD5
#: recorded when this tool verified the copy on disk, or (a changing release without a
#: published `.md5`) only its size.
Check = Literal["pinned", "published", "recorded", "size"]


@dataclass(frozen=True)
class DownloadResult:
    """The verified file, its MD5, whether bytes were fetched (False: already present), what it
    was checked against, and whether GroupLens changes it over time (no fixed checksum)."""

    path: Path
    md5: str
    size: int
    fetched: bool
    check: Check = "pinned"
    changes_over_time: bool = False


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


@dataclass(frozen=True)
class Expected:
    """What a download must match: an MD5 (None: only the size can be checked) and a size."""

    md5: str | None
    size: int | None
    check: Check


def expected_checksum(
    url: str,
    timeout: float = TIMEOUT,
    pinned: tuple[str, int | None] | None = None,
    changes_over_time: bool = False,
) -> Expected:
    """What to verify `url` against: the pinned MD5 (default: the one pinned for `url`), else
    the `.md5` published beside it. A release that changes over time without a published `.md5`
    gets only a size check (md5 None); any other file without one is refused. An unreachable
    `.md5` stops only an unpinned file: a pinned one is verified by its pin (and the error, if
    the zip is unreachable too, names the zip)."""
    pinned = pinned or PINNED.get(url)
    try:
        published = published_md5(url, timeout)
    except DataError:
        if not pinned:
            raise
        published = None
    if pinned:
        if published and published != pinned[0]:
            raise DataError(
                f"{url}.md5 says {published}, but this tool pins {pinned[0]} for the release "
                "asked (--release, else the one the URL's zip name gives, else 25m): another "
                "release needs its --release; if not, GroupLens changed the file or something is "
                "tampering with the download."
            )
        return Expected(pinned[0], pinned[1], "pinned")
    if published:
        return Expected(published, None, "published")
    if changes_over_time:
        return Expected(None, None, "size")
    raise DataError(f"No checksum published at {url}.md5: refusing to use an unverified download.")


def _fetch(url: str, part: Path, timeout: float) -> int | None:
    """Append the rest of `url` to `part` (Range from its size), showing progress; return the
    total size the server announced (Content-Length, plus the bytes resumed), if it did."""
    have = part.stat().st_size if part.exists() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    try:
        response = _open(url, headers, timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:
            return None  # the partial file is already complete
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
    return total


def _present(dest: Path, md5: str, check: Check) -> DownloadResult:
    """`dest`, already on disk, when its MD5 is `md5`; else DataError."""
    if file_md5(dest) != md5:
        raise DataError(
            f"{dest} exists but its MD5 is not {md5}.",
            hint="delete it and run the command again.",
        )
    return DownloadResult(dest, md5, dest.stat().st_size, fetched=False, check=check)


def verified_copy(
    url: str, dest: Path, pinned: tuple[str, int | None] | None = None
) -> DownloadResult | None:
    """`dest` when it is on disk and its MD5 is the one pinned (default: for `url`) or recorded
    when this tool verified it: checked without the network. None when there is nothing to check
    it against offline (or the recorded MD5 no longer matches: the caller asks the network)."""
    if not dest.exists():
        return None
    pinned = pinned or PINNED.get(url)
    if pinned:
        return _present(dest, pinned[0], "pinned")
    recorded = _recorded(dest, url)
    if recorded is None or file_md5(dest) != recorded:
        return None
    return DownloadResult(dest, recorded, dest.stat().st_size, fetched=False, check="recorded")


def default_dest(release: Release | None) -> Path:
    """data/<the release's zip name> (ml-25m.zip for a URL of no known release)."""
    return Path("data") / (release or RELEASES[DEFAULT_RELEASE]).zip_name


def _mismatch(got: str, size: int, expected: Expected) -> str | None:
    """Why the fetched `part` is refused, or None when it matches what was expected."""
    if expected.md5 is not None and got != expected.md5:
        return f"MD5 {got} ({size:,} bytes), expected {expected.md5}"
    if expected.size is not None and size != expected.size:
        return f"{size:,} bytes, expected {expected.size:,} (MD5 {got})"
    return None


def download(
    url: str | None = None,
    dest: Path | None = None,
    timeout: float = TIMEOUT,
    release: Release | None = None,
) -> DownloadResult:
    """Download `release` (default 25m) from GroupLens, or from `url` (a mirror: the release's
    pinned checksum still applies), to `dest` (default data/<zip name>), resuming a partial file,
    and verify it before the rename.

    If `dest` already exists with the right checksum, nothing is fetched (and, when the
    checksum is pinned or was recorded, nothing is asked of the network). On a mismatch the
    partial file is deleted and DataError says so.
    """
    if release is None and url in (None, DEFAULT_URL):
        release = RELEASES[DEFAULT_RELEASE]
    url = url or (release.url if release else DEFAULT_URL)
    dest = Path(dest) if dest is not None else default_dest(release)
    pinned = (release.md5, release.size) if release and release.md5 else None
    changes = bool(release and release.changes_over_time)
    present = verified_copy(url, dest, pinned)
    if present is not None:
        return replace(present, changes_over_time=changes)
    try:
        return _download_checked(url, dest, timeout, pinned, changes)
    except DataError as exc:
        if exc.hint != OFFLINE_HINT:
            raise
        raise DataError(exc.message, hint=offline_hint(release)) from exc


def _download_checked(
    url: str, dest: Path, timeout: float, pinned: tuple[str, int | None] | None, changes: bool
) -> DownloadResult:
    """The network part of `download`: the checksum to expect, then the fetch and the check."""
    expected = expected_checksum(url, timeout, pinned, changes)
    if dest.exists() and expected.md5 is not None:
        present = _present(dest, expected.md5, expected.check)
        _record(dest, url, expected.md5)
        return replace(present, changes_over_time=changes)
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = partial_path(dest)
    total = _fetch(url, part, timeout)
    got = file_md5(part)
    actual_size = part.stat().st_size
    if expected.md5 is None:
        expected = Expected(None, total, "size")
        if total is None:
            part.unlink(missing_ok=True)
            raise DataError(
                f"No checksum published at {url}.md5 and no Content-Length: nothing to verify "
                f"the download against; deleted the partial file {part.name}."
            )
    why = _mismatch(got, actual_size, expected)
    if why is not None:
        part.unlink(missing_ok=True)
        raise DataError(
            f"Checksum mismatch for {url}: {why}; deleted the partial file {part.name}.",
            hint="run the command again to download from scratch.",
        )
    os.replace(part, dest)
    _record(dest, url, got)
    return DownloadResult(dest, got, actual_size, True, expected.check, changes)
