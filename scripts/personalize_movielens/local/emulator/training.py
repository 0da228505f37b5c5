"""Recipes, trained for real on the imported interactions.

- aws-popularity-count: the service's recipe as the developer guide states it: items ranked by
  the number of distinct users who interacted with them (ties by item ID), the same list for
  every user. Its answers carry no score (the guide: no scores for Popularity-Count).
- aws-user-personalization, aws-user-personalization-v2 (approximation): item-to-item cosine
  co-occurrence over each user's recent history; a user's candidates are scored by summing the
  neighbours of the items they saw, seen items excluded, popular items fill the rest. Every
  unseen item of the catalogue has a score for the user and they sum to 1, so an item's score
  does not depend on how many results were asked for.
- aws-personalized-ranking, aws-personalized-ranking-v2 (approximation): the same model and
  scoring, restricted to the items the request asks to rank.
- aws-similar-items (approximation): an item's co-occurrence neighbours, then popular items.

A model is a few numpy arrays, not Python objects per row: items are numbered by popularity
(index 0 is the most popular item), users' histories and items' neighbours are ragged arrays
(offsets into one flat array each), so a model of MovieLens 25M takes about 150 MB and training
it a few seconds. Training works on integer codes of the IDs, never on the strings per row.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import polars as pl

from ...data import rules

RECIPE_PREFIX = "arn:aws:personalize:::recipe/"

_NEIGHBOURS_NOTE = "Emulated: item-to-item co-occurrence over the user's history."
#: recipe name -> (recipeType, how the emulator trains it) for the recipes the emulator trains.
RECIPES: dict[str, tuple[str, str]] = {
    "aws-popularity-count": (
        "USER_PERSONALIZATION",
        "Items by the number of distinct users who interacted with them.",
    ),
    "aws-user-personalization": ("USER_PERSONALIZATION", _NEIGHBOURS_NOTE),
    "aws-user-personalization-v2": ("USER_PERSONALIZATION", _NEIGHBOURS_NOTE),
    "aws-personalized-ranking": ("PERSONALIZED_RANKING", _NEIGHBOURS_NOTE),
    "aws-personalized-ranking-v2": ("PERSONALIZED_RANKING", _NEIGHBOURS_NOTE),
    "aws-similar-items": ("RELATED_ITEMS", "Emulated: co-occurrence neighbours of an item."),
}
#: Recipes whose GetRecommendations answers carry scores. How scores work: "Amazon Personalize
#: doesn't show scores for domain recommenders or the Similar-Items, SIMS or Popularity-Count
#: recipes."
SCORED_RECIPES = frozenset({"aws-user-personalization", "aws-user-personalization-v2"})
#: Recipes whose solutions accept trainingMode UPDATE (CreateSolutionVersion reference:
#: User-Personalization and the legacy HRNN-Coldstart; not User-Personalization-v2).
UPDATE_RECIPES = frozenset({"aws-user-personalization", "aws-hrnn-coldstart"})
POPULARITY = "aws-popularity-count"

NEIGHBOURS = 50
#: Upper bound on co-occurrence pairs, so training stays fast on MovieLens 25M.
MAX_PAIRS = 20_000_000
MAX_HISTORY = 30
#: Rows sorted (or converted) at a time: bounds the memory training needs beyond its arrays.
CHUNK_ROWS = 2_000_000

Ints = npt.NDArray[np.int32]
Longs = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
#: Item indices (or codes): 2 or 4 bytes each (see `_index_type`), or whatever numpy returns.
Index = npt.NDArray[np.integer[Any]]
#: Interactions as a table. A LazyFrame (Parquet files, a filter) is read once, when training
#: starts, and only the columns training needs, as codes: never a copy of the ID strings.
Frame = pl.DataFrame | pl.LazyFrame
AnyFrame = TypeVar("AnyFrame", pl.DataFrame, pl.LazyFrame)


class TrainingFailure(Exception):
    """The solution version ends in CREATE FAILED with this message."""


def recipe_name(recipe_arn: str) -> str:
    return recipe_arn.removeprefix(RECIPE_PREFIX)


#: A ranked answer: item IDs with their score, None for an item ranked without one.
Ranked = list[tuple[str, float | None]]


@dataclass(frozen=True)
class Ragged:
    """Rows of different lengths in one flat array: row r is values[offsets[r]:offsets[r + 1]]."""

    offsets: Longs
    values: Index
    #: One weight per value (neighbour similarities), or None.
    weights: Floats | None = None

    def row(self, r: int) -> Index:
        return self.values[self.offsets[r] : self.offsets[r + 1]]

    @property
    def nbytes(self) -> int:
        extra = 0 if self.weights is None else self.weights.nbytes
        return int(self.offsets.nbytes + self.values.nbytes + extra)


@dataclass(frozen=True, eq=False)
class Model:
    """A trained solution version: what the runtime serves and the metrics evaluate.

    Items are numbered by popularity: index 0 is the item with the most distinct users (ties by
    item ID), so "the popular items" are the indices in order.
    """

    recipe: str
    #: Item IDs by popularity (index -> ID).
    items: list[str]
    #: Per item index: its distinct users as a share of the sum over all items (sums to 1).
    shares: Floats
    #: Per item index: the rank of its ID in string order (ties between equal scores).
    id_rank: Ints
    #: Per item index: its top neighbours (indices), best first, with their cosine similarity.
    neighbours: Ragged | None = None
    #: User ID -> row of `histories` (recipes that recommend for a user from their history).
    users: dict[str, int] | None = None
    #: Per user row: the items they interacted with (indices), oldest first.
    histories: Ragged | None = None
    #: Per user row: the items of their Watch events (indices, sorted), for the VOD use cases
    #: that leave out only what the user watched (`with_watched`); None: recommendations for
    #: a user leave out every item of their history.
    watched: Ragged | None = None

    @property
    def recipe_type(self) -> str:
        return RECIPES[self.recipe][0]

    @property
    def shows_scores(self) -> bool:
        return self.recipe in SCORED_RECIPES

    @cached_property
    def index(self) -> dict[str, int]:
        """Item ID -> item index."""
        return {item: i for i, item in enumerate(self.items)}

    @property
    def nbytes(self) -> int:
        """What the model's arrays take (not counting the ID strings)."""
        parts = [self.shares.nbytes, self.id_rank.nbytes]
        arrays = (self.neighbours, self.histories, self.watched)
        parts += [r.nbytes for r in arrays if r is not None]
        return int(sum(parts))

    def history(self, user_id: str) -> Index:
        """The user's items (indices), oldest first; empty for a user the model does not know."""
        row = None if self.users is None else self.users.get(user_id)
        if row is None or self.histories is None:
            return np.empty(0, dtype=np.int32)
        return self.histories.row(row)

    def excluded(self, user_id: str, recent_watched: list[str] | None = None) -> Index:
        """The items (indices, distinct, sorted) a recommendation for the user leaves out: their
        Watch items and `recent_watched` (recorded Watch events) where the model keeps them
        apart, else their whole history."""
        if self.watched is None:
            return distinct(self.history(user_id))
        row = None if self.users is None else self.users.get(user_id)
        mine = self.watched.row(row) if row is not None else np.empty(0, dtype=np.int32)
        if recent_watched:
            mine = np.concatenate([mine, self.codes(recent_watched)])
        return distinct(mine[mine >= 0])

    def codes(self, items: list[str]) -> Ints:
        """Item IDs as indices, -1 for an item the model does not know."""
        index = self.index
        return np.array([index.get(item, -1) for item in items], dtype=np.int32)

    def for_user(
        self,
        user_id: str,
        n: int,
        recent: list[str] | None = None,
        recent_watched: list[str] | None = None,
    ) -> list[tuple[str, float]]:
        """Top `n` items for a user the model knows (or not), with `recent` (items they
        interacted with since training: recorded events) appended to their history; what is
        left out is `excluded` (with `recent` too where the model keeps no Watch items)."""
        history = self.history(user_id)
        if recent:
            history = np.concatenate([history, self.codes(recent)])
        if self.watched is None:
            return self._named(self.top(history, n))
        return self._named(self.top(history, n, self.excluded(user_id, recent_watched)))

    def recommend(self, history: list[str], n: int) -> list[tuple[str, float]]:
        """Top `n` items for a user who interacted with `history` (oldest first), each with its
        score among every item the user can be recommended (those scores sum to 1)."""
        return self._named(self.top(self.codes(history), n))

    def _named(self, ranked: tuple[Index, Floats]) -> list[tuple[str, float]]:
        items = self.items
        return [
            (items[i], score)
            for i, score in zip(ranked[0].tolist(), ranked[1].tolist(), strict=True)
        ]

    def top(self, history: Index, n: int, leave_out: Index | None = None) -> tuple[Index, Floats]:
        """`recommend` on item indices (-1 for unknown items): the top `n` indices and scores,
        without the items of `leave_out` (distinct and sorted; by default the history's).

        The work is proportional to the user's history and its neighbours, not to the catalogue:
        only the first popular items can fill the list."""
        if self.recipe == POPULARITY:  # the same list for everyone
            first = np.arange(min(n, len(self.items)))
            return first, self.shares[first]
        seen = distinct(history[history >= 0]) if leave_out is None else leave_out
        candidates, raw = self._raw_scores(history)
        unseen = ~_within(candidates, seen)
        near, near_scores = candidates[unseen], raw[unseen]
        floor = float(near_scores.min()) if len(near) else 1.0
        # Every other unseen item scores floor * its popularity share: below any neighbour.
        excluded = np.concatenate([seen, near])  # disjoint
        rest = max(0.0, 1.0 - float(self.shares[excluded].sum()))
        total = float(near_scores.sum()) + floor * rest
        if total <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0)
        if len(near) > n:  # only those that can be among the first n: scores from the nth up
            nth = np.partition(near_scores, len(near) - n)[len(near) - n]
            best = near_scores >= nth
            near, near_scores = near[best], near_scores[best]
        order = np.lexsort((self.id_rank[near], -near_scores))[:n]
        chosen, scores = near[order], near_scores[order] / total
        if len(chosen) < n:
            fill = self._popular_except(excluded, n - len(chosen))
            return np.concatenate([chosen, fill]), np.concatenate(
                [scores, floor * self.shares[fill] / total]
            )
        return chosen, scores

    def _popular_except(self, excluded: Index, count: int) -> Index:
        """The `count` most popular items not in `excluded` (distinct indices)."""
        first = np.arange(min(len(self.items), count + len(excluded)))
        return first[~_within(first, np.sort(excluded))][:count]

    def rank(self, user_id: str, items: list[str], recent: list[str] | None = None) -> Ranked:
        """GetPersonalizedRanking: the user-personalization scores of `items` alone, summing to
        1 over the items the model knows; items unknown to it follow, in input order, unscored.
        `recent`: items the user interacted with since training (recorded events), appended to
        their history."""
        inputs = list(dict.fromkeys(items))
        index = self.index
        known = [item for item in inputs if item in index]
        history = self.history(user_id)
        if recent:
            history = np.concatenate([history, self.codes(recent)])
        candidates, raw_scores = self._raw_scores(history)
        unseen = ~_within(candidates, distinct(history))
        floor = float(raw_scores[unseen].min()) if unseen.any() else 1.0
        where = np.searchsorted(candidates, [index[item] for item in known]).tolist()
        raw = {}
        for item, at in zip(known, where, strict=True):
            i = index[item]
            found = at < len(candidates) and candidates[at] == i
            raw[item] = float(raw_scores[at]) if found else floor * float(self.shares[i])
        total = sum(raw.values()) or 1.0
        ranked: Ranked = [
            (item, raw[item] / total) for item in sorted(known, key=lambda i: (-raw[i], i))
        ]
        return ranked + [(item, None) for item in inputs if item not in index]

    def _raw_scores(self, history: Index) -> tuple[Index, Floats]:
        """The items with a neighbour among the user's recent items (the last MAX_HISTORY,
        known or not), sorted, and the sum of those neighbours' similarities for each.

        Each sum is taken item after item in the history's order (np.bincount adds in the
        order of its input), so a score is the same float whatever else is summed."""
        recent = history[-MAX_HISTORY:]
        recent = recent[recent >= 0]
        if self.neighbours is None or len(recent) == 0:
            return np.empty(0, dtype=np.int64), np.empty(0)
        offsets, weights = self.neighbours.offsets, self.neighbours.weights
        assert weights is not None
        positions = ranges(offsets[recent], offsets[recent + 1] - offsets[recent])
        others = self.neighbours.values[positions]
        order = np.argsort(others, kind="stable")
        ordered = others[order]
        new = _run_starts(ordered)
        inverse = np.empty(len(ordered), dtype=np.int64)  # each neighbour's candidate
        inverse[order] = np.cumsum(new) - 1
        sums = np.bincount(inverse, weights=weights[positions])
        return ordered[new], np.asarray(sums, dtype=np.float64)

    def related(self, item_id: str, n: int) -> list[tuple[str, float]]:
        """Items similar to `item_id` (similar-items), popular items when it is unknown."""
        return self._named(self.related_top(self.index.get(item_id, -1), n))

    def related_unseen(
        self, item_id: str, user_id: str, n: int, recent_watched: list[str] | None = None
    ) -> list[tuple[str, float]]:
        """`related`, without what the user watched (`excluded`: a domain use case's automatic
        filter): the model must be one that keeps histories."""
        seen = self.excluded(user_id, recent_watched)
        chosen, scores = self.related_top(self.index.get(item_id, -1), n + len(seen))
        keep = ~_within(chosen, seen)
        return self._named((chosen[keep][:n], scores[keep][:n]))

    def related_top(self, item: int, n: int) -> tuple[Index, Floats]:
        """`related` on item indices (-1 for an unknown item)."""
        chosen: Index = np.empty(0, dtype=np.int64)
        scores: Floats = np.empty(0)
        if item >= 0 and self.neighbours is not None and self.neighbours.weights is not None:
            start = int(self.neighbours.offsets[item])
            chosen = self.neighbours.row(item)[:n]
            scores = self.neighbours.weights[start : start + len(chosen)]
        if len(chosen) < n:
            floor = float(scores.min()) if len(chosen) else 1.0
            excluded = np.append(chosen, item) if item >= 0 else chosen
            fill = self._popular_except(excluded, n - len(chosen))
            chosen = np.concatenate([chosen, fill])
            scores = np.concatenate([scores, floor * self.shares[fill]])
        return chosen, scores


