"""A user's interactions as filters see them: for each item, the event types of the user's
interactions with it.

The developer guide (filter-expressions.html): "Amazon Personalize considers up to 100 of the most
recent interactions per user per event type." So of each event type only the user's latest 100
interactions count (by TIMESTAMP, later rows winning ties). The rows come from the group's
imported Interactions dataset; events recorded by PutEvents are to join them here.
"""

from __future__ import annotations

import polars as pl

from .events import recorded_events
from .service import Emulator

#: Interactions per user per event type a filter considers (the quota, adjustable on AWS).
RECENT_PER_EVENT_TYPE = 100
#: The event type of rows whose dataset has no EVENT_TYPE column.
NO_EVENT_TYPE = ""


def event_types_by_item(
    emu: Emulator, dataset_group_arn: str, user_id: str
) -> dict[str, frozenset[str]]:
    """Item ID -> the event types (as recorded) of the user's interactions with it that a filter
    considers: the latest RECENT_PER_EVENT_TYPE of each event type."""
    dataset = emu.store.dataset_of(dataset_group_arn, "Interactions")
    if dataset is None:
        return {}
    columns = {"ITEM_ID": pl.String, "type": pl.String, "TIMESTAMP": pl.Float64}
    recorded = pl.DataFrame(
        [
            (e.item_id, e.event_type, e.sent_at)
            for e in recorded_events(emu, dataset_group_arn, user_id)
        ],
        schema=columns,
        orient="row",
    )
    with emu.store.reading(dataset["datasetArn"]) as (rows,):
        imported = pl.DataFrame(schema=columns)
        if rows is not None:
            has_type = "EVENT_TYPE" in rows.collect_schema().names()
            event_type = pl.col("EVENT_TYPE") if has_type else pl.lit(NO_EVENT_TYPE)
            imported = (
                rows.filter(pl.col("USER_ID") == user_id)
                .select(
                    pl.col("ITEM_ID").cast(pl.String),
                    event_type.fill_null(NO_EVENT_TYPE).cast(pl.String).alias("type"),
                    pl.col("TIMESTAMP").cast(pl.Float64),
                )
                .collect()
            )
    mine = (
        pl.concat([imported, recorded])  # recorded after imported: later rows win ties
        .with_row_index("row")
        .sort(["TIMESTAMP", "row"], descending=True)
        .group_by("type", maintain_order=True)
        .head(RECENT_PER_EVENT_TYPE)
    )
    found: dict[str, set[str]] = {}
    for item, kind in mine.select("ITEM_ID", "type").iter_rows():
        found.setdefault(str(item), set()).add(kind)
    return {item: frozenset(kinds) for item, kinds in found.items()}
