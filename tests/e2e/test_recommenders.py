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
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from personalize_movielens.schemas import schema_path

VOD = "VIDEO_ON_DEMAND"
USERS, ITEMS = 60, 40
TOP = "vod-vod-top-picks"
MORE = "vod-vod-more-like-x"


def _wait(describe: Any, key: str, until: tuple[str, ...] = ("ACTIVE", "CREATE FAILED")) -> dict:
    deadline = time.monotonic() + 60
    while (resource := describe()[key])["status"] not in until:
        assert time.monotonic() < deadline, f"{key} stuck in {resource['status']}"
        time.sleep(0.01)
    return resource


def _csv(header: list[str], rows: list[tuple[Any, ...]]) -> str:
    return "\n".join([",".join(header), *(",".join(map(str, r)) for r in rows)]) + "\n"


def _import(stand_in: Any, dataset_arn: str, name: str, text: str) -> None:
    outputs = stand_in.outputs
    key = f"{outputs.data_prefix}{name}.csv"
    stand_in.client("s3").put_object(Bucket=outputs.bucket_name, Key=key, Body=text.encode())
    personalize = stand_in.client("personalize")
    arn = personalize.create_dataset_import_job(
        jobName=name,
        datasetArn=dataset_arn,
        dataSource={"dataLocation": f"s3://{outputs.bucket_name}/{key}"},
        roleArn=outputs.personalize_role_arn,
    )["datasetImportJobArn"]
    job = _wait(
        lambda: personalize.describe_dataset_import_job(datasetImportJobArn=arn), "datasetImportJob"
    )
    assert job["status"] == "ACTIVE", job.get("failureReason")


@pytest.fixture
def vod_outputs(fresh_stand_in: Any, tmp_path: Path) -> Path:
    """A VOD dataset group with data, and an outputs file of the contract's shape naming it."""
    personalize = fresh_stand_in.client("personalize")
    group = personalize.create_dataset_group(name="vod", domain=VOD)["datasetGroupArn"]
    _wait(lambda: personalize.describe_dataset_group(datasetGroupArn=group), "datasetGroup")
    datasets, schemas = {}, {}
    for dtype in ("Interactions", "Items"):
        schemas[dtype] = personalize.create_schema(
            name=f"vod-{dtype.lower()}",
            schema=schema_path(dtype, domain=VOD).read_text(),
            domain=VOD,
        )["schemaArn"]
        datasets[dtype] = arn = personalize.create_dataset(
            name=f"vod-{dtype.lower()}",
            datasetGroupArn=group,
            datasetType=dtype,
            schemaArn=schemas[dtype],
        )["datasetArn"]
        _wait(lambda a=arn: personalize.describe_dataset(datasetArn=a), "dataset")
    start = 1_600_000_000
    watches = [
        (f"u{u:02d}", f"m{(u + k) % ITEMS:02d}", start + u * 100 + k, "Watch")
        for u in range(USERS)
        for k in range(18)
    ]
    _import(
        fresh_stand_in,
        datasets["Interactions"],
        "vod-interactions",
        _csv(["USER_ID", "ITEM_ID", "TIMESTAMP", "EVENT_TYPE"], watches),
    )
    items = [(f"m{i:02d}", "Comedy" if i % 2 else "Drama", start, 2000) for i in range(ITEMS)]
    _import(
        fresh_stand_in,
        datasets["Items"],
        "vod-items",
        _csv(["ITEM_ID", "GENRES", "CREATION_TIMESTAMP", "YEAR"], items),
    )
    outputs = replace(
        fresh_stand_in.outputs,
        dataset_group_arn=group,
        dataset_arns=datasets,
        schema_arns=schemas,
        domain=VOD,
    )
    path = tmp_path / "vod-outputs.json"
    path.write_text(json.dumps(outputs.to_json()))
    return path


def recommenders(stand_in: Any, group: str) -> dict[str, dict]:
    listed = stand_in.client("personalize").list_recommenders(datasetGroupArn=group)
    return {r["name"]: r for r in listed["recommenders"]}


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
    cli("recommenders", "create", "--use-case", "trending-now", outputs_file=outputs)
    assert planned("create", "--use-case", "trending-now", "--min-rps", "2") == [
        "UpdateRecommender"
    ]
    assert planned("stop", "trending-now") == ["StopRecommender"]
    cli("recommenders", "stop", "--all", outputs_file=outputs)
    assert planned("start", "--all") == ["StartRecommender"]


def test_a_custom_stack_is_told_to_set_the_domain(cli) -> None:
    result = cli("recommenders", "list", ok=False)
    assert result.exit_code == 1 and 'domain = "VIDEO_ON_DEMAND"' in result.exception.one_line()