def ranges(starts: npt.NDArray[Any], lengths: npt.NDArray[Any]) -> Longs:
    """arange(start, start + length) for each pair, concatenated."""
    lengths = lengths.astype(np.int64)
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    ends = np.cumsum(lengths)
    shift = np.repeat(starts.astype(np.int64) - (ends - lengths), lengths)
    return shift + np.arange(total, dtype=np.int64)


def _within(values: Index, ordered: Index) -> npt.NDArray[np.bool_]:
    """Whether each value is in `ordered` (sorted): np.isin for a sorted haystack."""
    at = np.searchsorted(ordered, values)
    return ordered[np.minimum(at, len(ordered) - 1)] == values if len(ordered) else at < 0


def distinct(values: Index) -> Index:
    """The distinct values, sorted. np.unique costs more: it hashes first, slow on a short
    array (a request's) and on long sorted runs (training's); polars sorts on every core."""
    ordered = np.sort(values) if len(values) < 100_000 else pl.Series(values).sort().to_numpy()
    return ordered[_run_starts(ordered)]


def _run_starts(ordered: Index) -> npt.NDArray[np.bool_]:
    """Where each run of equal values of a sorted array starts."""
    starts = np.empty(len(ordered), dtype=np.bool_)
    starts[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
    return starts


def _runs(ordered: Longs) -> tuple[Longs, Longs]:
    """The distinct values of a sorted array and how many times each occurs."""
    starts = np.flatnonzero(_run_starts(ordered))
    return ordered[starts], np.diff(np.append(starts, len(ordered)))


def apply_solution_filters(frame: AnyFrame, solution: dict[str, Any]) -> AnyFrame:
    """Keep the interactions the solution trains on: its eventType and eventValueThreshold."""
    columns = frame.collect_schema().names()
    event_type = solution.get("eventType")
    if event_type and "EVENT_TYPE" in columns:
        frame = frame.filter(pl.col("EVENT_TYPE") == event_type)
    threshold = (solution.get("solutionConfig") or {}).get("eventValueThreshold")
    if threshold not in (None, ""):
        if "EVENT_VALUE" not in columns:
            raise TrainingFailure(
                "eventValueThreshold is set but the Interactions schema has no EVENT_VALUE field."
            )
        try:
            value = float(threshold)
        except ValueError:
            raise TrainingFailure(f"eventValueThreshold {threshold!r} is not a number.") from None
        frame = frame.filter(pl.col("EVENT_VALUE") >= value)
    return frame


#: The VIDEO_ON_DEMAND event type the guide names `Watch`, lower-cased: the guide does not say
#: whether case matters, so `watch` counts too.
WATCH = "watch"


def is_watch(event_type: str | None) -> bool:
    return (event_type or "").lower() == WATCH


def watch_events(frame: AnyFrame) -> AnyFrame:
    """The Watch events of a VIDEO_ON_DEMAND Interactions dataset (none without EVENT_TYPE)."""
    if "EVENT_TYPE" not in frame.collect_schema().names():
        return frame.filter(pl.lit(False))
    return frame.filter(pl.col("EVENT_TYPE").cast(pl.String).str.to_lowercase() == WATCH)


def with_watched(model: Model, frame: Frame) -> Model:
    """`model` (one that keeps histories) with each of its users' Watch items of `frame`, the
    interactions it was trained on: what a VOD use case's automatic filter leaves out."""
    assert model.users is not None and model.histories is not None
    users = pl.LazyFrame(
        {"USER_ID": list(model.users), "row": list(model.users.values())},
        schema={"USER_ID": pl.String, "row": pl.Int64},
    )
    items = pl.LazyFrame(
        {"ITEM_ID": model.items, "index": np.arange(len(model.items), dtype=np.int64)},
        schema={"ITEM_ID": pl.String, "index": pl.Int64},
    )
    pairs = (
        watch_events(frame.lazy())
        .select(pl.col("USER_ID").cast(pl.String), pl.col("ITEM_ID").cast(pl.String))
        .join(users, on="USER_ID")
        .join(items, on="ITEM_ID")
        .select("row", "index")
        .unique()
        .sort(["row", "index"])
        .collect(engine="streaming")
    )
    rows = pairs.get_column("row").to_numpy()
    offsets = np.zeros(len(model.users) + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=len(model.users)), out=offsets[1:])
    values = pairs.get_column("index").to_numpy().astype(model.histories.values.dtype)
    return replace(model, watched=Ragged(offsets, values))


