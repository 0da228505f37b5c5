"""import with a stubbed Personalize: reuse by name, waits, failure reasons, limits, IAM lag."""

from __future__ import annotations

from pathlib import Path

import pytest
from wf_helpers import INTERACTIONS, ROLE, when

from personalize_movielens.errors import CloudError
from personalize_movielens.workflow.imports import import_data
from personalize_movielens.workflow.manifest import UploadedFile, write_manifest
from personalize_movielens.workflow.naming import import_job_base

SHA = "ab" * 32
JOB_ARN = "arn:aws:personalize:eu-west-1:123456789012:dataset-import-job/"
BASE = import_job_base("Interactions", INTERACTIONS, SHA, "FULL")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    entry = UploadedFile(
        "Interactions",
        "interactions.csv",
        SHA,
        1000,
        1,
        "movielens-data",
        f"personalize/input/i-{SHA[:16]}.csv",
    )
    write_manifest(tmp_path, {"Interactions": entry})
    return tmp_path


def job(name: str, status: str, minute: int = 0, reason: str | None = None) -> dict:
    summary = {
        "jobName": name,
        "datasetImportJobArn": JOB_ARN + name,
        "status": status,
        "creationDateTime": when(minute),
        "lastUpdatedDateTime": when(minute + 1),
    }
    if reason:
        summary["failureReason"] = reason
    return summary


def expect_list(stub, jobs: list[dict]) -> None:
    stub.add_response(
        "list_dataset_import_jobs", {"datasetImportJobs": jobs}, {"datasetArn": INTERACTIONS}
    )


def expect_create(stub, name: str) -> None:
    stub.add_response(
        "create_dataset_import_job",
        {"datasetImportJobArn": JOB_ARN + name},
        {
            "jobName": name,
            "datasetArn": INTERACTIONS,
            "dataSource": {
                "dataLocation": f"s3://movielens-data/personalize/input/i-{SHA[:16]}.csv"
            },
            "roleArn": ROLE,
            "importMode": "FULL",
        },
    )


def expect_describe(stub, name: str, status: str, reason: str | None = None) -> None:
    body = {"jobName": name, "datasetImportJobArn": JOB_ARN + name, "status": status}
    if reason:
        body["failureReason"] = reason
    stub.add_response(
        "describe_dataset_import_job",
        {"datasetImportJob": body},
        {"datasetImportJobArn": JOB_ARN + name},
    )


def expect_role(iam, minutes_old: float, clock) -> None:
    import datetime as dt

    created = dt.datetime.fromtimestamp(clock.now - minutes_old * 60, tz=dt.UTC)
    role = {
        "Path": "/",
        "RoleName": "r",
        "RoleId": "AROAEXAMPLEEXAMPLE12",
        "Arn": ROLE,
        "CreateDate": created,
    }
    iam.add_response("get_role", {"Role": role}, {"RoleName": "movielens-personalize"})


def test_first_import_creates_a_job_and_waits_for_it(stubbed, data_dir, clock) -> None:
    ctx, stub, iam = stubbed
    expect_list(stub, [])
    expect_create(stub, BASE)
    expect_role(iam, 60, clock)
    expect_describe(stub, BASE, "CREATE PENDING")
    expect_describe(stub, BASE, "CREATE IN_PROGRESS")
    expect_describe(stub, BASE, "ACTIVE")
    [result] = import_data(ctx, data_dir)
    assert (result.job_name, result.status, result.reused) == (BASE, "ACTIVE", False)
    assert clock.sleeps == [1, 1.5]  # backoff between polls


def test_rerun_for_the_same_data_reuses_the_active_job(stubbed, data_dir, clock) -> None:
    ctx, stub, iam = stubbed
    expect_list(stub, [job("older", "ACTIVE", 0), job(BASE, "ACTIVE", 5)])
    expect_role(iam, 60, clock)
    expect_describe(stub, BASE, "ACTIVE")
    [result] = import_data(ctx, data_dir)
    assert result.reused and result.job_name == BASE


def test_rerun_waits_for_a_running_job_instead_of_starting_another(
    stubbed, data_dir, clock
) -> None:
    ctx, stub, iam = stubbed
    expect_list(stub, [job(BASE, "CREATE IN_PROGRESS", 5)])
    expect_role(iam, 60, clock)
    expect_describe(stub, BASE, "CREATE IN_PROGRESS")
    expect_describe(stub, BASE, "ACTIVE")
    [result] = import_data(ctx, data_dir)
    assert result.reused and result.status == "ACTIVE"


