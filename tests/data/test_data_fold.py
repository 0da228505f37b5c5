"""IdCounts: IDs counted in a dense array or hashed, as each batch allows, are one count."""

from __future__ import annotations

import polars as pl

from personalize_movielens.data.fold import DENSE_ID_LIMIT, IdCounts


def test_an_id_seen_in_a_dense_batch_and_in_a_split_one_is_one_id() -> None:
    """The largest dense ID, first in a batch that is all dense, then beside a huge ID (which
    makes that batch split between the array and the hashed counts)."""
    edge = DENSE_ID_LIMIT - 1
    counts = IdCounts()
    counts.add(pl.Series([edge, 5]))
    counts.add(pl.Series([edge, 10**12]))
    assert counts.distinct() == 3
    assert counts.at_least(2) == 1  # the edge ID, twice


def test_text_ids_skip_empty_values() -> None:
    counts = IdCounts()
    counts.add(pl.Series(["a", "", None, "a", "b"]))
    assert (counts.distinct(), counts.at_least(2)) == (2, 1)
