"""batch recommend through the CLI on the stand-in: the emulator's batch inference job reads the
input the tool wrote to moto's S3 with the role, writes `<input name>.out` where the service
does, and the tool turns it into the CSV; checked against GetRecommendations and through boto3."""

from __future__ import annotations

import csv
import json
from dataclasses import replace

from e2e_helpers import assert_terraform_destroy_would_succeed, object_versions
from events_batch_stack import BATCH_OUTPUT_PREFIX, events_batch_stack

RECIPE = "aws-popularity-count"


def trained(cli, data_dir, outputs: str) -> None:
    for command in ("upload", "import"):
        cli(command, "--data-dir", str(data_dir), outputs_file=outputs)
    cli("train", "--recipe", RECIPE, outputs_file=outputs)


def test_every_user_gets_a_list_in_the_csv(cli, fresh_stand_in, data_dir, tmp_path) -> None:
    outputs = str(events_batch_stack(fresh_stand_in, tmp_path))
    trained(cli, data_dir, outputs)
    out = tmp_path / "batch.csv"
    result = json.loads(
        cli(
            "batch", "recommend", "--recipe", RECIPE, "-n", "5", "--data-dir", str(data_dir),
            "--output", str(out), "--json", outputs_file=outputs,
        ).stdout
    )  # fmt: skip
    with (data_dir / "interactions.csv").open() as fh:
        users = {row["USER_ID"] for row in csv.DictReader(fh)}
    with out.open() as fh:
        rows = list(csv.DictReader(fh))
    assert result["users"] == len(users) and result["users_failed"] == 0
    assert {row["user"] for row in rows} == users
    assert all(row["title"] for row in rows)  # titles from the catalog
    assert len(rows) == result["rows"] == 5 * len(users)
    # The job as the service knows it, and its output where the service writes it.
    personalize = fresh_stand_in.client("personalize")
    job = personalize.describe_batch_inference_job(batchInferenceJobArn=result["job_arn"])
    job = job["batchInferenceJob"]
    assert job["status"] == "ACTIVE" and job["numResults"] == 5
    key = result["output_uri"].split("/", 3)[3]
    assert key.startswith(BATCH_OUTPUT_PREFIX) and key.endswith(".json.out")
    # The same model answers in real time what the batch job wrote, rank for rank.
    cli("deploy", "--recipe", RECIPE, outputs_file=outputs)
    user = rows[0]["user"]
    live = cli("recommend", user, "-n", "5", "--recipe", RECIPE, "--json", outputs_file=outputs)
    live_items = [item["item_id"] for item in json.loads(live.stdout)["items"]]
    assert [row["item"] for row in rows if row["user"] == user] == live_items


def test_a_rerun_reuses_the_job(cli, fresh_stand_in, data_dir, tmp_path) -> None:
    outputs = str(events_batch_stack(fresh_stand_in, tmp_path))
    trained(cli, data_dir, outputs)
    users = tmp_path / "users.txt"
    # As Excel saves "CSV UTF-8": a byte-order mark, CRLF, a repeated user, a blank last line.
    users.write_bytes(b"\xef\xbb\xbfUSER_ID\r\n1\r\n2\r\n1\r\n\r\n")
    args = ("batch", "recommend", "--recipe", RECIPE, "--users", str(users), "--json")
    first = json.loads(cli(*args, "--data-dir", str(data_dir), outputs_file=outputs).stdout)
    again = json.loads(cli(*args, "--data-dir", str(data_dir), outputs_file=outputs).stdout)
    assert (first["action"], again["action"]) == ("created", "reused")
    assert again["job_arn"] == first["job_arn"] and again["rows"] == first["rows"] == 50
    assert (first["users"], first["duplicate_users"], first["users_failed"]) == (2, 1, 0)


def test_without_batch_output_it_is_one_line(cli, fresh_stand_in, data_dir, tmp_path) -> None:
    """A stack applied with enable_batch_output = false has batch_output_prefix null."""
    outputs = tmp_path / "no-batch-outputs.json"
    off = replace(fresh_stand_in.outputs, batch_output_prefix=None)
    outputs.write_text(json.dumps(off.to_json()), encoding="utf-8")
    result = cli(
        "batch", "recommend", "--data-dir", str(data_dir), ok=False, outputs_file=str(outputs)
    )
    assert result.exit_code == 1
    assert "enable_batch_output" in result.exception.one_line()


def test_dry_run_creates_nothing(cli, fresh_stand_in, data_dir, tmp_path) -> None:
    outputs = str(events_batch_stack(fresh_stand_in, tmp_path))
    trained(cli, data_dir, outputs)
    result = json.loads(
        cli(
            "batch", "recommend", "--recipe", RECIPE, "--data-dir", str(data_dir), "--dry-run",
            "--json", outputs_file=outputs,
        ).stdout
    )  # fmt: skip
    assert [c["operation"] for c in result["planned"]] == ["UploadFile", "CreateBatchInferenceJob"]
    personalize = fresh_stand_in.client("personalize")
    solution = personalize.list_solutions(datasetGroupArn=fresh_stand_in.outputs.dataset_group_arn)[
        "solutions"
    ][0]
    version = personalize.list_solution_versions(solutionArn=solution["solutionArn"])
    version_arn = version["solutionVersions"][0]["solutionVersionArn"]
    jobs = personalize.list_batch_inference_jobs(solutionVersionArn=version_arn)
    assert jobs["batchInferenceJobs"] == []


def test_clean_cloud_data_leaves_no_object_version_after_a_batch_job(
    cli, fresh_stand_in, data_dir, tmp_path
) -> None:
    """The batch job's input (under `<data_prefix>batch/`) and the output Personalize wrote
    (under `<batch_output_prefix><job name>/`) are versions in the versioned bucket too:
    `clean-cloud --data` deletes them, and `terraform destroy` can then empty the stack."""
    outputs = str(events_batch_stack(fresh_stand_in, tmp_path))
    trained(cli, data_dir, outputs)
    users = tmp_path / "users.txt"
    users.write_text("USER_ID\n1\n2\n")
    args = ("--recipe", RECIPE, "--users", str(users), "--data-dir", str(data_dir), "--json")
    result = json.loads(cli("batch", "recommend", *args, outputs_file=outputs).stdout)
    keys = {key for key, _ in object_versions(fresh_stand_in)}
    for uri in (result["input_uri"], result["output_uri"]):
        assert uri.split("/", 3)[3] in keys
    kept = cli("clean-cloud", "--yes", outputs_file=outputs)
    assert f"Left alone: batch output s3://{fresh_stand_in.outputs.bucket_name}/" in kept.output
    assert result["output_uri"].split("/", 3)[3] in {k for k, _ in object_versions(fresh_stand_in)}
    cleaned = cli("clean-cloud", "--yes", "--data", outputs_file=outputs)
    assert "of the output of 1 batch job(s) made by this tool" in cleaned.output
    assert object_versions(fresh_stand_in) == []
    assert_terraform_destroy_would_succeed(fresh_stand_in)
