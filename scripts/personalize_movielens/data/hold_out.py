"""`data prepare --hold-out N`: the N newest interactions go to held-out-events.csv instead of
interactions.csv, for `events replay` to send as real-time events the service has not seen.

"Newest" is by TIMESTAMP. ratings.csv is in user order, not time order, so the cut is found
first, in a streaming top-k over the timestamps alone (memory: N timestamps): every
interaction after the N-th newest time is held out, and of those at exactly that time, the
first ones in file order until N are. The write pass then splits each batch by the cut; the
held-out rows (N at most) are kept and written at the end, oldest first, as replay sends them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ..errors import DataError
from ..results import JsonValue
from ..timefmt import iso_time
from .layout import HELD_OUT_EVENTS_FILE


@dataclass(frozen=True)
class HoldOutCut:
    """Held out: every interaction after `timestamp`, and the first `ties` at it."""

    count: int
    timestamp: int
    ties: int


def find_cut(ratings: pl.LazyFrame, count: int, source: str) -> HoldOutCut:
    """The cut that holds out the `count` newest of `ratings` (a ratings.csv scan with a
    `timestamp` column, filtered as the write pass is). DataError when there are fewer."""
    newest = (
        ratings.select(pl.col("timestamp"))
        .top_k(count, by="timestamp")
        .collect(engine="streaming")
        .get_column("timestamp")
        .drop_nulls()
    )
    if newest.len() < count:
        raise DataError(
            f"--hold-out {count:,} is more than the {newest.len():,} interactions of {source}.",
            hint="hold out fewer interactions.",
        )
    cut = newest.min()
    assert isinstance(cut, int)
    return HoldOutCut(count, cut, count - int((newest > cut).sum()))


class HoldOut:
    """Splits the batches of one write pass by a cut, and keeps the held-out rows."""

    def __init__(self, cut: HoldOutCut) -> None:
        self.cut = cut
        self.ties_left = cut.ties
        self.frames: list[pl.DataFrame] = []

    def split(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Keep the held-out rows of `frame` (an Interactions batch); return the others."""
        ts = frame.get_column("TIMESTAMP").cast(pl.Int64)
        at_cut = (ts == self.cut.timestamp).fill_null(False)
        taken = at_cut & (at_cut.cum_sum() <= self.ties_left)
        held = (ts > self.cut.timestamp).fill_null(False) | taken
        self.ties_left -= int(taken.sum())
        if held.any():
            self.frames.append(frame.filter(held))
        return frame.filter(~held)

    def write(self, path: Path, empty: pl.DataFrame) -> HeldOutReport:
        """Write the held-out rows to `path` (the held-out file's temporary name), oldest first
        (ties in file order); `empty` is a frame with the columns, for the header."""
        held = pl.concat([empty, *self.frames]) if self.frames else empty
        held = held.sort("TIMESTAMP", maintain_order=True)
        held.write_csv(path)
        ts = held.get_column("TIMESTAMP").cast(pl.Int64)
        first, last = ts.min(), ts.max()
        return HeldOutReport(
            HELD_OUT_EVENTS_FILE,
            held.height,
            first if isinstance(first, int) else None,
            last if isinstance(last, int) else None,
        )


@dataclass(frozen=True)
class HeldOutReport:
    """What was held out: the report's `held_out`."""

    file: str
    rows: int
    first_timestamp: int | None
    last_timestamp: int | None

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "file": self.file,
            "rows": self.rows,
            "first_timestamp": self.first_timestamp,
            "last_timestamp": self.last_timestamp,
            "time_span": f"{iso_time(self.first_timestamp)} .. {iso_time(self.last_timestamp)}",
        }
