"""The managed upload: the one call of the call layer that is not a single operation.

boto3's managed transfer splits a large file into parts sent in parallel (CreateMultipartUpload,
UploadPart, CompleteMultipartUpload); each part carries a SHA-256 checksum that S3 verifies before
it accepts the object. A dry run plans it as one `s3.UploadFile` call rather than planning its
parts, and reads nothing of the file.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # boto3 is imported when first used, not at every CLI start
    from boto3.s3.transfer import TransferConfig

from ..console import progress
from .clients import Clients, translated

MB = 1024 * 1024
#: Parts of 64 MiB, 8 at a time: a 700 MB interactions file goes as 11 parallel parts.
MULTIPART_THRESHOLD = 64 * MB
MULTIPART_CHUNKSIZE = 64 * MB
MAX_CONCURRENCY = 8


def transfer_config() -> TransferConfig:
    from boto3.s3.transfer import TransferConfig

    return TransferConfig(
        multipart_threshold=MULTIPART_THRESHOLD,
        multipart_chunksize=MULTIPART_CHUNKSIZE,
        max_concurrency=MAX_CONCURRENCY,
        use_threads=True,
    )


def upload_file(
    clients: Clients,
    path: Path,
    bucket: str,
    key: str,
    extra_args: dict[str, Any],
    config: TransferConfig | None = None,
) -> bool:
    """Send `path` to s3://bucket/key with a progress bar; False when a dry run only plans it.

    A failed part is an `AwsCallError` (or `EndpointUnreachable`) from the call layer, and so
    is a failure of the transfer outside any one call (reading the file for its checksum); boto3
    aborts the multipart upload it started before it gives up.
    """
    params = {"Filename": str(path), "Bucket": bucket, "Key": key, "ExtraArgs": extra_args}
    if clients.plan is not None:
        clients.plan.record("s3", "UploadFile", params)
        return False
    lock = threading.Lock()
    with progress(f"Uploading {path.name}", total=path.stat().st_size, bytes_=True) as reporter:

        def callback(sent: int) -> None:
            with lock:
                reporter.advance(sent)

        try:
            clients.s3.upload_file(
                str(path),
                bucket,
                key,
                ExtraArgs=extra_args,
                Callback=callback,
                Config=config or transfer_config(),
            )
        except Exception as exc:
            error = translated(exc, f"s3 upload of {path.name}")
            if error is None:
                raise
            raise error from None
    return True
