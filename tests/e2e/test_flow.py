"""The whole workflow through the CLI on the local stand-in: flow, reruns, clean-up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from e2e_helpers import (
    assert_terraform_destroy_would_succeed,
    campaigns,
    inventory,
    object_versions,
    objects,
    solutions,
    versions,
)

from personalize_movielens.local.pytest_plugin import FAST_SPEED
from personalize_movielens.workflow.manifest import read_manifest

pytestmark = pytest.mark.e2e


def first_users(data_dir: Path, n: int = 3) -> list[str]:
    users: list[str] = []
    for line in (data_dir / "interactions.csv").read_text().splitlines()[1:]:
        user = line.split(",")[0].strip('"')
        if user not in users:
            users.append(user)
        if len(users) == n:
            break
    return users


def test_full_flow_then_every_step_again_creates_nothing_new(cli, fresh_stand_in, data_dir) -> None:
    cli("upload", "--data-dir", str(data_dir))
    cli("import", "--data-dir", str(data_dir))
    trained = json.loads(cli("train", "--baseline", "--json").stdout)["solutions"]
    assert {t["recipe"] for t in trained} == {"aws-user-personalization-v2", "aws-popularity-count"}
    assert all(t["status"] == "ACTIVE" and t["metrics"] for t in trained)
    cli("deploy")
    user = first_users(data_dir)[0]
    recs = json.loads(
        cli("recommend", user, "-n", "5", "--data-dir", str(data_dir), "--json").stdout
    )
    assert len(recs["items"]) == 5
    assert all(item["title"] and item["genres"] for item in recs["items"])
    status = json.loads(cli("status", "--json").stdout)
    assert [c["status"] for c in status["campaigns"]] == ["ACTIVE"]
    assert status["billing_now"]

    before = inventory(fresh_stand_in)
    assert before["objects"] == 2
    assert before["import_jobs"] == {"Interactions": 1, "Items": 1}
    assert before["versions"] == {name: 1 for name in before["solutions"]}
    assert len(before["campaigns"]) == 1

    for step in (
        ("upload", "--data-dir", str(data_dir)),
        ("import", "--data-dir", str(data_dir)),
        ("train", "--baseline"),
        ("deploy",),
    ):
        cli(*step)
    assert inventory(fresh_stand_in) == before

    kept = cli("clean-cloud", "--yes")
    assert solutions(fresh_stand_in) == [] and campaigns(fresh_stand_in) == []
    assert "clean-cloud --data" in kept.output  # says the uploaded data is still there
    assert len(object_versions(fresh_stand_in)) == 2
    cli("clean-cloud", "--yes", "--data")
    assert_terraform_destroy_would_succeed(fresh_stand_in)


def test_upload_manifest_matches_the_objects(cli, fresh_stand_in, data_dir) -> None:
    cli("upload", "--data-dir", str(data_dir))
    manifest = read_manifest(data_dir)
    assert sorted(e.key for e in manifest.values()) == objects(fresh_stand_in)


def test_event_values_set_the_threshold_and_update_retrains_only_new_data(
    cli, fresh_stand_in, prepared_data, tmp_path
) -> None:
    from personalize_movielens.data.prepare import prepare

    fresh_stand_in.reset(with_event_value=True)
    data_dir = tmp_path / "ev"
    prepare(prepared_data / "ml-25m.zip", data_dir, with_event_value=True)
    cli("upload", "--data-dir", str(data_dir))
    cli("import", "--data-dir", str(data_dir))
    cli("train", "--event-value-threshold", "3")
    [solution] = solutions(fresh_stand_in)
    detail = fresh_stand_in.client("personalize").describe_solution(
        solutionArn=solution["solutionArn"]
    )
    assert detail["solution"]["solutionConfig"]["eventValueThreshold"] == "3"
    assert detail["solution"]["performAutoTraining"] is False
    refused = cli("train", "--update", ok=False)  # v2 has no UPDATE training
    assert refused.exit_code == 1 and "aws-user-personalization-v2" in str(refused.exception)
    assert inventory(fresh_stand_in)["versions"] == {solution["name"]: 1}


def test_update_training_after_an_incremental_import(cli, fresh_stand_in, data_dir) -> None:
    """User-Personalization (v1): FULL, then new interactions appended, then an UPDATE version."""
    recipe = ("--recipe", "aws-user-personalization")
    cli("upload", "--data-dir", str(data_dir))
    cli("import", "--data-dir", str(data_dir))
    cli("train", *recipe)
    cli("train", *recipe, "--update")  # nothing new was imported: the ACTIVE version is reused
    [solution] = solutions(fresh_stand_in)
    assert len(versions(fresh_stand_in, solution["solutionArn"])) == 1
    interactions = data_dir / "interactions.csv"
    header, *rows = interactions.read_text().splitlines()
    new_rows = [",".join([*row.split(",")[:2], "1700000000"]) for row in rows[:50]]
    interactions.write_text("\n".join([header, *new_rows]) + "\n")  # only the new events
    cli("upload", "--data-dir", str(data_dir))
    cli("import", "--data-dir", str(data_dir), "--incremental")
    cli("train", *recipe, "--update")
    modes = [v["trainingMode"] for v in versions(fresh_stand_in, solution["solutionArn"])]
    assert sorted(modes) == ["FULL", "UPDATE"]
    client = fresh_stand_in.client("personalize")
    newest = max(
        versions(fresh_stand_in, solution["solutionArn"]), key=lambda v: v["creationDateTime"]
    )
    detail = client.describe_solution_version(solutionVersionArn=newest["solutionVersionArn"])
    assert detail["solutionVersion"]["trainingMode"] == "UPDATE"
    assert detail["solutionVersion"]["status"] == "ACTIVE"


def test_clean_cloud_data_deletes_old_versions_and_delete_markers(
    cli, fresh_stand_in, data_dir
) -> None:
    cli("upload", "--data-dir", str(data_dir))
    s3 = fresh_stand_in.client("s3")
    bucket = fresh_stand_in.outputs.bucket_name
    [key, *_] = objects(fresh_stand_in)
    s3.put_object(Bucket=bucket, Key=key, Body=b"an older upload")  # a second version
    s3.delete_object(Bucket=bucket, Key=key)  # and a delete marker on top
    before = object_versions(fresh_stand_in)
    assert len(before) == 4
    planned = json.loads(cli("clean-cloud", "--data", "--dry-run", "--json").stdout)["planned"]
    assert [c["operation"] for c in planned] == ["DeleteObjects"]
    assert object_versions(fresh_stand_in) == before
    cli("clean-cloud", "--data", "--yes")
    assert object_versions(fresh_stand_in) == []


def test_clean_cloud_waits_for_a_solution_being_updated(cli, fresh_stand_in) -> None:
    """A solution is ACTIVE at once (as on the service), but one being updated refuses to be
    deleted until the update ends: "While the update is in progress, you can create solution
    versions for the solution but you can't delete the solution." (Updating a solution,
    https://docs.aws.amazon.com/personalize/latest/dg/updating-solution.html). clean-cloud
    waits for it, then deletes it."""
    from personalize_movielens.workflow.naming import solution_name

    client = fresh_stand_in.client("personalize")
    group = fresh_stand_in.outputs.dataset_group_arn
    arn = client.create_solution(
        name=solution_name(group, "aws-popularity-count"),
        datasetGroupArn=group,
        recipeArn="arn:aws:personalize:::recipe/aws-popularity-count",
    )["solutionArn"]
    fresh_stand_in.set_speed(5)  # 0.2 s per status step: clean-cloud sees the update pending
    try:
        client.update_solution(solutionArn=arn, performAutoTraining=False)
        [solution] = solutions(fresh_stand_in)
        assert solution["status"] == "ACTIVE"
        update = client.describe_solution(solutionArn=arn)["solution"]["latestSolutionUpdate"]
        assert update["status"] == "CREATE PENDING"
        cli("clean-cloud", "--yes")
    finally:
        fresh_stand_in.set_speed(FAST_SPEED)
    assert solutions(fresh_stand_in) == []


def test_similar_through_the_cli_on_a_similar_items_campaign(cli, fresh_stand_in, data_dir) -> None:
    cli("upload", "--data-dir", str(data_dir))
    cli("import", "--data-dir", str(data_dir))
    cli("train", "--recipe", "aws-similar-items")
    cli("deploy", "--recipe", "aws-similar-items")
    [campaign] = campaigns(fresh_stand_in)
    assert campaign["status"] == "ACTIVE"
    item = (data_dir / "interactions.csv").read_text().splitlines()[1].split(",")[1].strip('"')
    similar = json.loads(
        cli("similar", item, "-n", "5", "--data-dir", str(data_dir), "--json").stdout
    )
    assert similar["item_id"] == item and len(similar["items"]) == 5
    assert item not in [i["item_id"] for i in similar["items"]]  # neighbours, not itself
    assert all(i["title"] for i in similar["items"])
