"""A path the operating system refuses, said in one line that names it.

A directory that cannot be written, a file where a directory should be, a full disk: `data
prepare` and `data synth` run their writing inside `refused_output`, so such an error reaches
the CLI as the project's error (one line, exit code 1), not as a traceback. An input that cannot
be read (`data validate /proc/self/mem`: polars' OSError names no file) goes through
`refused_input`, which names it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from ..errors import PersonalizeMovielensError
from .wording import first_line


def _file_in_the_way(path: Path) -> Path | None:
    """The nearest of `path` and its parents that exists, when it is not a directory."""
    for candidate in (path, *path.parents):
        if os.path.exists(candidate):  # False, not an error, for a name the system refuses
            return None if os.path.isdir(candidate) else candidate
    return None


def _is_output(path: Path, out: Path, is_directory: bool) -> bool:
    """Whether the OS refused `path` while writing `out`: `out` itself, a parent made for it,
    a file inside it (a directory) or a temporary sibling (a file)."""
    if path == out or path in out.parents:
        return True
    return out in path.parents if is_directory else path.parent == out.parent


def _reason(exc: OSError) -> str:
    """The operating system's words (polars' OSErrors carry them only in the message)."""
    return exc.strerror or first_line(exc)


@contextlib.contextmanager
def refused_output(out: Path, option: str, is_directory: bool = True) -> Iterator[None]:
    """Turn an OSError inside the block into PersonalizeMovielensError naming `out` (what the
    user gave with `option`); an error on another path (an input) names that path."""
    try:
        yield
    except OSError as exc:
        named = [Path(n) for n in (exc.filename, exc.filename2) if isinstance(n, str)]
        if named and not any(_is_output(p, out, is_directory) for p in named):
            raise PersonalizeMovielensError(f"{named[0]}: {_reason(exc)}.") from exc
        blocker = _file_in_the_way(out if is_directory else out.parent)
        what = _reason(exc) if blocker is None else f"{blocker} is a file, not a directory"
        kind = "directory" if is_directory else "file"
        raise PersonalizeMovielensError(
            f"Cannot write the output {kind} {out}: {what}.",
            hint=f"choose a {option} you can write to.",
        ) from exc


@contextlib.contextmanager
def refused_input(path: Path) -> Iterator[None]:
    """Turn an OSError inside the block into PersonalizeMovielensError naming the file it
    concerns, `path` when the error names none."""
    try:
        yield
    except OSError as exc:
        named = next((n for n in (exc.filename, exc.filename2) if isinstance(n, str)), str(path))
        raise PersonalizeMovielensError(f"{named}: cannot read it: {_reason(exc)}.") from exc
