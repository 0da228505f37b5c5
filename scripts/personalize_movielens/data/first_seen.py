"""Each movie's first rating time, folded from the batches `data prepare` streams: the
CREATION_TIMESTAMP of a VIDEO_ON_DEMAND Items dataset, which MovieLens does not have.

The state is one row per distinct item (per-batch minimums, merged every MERGE_EVERY batches),
never one per rating. A movie nobody rated gets the last rating's time: it was in the catalogue
when the data ends, and nothing says it was there earlier (domains.py says why).
"""

from __future__ import annotations

import polars as pl

from ..schemas import DatasetSchema
from . import rules
from .fold import MERGE_EVERY

CREATION_TIMESTAMP = "CREATION_TIMESTAMP"


class FirstSeen:
    """ITEM_ID -> the smallest TIMESTAMP of the interaction frames added; and the largest."""

    def __init__(self) -> None:
        self.parts: list[pl.DataFrame] = []
        self.last: int | None = None

    def add(self, frame: pl.DataFrame) -> None:
        """Fold in a frame with ITEM_ID and TIMESTAMP (a batch of interactions)."""
        if frame.is_empty():
            return
        ts = pl.col("TIMESTAMP").cast(pl.Int64)
        part = frame.group_by("ITEM_ID").agg(ts.min().alias(CREATION_TIMESTAMP))
        self.parts.append(part.with_columns(pl.col("ITEM_ID").cast(pl.String)))
        latest = frame.get_column("TIMESTAMP").max()
        if isinstance(latest, int):
            self.last = latest if self.last is None else max(self.last, latest)
        if len(self.parts) >= MERGE_EVERY:
            self.parts = [self._merged()]

    def _merged(self) -> pl.DataFrame:
        if not self.parts:
            return pl.DataFrame(schema={"ITEM_ID": pl.String, CREATION_TIMESTAMP: pl.Int64})
        creation = pl.col(CREATION_TIMESTAMP).min()
        return pl.concat(self.parts).group_by("ITEM_ID").agg(creation)

    def with_creation_timestamps(self, items: pl.DataFrame, schema: DatasetSchema) -> pl.DataFrame:
        """`items` (ITEM_ID as text) with CREATION_TIMESTAMP, in the schema's columns and types:
        the first rating's time, else the last rating's (0 when there were no ratings)."""
        unrated = 0 if self.last is None else self.last
        joined = items.join(self._merged(), on="ITEM_ID", how="left", maintain_order="left")
        filled = joined.with_columns(pl.col(CREATION_TIMESTAMP).fill_null(unrated))
        dtypes = rules.polars_schema(schema)
        return filled.select(pl.col(name).cast(dtype) for name, dtype in dtypes.items())
