"""Write-then-rename, so a failed or interrupted run never leaves a half-written output."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path


def temporary_sibling(path: Path) -> Path:
    """A unique hidden name beside `path` (same directory, so the rename is atomic)."""
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path to write; on success rename it onto `path`, on error delete it.

    The caller writes the whole file to the yielded path. If the block raises, the target is
    left exactly as it was (absent, or the previous complete version).
    """
    with atomic_paths([Path(path)]) as (tmp,):
        yield tmp


@contextlib.contextmanager
def atomic_paths(paths: list[Path], *, own_folders: bool = False) -> Iterator[list[Path]]:
    """Like `atomic_path` for several files that must appear together or not at all.

    `own_folders`: the caller is the only writer of the targets' folders (prepare's
    --out-dir), so the folders made for them are removed too when the block fails. Off by
    default: another writer may have started in a folder made here.
    """
    targets = [Path(p) for p in paths]
    made: list[Path] = []
    tmps: list[Path] = []
    try:
        for target in targets:
            made += _make_parents(target.parent)
            tmps.append(temporary_sibling(target))
        yield tmps
        for tmp, target in zip(tmps, targets, strict=True):
            os.replace(tmp, target)
    except BaseException:  # on success every temporary file was renamed: none is left
        for tmp in tmps:
            tmp.unlink(missing_ok=True)  # before the folders they are in
        for directory in reversed(made if own_folders else []):
            with contextlib.suppress(OSError):  # not empty: something else is in it
                directory.rmdir()
        raise


def _make_parents(directory: Path) -> list[Path]:
    """Create `directory` and its missing parents; the ones created, outermost first."""
    missing = [d for d in (directory, *directory.parents) if not d.exists()][::-1]
    directory.mkdir(parents=True, exist_ok=True)
    return missing


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write a small text file (UTF-8) atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
