"""The figures of a file being written, folded in one typed batch at a time.

`data prepare` hands every batch it writes to a `FiguresFold`, so the figures describe exactly
the file's rows, and their state grows with the distinct IDs, never with the rows: the whole of
ratings.csv is never held in memory.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ..schemas import DatasetSchema
from . import rules
from .figures import (
    Figures,
    break_counts,
    breaks_from,
    empty_counts,
    empty_from,
    has_event_types,
    has_timestamps,
    is_interactions,
    ordered_counts,
)

#: Integer IDs in [0, DENSE_ID_LIMIT) are counted in one array indexed by ID (np.bincount: 8
#: bytes per ID up to the largest, 1.3 MB for MovieLens' 162k users); others in a hashed frame.
DENSE_ID_LIMIT = 1 << 22
#: Hashed per-batch counts are merged into one frame every this many batches.
MERGE_EVERY = 32


class IdCounts:
    """How often each ID occurs, added batch by batch: memory follows the distinct IDs.

    Non-negative integer IDs below DENSE_ID_LIMIT (all of MovieLens') go to an array indexed by
    ID; the rest (other integers, text IDs) to per-batch group-bys merged every MERGE_EVERY
    batches. The two never share an ID. Empty values (null, or "" in a text column) are not
    counted: the required rule counts them.
    """

    def __init__(self) -> None:
        self.dense = np.zeros(0, dtype=np.int64)
        self.sparse: list[pl.DataFrame] = []

    def add(self, ids: pl.Series) -> None:
        if not ids.dtype.is_integer():
            texts = ids.to_frame("id").filter(~rules.is_empty(pl.col("id"))).get_column("id")
            if not texts.is_empty():
                self._add_sparse(texts)
            return
        ids = ids.drop_nulls()
        if ids.is_empty():
            return
        low, high = ids.min(), ids.max()  # two reductions: cheaper than a mask on every batch
        if (
            not (isinstance(low, int) and isinstance(high, int))
            or low < 0
            or high >= DENSE_ID_LIMIT
        ):
            in_range = (ids >= 0) & (ids < DENSE_ID_LIMIT)
            self._add_sparse(ids.filter(~in_range))
            ids = ids.filter(in_range)
        if ids.is_empty():
            return
        counts = np.bincount(ids.to_numpy(), minlength=len(self.dense))
        counts[: len(self.dense)] += self.dense
        self.dense = counts

    def _add_sparse(self, ids: pl.Series) -> None:
        self.sparse.append(ids.rename("id").value_counts(name="n"))
        if len(self.sparse) >= MERGE_EVERY:
            self.sparse = [self._merged()]

    def _merged(self) -> pl.DataFrame:
        if not self.sparse:
            return pl.DataFrame(schema={"id": pl.Int64, "n": pl.UInt32})
        return pl.concat(self.sparse).group_by("id").agg(pl.col("n").sum())

    def distinct(self) -> int:
        return int(np.count_nonzero(self.dense)) + self._merged().height

    def at_least(self, n: int) -> int:
        """How many IDs occur n times or more."""
        sparse = self._merged()
        return int((self.dense >= n).sum()) + int((sparse["n"] >= n).sum())


class FiguresFold:
    """A dataset file's `Figures`, folded in from the typed frames that are written to it.

    The value rules are counted with the rule table's own tests, on the written types: a test
    that no value of a column's type can fail (an integer holds no line break) counts 0.
    """

    def __init__(self, schema: DatasetSchema, dataset_type: str) -> None:
        self.schema = schema
        self.rows = 0
        self.sums: dict[str, int] = {}
        self.users = IdCounts() if is_interactions(schema, dataset_type) else None
        self.items = IdCounts() if schema.has("ITEM_ID") else None
        self.timestamps = has_timestamps(schema, dataset_type)
        self.event_types: dict[str, int] | None = (
            {} if has_event_types(schema, dataset_type) else None
        )
        self.first_timestamp: int | None = None
        self.last_timestamp: int | None = None
        self._exprs: list[pl.Expr] | None = None

    def add(self, frame: pl.DataFrame) -> None:
        """Fold in one frame with the schema's columns (the batch as written)."""
        self.rows += frame.height
        if self._exprs is None:  # the same for every batch: built once
            self._exprs = break_counts(self.schema, dict(frame.schema))
            self._exprs += empty_counts(self.schema)
            if self.timestamps:
                ts = pl.col("TIMESTAMP").cast(pl.Int64)
                self._exprs += [ts.min().alias("first"), ts.max().alias("last")]
        if self._exprs:
            found = frame.select(self._exprs).row(0, named=True)
            for key, value in found.items():
                if key not in ("first", "last"):
                    self.sums[key] = self.sums.get(key, 0) + int(value)
            self._fold_timestamps(found.get("first"), found.get("last"))
        if self.users is not None:
            self.users.add(frame.get_column("USER_ID"))
        if self.items is not None:
            self.items.add(frame.get_column("ITEM_ID"))
        if self.event_types is not None:
            self._fold_event_types(frame)

    def _fold_event_types(self, frame: pl.DataFrame) -> None:
        assert self.event_types is not None
        types = frame.select("EVENT_TYPE").filter(~rules.is_empty(pl.col("EVENT_TYPE")))
        for kind, n in types.group_by("EVENT_TYPE").len().iter_rows():
            self.event_types[kind] = self.event_types.get(kind, 0) + int(n)

    def _fold_timestamps(self, first: int | None, last: int | None) -> None:
        if first is None or last is None:
            return
        if self.first_timestamp is None or self.last_timestamp is None:
            self.first_timestamp, self.last_timestamp = first, last
        else:
            self.first_timestamp = min(self.first_timestamp, first)
            self.last_timestamp = max(self.last_timestamp, last)

    def figures(self) -> Figures:
        """The figures of everything folded in. A written record is one line (a value with a
        line break is counted by the one-record-per-line rule), after one header line."""
        return Figures(
            rows=self.rows,
            lines=self.rows + 1,
            breaks=breaks_from(self.schema, self.sums),
            items=None if self.items is None else self.items.distinct(),
            users=None if self.users is None else self.users.distinct(),
            users_with_two=None if self.users is None else self.users.at_least(2),
            first_timestamp=self.first_timestamp,
            last_timestamp=self.last_timestamp,
            empty=empty_from(self.schema, self.sums),
            event_types=None if self.event_types is None else ordered_counts(self.event_types),
        )
