"""events put and events replay through the CLI on the stand-in: what the service records
changes the user's next recommendations (recording-events.html: "Amazon Personalize then uses
the modified data when generating recommendations for the user (and this user only)")."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from events_batch_stack import events_batch_stack

from personalize_movielens.data.prepare import prepare
from personalize_movielens.data.synth import write_synthetic_movielens

RECIPE = "aws-user-personalization"
HOLD_OUT = 300


@pytest.fixture(scope="session")
def held_out_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("e2e-held-out")
    zip_path = write_synthetic_movielens(root / "ml-25m.zip", 12_000, seed=7, users=200, movies=400)
    prepare(zip_path, root, hold_out=HOLD_OUT)
    return root


@pytest.fixture
def data(held_out_data: Path, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(held_out_data, target)
    return target


def recommended(cli, user: str, outputs: str, data: Path) -> list[str]:
    result = cli(
        "recommend", user, "-n", "10", "--recipe", RECIPE, "--data-dir", str(data), "--json",
        outputs_file=outputs,
    )  # fmt: skip
    return [item["item_id"] for item in json.loads(result.stdout)["items"]]


def deployed(cli, data: Path, outputs: str) -> None:
    for command in ("upload", "import"):
        cli(command, "--data-dir", str(data), outputs_file=outputs)
    cli("train", "--recipe", RECIPE, outputs_file=outputs)
    cli("deploy", "--recipe", RECIPE, outputs_file=outputs)


def test_events_put_changes_the_next_recommendations(cli, fresh_stand_in, data, tmp_path):
    outputs = str(events_batch_stack(fresh_stand_in, tmp_path))
    deployed(cli, data, outputs)
    user = "1"
    before = recommended(cli, user, outputs, data)
    for item in before[:3]:  # watched now: real-time personalization takes them into account
        put = cli("events", "put", user, item, "--json", outputs_file=outputs)
        assert json.loads(put.stdout)["item_id"] == item
    after = recommended(cli, user, outputs, data)
    assert after != before


def test_replay_sends_every_held_out_event(cli, fresh_stand_in, data, tmp_path) -> None:
    outputs = str(events_batch_stack(fresh_stand_in, tmp_path))
    deployed(cli, data, outputs)
    result = json.loads(
        cli("events", "replay", "--data-dir", str(data), "--json", outputs_file=outputs).stdout
    )
    assert (result["events"], result["sent"], result["failed"]) == (HOLD_OUT, HOLD_OUT, 0)
    assert HOLD_OUT / 10 <= result["batches"] < HOLD_OUT  # some calls carry several events


def test_an_unknown_tracking_id_is_one_line(cli, fresh_stand_in, tmp_path) -> None:
    outputs = events_batch_stack(fresh_stand_in, tmp_path, tracking_id="not-a-tracker")
    result = cli("events", "put", "1", "2", ok=False, outputs_file=str(outputs))
    assert result.exit_code == 1
    assert "does not know the tracking ID not-a-tracker" in result.exception.one_line()


def test_dry_runs_plan_put_events_and_record_nothing(cli, fresh_stand_in, data, tmp_path):
    outputs = str(events_batch_stack(fresh_stand_in, tmp_path))
    deployed(cli, data, outputs)
    before = recommended(cli, "1", outputs, data)
    put = cli("events", "put", "1", before[0], "--dry-run", "--json", outputs_file=outputs)
    replay = cli(
        "events", "replay", "--data-dir", str(data), "--limit", "20", "--dry-run", "--json",
        outputs_file=outputs,
    )  # fmt: skip
    for result in (put, replay):
        planned = json.loads(result.stdout)["planned"]
        assert planned and {c["operation"] for c in planned} == {"PutEvents"}
    assert recommended(cli, "1", outputs, data) == before  # nothing was recorded
