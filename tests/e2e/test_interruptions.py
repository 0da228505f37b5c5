"""Interruptions during an upload and during waits, then a rerun that ends without duplicates
(or, for an upload killed outright, with its parts aborted)."""

from __future__ import annotations

import contextlib
import json

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ConnectionClosedError
from e2e_helpers import import_jobs, inventory, objects, solutions, versions

from personalize_movielens.cli import workflow as cli_workflow
from personalize_movielens.errors import CloudError
from personalize_movielens.workflow import transfer
from personalize_movielens.workflow.manifest import read_manifest

pytestmark = pytest.mark.e2e
MB = 1024 * 1024


class DroppedConnection(ConnectionClosedError):
    """The network going away in the middle of a transfer, as botocore reports it."""

    def __init__(self, message: str) -> None:
        super().__init__(endpoint_url=message)


def write_big_interactions(data_dir) -> None:
    big = data_dir / "interactions.csv"
    rows = [f"{u},{i},{1_500_000_000 + i}" for u in range(300) for i in range(1500)]
    big.write_text("USER_ID,ITEM_ID,TIMESTAMP\n" + "\n".join(rows) + "\n")
    assert big.stat().st_size > 7 * MB  # two 5 MiB parts


def drop_connection_after(monkeypatch, limit: int, times: int) -> list[int]:
    """Small parts, and a transfer that loses its connection `times` times after `limit` bytes."""
    small_parts = TransferConfig(
        multipart_threshold=5 * MB, multipart_chunksize=5 * MB, max_concurrency=2
    )
    monkeypatch.setattr(transfer, "transfer_config", lambda: small_parts)
    drops = [0]

    class Reporter:
        sent = 0

        def advance(self, n: int) -> None:
            Reporter.sent += n
            if Reporter.sent > limit and drops[0] < times:
                drops[0] += 1
                raise DroppedConnection("connection reset during part upload")

    @contextlib.contextmanager
    def failing_progress(*args, **kwargs):
        yield Reporter()

    monkeypatch.setattr(transfer, "progress", failing_progress)
    return drops


def test_a_dropped_connection_during_upload_is_retried(
    cli, fresh_stand_in, data_dir, monkeypatch
) -> None:
    write_big_interactions(data_dir)
    drops = drop_connection_after(monkeypatch, 2 * MB, times=1)
    cli("upload", "--data-dir", str(data_dir))
    assert drops[0] == 1
    manifest = read_manifest(data_dir)
    assert sorted(e.key for e in manifest.values()) == objects(fresh_stand_in)


def test_upload_interrupted_mid_file_then_rerun(cli, fresh_stand_in, data_dir, monkeypatch) -> None:
    write_big_interactions(data_dir)
    monkeypatch.setenv("PERSONALIZE_MOVIELENS_RETRY_MODE", "standard")
    monkeypatch.setenv("PERSONALIZE_MOVIELENS_MAX_ATTEMPTS", "2")
    drop_connection_after(monkeypatch, 2 * MB, times=1000)  # the network is gone
    failed = cli("upload", "--data-dir", str(data_dir), ok=False)
    assert failed.exit_code == 1
    assert isinstance(failed.exception, CloudError)  # one line for the user, no traceback
    assert "run the command again" in failed.exception.one_line().lower()
    assert objects(fresh_stand_in) == []  # no half object under the content-addressed key
    assert not (data_dir / "upload-manifest.json").exists()
    s3 = fresh_stand_in.client("s3")
    pending = s3.list_multipart_uploads(Bucket=fresh_stand_in.outputs.bucket_name)
    assert pending.get("Uploads", []) == []  # the aborted parts are not left billing

    monkeypatch.undo()
    cli("upload", "--data-dir", str(data_dir))
    manifest = read_manifest(data_dir)
    assert sorted(e.key for e in manifest.values()) == objects(fresh_stand_in)
    head = s3.head_object(
        Bucket=fresh_stand_in.outputs.bucket_name, Key=manifest["Interactions"].key
    )
    assert head["ContentLength"] == (data_dir / "interactions.csv").stat().st_size


