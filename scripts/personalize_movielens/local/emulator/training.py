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
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

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

NEIGHBOURS = 50
#: Upper bound on co-occurrence pairs, so training stays fast on MovieLens 25M.
MAX_PAIRS = 20_000_000
MAX_HISTORY = 30


class TrainingFailure(Exception):
    """The solution version ends in CREATE FAILED with this message."""


def recipe_name(recipe_arn: str) -> str:
    return recipe_arn.removeprefix(RECIPE_PREFIX)


#: A ranked answer: item IDs with their score, None for an item ranked without one.
Ranked = list[tuple[str, float | None]]


@dataclass
class Model:
    """A trained solution version: what the runtime serves and the metrics evaluate."""

    recipe: str
    #: Item IDs by the number of distinct users who interacted with them, ties by item ID.
    popular: list[str]
    #: Item ID -> its distinct users as a share of the sum over all items (sums to 1).
    shares: dict[str, float]
    neighbours: dict[str, tuple[list[str], list[float]]] = field(default_factory=dict)
    histories: dict[str, list[str]] = field(default_factory=dict)

    @property
    def recipe_type(self) -> str:
        return RECIPES[self.recipe][0]

    @property
    def shows_scores(self) -> bool:
        return self.recipe in SCORED_RECIPES

    def for_user(self, user_id: str, n: int) -> list[tuple[str, float]]:
        return self.recommend(self.histories.get(user_id, []), n)

    def recommend(self, history: list[str], n: int) -> list[tuple[str, float]]:
        """Top `n` items for a user who interacted with `history` (oldest first), each with its
        score among every item the user can be recommended (those scores sum to 1)."""
        if self.recipe == "aws-popularity-count":  # the same list for everyone
            return [(item, self.shares[item]) for item in self.popular[:n]]
        seen = set(history)
        scores, floor = self._raw_scores(history, seen)
        near = {item: score for item, score in scores.items() if item not in seen}
        # Every other unseen item scores floor * its popularity share: below any neighbour.
        rest = max(0.0, 1.0 - sum(self.shares.get(item, 0.0) for item in seen | near.keys()))
        total = sum(near.values()) + floor * rest
        if total <= 0:
            return []
        ranked = sorted(near.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
        result = [(item, score / total) for item, score in ranked]
        for item in self.popular:
            if len(result) >= n:
                break
            if item not in seen and item not in near:
                result.append((item, floor * self.shares[item] / total))
        return result

    def rank(self, user_id: str, items: list[str]) -> Ranked:
        """GetPersonalizedRanking: the user-personalization scores of `items` alone, summing to
        1 over the items the model knows; items unknown to it follow, in input order, unscored."""
        inputs = list(dict.fromkeys(items))
        known = [item for item in inputs if item in self.shares]
        history = self.histories.get(user_id, [])
        near, floor = self._raw_scores(history, set(history))
        raw = {item: near.get(item, floor * self.shares[item]) for item in known}
        total = sum(raw.values()) or 1.0
        ranked: Ranked = [
            (item, raw[item] / total) for item in sorted(known, key=lambda i: (-raw[i], i))
        ]
        return ranked + [(item, None) for item in inputs if item not in self.shares]

    def _raw_scores(self, history: list[str], seen: set[str]) -> tuple[dict[str, float], float]:
        """Summed neighbour similarities of the user's recent items, and the least of them over
        unseen items (1 when there is none): the weight of popularity for the other items."""
        scores: dict[str, float] = {}
        for item in history[-MAX_HISTORY:]:
            near = self.neighbours.get(item)
            if near is None:
                continue
            for other, score in zip(near[0], near[1], strict=True):
                scores[other] = scores.get(other, 0.0) + score
        floor = min((s for item, s in scores.items() if item not in seen), default=1.0)
        return scores, floor

    def related(self, item_id: str, n: int) -> list[tuple[str, float]]:
        """Items similar to `item_id` (similar-items), popular items when it is unknown."""
        near = self.neighbours.get(item_id, ([], []))
        result = list(zip(near[0], near[1], strict=True))[:n]
        chosen = {item for item, _ in result} | {item_id}
        floor = min((s for _, s in result), default=1.0)
        for item in self.popular:
            if len(result) >= n:
                break
            if item not in chosen:
                result.append((item, floor * self.shares[item]))
        return result


def apply_solution_filters(frame: pl.DataFrame, solution: dict[str, Any]) -> pl.DataFrame:
    """Keep the interactions the solution trains on: its eventType and eventValueThreshold."""
    event_type = solution.get("eventType")
    if event_type and "EVENT_TYPE" in frame.columns:
        frame = frame.filter(pl.col("EVENT_TYPE") == event_type)
    threshold = (solution.get("solutionConfig") or {}).get("eventValueThreshold")
    if threshold not in (None, ""):
        if "EVENT_VALUE" not in frame.columns:
            raise TrainingFailure(
                "eventValueThreshold is set but the Interactions schema has no EVENT_VALUE field."
            )
        try:
            value = float(threshold)
        except ValueError:
            raise TrainingFailure(f"eventValueThreshold {threshold!r} is not a number.") from None
        frame = frame.filter(pl.col("EVENT_VALUE") >= value)
    return frame


def check_minimums(frame: pl.DataFrame) -> None:
    """The service's training minimums, after filters: 1000 interactions, 25 users with 2+."""
    count = frame.height
    if count < rules.MIN_INTERACTIONS:
        raise TrainingFailure(
            f"Insufficient data for training: there must be at least {rules.MIN_INTERACTIONS} "
            f"interactions after filtering (eventType, eventValueThreshold), found {count}."
        )
    users = frame.group_by("USER_ID").len().filter(pl.col("len") >= 2).height if count else 0
    if users < rules.MIN_USERS_WITH_TWO:
        raise TrainingFailure(
            "Insufficient data for training: there must be at least "
            f"{rules.MIN_USERS_WITH_TWO} unique users with at least 2 interactions each, "
            f"found {users}."
        )


def fit(frame: pl.DataFrame, recipe: str) -> Model:
    """Train `recipe` on interactions (USER_ID, ITEM_ID, TIMESTAMP, ...)."""
    users = (
        frame.group_by("ITEM_ID")
        .agg(pl.col("USER_ID").n_unique().alias("users"))
        .sort(["users", "ITEM_ID"], descending=[True, False])
    )
    total = max(int(users["users"].sum()), 1)
    popular = users["ITEM_ID"].to_list()
    shares = (users["users"].cast(pl.Float64) / total).to_list()
    model = Model(recipe=recipe, popular=popular, shares=dict(zip(popular, shares, strict=True)))
    if recipe == "aws-popularity-count":
        return model
    ordered = frame.select("USER_ID", "ITEM_ID", "TIMESTAMP").with_row_index("_row")
    ordered = ordered.sort(["USER_ID", "TIMESTAMP", "_row"])
    histories = ordered.group_by("USER_ID", maintain_order=True).agg(pl.col("ITEM_ID"))
    model.histories = dict(
        zip(histories["USER_ID"].to_list(), histories["ITEM_ID"].to_list(), strict=True)
    )
    model.neighbours = cooccurrence(ordered, histories.height)
    return model


def cooccurrence(ordered: pl.DataFrame, n_users: int) -> dict[str, tuple[list[str], list[float]]]:
    """Top neighbours of each item by cosine co-occurrence in users' recent histories."""
    depth = max(2, min(MAX_HISTORY, int(math.sqrt(MAX_PAIRS / max(n_users, 1)))))
    recent = (
        ordered.group_by("USER_ID", maintain_order=True)
        .tail(depth)
        .select("USER_ID", "ITEM_ID")
        .unique()
    )
    support = recent.group_by("ITEM_ID").len().rename({"len": "n"})
    pairs = (
        recent.join(recent, on="USER_ID", suffix="_other")
        .filter(pl.col("ITEM_ID") != pl.col("ITEM_ID_other"))
        .group_by("ITEM_ID", "ITEM_ID_other")
        .len()
        .join(support, on="ITEM_ID")
        .join(support.rename({"ITEM_ID": "ITEM_ID_other", "n": "n_other"}), on="ITEM_ID_other")
        .with_columns(
            (pl.col("len") / (pl.col("n").cast(pl.Float64) * pl.col("n_other")).sqrt()).alias(
                "score"
            )
        )
        .sort(["ITEM_ID", "score", "ITEM_ID_other"], descending=[False, True, False])
        .group_by("ITEM_ID", maintain_order=True)
        .head(NEIGHBOURS)
        .group_by("ITEM_ID", maintain_order=True)
        .agg(pl.col("ITEM_ID_other"), pl.col("score"))
    )
    return {
        item: (others, scores)
        for item, others, scores in zip(
            pairs["ITEM_ID"].to_list(),
            pairs["ITEM_ID_other"].to_list(),
            pairs["score"].to_list(),
            strict=True,
        )
    }
