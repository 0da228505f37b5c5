"""Append frames to one CSV file on a thread of its own, in order, the header once."""

from __future__ import annotations

import queue
import threading
from typing import IO

import polars as pl

#: Batches waiting for the writer thread: enough to keep it busy, few enough to bound memory.
WRITE_QUEUE = 2


class CsvWriterThread:
    """Appends frames to one CSV file, in order, on a thread of its own (header once).

    Serialising and writing a batch (polars releases the GIL while it does) then overlaps with
    folding the figures and reading the next batch on the caller's thread. The queue holds at
    most WRITE_QUEUE frames, so memory stays bounded. A failed write is raised to the caller at
    its next `put` or on leaving the `with` block; later frames are then dropped, not written,
    as are those still queued when the caller's block fails.
    """

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out
        self._queue: queue.Queue[pl.DataFrame | None] = queue.Queue(maxsize=WRITE_QUEUE)
        self._error: BaseException | None = None
        #: Set when the caller failed: what is still queued would only be thrown away.
        self._abandoned = threading.Event()
        self._header = True
        self._thread = threading.Thread(target=self._run, name="csv-writer", daemon=True)

    def __enter__(self) -> CsvWriterThread:
        self._thread.start()
        return self

    def put(self, frame: pl.DataFrame) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(frame)

    def _run(self) -> None:
        while (frame := self._queue.get()) is not None:
            if self._error is not None or self._abandoned.is_set():
                continue  # keep draining, so that `put` never blocks on a dead writer
            try:
                frame.write_csv(self._out, include_header=self._header)
            except BaseException as exc:  # handed to the caller's thread
                self._error = exc
            self._header = False

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            self._abandoned.set()
        self._queue.put(None)
        self._thread.join()
        if exc_type is None and self._error is not None:
            raise self._error
