"""Offline metrics, computed the way Personalize documents its evaluation.

A random 10% of users (seeded, at least one) is held out; the model trains on the other 90%.
Each held-out user's oldest 90% of interactions is the input and the latest 10% (at least one,
by timestamp) is the test set. Metrics are averaged over held-out users with 2+ interactions:

- precision_at_K: relevant items among the top K, divided by K.
- normalized_discounted_cumulative_gain_at_K: sum of 1/log2(1 + rank) over relevant items in the
  top K, divided by the same sum for an ideal ranking.
- mean_reciprocal_rank_at_25: 1 / rank of the first relevant item in the top 25 (0 if none).
- coverage: distinct items recommended across the held-out users (top 25), divided by the
  distinct items in the Interactions and Items datasets.

The per-user figures are computed on arrays (a row per held-out user, a column per rank), and
summed user after user in user ID order, so they are the same floats a loop over users gives.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from . import training
from .training import Index, Model

HOLDOUT_SHARE = 0.1
TEST_SHARE = 0.1
TOP = 25
KS = (5, 10, 25)
SEED = 42
#: 1 / log2(rank + 1) for ranks 1..TOP, as math.log2 computes it.
_DISCOUNTS = np.array([1 / math.log2(rank + 2) for rank in range(TOP)])


def split_users(users: list[str], seed: int = SEED) -> set[str]:
    """The held-out users: a seeded random 10% (at least one) of the sorted user IDs."""
    ordered = sorted(users)
    count = max(1, round(HOLDOUT_SHARE * len(ordered)))
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(ordered), size=count, replace=False)
    return {ordered[i] for i in picked}


def evaluate(
    interactions: training.Frame,
    catalogue_size: int,
    train: Callable[[training.Frame], Model],
    seed: int = SEED,
) -> dict[str, float]:
    """Hold out users, train on the rest with `train`, score the held-out users' latest items."""
    rows = interactions.lazy()
    users = rows.select(pl.col("USER_ID").unique()).collect(engine="streaming")
    is_test = pl.col("USER_ID").is_in(sorted(split_users(users.to_series().to_list(), seed)))
    del users
    # Lazy: training reads the other users' rows as codes, never a copy of their strings.
    model = train(rows.filter(~is_test))
    test_rows = (
        rows.filter(is_test).select("USER_ID", "ITEM_ID", "TIMESTAMP").collect(engine="streaming")
    )
    queries = _queries(test_rows, model)
    count = queries.count
    metrics = (
        {
            name: round(sum(values.tolist()) / count, 4)
            for name, values in _per_query(queries).items()
        }
        if count
        else {}
    )
    recommended = queries.recommended
    metrics["coverage"] = (
        round(len(np.unique(recommended[recommended >= 0])) / catalogue_size, 4)
        if catalogue_size
        else 0.0
    )
    for name in _names():
        metrics.setdefault(name, 0.0)
    return dict(sorted(metrics.items()))


@dataclass(frozen=True)
class _Queries:
    """The held-out users with 2+ interactions, in user ID order: their top TOP items (model
    indices, -1 past the end), which of those are relevant, and their number of test items."""

    count: int
    recommended: npt.NDArray[np.int64]
    hits: npt.NDArray[np.bool_]
    relevant: npt.NDArray[np.int64]


def _queries(rows: pl.DataFrame, model: Model) -> _Queries:
    """Split each held-out user's items (oldest first, ties in row order) into input and test,
    recommend from the input, and match the recommendations against the test items."""
    ordered = rows.with_row_index("_row").sort(["USER_ID", "TIMESTAMP", "_row"])
    codes, names = training.dense_codes(ordered.get_column("ITEM_ID"))
    as_model = model.codes(names.to_list())[codes]  # the model's item indices, -1 if unknown
    per_user = ordered.group_by("USER_ID", maintain_order=True).len()
    lengths = per_user.get_column("len").cast(pl.Int64).to_numpy()
    starts = (np.cumsum(lengths) - lengths)[lengths >= 2]
    lengths = lengths[lengths >= 2]
    count = len(lengths)
    tests = np.maximum(1, np.ceil(TEST_SHARE * lengths)).astype(np.int64)
    splits = starts + lengths - tests
    recommended = np.full((count, TOP), -1, dtype=np.int64)
    same_for_all: dict[int, Index] = {}  # popularity: everyone; similar items: per last item
    for q, (start, split) in enumerate(zip(starts.tolist(), splits.tolist(), strict=True)):
        history = as_model[start:split]
        if model.recipe_type == "RELATED_ITEMS":
            last = int(history[-1])
            if last not in same_for_all:
                same_for_all[last] = model.related_top(last, TOP)[0]
            top = same_for_all[last]
        elif model.recipe == training.POPULARITY:
            if -1 not in same_for_all:
                same_for_all[-1] = model.top(history, TOP)[0]
            top = same_for_all[-1]
        else:
            top = model.top(history, TOP)[0]
        recommended[q, : len(top)] = top
    # Test items as (query, item) keys: distinct ones counted per query (the relevant items),
    # the model's ones matched against the recommendations (-1, unknown, never matches).
    positions = training.ranges(splits, tests)
    owners = np.repeat(np.arange(count, dtype=np.int64), tests)
    distinct = training.distinct(owners * len(names) + codes[positions])
    relevant = np.bincount(distinct // max(len(names), 1), minlength=count)
    width = len(model.items) + 1
    tested = owners * width + as_model[positions] + 1
    asked = np.arange(count, dtype=np.int64)[:, None] * width + recommended + 1
    hits = np.isin(asked, tested) & (recommended >= 0)
    return _Queries(count, recommended, hits, relevant)


def _per_query(queries: _Queries) -> dict[str, npt.NDArray[np.float64]]:
    """Each metric per held-out user, in the order of `queries`."""
    hits = queries.hits
    gains = np.cumsum(np.where(hits, _DISCOUNTS, 0.0), axis=1)  # summed rank after rank
    ideal_gains = np.cumsum(_DISCOUNTS)
    result: dict[str, npt.NDArray[np.float64]] = {}
    for k in KS:
        result[f"precision_at_{k}"] = hits[:, :k].sum(axis=1) / k
        best = np.minimum(k, queries.relevant)
        ideal = np.where(best > 0, ideal_gains[np.maximum(best, 1) - 1], 0.0)
        result[f"normalized_discounted_cumulative_gain_at_{k}"] = np.divide(
            gains[:, k - 1], ideal, out=np.zeros(len(ideal)), where=ideal > 0
        )
    first = np.argmax(hits, axis=1)
    result["mean_reciprocal_rank_at_25"] = np.where(hits.any(axis=1), 1 / (first + 1), 0.0)
    return result


def _names() -> list[str]:
    names = ["coverage", "mean_reciprocal_rank_at_25"]
    for k in KS:
        names += [f"normalized_discounted_cumulative_gain_at_{k}", f"precision_at_{k}"]
    return names