#: Trending: the share of the interactions' time span each of the two compared windows takes.
TRENDING_WINDOW = 0.1


def fit_trending(frame: Frame) -> Model:
    """Items "gaining popularity the fastest" (approximation): each item's interactions in the
    latest tenth of the data's time span minus those in the tenth before; ties (and items not
    seen lately) by distinct users over all time, then item ID. The answer is that list, the
    same for everyone (a popularity model with the items in trending order)."""
    rows = frame.lazy().select(
        pl.col("USER_ID").cast(pl.String), pl.col("ITEM_ID").cast(pl.String), "TIMESTAMP"
    )
    low, high = rows.select(pl.min("TIMESTAMP"), pl.max("TIMESTAMP").alias("u")).collect().row(0)
    span = 0 if low is None else int(high) - int(low)
    recent_from = (high or 0) - span * TRENDING_WINDOW
    before_from = (high or 0) - 2 * span * TRENDING_WINDOW
    stamp = pl.col("TIMESTAMP")
    ranked = (
        rows.group_by("ITEM_ID")
        .agg(
            ((stamp > recent_from).sum().cast(pl.Int64) if span else pl.lit(0, pl.Int64)).alias(
                "recent"
            ),
            ((stamp > before_from) & (stamp <= recent_from)).sum().cast(pl.Int64).alias("before"),
            pl.col("USER_ID").n_unique().alias("users"),
        )
        .with_columns((pl.col("recent") - pl.col("before")).alias("gain"))
        .sort(["gain", "users", "ITEM_ID"], descending=[True, True, False])
        .collect(engine="streaming")
    )
    items = ranked.get_column("ITEM_ID").to_list()
    users = ranked.get_column("users").cast(pl.Float64).to_numpy()
    id_rank = np.empty(len(items), dtype=np.int32)
    id_rank[np.argsort(np.array(items, dtype=object), kind="stable")] = np.arange(
        len(items), dtype=np.int32
    )
    return Model(POPULARITY, items, users / max(float(users.sum()), 1.0), id_rank)


