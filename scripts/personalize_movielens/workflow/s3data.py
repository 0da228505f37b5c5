"""What the tool leaves in the bucket: object versions and unfinished uploads under the stack's
data prefix (the uploaded data, the batch jobs' input) and under its batch output prefix (what
Personalize wrote for the batch jobs).

The bucket is versioned, so a plain delete leaves old versions behind, and `terraform destroy`
fails while any is left. A multipart upload that was killed (not failed: boto3 aborts a failed
one) leaves its parts behind, billed as storage and invisible in object listings, until it is
aborted; the bucket's lifecycle rule only clears it days later. `upload` aborts those before it
starts, and `clean-cloud --data` deletes both.

When one prefix lies inside the other (data_prefix `p/`, batch_output_prefix `p/output/`), a key
belongs to the longer one, so nothing is listed twice; equal prefixes are all data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from ..errors import CloudError
from ..timefmt import iso_time
from .clients import AwsCallError
from .context import WorkflowContext

#: S3 DeleteObjects takes at most 1000 keys per request.
DELETE_BATCH = 1000


@dataclass(frozen=True)
class IncompleteUpload:
    """A multipart upload that was started and never completed or aborted."""

    key: str
    upload_id: str
    initiated: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def data_location(ctx: WorkflowContext) -> str:
    return f"s3://{ctx.outputs.bucket_name}/{ctx.outputs.data_prefix}"


def batch_output_location(ctx: WorkflowContext) -> str | None:
    """Where the batch jobs write (None when the stack has batch output off)."""
    prefix = ctx.outputs.batch_output_prefix
    return None if prefix is None else f"s3://{ctx.outputs.bucket_name}/{prefix}"


def _inner_prefix(ctx: WorkflowContext, prefix: str) -> str | None:
    """The stack's other prefix when it lies strictly inside `prefix` (its keys are not ours)."""
    for other in (ctx.outputs.data_prefix, ctx.outputs.batch_output_prefix):
        if other is not None and other != prefix and other.startswith(prefix):
            return other
    return None


def _belongs(ctx: WorkflowContext, prefix: str, key: str) -> bool:
    inner = _inner_prefix(ctx, prefix)
    return inner is None or not key.startswith(inner)


def list_versions_under(ctx: WorkflowContext, prefix: str) -> list[dict[str, str]]:
    """Every object version and delete marker under `prefix` (but not under the stack's other
    prefix nested in it), as DeleteObjects takes them ({"Key", "VersionId"})."""
    pages = ctx.clients.s3.get_paginator("list_object_versions").paginate(
        Bucket=ctx.outputs.bucket_name, Prefix=prefix
    )
    found: list[dict[str, str]] = []
    for page in pages:
        entries: list[Mapping[str, Any]] = [
            *page.get("Versions", []),
            *page.get("DeleteMarkers", []),
        ]
        found += [
            {"Key": e["Key"], "VersionId": e.get("VersionId") or "null"}
            for e in entries
            if _belongs(ctx, prefix, e["Key"])
        ]
    return found


def list_data_versions(ctx: WorkflowContext) -> list[dict[str, str]]:
    """Every object version and delete marker under the data prefix (batch input included)."""
    return list_versions_under(ctx, ctx.outputs.data_prefix)


def list_batch_output_versions(ctx: WorkflowContext) -> list[dict[str, str]]:
    """Every object version and delete marker under the batch output prefix (none when batch
    output is off; none when the prefix is the data prefix: those are data)."""
    prefix = ctx.outputs.batch_output_prefix
    if prefix is None or prefix == ctx.outputs.data_prefix:
        return []
    return list_versions_under(ctx, prefix)


def delete_data_versions(
    ctx: WorkflowContext, objects: list[dict[str, str]], where: str | None = None
) -> None:
    """Delete object versions by VersionId, 1000 per request; any refused key is an error.
    `where` names them in the announcement (the data location unless told)."""
    if objects:
        ctx.announce(
            "delete", f"{len(objects)} object version(s) under {where or data_location(ctx)}"
        )
    for start in range(0, len(objects), DELETE_BATCH):
        batch = objects[start : start + DELETE_BATCH]
        response = ctx.clients.s3.delete_objects(
            Bucket=ctx.outputs.bucket_name,
            Delete={
                "Objects": [{"Key": o["Key"], "VersionId": o["VersionId"]} for o in batch],
                "Quiet": True,
            },
        )
        errors = response.get("Errors", [])
        if errors:
            first = errors[0]
            raise CloudError(
                f"S3 refused to delete {len(errors)} object version(s), e.g. "
                f"{first.get('Key')} ({first.get('VersionId')}): {first.get('Code')} "
                f"{first.get('Message', '')}".rstrip(),
                hint="Fix the cause (permissions, object lock) and run clean-cloud --data again.",
            )


def list_incomplete_uploads(
    ctx: WorkflowContext, prefix: str | None = None
) -> list[IncompleteUpload]:
    """The multipart uploads under `prefix` (the data prefix unless told) that were never
    completed or aborted (but not under the stack's other prefix nested in it)."""
    prefix = ctx.outputs.data_prefix if prefix is None else prefix
    pages = ctx.clients.s3.get_paginator("list_multipart_uploads").paginate(
        Bucket=ctx.outputs.bucket_name, Prefix=prefix
    )
    return [
        IncompleteUpload(upload["Key"], upload["UploadId"], iso_time(upload.get("Initiated")))
        for page in pages
        for upload in page.get("Uploads", [])
        if _belongs(ctx, prefix, upload["Key"])
    ]


def abort_incomplete_uploads(ctx: WorkflowContext, uploads: list[IncompleteUpload]) -> None:
    """Abort each upload (its parts are deleted); one already gone counts as aborted."""
    for upload in uploads:
        where = f"s3://{ctx.outputs.bucket_name}/{upload.key}"
        ctx.announce("delete", f"the parts of an unfinished upload of {where} ({upload.initiated})")
        try:
            ctx.clients.s3.abort_multipart_upload(
                Bucket=ctx.outputs.bucket_name, Key=upload.key, UploadId=upload.upload_id
            )
        except AwsCallError as exc:
            if exc.code != "NoSuchUpload":
                raise
