"""Counting what exists on the stand-in, through boto3 (never through the tool's own output)."""

from __future__ import annotations

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
