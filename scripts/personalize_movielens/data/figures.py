"""The figures of one dataset file: what the rules are decided on, whichever pass counted them.

`data prepare` folds them from the typed batches it writes (fold.py); `data validate` counts them
in its pass over a CSV's text (validate.py). Both count the same value rules with the same
expressions (from the rule table), so on the same file they produce equal figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import polars as pl

from ..results import JsonValue
from ..schemas import DatasetSchema
from ..timefmt import iso_time
from . import rules


@dataclass(frozen=True)
class Figures:
    """What one pass over a dataset file counted."""

    #: Records, the header not counted.
    rows: int
    #: Lines of the file, the header's included.
    lines: int
    #: Value rule -> field -> rows whose value breaks it, for every pair in `rules.value_checks`.
    breaks: dict[str, dict[str, int]]
    #: Distinct non-empty ITEM_IDs (neither null nor "": `rules.is_empty`) of a file with an
    #: ITEM_ID field, else None.
    items: int | None = None
    #: Interactions only (else None): distinct non-empty USER_IDs, those with two or more
    #: interactions, and the first and last TIMESTAMP that parses as an integer.
    users: int | None = None
    users_with_two: int | None = None
    first_timestamp: int | None = None
    last_timestamp: int | None = None
    #: Optional field -> rows that leave it empty (a movie without genres or year).
    empty: dict[str, int] = field(default_factory=dict)
    #: Interactions with an EVENT_TYPE field only (else None): rows per non-empty event type,
    #: the most frequent first (the domain's minimums count Watch events).
    event_types: dict[str, int] | None = None

    def to_json(self) -> dict[str, JsonValue]:
        """The report's `stats`: the counts a reader looks at (the breaks are in the checks)."""
        stats: dict[str, JsonValue] = {"rows": self.rows}
        without: dict[str, JsonValue] = {f"without_{f.lower()}": n for f, n in self.empty.items()}
        if self.users is None:
            if self.items is not None:
                stats["items"] = self.items
            return stats | without
        events: dict[str, JsonValue] = (
            {} if self.event_types is None else {"events_by_type": dict(self.event_types)}
        )
        return (
            stats
            | without
            | events
            | {
                "users": self.users,
                "items": self.items,
                "first_timestamp": self.first_timestamp,
                "last_timestamp": self.last_timestamp,
                "time_span": f"{_when(self.first_timestamp)} .. {_when(self.last_timestamp)}",
                "users_with_2plus_interactions": self.users_with_two,
            }
        )


def _when(epoch_seconds: int | None) -> str:
    """A time span's end: an ISO date-time, else the raw value (negative, or not seconds)."""
    return iso_time(epoch_seconds) or str(epoch_seconds)


def is_interactions(schema: DatasetSchema, dataset_type: str) -> bool:
    """Whether a file gets the Interactions figures (users, time span) and minimums."""
    return dataset_type == "Interactions" and {"USER_ID", "ITEM_ID"} <= set(schema.field_names)


def has_timestamps(schema: DatasetSchema, dataset_type: str) -> bool:
    return is_interactions(schema, dataset_type) and schema.has("TIMESTAMP")


def has_event_types(schema: DatasetSchema, dataset_type: str) -> bool:
    """Whether a file gets `Figures.event_types`: Interactions with an EVENT_TYPE field."""
    return is_interactions(schema, dataset_type) and schema.has("EVENT_TYPE")


def ordered_counts(counts: Mapping[str, int]) -> dict[str, int]:
    """Event type -> rows, the most frequent first (then by name): one order for both passes."""
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def break_counts(schema: DatasetSchema, dtypes: Mapping[str, pl.DataType]) -> list[pl.Expr]:
    """Sums that count, per value rule and field, the rows that break it, on columns of `dtypes`
    (all text when validating a CSV; the written types when preparing). A pair whose typed
    values cannot break the rule has no sum: it counts 0 (see `breaks_from`)."""
    exprs = []
    for rule, fld in rules.value_checks(schema):
        test = rule.breaks(fld, dtypes[fld.name])
        if test is not None:
            exprs.append(test.sum().alias(_key(rule.name, fld.name)))
    return exprs


def empty_counts(schema: DatasetSchema) -> list[pl.Expr]:
    """Sums that count, per optional field, the rows that leave it empty (null, or an empty
    string where the column is text)."""
    return [
        rules.is_empty(pl.col(f.name)).sum().alias(_key(EMPTY, f.name))
        for f in schema.fields
        if f.nullable
    ]


def empty_from(schema: DatasetSchema, sums: Mapping[str, int]) -> dict[str, int]:
    """The `Figures.empty` of the sums `empty_counts` named."""
    return {f.name: int(sums.get(_key(EMPTY, f.name), 0)) for f in schema.fields if f.nullable}


def breaks_from(schema: DatasetSchema, sums: dict[str, int]) -> dict[str, dict[str, int]]:
    """The `Figures.breaks` of the sums `break_counts` named (missing ones are 0)."""
    breaks: dict[str, dict[str, int]] = {}
    for rule, fld in rules.value_checks(schema):
        breaks.setdefault(rule.name, {})[fld.name] = int(sums.get(_key(rule.name, fld.name), 0))
    return breaks


#: The key prefix of `empty_counts`' sums (not a rule's name).
EMPTY = "empty"


def _key(rule: str, fld: str) -> str:
    return f"{rule}\t{fld}"