def check_minimums(frame: Frame) -> None:
    """The service's training minimums, after filters: 1000 interactions, 25 users with 2+."""
    count = frame.lazy().select(pl.len()).collect(engine="streaming").item()
    if count < rules.MIN_INTERACTIONS:
        raise TrainingFailure(
            f"Insufficient data for training: there must be at least {rules.MIN_INTERACTIONS} "
            f"interactions after filtering (eventType, eventValueThreshold), found {count}."
        )
    users = (
        frame.lazy()
        .group_by("USER_ID")
        .len()
        .filter(pl.col("len") >= 2)
        .select(pl.len())
        .collect(engine="streaming")
        .item()
        if count
        else 0
    )
    if users < rules.MIN_USERS_WITH_TWO:
        raise TrainingFailure(
            "Insufficient data for training: there must be at least "
            f"{rules.MIN_USERS_WITH_TWO} unique users with at least 2 interactions each, "
            f"found {users}."
        )


def id_codes(frame: Frame) -> pl.DataFrame:
    """USER_ID and ITEM_ID as categoricals (4 bytes a row instead of the string's 16), with
    TIMESTAMP: what training reads, smaller to filter and to sort than the imported rows."""
    columns = (
        pl.col("USER_ID").cast(pl.String).cast(pl.Categorical),
        pl.col("ITEM_ID").cast(pl.String).cast(pl.Categorical),
        pl.col("TIMESTAMP"),
    )
    if isinstance(frame, pl.LazyFrame):  # a filter: streamed, the strings never copied whole
        return frame.select(*columns).collect(engine="streaming")
    return frame.select(*columns)  # TIMESTAMP shared with `frame`, not copied


