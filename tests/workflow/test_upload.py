"""upload on moto's in-process S3: content-addressed keys, no second upload, checksums, KMS,
unfinished uploads of a killed run aborted, dry run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import boto3
import pytest
from boto3.s3.transfer import TransferConfig
from moto import mock_aws
from wf_helpers import REGION, make_outputs

from personalize_movielens.errors import ConfigError, DataError
from personalize_movielens.workflow.clients import make_clients
from personalize_movielens.workflow.context import WorkflowContext
from personalize_movielens.workflow.imports import import_data
from personalize_movielens.workflow.manifest import read_manifest
from personalize_movielens.workflow.naming import file_sha256
from personalize_movielens.workflow.plan import Plan
from personalize_movielens.workflow.s3data import list_incomplete_uploads
from personalize_movielens.workflow.upload import upload


@pytest.fixture
def s3_ctx(aws_env: None) -> Iterator[WorkflowContext]:
    with mock_aws():
        session = boto3.session.Session(region_name=REGION)
        session.client("s3").create_bucket(
            Bucket="movielens-data", CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        yield WorkflowContext(make_outputs(), make_clients(REGION))


def write_data(data_dir: Path, rows: int = 50) -> None:
    data_dir.mkdir(exist_ok=True)
    lines = ["USER_ID,ITEM_ID,TIMESTAMP"] + [
        f"{i % 7},{i},{1_600_000_000 + i}" for i in range(rows)
    ]
    (data_dir / "interactions.csv").write_text("\n".join(lines) + "\n")
    (data_dir / "items.csv").write_text("ITEM_ID,GENRES,YEAR\n1,Comedy,1995\n2,Drama|War,\n")


def keys(ctx: WorkflowContext) -> list[str]:
    listing = ctx.clients.s3.list_objects_v2(Bucket="movielens-data")
    return sorted(o["Key"] for o in listing.get("Contents", []))


def test_upload_uses_content_hash_keys_and_writes_manifest(s3_ctx, tmp_path: Path) -> None:
    write_data(tmp_path)
    results = upload(s3_ctx, tmp_path).files
    sha = file_sha256(tmp_path / "interactions.csv")
    assert f"personalize/input/interactions-{sha[:16]}.csv" in keys(s3_ctx)
    assert len(keys(s3_ctx)) == 2
    assert all(r.uploaded for r in results)
    manifest = read_manifest(tmp_path)
    assert manifest["Interactions"].sha256 == sha
    assert manifest["Items"].key.startswith("personalize/input/items-")
    body = s3_ctx.clients.s3.get_object(Bucket="movielens-data", Key=manifest["Interactions"].key)
    assert body["Body"].read() == (tmp_path / "interactions.csv").read_bytes()


def test_unchanged_file_is_not_uploaded_twice(s3_ctx, tmp_path: Path, capsys) -> None:
    write_data(tmp_path)
    upload(s3_ctx, tmp_path)
    stated = capsys.readouterr().err
    assert stated.count("/GB-month") == 2  # the storage cost, before each new object
    again = upload(s3_ctx, tmp_path).files
    assert [r.state for r in again] == ["already there", "already there"]
    assert "/GB-month" not in capsys.readouterr().err  # nothing new is stored
    (tmp_path / "interactions.csv").write_text("USER_ID,ITEM_ID,TIMESTAMP\n1,2,3\n")
    third = upload(s3_ctx, tmp_path).files
    assert [r.uploaded for r in third] == [True, False]
    assert len(keys(s3_ctx)) == 3  # the old version stays for the import that read it


def test_multipart_upload_carries_a_sha256_checksum(s3_ctx, tmp_path: Path) -> None:
    write_data(tmp_path, rows=400_000)  # ~9 MB: several 5 MiB parts
    config = TransferConfig(
        multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024
    )
    upload(s3_ctx, tmp_path, config=config)
    key = read_manifest(tmp_path)["Interactions"].key
    head = s3_ctx.clients.s3.head_object(Bucket="movielens-data", Key=key, ChecksumMode="ENABLED")
    assert head["ContentLength"] == (tmp_path / "interactions.csv").stat().st_size
    assert "ChecksumSHA256" in head
    assert head["Metadata"]["sha256"] == file_sha256(tmp_path / "interactions.csv")


def test_kms_key_is_used_when_the_stack_has_one(aws_env: None, tmp_path: Path) -> None:
    with mock_aws():
        session = boto3.session.Session(region_name=REGION)
        key_arn = session.client("kms").create_key()["KeyMetadata"]["Arn"]
        session.client("s3").create_bucket(
            Bucket="movielens-data", CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        ctx = WorkflowContext(make_outputs(kms_key_arn=key_arn), make_clients(REGION))
        write_data(tmp_path)
        upload(ctx, tmp_path)
        key = read_manifest(tmp_path)["Interactions"].key
        head = ctx.clients.s3.head_object(Bucket="movielens-data", Key=key)
        assert head["ServerSideEncryption"] == "aws:kms"
        assert head["SSEKMSKeyId"] == key_arn


def test_dry_run_uploads_nothing_and_lists_the_calls(s3_ctx, tmp_path: Path) -> None:
    write_data(tmp_path)
    s3_ctx.clients.plan = Plan()
    report = upload(s3_ctx, tmp_path)
    assert keys(s3_ctx) == []
    ops = [(c.service, c.operation) for c in report.planned]
    assert ops == [("s3", "UploadFile"), ("local", "WriteFile")] * 2
    assert [f.state for f in report.files] == ["planned", "planned"]
    assert report.to_json()["planned"][0]["params"]["Key"] == report.files[0].file.key
    assert not (tmp_path / "upload-manifest.json").exists()


def test_a_rerun_aborts_what_a_killed_upload_left_behind(s3_ctx, tmp_path: Path) -> None:
    write_data(tmp_path)
    s3 = s3_ctx.clients.s3
    key = "personalize/input/interactions-0123456789abcdef.csv"
    started = s3.create_multipart_upload(Bucket="movielens-data", Key=key)  # then SIGKILL
    s3.upload_part(
        Bucket="movielens-data", Key=key, UploadId=started["UploadId"], PartNumber=1, Body=b"x"
    )
    elsewhere = s3.create_multipart_upload(Bucket="movielens-data", Key="other/prefix.csv")
    # Under the data prefix but not one of the tool's files (someone else's, or in progress).
    not_ours = s3.create_multipart_upload(Bucket="movielens-data", Key="personalize/input/x.csv")
    report = upload(s3_ctx, tmp_path)
    assert [(u.key, u.upload_id) for u in report.aborted] == [(key, started["UploadId"])]
    left = s3.list_multipart_uploads(Bucket="movielens-data")["Uploads"]
    assert sorted(u["UploadId"] for u in left) == sorted(
        [elsewhere["UploadId"], not_ours["UploadId"]]
    )
    assert [u.key for u in list_incomplete_uploads(s3_ctx)] == ["personalize/input/x.csv"]


def test_a_dry_rerun_with_nothing_new_plans_nothing(s3_ctx, tmp_path: Path) -> None:
    write_data(tmp_path)
    upload(s3_ctx, tmp_path)
    s3_ctx.clients.plan = Plan()
    report = upload(s3_ctx, tmp_path)
    assert [f.state for f in report.files] == ["already there"] * 2
    assert report.planned == []  # not even the manifest: it would be written unchanged


def test_interrupted_upload_leaves_no_object_and_reruns_cleanly(
    s3_ctx, tmp_path, monkeypatch
) -> None:
    write_data(tmp_path)
    original = s3_ctx.clients.s3.upload_file

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(s3_ctx.clients.s3, "upload_file", interrupted)
    with pytest.raises(KeyboardInterrupt):
        upload(s3_ctx, tmp_path)
    assert keys(s3_ctx) == []
    assert not (tmp_path / "upload-manifest.json").exists()
    monkeypatch.setattr(s3_ctx.clients.s3, "upload_file", original)
    upload(s3_ctx, tmp_path)
    assert len(keys(s3_ctx)) == 2
    assert json.loads((tmp_path / "upload-manifest.json").read_text())["version"] == 1


def test_missing_interactions_file_is_a_data_error(s3_ctx, tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"interactions\.csv"):
        upload(s3_ctx, tmp_path)


# --- files prepared for another domain than the stack's are refused before anything is sent --


def _report(data_dir: Path, domain: str | None) -> None:
    """The report `data prepare` writes, with the domain its settings record."""
    settings = {"min_rating": None, "with_event_value": False, "domain": domain}
    doc = {"ok": True, "files": [], "settings": settings | {"watch_threshold": None}}
    (data_dir / "validation-report.json").write_text(json.dumps(doc))


@pytest.mark.parametrize(
    ("prepared_for", "stack"),
    [("VIDEO_ON_DEMAND", None), (None, "VIDEO_ON_DEMAND")],
    ids=["vod-files-custom-stack", "custom-files-vod-stack"],
)
def test_upload_refuses_files_prepared_for_another_domain(
    s3_ctx: WorkflowContext, tmp_path: Path, prepared_for: str | None, stack: str | None
) -> None:
    write_data(tmp_path)
    _report(tmp_path, prepared_for)
    ctx = WorkflowContext(replace(s3_ctx.outputs, domain=stack), s3_ctx.clients)
    with pytest.raises(ConfigError) as info:
        upload(ctx, tmp_path)
    line = info.value.one_line()
    assert str(tmp_path / "interactions.csv") in line  # the file, and both domains
    assert "the VIDEO_ON_DEMAND domain" in line and "custom (no domain)" in line
    assert "\n" not in line
    assert keys(ctx) == [] and read_manifest(tmp_path) == {}  # nothing sent, nothing recorded


def test_upload_takes_files_prepared_for_the_stacks_domain(
    s3_ctx: WorkflowContext, tmp_path: Path
) -> None:
    write_data(tmp_path)
    _report(tmp_path, "VIDEO_ON_DEMAND")
    ctx = WorkflowContext(replace(s3_ctx.outputs, domain="VIDEO_ON_DEMAND"), s3_ctx.clients)
    assert all(r.uploaded for r in upload(ctx, tmp_path).files)


def test_a_report_without_settings_was_prepared_for_a_custom_group(
    s3_ctx: WorkflowContext, tmp_path: Path
) -> None:
    """Reports from before the settings were written were always for a custom dataset group."""
    write_data(tmp_path)
    (tmp_path / "validation-report.json").write_text(json.dumps({"ok": True, "files": []}))
    vod = WorkflowContext(replace(s3_ctx.outputs, domain="VIDEO_ON_DEMAND"), s3_ctx.clients)
    with pytest.raises(ConfigError):
        upload(vod, tmp_path)
    assert all(r.uploaded for r in upload(s3_ctx, tmp_path).files)


def test_import_refuses_files_prepared_for_another_domain(offline, tmp_path: Path) -> None:
    """Before any job: the offline context's clients are never called."""
    _report(tmp_path, "VIDEO_ON_DEMAND")
    with pytest.raises(ConfigError) as info:
        import_data(offline, tmp_path)
    assert "VIDEO_ON_DEMAND" in info.value.message and "custom" in info.value.message
