"""recommend --filter NAME --filter-value KEY=VALUE end to end through the CLI on the stand-in:
the emulator evaluates the filter expression, so what comes back shows that the values reached
it quoted as GetRecommendations requires; the refusals are one line before any request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from vod_stack import vod_stack

GENRE = "INCLUDE ItemID WHERE Items.GENRES IN ($GENRE)"
UNWATCHED = 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("Watch")'


@pytest.fixture
def outputs(fresh_stand_in: Any, tmp_path: Path) -> str:
    return str(vod_stack(fresh_stand_in, tmp_path, {"genre": GENRE, "unwatched": UNWATCHED}))


def items(cli, outputs: str, *args: str) -> list[str]:
    result = cli(
        "recommend",
        "u00",
        "--use-case",
        "top-picks",
        "-n",
        "40",
        "--json",
        *args,
        outputs_file=outputs,
    )
    return [item["item_id"] for item in json.loads(result.stdout)["items"]]


def test_filters_narrow_a_recommenders_answer(cli, outputs) -> None:
    cli("recommenders", "create", "--use-case", "top-picks", outputs_file=outputs)
    everything = items(cli, outputs)
    # vod_stack's catalogue: odd-numbered movies are Comedy, even ones Drama.
    comedy = items(cli, outputs, "--filter", "genre", "--filter-value", "GENRE=Comedy")
    assert comedy and all(int(i[1:]) % 2 == 1 for i in comedy)
    both = items(
        cli,
        outputs,
        "--filter",
        "genre",
        "--filter-value",
        "GENRE=Comedy",
        "--filter-value",
        "GENRE=Drama",
    )
    assert set(both) == set(everything)
    assert items(cli, outputs, "--filter", "unwatched") == [
        i for i in everything if i not in watched_by_u00()
    ]


def watched_by_u00() -> set[str]:
    """vod_stack's u00 watched m00..m17."""
    return {f"m{k:02d}" for k in range(18)}


def test_filter_mistakes_are_one_line(cli, outputs) -> None:
    cli("recommenders", "create", "--use-case", "top-picks", outputs_file=outputs)
    base = ("recommend", "u00", "--use-case", "top-picks")
    unknown = cli(*base, "--filter", "comedy", ok=False, outputs_file=outputs)
    assert "the stack's filters are genre, unwatched" in unknown.exception.one_line()
    extra = cli(
        *base,
        "--filter",
        "unwatched",
        "--filter-value",
        "GENRE=Comedy",
        ok=False,
        outputs_file=outputs,
    )
    assert "filter unwatched has no $GENRE placeholder" in extra.exception.one_line()
    missing = cli(*base, "--filter", "genre", ok=False, outputs_file=outputs)
    assert "needs a value for $GENRE" in missing.exception.one_line()