def dense_codes(column: pl.Series) -> tuple[Ints, pl.Series]:
    """A string or categorical column as dense codes 0..n-1 (in order of first appearance),
    and the n distinct values (as strings) in code order."""
    physical = (column.cast(pl.Categorical) if column.dtype == pl.String else column).to_physical()
    first = physical.arg_unique()
    names = column.gather(first).cast(pl.String)
    values = physical.gather(first).to_numpy()
    lookup = np.full(int(values.max()) + 1 if len(values) else 0, -1, dtype=np.int32)
    lookup[values] = np.arange(len(values), dtype=np.int32)
    codes = np.empty(len(physical), dtype=np.int32)
    for start in range(0, len(codes), CHUNK_ROWS):  # never a second copy of the whole column
        codes[start : start + CHUNK_ROWS] = lookup[physical.slice(start, CHUNK_ROWS).to_numpy()]
    return codes, names


@dataclass
class _Rows:
    """Interactions as arrays: dense user and item codes, and time (seconds since the first
    interaction: 4 bytes a row when the span allows it, as any data in seconds does)."""

    users: Ints
    items: Ints
    times: npt.NDArray[np.uint32] | Longs
    user_names: pl.Series
    item_names: pl.Series

    @classmethod
    def read(cls, frame: Frame) -> _Rows:
        # One column at a time, each let go once read (a DataFrame's drop() would rechunk).
        user_column, item_column, time_column = id_codes(frame).get_columns()
        items, item_names = dense_codes(item_column)
        del item_column
        users, user_names = dense_codes(user_column)
        del user_column
        low, high = time_column.to_frame("t").select(pl.min("t"), pl.max("t").alias("u")).row(0)
        first, span = (0, 0) if low is None else (int(low), int(high) - int(low))
        times: npt.NDArray[Any] = np.empty(
            len(time_column), np.uint32 if span < 2**32 else np.int64
        )
        for start in range(0, len(times), CHUNK_ROWS):
            chunk = time_column.slice(start, CHUNK_ROWS).to_numpy()
            times[start : start + len(chunk)] = chunk - first
        del time_column
        return cls(users, items, times, user_names, item_names)