def test_same_data_after_other_data_is_imported_again(stubbed, data_dir, clock) -> None:
    ctx, stub, iam = stubbed
    expect_list(stub, [job(BASE, "ACTIVE", 0), job("other-data", "ACTIVE", 10)])
    expect_create(stub, f"{BASE}-r2")
    expect_role(iam, 60, clock)
    expect_describe(stub, f"{BASE}-r2", "ACTIVE")
    [result] = import_data(ctx, data_dir)
    assert result.job_name == f"{BASE}-r2" and not result.reused


def test_failed_job_shows_the_service_reason(stubbed, data_dir, clock) -> None:
    ctx, stub, iam = stubbed
    reason = "Input CSV is missing the following columns: [TIMESTAMP]"
    expect_list(stub, [])
    expect_create(stub, BASE)
    expect_role(iam, 60, clock)
    expect_describe(stub, BASE, "CREATE FAILED", reason)
    with pytest.raises(CloudError) as info:
        import_data(ctx, data_dir)
    assert reason in info.value.message
    assert "data validate" in info.value.one_line()


def test_retry_after_a_failed_job_gets_the_next_attempt_name(stubbed, data_dir, clock) -> None:
    ctx, stub, iam = stubbed
    expect_list(stub, [job(BASE, "CREATE FAILED", 0, "bad")])
    expect_create(stub, f"{BASE}-r2")
    expect_role(iam, 60, clock)
    expect_describe(stub, f"{BASE}-r2", "ACTIVE")
    [result] = import_data(ctx, data_dir)
    assert result.job_name == f"{BASE}-r2"


def test_limit_exceeded_is_waited_out(stubbed, data_dir, clock) -> None:
    ctx, stub, iam = stubbed
    expect_list(stub, [])
    for _ in range(2):
        stub.add_client_error(
            "create_dataset_import_job",
            "LimitExceededException",
            "You have reached the limit of 5 dataset import jobs in progress.",
        )
    expect_create(stub, BASE)
    expect_role(iam, 60, clock)
    expect_describe(stub, BASE, "ACTIVE")
    [result] = import_data(ctx, data_dir)
    assert result.status == "ACTIVE"
    assert len(clock.sleeps) == 2


def test_limit_exceeded_beyond_the_window_is_reported(stubbed, data_dir, clock) -> None:
    ctx, stub, _ = stubbed
    expect_list(stub, [])
    for _ in range(40):
        stub.add_client_error("create_dataset_import_job", "LimitExceededException", "limit")
    with pytest.raises(CloudError, match="LimitExceededException"):
        import_data(ctx, data_dir)
    assert clock.now - 1_000_000 > ctx.settings.limit_retry_window
    stub._queue.clear()  # the unused errors


def test_privileges_failure_of_a_fresh_role_is_retried(stubbed, data_dir, clock) -> None:
    ctx, stub, iam = stubbed
    denied = "Insufficient privileges for accessing data in S3."
    expect_list(stub, [])
    expect_create(stub, BASE)
    expect_role(iam, 0.1, clock)  # created seconds ago
    expect_describe(stub, BASE, "CREATE FAILED", denied)
    expect_create(stub, f"{BASE}-r2")
    expect_describe(stub, f"{BASE}-r2", "ACTIVE")
    [result] = import_data(ctx, data_dir)
    assert (result.job_name, result.status) == (f"{BASE}-r2", "ACTIVE")


def test_privileges_failure_of_an_old_role_fails_fast(stubbed, data_dir, clock) -> None:
    ctx, stub, iam = stubbed
    denied = "Insufficient privileges for accessing data in S3."
    expect_list(stub, [])
    expect_create(stub, BASE)
    expect_role(iam, 60, clock)
    expect_describe(stub, BASE, "CREATE FAILED", denied)
    with pytest.raises(CloudError, match="Insufficient privileges") as info:
        import_data(ctx, data_dir)
    assert "bucket policy" in info.value.one_line()


def test_dry_run_plans_the_create_and_waits_for_nothing(stubbed, data_dir, clock) -> None:
    ctx, stub, _ = stubbed
    ctx.dry_run = True
    expect_list(stub, [])
    [result] = import_data(ctx, data_dir)
    assert [c.operation for c in ctx.planned] == ["CreateDatasetImportJob"]
    assert ctx.planned[0].params["jobName"] == BASE
    assert result.status == "DRY RUN"
