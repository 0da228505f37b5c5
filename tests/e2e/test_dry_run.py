"""Every command that has --dry-run, run with --dry-run --json on the stand-in: stdout is one JSON
document whose "planned" lists the calls, and nothing on the stand-in changes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import typer
from e2e_helpers import multipart_uploads, objects, snapshot, solutions, versions

from personalize_movielens.cli import app

pytestmark = pytest.mark.e2e

SIMILAR, POPULAR = "aws-similar-items", "aws-popularity-count"
#: Commands that need a VIDEO_ON_DEMAND stack: their dry runs are in test_recommenders.py.
VOD_ONLY = {"recommenders create", "recommenders stop", "recommenders start"}
#: Commands that need an event tracker or batch output (not in `local up`'s stack): their dry
#: runs are in test_e2e_events.py and test_e2e_batch.py.
EVENTS_BATCH = {"events put", "events replay", "batch recommend"}


def commands_with_dry_run() -> set[str]:
    command = typer.main.get_command(app)
    found = set()

    def walk(cmd, path: str) -> None:
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, f"{path} {name}".strip())
        if any("--dry-run" in getattr(p, "opts", []) for p in cmd.params):
            found.add(path)

    walk(command, "")
    return found


def first_row(data_dir: Path) -> list[str]:
    return (data_dir / "interactions.csv").read_text().splitlines()[1].replace('"', "").split(",")


def dry_run(cli, stand_in, data_dir: Path, *args: str) -> list[str]:
    """Run `args` with --dry-run --json; assert it printed one JSON document, planned something
    and changed nothing on the stand-in or in the data folder. The planned operations."""
    before = snapshot(stand_in, data_dir)
    result = cli(*args, "--dry-run", "--json")
    doc = json.loads(result.stdout)  # one document: nothing else on stdout
    assert doc["planned"], (args, doc)
    assert all(set(c) == {"service", "operation", "params"} for c in doc["planned"])
    assert "DRY RUN would call" in result.stderr
    assert snapshot(stand_in, data_dir) == before, args
    return [c["operation"] for c in doc["planned"]]


def test_every_dry_run_prints_one_json_document_and_changes_nothing(
    cli, fresh_stand_in, data_dir
) -> None:
    user, item = first_row(data_dir)[:2]
    data = ("--data-dir", str(data_dir))
    # Each command's dry run, at the point of the flow where it has something to do; then the
    # step itself, so that the next one has something to plan.
    flow: list[tuple[tuple[str, ...], list[tuple[str, ...]]]] = [
        (("upload", *data), [("upload", *data)]),
        (("import", *data), [("import", *data)]),
        (
            ("train", "--recipe", SIMILAR, "--baseline"),
            [("train", "--recipe", SIMILAR, "--baseline")],
        ),
        (("deploy", "--recipe", POPULAR), [("deploy", "--recipe", POPULAR)]),
        (("recommend", user, "--recipe", POPULAR, *data), [("deploy", "--recipe", SIMILAR)]),
        (("similar", item, *data), []),
        (("clean-cloud", "--data"), []),
    ]
    assert {args[0] for args, _ in flow} == commands_with_dry_run() - VOD_ONLY - EVENTS_BATCH
    for args, then in flow:
        dry_run(cli, fresh_stand_in, data_dir, *args)
        for step in then:
            cli(*step)
    assert len(objects(fresh_stand_in)) == 2


def test_dry_runs_that_would_update_stop_or_abort_change_nothing(
    cli, fresh_stand_in, data_dir
) -> None:
    """The calls that change what exists rather than create or delete it are planned too: a
    campaign's update, stopping a training, aborting an unfinished upload."""
    data = ("--data-dir", str(data_dir))
    for step in (("upload", *data), ("import", *data), ("train", "--recipe", POPULAR)):
        cli(*step)
    cli("deploy", "--recipe", POPULAR)
    outputs = fresh_stand_in.outputs
    # An upload of other content killed mid-transfer (keys carry a content hash).
    key = f"{outputs.data_prefix}interactions-0123456789abcdef.csv"
    fresh_stand_in.client("s3").create_multipart_upload(Bucket=outputs.bucket_name, Key=key)
    assert len(multipart_uploads(fresh_stand_in)) == 1

    planned = dry_run(cli, fresh_stand_in, data_dir, "upload", *data)
    assert planned == ["AbortMultipartUpload"]  # the files are there: no upload, no manifest
    planned = dry_run(
        cli, fresh_stand_in, data_dir, "deploy", "--recipe", POPULAR, "--min-tps", "2"
    )
    assert planned == ["UpdateCampaign"]

    fresh_stand_in.set_speed(5)  # a status step takes 0.2 s: the version starts training soon
    try:
        cli("train", "--recipe", SIMILAR, "--no-wait")
        fresh_stand_in.set_speed(0.0001)  # and the version, once training, stays training
        similar = next(s for s in solutions(fresh_stand_in) if s["name"].endswith("similar-items"))
        for _ in range(100):
            [version] = versions(fresh_stand_in, similar["solutionArn"])
            if version["status"] == "CREATE IN_PROGRESS":
                break
            time.sleep(0.05)
        assert version["status"] == "CREATE IN_PROGRESS"
        planned = dry_run(cli, fresh_stand_in, data_dir, "clean-cloud", "--yes", "--data")
    finally:
        fresh_stand_in.set_speed(200)
    assert {"StopSolutionVersionCreation", "DeleteCampaign", "DeleteSolution"} <= set(planned)
    assert {"AbortMultipartUpload", "DeleteObjects"} <= set(planned)