def fit(frame: Frame, recipe: str) -> Model:
    """Train `recipe` on interactions (USER_ID, ITEM_ID, TIMESTAMP, ...)."""
    rows = _Rows.read(frame)
    user_names, item_names = rows.user_names, rows.item_names
    n_items, n_users = len(item_names), len(user_names)
    histories, users_per_item = _histories(rows)
    del rows  # its arrays: only the sorted histories are needed from here
    by_popularity = (
        pl.DataFrame({"users": users_per_item, "item": item_names})
        .with_row_index("code")
        .sort(["users", "item"], descending=[True, False])
    )
    ranked_users = by_popularity.get_column("users")
    total = max(int(ranked_users.sum()), 1)
    items = by_popularity.get_column("item").to_list()
    id_rank = np.empty(n_items, dtype=np.int32)
    id_rank[np.argsort(np.array(items, dtype=object), kind="stable")] = np.arange(
        n_items, dtype=np.int32
    )
    model_base: dict[str, Any] = {
        "recipe": recipe,
        "items": items,
        "shares": (ranked_users.cast(pl.Float64) / total).to_numpy(),
        "id_rank": id_rank,
    }
    if recipe == POPULARITY:
        return Model(**model_base)
    # Items numbered by popularity from here: code -> index.
    position = np.empty(n_items, dtype=_index_type(n_items))
    position[by_popularity.get_column("code").to_numpy()] = np.arange(n_items)
    values = np.empty_like(position, shape=len(histories.values))
    for start in range(0, len(values), CHUNK_ROWS):
        values[start : start + CHUNK_ROWS] = position[histories.values[start : start + CHUNK_ROWS]]
    histories = Ragged(histories.offsets, values)
    neighbours = cooccurrence(histories, n_items, id_rank)
    if RECIPES[recipe][0] == "RELATED_ITEMS":  # answers from an item, never from a history
        return Model(**model_base, neighbours=neighbours)
    users = dict(zip(user_names.to_list(), range(n_users), strict=True))
    return Model(**model_base, neighbours=neighbours, users=users, histories=histories)


