"""The uploaded data under the stack's data prefix: its object versions.

The bucket is versioned, so a plain delete leaves old versions behind, and `terraform destroy`
fails while any is left; `clean-cloud --data` deletes them all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import CloudError
from .context import WorkflowContext

#: S3 DeleteObjects takes at most 1000 keys per request.
DELETE_BATCH = 1000


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
            Delete={"Objects": batch, "Quiet": True},
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
