"""Terminal output: rich progress and tables on a terminal, plain lines when piped or in CI."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rich.console import Console

if TYPE_CHECKING:  # rich.progress is imported when a bar is shown, not at every start-up
    from rich.progress import Progress, TaskID

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


def is_interactive() -> bool:
    """True when stdout is a terminal: then progress bars; otherwise plain lines."""
    return sys.stdout.isatty()


def info(message: str) -> None:
    """A plain status line (to stderr, so stdout stays clean for --json)."""
    err_console.print(message, markup=False, soft_wrap=True)


class ProgressReporter:
    """Progress of one long task: a bar on a terminal, a line every ~10% otherwise."""

    def __init__(
        self, progress: Progress | None, task: TaskID | None, label: str, total: float | None
    ):
        self._progress = progress
        self._task = task
        self._label = label
        self._total = total
        self._done = 0.0
        self._last_decile = -1

    def advance(self, amount: float) -> None:
        self._done += amount
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, advance=amount)
            return
        if self._total:
            decile = int(10 * self._done / self._total)
            if decile > self._last_decile:
                self._last_decile = decile
                info(f"{self._label}: {min(100, decile * 10)}%")

    def update_description(self, text: str) -> None:
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, description=text)
        else:
            info(f"{self._label}: {text}")


@contextmanager
def progress(
    label: str, total: float | None = None, bytes_: bool = False
) -> Iterator[ProgressReporter]:
    """A progress reporter for `label`; `bytes_` shows sizes and speed (downloads, uploads)."""
    if not is_interactive():
        info(f"{label}...")
        yield ProgressReporter(None, None, label, total)
        info(f"{label}: done")
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TransferSpeedColumn,
    )

    columns = [TextColumn("{task.description}"), BarColumn()]
    if bytes_:
        columns += [DownloadColumn(), TransferSpeedColumn()]
    columns.append(TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=False) as bar:
        task = bar.add_task(label, total=total)
        yield ProgressReporter(bar, task, label, total)