def _index_type(n_items: int) -> type[np.integer[Any]]:
    """2 bytes an item index when the catalogue allows (MovieLens 25M's 62,423 items do)."""
    return np.uint16 if n_items < 2**16 else np.int32


def _histories(rows: _Rows) -> tuple[Ragged, Longs]:
    """Each user's items (codes), oldest first, ties in row order (a stable sort by user and
    time), and each item's number of distinct users. A block of users at a time."""
    n_users, n_items = len(rows.user_names), len(rows.item_names)
    counts = np.bincount(rows.users, minlength=n_users)
    offsets = np.zeros(n_users + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    values = np.empty(len(rows.users), dtype=np.int32)
    users_per_item = np.zeros(n_items, dtype=np.int64)
    # Blocks of consecutive users with about CHUNK_ROWS rows in all; each row's block.
    bounds = _blocks(counts)
    block_of = np.repeat(
        np.arange(len(bounds) - 1, dtype=np.min_scalar_type(len(bounds))), np.diff(bounds)
    )[rows.users]
    for block, (low, high) in enumerate(
        zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)
    ):
        chosen = np.flatnonzero(block_of == block)
        users = rows.users[chosen]
        if rows.times.dtype == np.uint32:  # one 8-byte key: user, then time
            key = (users.astype(np.int64) << 32) | rows.times[chosen]
            order = (
                pl.DataFrame({"key": key})
                .select(pl.arg_sort_by("key", maintain_order=True))
                .to_series()
                .to_numpy()
            )
            del key
        else:
            order = np.lexsort((rows.times[chosen], users))
        items = rows.items[chosen[order]]
        del chosen, order, users
        values[offsets[low] : offsets[high]] = items
        owner = np.repeat(np.arange(high - low, dtype=np.int64), counts[low:high])
        pairs = distinct(owner * n_items + items)
        users_per_item += np.bincount(pairs % n_items, minlength=n_items)
    return Ragged(offsets, values), users_per_item


