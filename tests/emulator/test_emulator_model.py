"""The trained model as arrays gives the answers of the recipes written plainly.

training.py keeps a model as numpy arrays and metrics.py scores the held-out users on arrays,
so MovieLens 25M trains in seconds. What they compute is the method the module docstrings
state; the reference below states it again the plain way (dicts of lists, one user at a time,
the way the emulator first computed it), and the arrays must agree with it: the same neighbours
with the same similarity floats, the same ranked answers, the same metrics. The data is made to
catch what arrays get wrong and dicts do not: ties in time and in score (broken by item ID as a
string, "10" before "9"), repeated interactions, users and items seen once, held-out users with
items nobody else has."""

from __future__ import annotations

import math
import random
from collections import defaultdict

import numpy as np
import polars as pl
import pytest

from personalize_movielens.local.emulator import metrics, training


def interactions(seed: int = 7, users: int = 150, items: int = 60) -> pl.DataFrame:
    rng = random.Random(seed)
    rows = []
    for u in range(users):
        for _ in range(rng.randint(1, 40)):
            item = str(int(rng.paretovariate(1.2)) % items)  # popular items, a long tail
            rows.append((f"u{u}", item, 1_600_000_000 + rng.randint(0, 50)))  # many ties
        if u % 7 == 0:  # an item only this user has
            rows.append((f"u{u}", f"own-{u}", 1_600_000_100))
    return pl.DataFrame(
        rows,
        schema={"USER_ID": pl.String, "ITEM_ID": pl.String, "TIMESTAMP": pl.Int64},
        orient="row",
    )


# --- the reference: the recipes written plainly ------------------------------------------------


def histories(frame: pl.DataFrame) -> dict[str, list[str]]:
    """Each user's items, oldest first, ties in row order."""
    result: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for row, (user, item, time) in enumerate(frame.iter_rows()):
        result[user].append((time, row, item))
    return {user: [item for *_, item in sorted(seen)] for user, seen in result.items()}


