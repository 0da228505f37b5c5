"""The uploaded data under the stack's data prefix: object versions and unfinished uploads.

The bucket is versioned, so a plain delete leaves old versions behind, and `terraform destroy`
fails while any is left. A multipart upload that was killed (not failed: boto3 aborts a failed
one) leaves its parts behind, billed as storage and invisible in object listings, until it is
aborted; the bucket's lifecycle rule only clears it days later. `upload` aborts those before it
starts, and `clean-cloud --data` deletes both.
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


def list_data_versions(ctx: WorkflowContext) -> list[dict[str, str]]:
    """Every object version and delete marker under the data prefix, as DeleteObjects takes
    them ({"Key", "VersionId"})."""
    pages = ctx.clients.s3.get_paginator("list_object_versions").paginate(
        Bucket=ctx.outputs.bucket_name, Prefix=ctx.outputs.data_prefix
    )
    found: list[dict[str, str]] = []
    for page in pages:
        entries: list[Mapping[str, Any]] = [
            *page.get("Versions", []),
            *page.get("DeleteMarkers", []),
        ]
        found += [{"Key": e["Key"], "VersionId": e.get("VersionId") or "null"} for e in entries]
    return found


def delete_data_versions(ctx: WorkflowContext, objects: list[dict[str, str]]) -> None:
    """Delete object versions by VersionId, 1000 per request; any refused key is an error."""
    if objects:
        ctx.announce("delete", f"{len(objects)} object version(s) under {data_location(ctx)}")
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


def list_incomplete_uploads(ctx: WorkflowContext) -> list[IncompleteUpload]:
    """The multipart uploads under the data prefix that were never completed or aborted."""
    pages = ctx.clients.s3.get_paginator("list_multipart_uploads").paginate(
        Bucket=ctx.outputs.bucket_name, Prefix=ctx.outputs.data_prefix
    )
    return [
        IncompleteUpload(upload["Key"], upload["UploadId"], iso_time(upload.get("Initiated")))
        for page in pages
        for upload in page.get("Uploads", [])
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
