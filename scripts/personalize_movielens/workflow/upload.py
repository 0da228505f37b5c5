"""`upload`: the prepared CSVs to S3 under content-addressed keys, verified by the service.

The key carries the file's SHA-256, so an unchanged file is found with one HEAD and not sent
again, and a new version never overwrites the object an earlier import job read. The managed
transfer (`transfer.py`) sends large files in checksummed parts. A run that was killed in the
middle of a transfer left its parts behind; the next run aborts them first (`s3data.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # boto3 is imported when first used, not at every CLI start
    from boto3.s3.transfer import TransferConfig

from ..console import info
from ..data.layout import INTERACTIONS_FILE
from ..data.prepared import check_prepared_domain
from ..errors import DataError
from .clients import AwsCallError
from .context import WorkflowContext
from .costs import storage_cost
from .manifest import DATA_FILES, USERS, UploadedFile, manifest_path, manifest_text, read_manifest
from .naming import file_sha256, is_s3_key_of, s3_key
from .plan import PlannedCall, planned_json
from .s3data import IncompleteUpload, abort_incomplete_uploads, list_incomplete_uploads
from .transfer import upload_file

UPLOADED, ALREADY_THERE, PLANNED_UPLOAD = "uploaded", "already there", "planned"
#: How to create a dataset the stack lacks, by dataset type.
ENABLE = {
    USERS: " (to import it: enable_users_dataset = true in terraform/ and apply; locally "
    "`personalize-movielens local up --users`)"
}
#: The stack has a Users dataset, the data no users file: said here, refused by `import`.
NO_USERS_FILE = (
    "No {path}: the stack's Users dataset gets nothing from this data (only MovieLens 1m and "
    "100k have demographics); `import` will refuse it."
)


@dataclass(frozen=True)
class UploadResult:
    file: UploadedFile
    state: str  # uploaded | already there | planned (a dry run sent nothing)

    @property
    def uploaded(self) -> bool:
        return self.state == UPLOADED

    def to_json(self) -> dict[str, Any]:
        entry = self.file
        return {
            "dataset_type": entry.dataset_type,
            "file": entry.file,
            "uri": entry.uri,
            "sha256": entry.sha256,
            "size": entry.size,
            "state": self.state,
        }


@dataclass(frozen=True)
class UploadReport:
    files: list[UploadResult]
    #: Unfinished multipart uploads of these files that this run aborted first.
    aborted: list[IncompleteUpload]
    planned: list[PlannedCall] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "files": [f.to_json() for f in self.files],
            "aborted_uploads": [u.to_json() for u in self.aborted],
            **planned_json(self.planned),
        }


def find_data_files(ctx: WorkflowContext, data_dir: Path) -> dict[str, Path]:
    """Dataset type -> prepared file, for the dataset types the stack has. Files prepared for
    another domain than the stack's dataset group are refused, before anything is sent."""
    if not (data_dir / INTERACTIONS_FILE).is_file():
        raise DataError(
            f"{data_dir / INTERACTIONS_FILE}: not found.",
            hint="Run `personalize-movielens data prepare` first.",
        )
    check_prepared_domain(data_dir, ctx.outputs.domain)
    found = {}
    for name, dtype in DATA_FILES.items():
        path = data_dir / name
        if not path.is_file():
            if dtype == USERS and USERS in ctx.outputs.dataset_arns:
                info(NO_USERS_FILE.format(path=path))
            continue
        if dtype not in ctx.outputs.dataset_arns:
            info(f"Skipping {path}: the stack has no {dtype} dataset{ENABLE.get(dtype, '')}.")
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
        head = ctx.clients.s3.head_object(Bucket=bucket, Key=key)
    except AwsCallError as exc:
        if exc.code in {"404", "NoSuchKey", "NotFound"}:
            return False
        raise
    return int(head.get("ContentLength", -1)) == size


def extra_args(ctx: WorkflowContext, sha256: str) -> dict[str, Any]:
    args: dict[str, Any] = {
        "ChecksumAlgorithm": "SHA256",
        "ContentType": "text/csv",
        "Metadata": {"sha256": sha256},
    }
    if ctx.outputs.kms_key_arn:
        args["ServerSideEncryption"] = "aws:kms"
        args["SSEKMSKeyId"] = ctx.outputs.kms_key_arn
    return args


def killed_uploads(ctx: WorkflowContext, files: dict[str, Path]) -> list[IncompleteUpload]:
    """The unfinished multipart uploads of the files this run uploads (of any earlier content):
    what an upload killed mid-transfer left. Others under the data prefix are not this tool's
    to abort (`clean-cloud --data` aborts every one there)."""
    names = [path.name for path in files.values()]
    return [
        upload
        for upload in list_incomplete_uploads(ctx)
        if any(is_s3_key_of(ctx.outputs.data_prefix, upload.key, name) for name in names)
    ]


def upload(
    ctx: WorkflowContext, data_dir: Path, config: TransferConfig | None = None
) -> UploadReport:
    """Upload each prepared file not yet in S3; record all of them in the manifest."""
    bucket = ctx.outputs.bucket_name
    files = find_data_files(ctx, data_dir)
    aborted = killed_uploads(ctx, files)
    abort_incomplete_uploads(ctx, aborted)
    previous = read_manifest(data_dir)
    manifest = dict(previous)
    results = []
    for dtype, path in files.items():
        sha256 = content_hash(path, previous.get(dtype))
        key = s3_key(ctx.outputs.data_prefix, path, sha256)
        stat = path.stat()
        entry = UploadedFile(dtype, path.name, sha256, stat.st_size, stat.st_mtime_ns, bucket, key)
        if object_exists(ctx, bucket, key, stat.st_size):
            info(f"{path.name}: already in s3://{bucket}/{key} (same content), not uploaded again.")
            results.append(UploadResult(entry, ALREADY_THERE))
        else:
            # Stored data bills every month until deleted: say so before it is created.
            ctx.billable(
                f"s3://{bucket}/{key} ({stat.st_size:,} bytes)", storage_cost(stat.st_size)
            )
            sent = upload_file(ctx.clients, path, bucket, key, extra_args(ctx, sha256), config)
            results.append(UploadResult(entry, UPLOADED if sent else PLANNED_UPLOAD))
        if previous.get(dtype) != entry:
            manifest[dtype] = entry
            # After each file, so an interrupted run keeps what is already complete in S3.
            ctx.write_text(manifest_path(data_dir), manifest_text(manifest))
    return UploadReport(results, aborted, ctx.planned())