class Reference:
    def __init__(self, frame: pl.DataFrame, recipe: str) -> None:
        users: dict[str, set[str]] = defaultdict(set)
        for user, item, _ in frame.iter_rows():
            users[item].add(user)
        self.popular = sorted(users, key=lambda item: (-len(users[item]), item))
        total = sum(len(fans) for fans in users.values())
        self.shares = {item: len(users[item]) / total for item in self.popular}
        self.histories = histories(frame)
        self.recipe = recipe
        self.neighbours: dict[str, list[tuple[str, float]]] = {}
        if recipe != "aws-popularity-count":
            self.neighbours = self.cooccurrence()

    def cooccurrence(self) -> dict[str, list[tuple[str, float]]]:
        n_users = len(self.histories)
        depth = max(2, min(30, int(math.sqrt(training.MAX_PAIRS / n_users))))
        recent = {user: set(items[-depth:]) for user, items in self.histories.items()}
        support: dict[str, int] = defaultdict(int)
        together: dict[tuple[str, str], int] = defaultdict(int)
        for seen in recent.values():
            for a in seen:
                support[a] += 1
                for b in seen:
                    if a != b:
                        together[a, b] += 1
        scored: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for (a, b), count in together.items():
            scored[a].append((b, count / math.sqrt(float(support[a]) * support[b])))
        return {
            a: sorted(near, key=lambda x: (-x[1], x[0]))[: training.NEIGHBOURS]
            for a, near in scored.items()
        }

    def raw(self, history: list[str]) -> tuple[dict[str, float], float]:
        scores: dict[str, float] = {}
        for item in history[-training.MAX_HISTORY :]:
            for other, score in self.neighbours.get(item, []):
                scores[other] = scores.get(other, 0.0) + score
        floor = min((s for i, s in scores.items() if i not in set(history)), default=1.0)
        return scores, floor

    def recommend(self, history: list[str], n: int) -> list[tuple[str, float]]:
        if self.recipe == "aws-popularity-count":
            return [(item, self.shares[item]) for item in self.popular[:n]]
        seen = set(history)
        scores, floor = self.raw(history)
        near = {item: score for item, score in scores.items() if item not in seen}
        rest = max(0.0, 1.0 - sum(self.shares.get(item, 0.0) for item in seen | near.keys()))
        total = sum(near.values()) + floor * rest
        ranked = sorted(near.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
        result = [(item, score / total) for item, score in ranked]
        rest_items = [item for item in self.popular if item not in seen and item not in near]
        result += [(item, floor * self.shares[item] / total) for item in rest_items]
        return result[:n]

    def related(self, item_id: str, n: int) -> list[tuple[str, float]]:
        result = self.neighbours.get(item_id, [])[:n]
        chosen = {item for item, _ in result} | {item_id}
        floor = min((s for _, s in result), default=1.0)
        rest = [(item, floor * self.shares[item]) for item in self.popular if item not in chosen]
        return (result + rest)[:n]

    def rank(self, user: str, items: list[str]) -> list[tuple[str, float | None]]:
        inputs = list(dict.fromkeys(items))
        known = [item for item in inputs if item in self.shares]
        near, floor = self.raw(self.histories.get(user, []))
        raw = {item: near.get(item, floor * self.shares[item]) for item in known}
        total = sum(raw.values()) or 1.0
        ranked: list[tuple[str, float | None]] = [
            (item, raw[item] / total) for item in sorted(known, key=lambda i: (-raw[i], i))
        ]
        return ranked + [(item, None) for item in inputs if item not in self.shares]


def reference_metrics(frame: pl.DataFrame, recipe: str, catalogue: int) -> dict[str, float]:
    held_out = metrics.split_users(frame["USER_ID"].unique().to_list())
    model = Reference(frame.filter(~pl.col("USER_ID").is_in(list(held_out))), recipe)
    totals: dict[str, float] = defaultdict(float)
    queries, recommended_items = 0, set()
    for user, items in sorted(histories(frame).items()):
        if user not in held_out or len(items) < 2:
            continue
        test = max(1, math.ceil(metrics.TEST_SHARE * len(items)))
        history, relevant = items[:-test], set(items[-test:])
        if recipe == "aws-similar-items":
            top = [i for i, _ in model.related(history[-1], metrics.TOP)]
        else:
            top = [i for i, _ in model.recommend(history, metrics.TOP)]
        recommended_items.update(top)
        hits = [item in relevant for item in top]
        for k in metrics.KS:
            totals[f"precision_at_{k}"] += sum(hits[:k]) / k
            dcg = sum(1 / math.log2(r + 2) for r, hit in enumerate(hits[:k]) if hit)
            ideal = sum(1 / math.log2(r + 2) for r in range(min(k, len(relevant))))
            totals[f"normalized_discounted_cumulative_gain_at_{k}"] += dcg / ideal
        first = next((r for r, hit in enumerate(hits) if hit), None)
        totals["mean_reciprocal_rank_at_25"] += 0.0 if first is None else 1 / (first + 1)
        queries += 1
    result = {name: round(value / queries, 4) for name, value in totals.items()}
    result["coverage"] = round(len(recommended_items) / catalogue, 4)
    return dict(sorted(result.items()))


# --- the checks -----------------------------------------------------------------------------

RECIPES = ["aws-user-personalization-v2", "aws-similar-items", "aws-popularity-count"]


def answers_agree(got: list[tuple[str, float]], expected: list[tuple[str, float]]) -> None:
    assert [item for item, _ in got] == [item for item, _ in expected]
    # Only the normalising total is summed in another order: at most a rounding apart.
    assert [score for _, score in got] == pytest.approx([s for _, s in expected], rel=1e-12)


@pytest.mark.parametrize("recipe", RECIPES)
def test_the_model_as_arrays_answers_as_the_recipe_written_plainly(recipe):
    frame = interactions()
    model, reference = training.fit(frame, recipe), Reference(frame, recipe)
    assert model.items == reference.popular
    # polars divides by the total as a multiplication by its inverse: a rounding apart
    expected_shares = [reference.shares[item] for item in reference.popular]
    assert model.shares.tolist() == pytest.approx(expected_shares, rel=1e-15)
    for i, item in enumerate(model.items):
        if recipe != "aws-popularity-count":
            row = model.neighbours.row(i) if model.neighbours else []
            got = [model.items[j] for j in row]
            assert got == [other for other, _ in reference.neighbours.get(item, [])], item
            weights = model.neighbours.weights if model.neighbours else None
            assert weights is not None
            start = int(model.neighbours.offsets[i]) if model.neighbours else 0
            expected = [score for _, score in reference.neighbours.get(item, [])]
            assert weights[start : start + len(row)].tolist() == expected, item  # same floats
        for n in (1, 5, 100):
            answers_agree(model.related(item, n), reference.related(item, n))
    for user in [*sorted(reference.histories), "nobody"]:
        for n in (1, 10, 100):
            if recipe != "aws-similar-items":  # similar-items answers for an item
                expected = reference.recommend(reference.histories.get(user, []), n)
                answers_agree(model.for_user(user, n), expected)
    # unknown items count in the window of the latest MAX_HISTORY items, though they add nothing
    history = [str(k % 25) for k in range(40)] + ["never-seen"] * 8 + ["3", "1", "1", "own-7"]
    answers_agree(model.recommend(history, 20), reference.recommend(history, 20))


def test_ranking_scores_the_inputs_as_the_recipe_written_plainly():
    frame = interactions()
    model = training.fit(frame, "aws-personalized-ranking")
    reference = Reference(frame, "aws-personalized-ranking")
    inputs = ["5", "ghost", "0", "12", "5", "own-14", "3", "never"]
    for user in [*sorted(reference.histories)[:40], "nobody"]:
        got, expected = model.rank(user, inputs), reference.rank(user, inputs)
        assert [item for item, _ in got] == [item for item, _ in expected]
        assert [s for _, s in got if s is None] == [s for _, s in expected if s is None]
        scored = [s for _, s in expected if s is not None]
        assert [s for _, s in got if s is not None] == pytest.approx(scored, rel=1e-12)


@pytest.mark.parametrize("recipe", RECIPES)
def test_metrics_on_arrays_are_the_metrics_of_the_loop_over_users(recipe):
    frame = interactions(seed=11, users=400)
    catalogue = frame["ITEM_ID"].n_unique() + 5
    got = metrics.evaluate(frame, catalogue, lambda part: training.fit(part, recipe))
    assert got == reference_metrics(frame, recipe, catalogue)


def test_training_reads_its_rows_a_block_at_a_time(monkeypatch):
    """Blocks of users (CHUNK_ROWS rows) are sorted and counted apart: the same model as one."""
    frame = interactions(seed=3, users=300)
    whole = training.fit(frame, "aws-user-personalization")
    monkeypatch.setattr(training, "CHUNK_ROWS", 50)
    blocks = training.fit(frame.lazy(), "aws-user-personalization")
    assert blocks.items == whole.items and blocks.shares.tolist() == whole.shares.tolist()
    for one, other in ((blocks.histories, whole.histories), (blocks.neighbours, whole.neighbours)):
        assert one is not None and other is not None
        assert np.array_equal(one.offsets, other.offsets)
        assert np.array_equal(one.values, other.values)
        assert (one.weights is None) == (other.weights is None)
        if one.weights is not None and other.weights is not None:
            assert one.weights.tolist() == other.weights.tolist()


def test_times_too_far_apart_for_four_bytes_sort_the_same():
    """Time is kept as 4-byte offsets from the first interaction when the span allows (136
    years of seconds); a wider span (milliseconds, a stray value) sorts on 8 bytes instead."""
    frame = interactions(seed=5).with_columns(
        pl.when(pl.int_range(pl.len()) % 9 == 0)
        .then(pl.col("TIMESTAMP") * 4096)
        .otherwise(pl.col("TIMESTAMP"))
    )
    model = training.fit(frame, "aws-user-personalization")
    for user, items in histories(frame).items():
        assert [model.items[i] for i in model.history(user)] == items
