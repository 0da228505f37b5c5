"""The recommenders commands end to end through the CLI on the stand-in: create (and a rerun that
finds them), recommend by use case, stop, status and clean-cloud; checked through boto3.

`local up` provisions a custom dataset group, so the test provisions a VIDEO_ON_DEMAND one with
boto3 the way the root stack does (dataset group, schemas and datasets with `domain`, from the
project's schema files), imports synthetic Watch/Click data above the use cases' minimums
("At minimum 1000 item interactions records", "At minimum 25 unique user IDs with at least two
item interactions for each", VIDEO_ON_DEMAND-use-cases.html), and points the CLI at an outputs
file naming it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from vod_stack import recommenders, vod_stack

TOP = "vod-vod-top-picks"
MORE = "vod-vod-more-like-x"


@pytest.fixture
def vod_outputs(fresh_stand_in: Any, tmp_path: Path) -> Path:
    return vod_stack(fresh_stand_in, tmp_path)


def test_recommenders_from_create_to_clean_cloud(cli, fresh_stand_in, vod_outputs) -> None:
    outputs = str(vod_outputs)
    group = json.loads(vod_outputs.read_text())["dataset_group_arn"]["value"]

    created = cli("recommenders", "create", "--json", outputs_file=outputs)
    assert {r["action"] for r in json.loads(created.stdout)["recommenders"]} == {"created"}
    assert "bills every hour while ACTIVE" in created.stderr
    found = recommenders(fresh_stand_in, group)
    assert sorted(found) == [MORE, TOP]
    assert {r["status"] for r in found.values()} == {"ACTIVE"}

    again = cli("recommenders", "create", "--json", outputs_file=outputs)
    assert {r["action"] for r in json.loads(again.stdout)["recommenders"]} == {"unchanged"}
    assert sorted(recommenders(fresh_stand_in, group)) == [MORE, TOP]

    top = json.loads(
        cli(
            "recommend", "u00", "--use-case", "top-picks", "-n", "5", "--json", outputs_file=outputs
        ).stdout
    )
    assert len(top["items"]) == 5 and top["use_case"] == "top-picks"
    like = json.loads(
        cli(
            "recommend",
            "u00",
            "--use-case",
            "more-like-x",
            "--item-id",
            "m03",
            "--json",
            outputs_file=outputs,
        ).stdout
    )
    assert like["item_id"] == "m03" and like["items"]
    assert "m03" not in {item["item_id"] for item in like["items"]}

    wrong = cli("recommend", "u00", "--use-case", "more-like-x", ok=False, outputs_file=outputs)
    assert wrong.exit_code == 1 and "needs --item-id" in wrong.exception.one_line()
    missing = cli("recommend", "u00", "--use-case", "most-popular", ok=False, outputs_file=outputs)
    assert "No recommender for --use-case most-popular" in missing.exception.one_line()

    cli("recommenders", "stop", "--all", outputs_file=outputs)
    assert {r["status"] for r in recommenders(fresh_stand_in, group).values()} == {"INACTIVE"}
    status = json.loads(cli("status", "--json", outputs_file=outputs).stdout)
    assert sorted(r["name"] for r in status["recommenders"]) == [MORE, TOP]
    assert not any("recommender" in line for line in status["billing_now"])

    cli("recommenders", "start", "top-picks", outputs_file=outputs)
    assert recommenders(fresh_stand_in, group)[TOP]["status"] == "ACTIVE"
    status = json.loads(cli("status", "--json", outputs_file=outputs).stdout)
    assert [line.split(":")[0] for line in status["billing_now"]] == [f"recommender {TOP}"]

    cleaned = json.loads(cli("clean-cloud", "--yes", "--json", outputs_file=outputs).stdout)
    assert sorted(cleaned["deleted"]["recommenders"]) == [MORE, TOP]
    assert recommenders(fresh_stand_in, group) == {}


def test_dry_runs_plan_and_change_nothing(cli, fresh_stand_in, vod_outputs) -> None:
    """create, stop and start with --dry-run --json: one JSON document whose "planned" lists the
    calls, and the recommenders on the stand-in stay as they were (test_dry_run.py's rule for
    every command with --dry-run)."""
    outputs = str(vod_outputs)
    group = json.loads(vod_outputs.read_text())["dataset_group_arn"]["value"]

    def planned(*args: str) -> list[str]:
        before = recommenders(fresh_stand_in, group)
        result = cli("recommenders", *args, "--dry-run", "--json", outputs_file=outputs)
        assert "DRY RUN would call" in result.stderr
        assert recommenders(fresh_stand_in, group) == before, args
        return [c["operation"] for c in json.loads(result.stdout)["planned"]]

    assert planned("create", "--use-case", "trending-now") == ["CreateRecommender"]
    where = {"outputs_file": outputs}
    cli("recommenders", "create", "--use-case", "trending-now", **where)
    assert planned("create", "--use-case", "trending-now", "--min-rps", "2") == [
        "UpdateRecommender"
    ]
    # Raised, then a rerun without --min-rps leaves it where it is (no update, no lost requests).
    cli("recommenders", "create", "--use-case", "trending-now", "--min-rps", "2", **where)
    rerun = cli("recommenders", "create", "--use-case", "trending-now", "--json", **where)
    assert [r["action"] for r in json.loads(rerun.stdout)["recommenders"]] == ["unchanged"]
    trending = recommenders(fresh_stand_in, group)["vod-vod-trending-now"]
    assert trending["recommenderConfig"]["minRecommendationRequestsPerSecond"] == 2
    # stop and start take the use case as an argument or as --use-case, as create does.
    assert planned("stop", "trending-now") == ["StopRecommender"]
    assert planned("stop", "--use-case", "trending-now") == ["StopRecommender"]
    cli("recommenders", "stop", "--all", outputs_file=outputs)
    assert planned("start", "--all") == ["StartRecommender"]


def test_a_custom_stack_is_told_to_set_the_domain(cli) -> None:
    result = cli("recommenders", "list", ok=False)
    assert result.exit_code == 1 and 'domain = "VIDEO_ON_DEMAND"' in result.exception.one_line()
