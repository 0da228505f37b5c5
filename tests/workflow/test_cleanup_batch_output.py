"""clean-cloud and the batch jobs' output on the stand-in: kept and reported without --data;
with --data every version under this tool's job folders goes, other jobs' folders stay and are
reported; --all --data takes them too. Personalize writes `<output path><input name>.out`
(batch-data-upload.html), the tool's output path is `<batch_output_prefix><job name>/`."""

from __future__ import annotations

from dataclasses import replace

import pytest

from personalize_movielens.workflow.batch import job_base
from personalize_movielens.workflow.cleanup import clean_cloud, plan_cleanup
from personalize_movielens.workflow.render import cleanup_lines
from personalize_movielens.workflow.s3data import (
    list_batch_output_versions,
    list_data_versions,
    list_incomplete_uploads,
)

FOREIGN = "someone-elses-job"


@pytest.fixture
def batch_output(ctx) -> dict[str, str]:
    """What two of the tool's jobs (a first attempt and a retry) and someone else's job left
    under the batch output prefix: an overwritten output (two versions) and a delete marker,
    and an unfinished upload in the tool's folder."""
    s3, bucket = ctx.clients.s3, ctx.outputs.bucket_name
    prefix = ctx.outputs.batch_output_prefix
    # The stand-in's reset deletes objects, not unfinished uploads an earlier test left.
    for upload in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
        s3.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
    assert prefix is not None and not prefix.startswith(ctx.outputs.data_prefix)
    first = job_base(ctx.outputs.dataset_group_arn, "version", "input", "25", "")
    retry = f"{first}-r2"
    keys = {
        "first": f"{prefix}{first}/users-0123456789abcdef.json.out",
        "retry": f"{prefix}{retry}/users-0123456789abcdef.json.out",
        "foreign": f"{prefix}{FOREIGN}/input.json.out",
    }
    for key in keys.values():
        s3.put_object(Bucket=bucket, Key=key, Body=b'{"input":{"userId":"1"}}\n')
    s3.put_object(Bucket=bucket, Key=keys["first"], Body=b"a second version")
    s3.delete_object(Bucket=bucket, Key=keys["retry"])  # a delete marker on top
    s3.create_multipart_upload(Bucket=bucket, Key=f"{prefix}{retry}/killed.json.out")
    s3.put_object(Bucket=bucket, Key=f"{ctx.outputs.data_prefix}batch/users-x.json", Body=b"{}")
    return {"first_job": first, "retry_job": retry, **keys}


def versions_of(ctx, key: str) -> int:
    return sum(1 for v in list_batch_output_versions(ctx) if v["Key"] == key)


def test_without_data_the_batch_output_stays_and_is_reported(ctx, batch_output) -> None:
    plan = plan_cleanup(ctx)
    assert plan.batch_kept == 5 and plan.batch_objects == [] and plan.empty
    report = clean_cloud(ctx, plan)
    assert len(list_batch_output_versions(ctx)) == 5
    location = f"s3://{ctx.outputs.bucket_name}/{ctx.outputs.batch_output_prefix}"
    [kept] = [k for k in report.left_alone if k.kind == "batch output"]
    assert kept.name == location and "clean-cloud --data" in kept.reason
    assert "5 object version(s)" in kept.reason


def test_data_deletes_the_tools_job_folders_and_leaves_other_jobs_output(ctx, batch_output) -> None:
    plan = plan_cleanup(ctx, include_data=True)
    assert sorted(plan.batch_jobs) == sorted([batch_output["first_job"], batch_output["retry_job"]])
    assert plan.foreign_batch == [FOREIGN]
    assert f"4 object version(s) and delete marker(s) under s3://{ctx.outputs.bucket_name}/" in (
        "\n".join(plan.describe())
    )
    report = clean_cloud(ctx, plan)
    assert [v["Key"] for v in list_batch_output_versions(ctx)] == [batch_output["foreign"]]
    assert list_incomplete_uploads(ctx, ctx.outputs.batch_output_prefix) == []
    assert list_data_versions(ctx) == []  # the batch input under <data_prefix>batch/ too
    assert report.batch_output_versions == 4 and len(report.aborted_uploads) == 1
    assert report.to_json()["deleted"]["batch_output_versions"] == 4
    assert "Deleted 4 object version(s) of the output of 2 batch job(s) made by this tool." in (
        cleanup_lines(report)
    )
    [kept] = [k for k in report.left_alone if k.kind == "batch output"]
    assert FOREIGN in kept.reason and "--all --data" in kept.reason


def test_all_with_data_deletes_every_folder_under_the_prefix(ctx, batch_output) -> None:
    report = clean_cloud(ctx, plan_cleanup(ctx, include_foreign=True, include_data=True))
    assert list_batch_output_versions(ctx) == []
    assert FOREIGN in report.batch_jobs and report.left_alone == []


def test_dry_run_plans_the_batch_output_deletion_and_deletes_nothing(
    make_ctx, batch_output
) -> None:
    real = make_ctx()
    before = list_batch_output_versions(real)
    ctx = make_ctx(dry_run=True)
    report = clean_cloud(ctx, plan_cleanup(ctx, include_data=True))
    ops = [c.operation for c in report.planned]
    assert ops == ["AbortMultipartUpload", "DeleteObjects", "DeleteObjects"]
    deleted = [o["Key"] for o in report.planned[-1].params["Delete"]["Objects"]]
    assert sorted(deleted) == sorted([batch_output["first"]] * 2 + [batch_output["retry"]] * 2)
    assert list_batch_output_versions(real) == before


def test_a_batch_prefix_inside_the_data_prefix_is_not_taken_as_data(ctx, batch_output) -> None:
    """data_prefix `personalize/` holds batch_output_prefix `personalize/output/`: the data
    listing leaves the output to the batch rules (other jobs' folders stay)."""
    nested = replace(ctx, outputs=replace(ctx.outputs, data_prefix="personalize/"))
    assert ctx.outputs.batch_output_prefix == "personalize/output/"
    assert not any(v["Key"].startswith("personalize/output/") for v in list_data_versions(nested))
    clean_cloud(nested, plan_cleanup(nested, include_data=True))
    assert [v["Key"] for v in list_batch_output_versions(nested)] == [batch_output["foreign"]]
    assert list_data_versions(nested) == []
