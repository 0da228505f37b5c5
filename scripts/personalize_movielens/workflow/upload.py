"""`upload`: the prepared CSVs to S3 under content-addressed keys, verified by the service.

The key carries the file's SHA-256, so an unchanged file is found with one HEAD and not sent
again, and a new version never overwrites the object an earlier import job read. boto3's
managed transfer splits large files into parts sent in parallel; each part carries a SHA-256
checksum that S3 verifies before it accepts the object.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # boto3 is imported when first used, not at every CLI start
    from boto3.s3.transfer import TransferConfig

from ..console import info, progress
from ..errors import CloudError, DataError
from .clients import AwsCallError, aws_errors
from .context import WorkflowContext
from .costs import storage_cost
from .manifest import DATA_FILES, UploadedFile, read_manifest, write_manifest
from .naming import file_sha256, s3_key

MB = 1024 * 1024
#: Parts of 64 MiB, 8 at a time: a 700 MB interactions file goes as 11 parallel parts.
MULTIPART_THRESHOLD = 64 * MB
MULTIPART_CHUNKSIZE = 64 * MB
MAX_CONCURRENCY = 8


@dataclass(frozen=True)
class UploadResult:
    file: UploadedFile
    uploaded: bool  # False when the object was already there


def transfer_config() -> TransferConfig:
    from boto3.s3.transfer import TransferConfig

    return TransferConfig(
        multipart_threshold=MULTIPART_THRESHOLD,
        multipart_chunksize=MULTIPART_CHUNKSIZE,
        max_concurrency=MAX_CONCURRENCY,
        use_threads=True,
    )


def find_data_files(ctx: WorkflowContext, data_dir: Path) -> dict[str, Path]:
    """Dataset type -> prepared file, for the dataset types the stack has."""
    if not (data_dir / "interactions.csv").is_file():
        raise DataError(
            f"{data_dir / 'interactions.csv'}: not found.",
            hint="Run `personalize-movielens data prepare` first.",
        )
    found = {}
    for name, dtype in DATA_FILES.items():
        path = data_dir / name
        if not path.is_file():
            continue
        if dtype not in ctx.outputs.dataset_arns:
            info(f"Skipping {path}: the stack has no {dtype} dataset.")
            continue
        found[dtype] = path
    return found


def content_hash(path: Path, previous: UploadedFile | None) -> str:
    """The file's SHA-256, reusing the manifest's when size and mtime are unchanged."""
    stat = path.stat()
    if previous and previous.size == stat.st_size and previous.mtime_ns == stat.st_mtime_ns:
        return previous.sha256
    return file_sha256(path)


def object_exists(ctx: WorkflowContext, bucket: str, key: str, size: int) -> bool:
    try:
        head = ctx.call("s3", "head_object", Bucket=bucket, Key=key)
    except AwsCallError as exc:
        if exc.code in {"404", "NoSuchKey", "NotFound"}:
            return False
        raise
    return int(head.get("ContentLength", -1)) == size


def extra_args(ctx: WorkflowContext, sha256: str) -> dict[str, object]:
    args: dict[str, object] = {
        "ChecksumAlgorithm": "SHA256",
        "ContentType": "text/csv",
        "Metadata": {"sha256": sha256},
    }
    if ctx.outputs.kms_key_arn:
        args["ServerSideEncryption"] = "aws:kms"
        args["SSEKMSKeyId"] = ctx.outputs.kms_key_arn
    return args


def upload_file(
    ctx: WorkflowContext,
    path: Path,
    bucket: str,
    key: str,
    sha256: str,
    config: TransferConfig | None = None,
) -> None:
    """One managed (multipart, parallel) upload with a progress bar and a verified checksum."""
    args = extra_args(ctx, sha256)
    if ctx.would("s3", "UploadFile", Filename=str(path), Bucket=bucket, Key=key, ExtraArgs=args):
        return
    import boto3.exceptions

    size = path.stat().st_size
    lock = threading.Lock()
    with progress(f"Uploading {path.name}", total=size, bytes_=True) as reporter:

        def callback(sent: int) -> None:
            with lock:
                reporter.advance(sent)

        try:
            with aws_errors(f"s3 upload of {path.name}"):
                ctx.clients.s3.upload_file(
                    str(path),
                    bucket,
                    key,
                    ExtraArgs=args,
                    Callback=callback,
                    Config=config or transfer_config(),
                )
        except boto3.exceptions.S3UploadFailedError as exc:
            raise CloudError(f"Upload of {path} to s3://{bucket}/{key} failed: {exc}") from None


def upload(
    ctx: WorkflowContext, data_dir: Path, config: TransferConfig | None = None
) -> list[UploadResult]:
    """Upload each prepared file not yet in S3; record all of them in the manifest."""
    bucket = ctx.outputs.bucket_name
    previous = read_manifest(data_dir)
    manifest = dict(previous)
    results = []
    for dtype, path in find_data_files(ctx, data_dir).items():
        sha256 = content_hash(path, previous.get(dtype))
        key = s3_key(ctx.outputs.data_prefix, path, sha256)
        stat = path.stat()
        entry = UploadedFile(dtype, path.name, sha256, stat.st_size, stat.st_mtime_ns, bucket, key)
        if object_exists(ctx, bucket, key, stat.st_size):
            info(f"{path.name}: already in s3://{bucket}/{key} (same content), not uploaded again.")
            results.append(UploadResult(entry, uploaded=False))
        else:
            # Stored data bills every month until deleted: say so before it is created.
            ctx.billable(
                f"s3://{bucket}/{key} ({stat.st_size:,} bytes)", storage_cost(stat.st_size)
            )
            upload_file(ctx, path, bucket, key, sha256, config)
            results.append(UploadResult(entry, uploaded=not ctx.dry_run))
        manifest[dtype] = entry
        if not ctx.dry_run:
            # After each file, so an interrupted run keeps what is already complete in S3.
            write_manifest(data_dir, manifest)
    return results
