"""Counting what exists on the stand-in, through boto3 (never through the tool's own output)."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any


def import_jobs(stand_in: Any) -> dict[str, list[dict]]:
    client = stand_in.client("personalize")
    return {
        dtype: client.list_dataset_import_jobs(datasetArn=arn)["datasetImportJobs"]
        for dtype, arn in stand_in.outputs.dataset_arns.items()
    }


def solutions(stand_in: Any) -> list[dict]:
    client = stand_in.client("personalize")
    return client.list_solutions(datasetGroupArn=stand_in.outputs.dataset_group_arn)["solutions"]


def versions(stand_in: Any, solution_arn: str) -> list[dict]:
    client = stand_in.client("personalize")
    return client.list_solution_versions(solutionArn=solution_arn)["solutionVersions"]


def campaigns(stand_in: Any) -> list[dict]:
    client = stand_in.client("personalize")
    found = []
    for solution in solutions(stand_in):
        found += client.list_campaigns(solutionArn=solution["solutionArn"])["campaigns"]
    return found


def objects(stand_in: Any) -> list[str]:
    listing = stand_in.client("s3").list_objects_v2(Bucket=stand_in.outputs.bucket_name)
    return sorted(o["Key"] for o in listing.get("Contents", []))


def inventory(stand_in: Any) -> dict[str, Any]:
    """Counts of everything the tool creates, for before/after comparisons."""
    sols = solutions(stand_in)
    return {
        "objects": len(objects(stand_in)),
        "import_jobs": {k: len(v) for k, v in import_jobs(stand_in).items()},
        "solutions": sorted(s["name"] for s in sols),
        "versions": {s["name"]: len(versions(stand_in, s["solutionArn"])) for s in sols},
        "campaigns": sorted(c["name"] for c in campaigns(stand_in)),
    }


def multipart_uploads(stand_in: Any) -> list[str]:
    listing = stand_in.client("s3").list_multipart_uploads(Bucket=stand_in.outputs.bucket_name)
    return sorted(f"{u['Key']} {u['UploadId']}" for u in listing.get("Uploads", []))


def snapshot(stand_in: Any, data_dir: Path | None = None) -> dict[str, Any]:
    """Everything a command could change, for "changed nothing" comparisons: each object's
    versions, unfinished uploads, every resource's status, what each campaign serves and at what
    TPS, and the files of the data folder."""
    s3 = stand_in.client("s3")
    personalize = stand_in.client("personalize")
    bucket = stand_in.outputs.bucket_name
    listing = s3.list_object_versions(Bucket=bucket)
    sols = solutions(stand_in)
    campaign_details = [
        personalize.describe_campaign(campaignArn=c["campaignArn"])["campaign"]
        for c in campaigns(stand_in)
    ]
    files = {}
    if data_dir is not None:
        files = {
            str(p.relative_to(data_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(data_dir.rglob("*"))
            if p.is_file()
        }
    return {
        "object_versions": sorted(
            (o["Key"], o["VersionId"], o.get("ETag", "delete marker"))
            for o in listing.get("Versions", []) + listing.get("DeleteMarkers", [])
        ),
        "multipart_uploads": multipart_uploads(stand_in),
        "import_jobs": {
            dtype: sorted((j["jobName"], j["status"]) for j in jobs)
            for dtype, jobs in import_jobs(stand_in).items()
        },
        "solutions": sorted((s["name"], s["status"]) for s in sols),
        "versions": {
            s["name"]: sorted(
                (v["solutionVersionArn"], v["status"]) for v in versions(stand_in, s["solutionArn"])
            )
            for s in sols
        },
        "campaigns": sorted(
            (c["name"], c["status"], c["solutionVersionArn"], c["minProvisionedTPS"])
            for c in campaign_details
        ),
        "data_files": files,
    }


def object_versions(stand_in: Any) -> list[tuple[str, str]]:
    """Every object version and delete marker in the stack's (versioned) bucket."""
    listing = stand_in.client("s3").list_object_versions(Bucket=stand_in.outputs.bucket_name)
    entries = listing.get("Versions", []) + listing.get("DeleteMarkers", [])
    return [(e["Key"], e["VersionId"]) for e in entries]


def assert_terraform_destroy_would_succeed(stand_in: Any) -> None:
    """What `terraform destroy` needs: an empty bucket (it is versioned and not force-destroyed),
    then it deletes what it declared in the group (event tracker, filters, datasets) and the
    group: nothing the tool made may be left in it."""
    assert object_versions(stand_in) == []
    client = stand_in.client("personalize")
    client.delete_event_tracker(eventTrackerArn=stand_in.outputs.event_tracker_arn)
    for arn in stand_in.outputs.filter_arns.values():
        client.delete_filter(filterArn=arn)
    for arn in stand_in.outputs.dataset_arns.values():
        client.delete_dataset(datasetArn=arn)
    deadline = time.monotonic() + 20
    group = stand_in.outputs.dataset_group_arn
    while (
        client.list_datasets(datasetGroupArn=group)["datasets"]
        or client.list_event_trackers(datasetGroupArn=group)["eventTrackers"]
    ):
        assert time.monotonic() < deadline, "datasets or event tracker were not deleted"
        time.sleep(0.05)
    client.delete_dataset_group(datasetGroupArn=stand_in.outputs.dataset_group_arn)
