"""import on the stand-in: reuse by name, waits, retries after failures, the job quota."""

from __future__ import annotations

import pytest
from wf_helpers import imported

from personalize_movielens.errors import CloudError
from personalize_movielens.workflow.imports import import_data
from personalize_movielens.workflow.manifest import read_manifest
from personalize_movielens.workflow.naming import import_job_base
from personalize_movielens.workflow.plan import PLANNED
from personalize_movielens.workflow.resources import list_import_jobs
from personalize_movielens.workflow.upload import upload


def interactions_jobs(ctx) -> list[dict]:
    return list_import_jobs(ctx, ctx.outputs.dataset_arns["Interactions"])


def base_name(ctx, data_dir) -> str:
    entry = read_manifest(data_dir)["Interactions"]
    return import_job_base(
        "Interactions", ctx.outputs.dataset_arns["Interactions"], entry.sha256, "FULL"
    )


def test_first_import_creates_a_job_per_file_and_waits_for_it(ctx, data_dir) -> None:
    upload(ctx, data_dir)
    report = import_data(ctx, data_dir)
    assert [(j.dataset_type, j.status, j.reused) for j in report.jobs] == [
        ("Interactions", "ACTIVE", False),
        ("Items", "ACTIVE", False),
    ]
    assert report.jobs[0].job_name == base_name(ctx, data_dir)
    assert report.to_json()["jobs"][0]["status"] == "ACTIVE" and "planned" not in report.to_json()


def test_rerun_for_the_same_data_reuses_the_active_job(ctx, data_dir) -> None:
    imported(ctx, data_dir)
    again = import_data(ctx, data_dir)
    assert all(j.reused and j.status == "ACTIVE" for j in again.jobs)
    assert len(interactions_jobs(ctx)) == 1


def test_rerun_waits_for_a_running_job_instead_of_starting_another(ctx, data_dir, slow) -> None:
    upload(ctx, data_dir)
    slow(20)
    entry = read_manifest(data_dir)["Interactions"]
    ctx.clients.personalize.create_dataset_import_job(  # what an interrupted run left running
        jobName=base_name(ctx, data_dir),
        datasetArn=ctx.outputs.dataset_arns["Interactions"],
        dataSource={"dataLocation": entry.uri},
        roleArn=ctx.outputs.personalize_role_arn,
        importMode="FULL",
    )
    interactions, _ = import_data(ctx, data_dir).jobs
    assert (interactions.reused, interactions.status) == (True, "ACTIVE")
    assert len(interactions_jobs(ctx)) == 1


def test_same_data_after_other_data_is_imported_again(ctx, data_dir) -> None:
    imported(ctx, data_dir)
    original = (data_dir / "interactions.csv").read_bytes()
    header, *rows = original.decode().splitlines()
    (data_dir / "interactions.csv").write_text("\n".join([header, *rows[:-1]]) + "\n")
    imported(ctx, data_dir)  # other data is now the dataset's latest
    (data_dir / "interactions.csv").write_bytes(original)
    upload(ctx, data_dir)
    interactions, _ = import_data(ctx, data_dir).jobs
    assert interactions.job_name == base_name(ctx, data_dir) + "-r2"
    assert not interactions.reused and len(interactions_jobs(ctx)) == 3


def test_a_rerun_after_a_failed_job_gets_the_next_attempt_name(ctx, data_dir, fresh_stand_in):
    upload(ctx, data_dir)
    fresh_stand_in.set_faults(fail_imports=True, failure_reason="Injected: bad luck.")
    with pytest.raises(CloudError, match="bad luck"):
        import_data(ctx, data_dir)
    fresh_stand_in.reset_faults()
    interactions, _ = import_data(ctx, data_dir).jobs
    assert (interactions.job_name, interactions.status) == (
        base_name(ctx, data_dir) + "-r2",
        "ACTIVE",
    )


@pytest.fixture
def no_sdk_retries(monkeypatch) -> None:
    """botocore retries LimitExceededException as throttling; these tests are about what the
    tool does once botocore has given up."""
    monkeypatch.setenv("PERSONALIZE_MOVIELENS_MAX_ATTEMPTS", "0")  # retries after the first


def occupy_the_import_quota(ctx, data_dir) -> None:
    """Five running import jobs (the service's quota per account and region)."""
    entry = read_manifest(data_dir)["Interactions"]
    for n in range(5):
        ctx.clients.personalize.create_dataset_import_job(
            jobName=f"someone-else-{n}",
            datasetArn=ctx.outputs.dataset_arns["Interactions"],
            dataSource={"dataLocation": entry.uri},
            roleArn=ctx.outputs.personalize_role_arn,
        )


def test_the_job_quota_is_waited_out(make_ctx, data_dir, slow, sleeps, no_sdk_retries) -> None:
    ctx = make_ctx(limit_retry_window=60.0)
    upload(ctx, data_dir)
    slow(2)  # the five jobs run for a second or two
    occupy_the_import_quota(ctx, data_dir)
    report = import_data(ctx, data_dir)
    assert [j.status for j in report.jobs] == ["ACTIVE", "ACTIVE"]
    assert sleeps.sleeps  # it waited for a running job to finish


def test_the_job_quota_beyond_the_window_is_reported(make_ctx, data_dir, slow, no_sdk_retries):
    ctx = make_ctx(limit_retry_window=0.1)
    upload(ctx, data_dir)
    slow(0.5)  # the five jobs run for several seconds
    occupy_the_import_quota(ctx, data_dir)
    with pytest.raises(CloudError, match="LimitExceededException") as info:
        import_data(ctx, data_dir)
    assert "quota" in info.value.one_line()


def test_dry_run_plans_the_creates_and_waits_for_nothing(make_ctx, data_dir) -> None:
    upload(make_ctx(), data_dir)
    ctx = make_ctx(dry_run=True)
    report = import_data(ctx, data_dir)
    assert [c.operation for c in report.planned] == ["CreateDatasetImportJob"] * 2
    assert report.planned[0].params["jobName"] == base_name(ctx, data_dir)
    assert [j.status for j in report.jobs] == [PLANNED, PLANNED]
    assert interactions_jobs(ctx) == []