def cooccurrence(histories: Ragged, n_items: int, id_rank: Ints) -> Ragged:
    """Top neighbours of each item by cosine co-occurrence in users' recent histories: the
    number of users with both items among their last `depth` distinct items, over the square
    root of the product of each item's number; best first, ties by item ID."""
    n_users = len(histories.offsets) - 1
    depth = max(2, min(MAX_HISTORY, int(math.sqrt(MAX_PAIRS / max(n_users, 1)))))
    lengths = np.diff(histories.offsets)
    taken = np.minimum(lengths, depth)
    recent = histories.values[ranges(histories.offsets[1:] - taken, taken)]
    # Distinct (user, item) pairs, sorted by user then item.
    keys = distinct(np.repeat(np.arange(n_users, dtype=np.int64), taken) * n_items + recent)
    owner, item = keys // n_items, (keys % n_items).astype(np.int32)
    del keys, recent
    support = np.bincount(item, minlength=n_items)
    # Each user's pairs (a, b) with a < b: entry e pairs with the entries after it in its user.
    per_user = np.bincount(owner, minlength=n_users)
    ends = np.cumsum(per_user)[owner]
    after = ends - np.arange(len(owner)) - 1
    del owner, ends
    pair_keys = np.repeat(item, after).astype(np.int64) * n_items
    pair_keys += item[ranges(np.arange(1, len(item) + 1), after)]
    del after
    # Each pair (a, b), a < b, once with its number of users: sorted keys, counted by runs.
    pair_keys.sort()
    keys, together = _runs(pair_keys)
    del pair_keys
    first, second = (keys // n_items).astype(np.int32), (keys % n_items).astype(np.int32)
    del keys
    weight = support.astype(np.float64)
    score = together / np.sqrt(weight[first] * weight[second])  # the same both ways
    del together, weight
    # Per item, its NEIGHBOURS best (score, then item ID), best first: a block of items at a
    # time, each item's pairs both as the first and as the second of the pair.
    per_item = np.bincount(first, minlength=n_items) + np.bincount(second, minlength=n_items)
    bounds = _blocks(per_item)
    others: list[npt.NDArray[Any]] = []
    scores: list[npt.NDArray[Any]] = []
    kept = np.zeros(n_items, dtype=np.int64)
    for low, high in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        head = slice(*np.searchsorted(first, [low, high]).tolist())
        tail = np.flatnonzero((second >= low) & (second < high))
        other = np.concatenate([second[head], first[tail]])
        best = (
            pl.DataFrame(
                {
                    "source": np.concatenate([first[head], second[tail]]),
                    "score": np.concatenate([score[head], score[tail]]),
                    "rank": id_rank[other],
                    "other": other,
                }
            )
            .group_by("source")
            .agg(
                pl.col("other", "score")
                .sort_by(["score", "rank"], descending=[True, False])
                .head(NEIGHBOURS)
            )
            .sort("source")
        )
        kept[best.get_column("source").to_numpy()] = best.get_column("other").list.len()
        best = best.explode(["other", "score"])
        others.append(best.get_column("other").to_numpy())
        scores.append(best.get_column("score").to_numpy())
    offsets = np.zeros(n_items + 1, dtype=np.int64)
    np.cumsum(kept, out=offsets[1:])
    return Ragged(
        offsets,
        np.concatenate(others).astype(histories.values.dtype)
        if others
        else np.empty(0, dtype=histories.values.dtype),
        np.concatenate(scores).astype(np.float64) if scores else np.empty(0),
    )


def _blocks(sizes: npt.NDArray[Any]) -> Longs:
    """Bounds of consecutive blocks of rows with about CHUNK_ROWS in all (a row bigger alone):
    block k is rows bounds[k]..bounds[k + 1] - 1."""
    ends = np.cumsum(sizes)
    starts = np.searchsorted(
        ends, np.arange(0, int(ends[-1]) if len(ends) else 0, CHUNK_ROWS), "right"
    )
    bounds = np.unique(np.minimum(starts, len(sizes)))
    return np.concatenate([[0], bounds[bounds > 0], [len(sizes)]]).astype(np.int64)
