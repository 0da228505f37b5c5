"""The Users dataset in `upload` and `import` (library calls, moto's in-process S3 and an
offline context): uploaded when the stack has one; skipped with how to enable it when not; a
stack with one and data without users.csv refused by `import` before any job."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from wf_helpers import DSG, REGION, make_outputs

from personalize_movielens.errors import ConfigError
from personalize_movielens.workflow.clients import make_clients
from personalize_movielens.workflow.context import WorkflowContext
from personalize_movielens.workflow.imports import import_data
from personalize_movielens.workflow.manifest import read_manifest
from personalize_movielens.workflow.upload import upload

USERS_ARN = DSG.replace("dataset-group", "dataset") + "/USERS"


def with_users(ctx: WorkflowContext) -> WorkflowContext:
    """The same stack with enable_users_dataset = true."""
    arns = {**ctx.outputs.dataset_arns, "Users": USERS_ARN}
    return WorkflowContext(replace(ctx.outputs, dataset_arns=arns), ctx.clients)


@pytest.fixture
def s3_ctx(aws_env: None) -> Iterator[WorkflowContext]:
    with mock_aws():
        boto3.session.Session(region_name=REGION).client("s3").create_bucket(
            Bucket="movielens-data", CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        yield WorkflowContext(make_outputs(), make_clients(REGION))


def write_data(data_dir: Path, users: bool) -> None:
    (data_dir / "interactions.csv").write_text(
        "USER_ID,ITEM_ID,TIMESTAMP\n1,10,1600000000\n2,10,1600000001\n"
    )
    (data_dir / "items.csv").write_text("ITEM_ID,GENRES,YEAR\n10,Comedy,1995\n")
    if users:
        (data_dir / "users.csv").write_text(
            "USER_ID,GENDER,AGE,OCCUPATION\n1,F,1,K-12 student\n2,M,56,writer\n"
        )


def test_users_csv_goes_to_the_users_dataset(s3_ctx, tmp_path: Path) -> None:
    write_data(tmp_path, users=True)
    ctx = with_users(s3_ctx)
    report = upload(ctx, tmp_path)
    assert {r.file.dataset_type for r in report.files} == {"Interactions", "Items", "Users"}
    entry = read_manifest(tmp_path)["Users"]
    assert entry.file == "users.csv"
    head = ctx.clients.s3.head_object(Bucket="movielens-data", Key=entry.key)
    assert head["ContentLength"] == (tmp_path / "users.csv").stat().st_size


def test_users_csv_without_a_users_dataset_is_skipped_with_how_to_enable_it(
    s3_ctx, tmp_path: Path, capsys
) -> None:
    write_data(tmp_path, users=True)
    report = upload(s3_ctx, tmp_path)
    assert {r.file.dataset_type for r in report.files} == {"Interactions", "Items"}
    assert "Users" not in read_manifest(tmp_path)
    [line] = [x for x in capsys.readouterr().err.splitlines() if "users.csv" in x]
    assert line.startswith(f"Skipping {tmp_path / 'users.csv'}: the stack has no Users dataset")
    assert "enable_users_dataset = true" in line


def test_a_users_dataset_without_users_csv_uploads_the_rest_and_import_refuses(
    s3_ctx, tmp_path: Path, capsys
) -> None:
    """The issue: "Releases without demographics write no users file, and asking for one is a
    clear error". Upload sends what there is and says so; import refuses, before any job."""
    write_data(tmp_path, users=False)
    ctx = with_users(s3_ctx)
    assert len(upload(ctx, tmp_path).files) == 2
    assert f"No {tmp_path / 'users.csv'}: the stack's Users dataset" in capsys.readouterr().err
    with pytest.raises(ConfigError) as refused:
        import_data(ctx, tmp_path)  # raised before any Personalize call (moto has none here)
    line = refused.value.one_line()
    assert line.startswith(f"{tmp_path}: no users.csv, but the stack has a Users dataset")
    assert "only 1m and 100k have them" in line and "enable_users_dataset = false" in line


def test_a_users_csv_not_yet_uploaded_is_refused_by_import(s3_ctx, tmp_path: Path) -> None:
    write_data(tmp_path, users=False)
    ctx = with_users(s3_ctx)
    upload(ctx, tmp_path)
    write_data(tmp_path, users=True)
    with pytest.raises(ConfigError, match=r"users\.csv: not uploaded") as refused:
        import_data(ctx, tmp_path)
    assert "Run `personalize-movielens upload` first" in refused.value.one_line()
