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
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import polars as pl

from .training import Model

HOLDOUT_SHARE = 0.1
TEST_SHARE = 0.1
TOP = 25
KS = (5, 10, 25)
SEED = 42


def split_users(users: list[str], seed: int = SEED) -> set[str]:
    """The held-out users: a seeded random 10% (at least one) of the sorted user IDs."""
    ordered = sorted(users)
    count = max(1, round(HOLDOUT_SHARE * len(ordered)))
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(ordered), size=count, replace=False)
    return {ordered[i] for i in picked}


def split_history(items: list[str]) -> tuple[list[str], list[str]]:
    """A held-out user's (input, test) items: the latest 10% (at least 1) are the test set."""
    test = max(1, math.ceil(TEST_SHARE * len(items)))
    return items[:-test], items[-test:]


def ranking_metrics(recommended: list[str], relevant: set[str]) -> dict[str, float]:
    """Per-query metrics for one held-out user."""
    result: dict[str, float] = {}
    hits = [item in relevant for item in recommended[:TOP]]
    for k in KS:
        top = hits[:k]
        result[f"precision_at_{k}"] = sum(top) / k
        dcg = sum(1 / math.log2(rank + 2) for rank, hit in enumerate(top) if hit)
        ideal = sum(1 / math.log2(rank + 2) for rank in range(min(k, len(relevant))))
        result[f"normalized_discounted_cumulative_gain_at_{k}"] = dcg / ideal if ideal else 0.0
    first = next((rank for rank, hit in enumerate(hits) if hit), None)
    result["mean_reciprocal_rank_at_25"] = 0.0 if first is None else 1 / (first + 1)
    return result


def evaluate(
    interactions: pl.DataFrame,
    catalogue_size: int,
    train: Callable[[pl.DataFrame], Model],
    seed: int = SEED,
) -> dict[str, float]:
    """Hold out users, train on the rest with `train`, score the held-out users' latest items."""
    users = interactions["USER_ID"].unique().to_list()
    held_out = split_users(users, seed)
    is_test = pl.col("USER_ID").is_in(list(held_out))
    model = train(interactions.filter(~is_test))
    test_rows = (
        interactions.filter(is_test)
        .with_row_index("_row")
        .sort(["USER_ID", "TIMESTAMP", "_row"])
        .group_by("USER_ID", maintain_order=True)
        .agg(pl.col("ITEM_ID"))
    )
    totals: dict[str, float] = {}
    queries = 0
    recommended_items: set[str] = set()
    for items in test_rows["ITEM_ID"].to_list():
        if len(items) < 2:
            continue
        history, test = split_history(items)
        if model.recipe_type == "RELATED_ITEMS":
            recommended = [i for i, _ in model.related(history[-1], TOP)]
        else:
            recommended = [i for i, _ in model.recommend(history, TOP)]
        recommended_items.update(recommended)
        for name, value in ranking_metrics(recommended, set(test)).items():
            totals[name] = totals.get(name, 0.0) + value
        queries += 1
    metrics = {name: round(value / queries, 4) for name, value in totals.items()} if queries else {}
    metrics["coverage"] = (
        round(len(recommended_items) / catalogue_size, 4) if catalogue_size else 0.0
    )
    for name in _names():
        metrics.setdefault(name, 0.0)
    return dict(sorted(metrics.items()))


def _names() -> list[str]:
    names = ["coverage", "mean_reciprocal_rank_at_25"]
    for k in KS:
        names += [f"normalized_discounted_cumulative_gain_at_{k}", f"precision_at_{k}"]
    return names