def kill_an_upload_midway(stand_in, key: str) -> str:
    """What `upload` killed (SIGKILL, a lost machine) in the middle of a transfer leaves: a
    multipart upload with parts, no object; boto3 had no chance to abort it."""
    s3, bucket = stand_in.client("s3"), stand_in.outputs.bucket_name
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
    s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1, Body=b"x" * MB)
    return upload_id


def pending_uploads(stand_in) -> list[str]:
    listing = stand_in.client("s3").list_multipart_uploads(Bucket=stand_in.outputs.bucket_name)
    return [u["UploadId"] for u in listing.get("Uploads", [])]


def test_parts_of_a_killed_upload_are_aborted_by_the_rerun_and_by_clean_cloud_data(
    cli, fresh_stand_in, data_dir
) -> None:
    prefix = fresh_stand_in.outputs.data_prefix
    killed = kill_an_upload_midway(fresh_stand_in, f"{prefix}interactions-0123456789abcdef.csv")
    rerun = json.loads(cli("upload", "--data-dir", str(data_dir), "--json").stdout)
    assert [u["upload_id"] for u in rerun["aborted_uploads"]] == [killed]
    assert pending_uploads(fresh_stand_in) == []
    killed = kill_an_upload_midway(fresh_stand_in, f"{prefix}items-0123456789abcdef.csv")
    cleaned = json.loads(cli("clean-cloud", "--yes", "--data", "--json").stdout)
    assert [u["upload_id"] for u in cleaned["deleted"]["aborted_uploads"]] == [killed]
    assert pending_uploads(fresh_stand_in) == [] and objects(fresh_stand_in) == []


def interrupt_after(monkeypatch, sleeps_allowed: int) -> list[int]:
    """Make the command's waits raise KeyboardInterrupt (Ctrl-C) at the Nth sleep."""
    calls = [0]
    real_context = cli_workflow._context

    def context(*args, **kwargs):
        ctx = real_context(*args, **kwargs)

        def sleep(seconds: float) -> None:
            calls[0] += 1
            if calls[0] > sleeps_allowed:
                raise KeyboardInterrupt
            ctx_sleep(seconds)

        ctx_sleep = ctx.sleep
        ctx.sleep = sleep
        return ctx

    monkeypatch.setattr(cli_workflow, "_context", context)
    return calls


def test_import_interrupted_while_waiting_then_rerun(
    cli, fresh_stand_in, data_dir, monkeypatch
) -> None:
    cli("upload", "--data-dir", str(data_dir))
    # Slow enough that the first poll sees the job running even on a loaded machine (at 10 steps
    # a second, a CI run once saw it ACTIVE already, so no wait was ever interrupted).
    fresh_stand_in.set_speed(1)
    try:
        interrupt_after(monkeypatch, 0)
        result = cli("import", "--data-dir", str(data_dir), ok=False)
        assert result.exit_code == 130  # Ctrl-C
        assert {k: len(v) for k, v in import_jobs(fresh_stand_in).items()} == {
            "Interactions": 1,
            "Items": 1,
        }
        monkeypatch.undo()
    finally:
        fresh_stand_in.set_speed(200)
    cli("import", "--data-dir", str(data_dir))
    jobs = import_jobs(fresh_stand_in)
    assert {k: [j["status"] for j in v] for k, v in jobs.items()} == {
        "Interactions": ["ACTIVE"],
        "Items": ["ACTIVE"],
    }


def test_training_interrupted_while_waiting_then_resumed(
    cli, fresh_stand_in, data_dir, monkeypatch
) -> None:
    cli("upload", "--data-dir", str(data_dir))
    cli("import", "--data-dir", str(data_dir))
    fresh_stand_in.set_speed(1)  # the first poll must see training still running, under load too
    try:
        calls = interrupt_after(monkeypatch, 0)
        result = cli("train", ok=False)
        assert result.exit_code == 130 and calls[0] == 1
        monkeypatch.undo()
        # The solution is ACTIVE at once (as on the service) and the version still training:
        # both are found again, not recreated.
        cli("train", "--no-wait")
    finally:
        fresh_stand_in.set_speed(200)
    cli("train", "--wait")
    [solution] = solutions(fresh_stand_in)
    assert [v["status"] for v in versions(fresh_stand_in, solution["solutionArn"])] == ["ACTIVE"]
    before = inventory(fresh_stand_in)
    cli("train")
    assert inventory(fresh_stand_in) == before
