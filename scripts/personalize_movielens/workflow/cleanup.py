"""`clean-cloud`: delete what the tool created (campaigns, then solutions, and with `--data`
the uploaded objects), so that `terraform destroy` succeeds and nothing keeps billing.

Order matters to the service: a solution with a campaign cannot be deleted, and a version in
training is stopped first. What Terraform owns (dataset group, datasets, schemas, bucket, role)
is left to Terraform. Solutions that the tool did not name are listed, and only deleted with
`include_foreign` (`--all`), since `terraform destroy` fails while they exist.

The bucket is versioned and Terraform does not force-destroy it, so `terraform destroy` fails
while any object version is left; `include_data` (`--data`) deletes every version and delete
marker under the stack's data prefix.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..console import info
from ..errors import CloudError
from .clients import AwsCallError, aws_errors
from .context import WorkflowContext
from .deploy import observe_campaign
from .naming import tool_prefix
from .resources import list_campaigns, list_solutions, list_versions
from .training import observe_solution, observe_version
from .waiting import IN_PROGRESS, wait_until

TRAINING = frozenset({"CREATE PENDING", "CREATE IN_PROGRESS"})
#: Statuses of a resource still being created: the service refuses to delete it until it settles.
CREATING = TRAINING
#: S3 DeleteObjects takes at most 1000 keys per request.
DELETE_BATCH = 1000


@dataclass
class CleanupPlan:
    solutions: list[dict[str, Any]] = field(default_factory=list)
    campaigns: list[dict[str, Any]] = field(default_factory=list)
    versions_to_stop: list[dict[str, Any]] = field(default_factory=list)
    foreign: list[dict[str, Any]] = field(default_factory=list)
    #: Object versions and delete markers under the data prefix ({"Key", "VersionId"}).
    objects: list[dict[str, str]] = field(default_factory=list)
    data_location: str = ""

    @property
    def empty(self) -> bool:
        return not (self.solutions or self.campaigns or self.objects)

    def describe(self) -> list[str]:
        lines = [f"campaign {c['name']} ({c['status']})" for c in self.campaigns]
        lines += [f"stop training {v['solutionVersionArn']}" for v in self.versions_to_stop]
        lines += [f"solution {s['name']} ({s['status']})" for s in self.solutions]
        if self.objects:
            lines.append(
                f"{len(self.objects)} object version(s) and delete marker(s) under "
                f"{self.data_location} (the uploaded data)"
            )
        return lines


def data_location(ctx: WorkflowContext) -> str:
    return f"s3://{ctx.outputs.bucket_name}/{ctx.outputs.data_prefix}"


def list_data_versions(ctx: WorkflowContext) -> list[dict[str, str]]:
    """Every object version and delete marker under the data prefix (a versioned bucket keeps
    old versions after a plain delete, and `terraform destroy` needs them all gone)."""
    client = ctx.clients.get("s3")
    found: list[dict[str, str]] = []
    with aws_errors("s3 ListObjectVersions"):
        pages = client.get_paginator("list_object_versions").paginate(
            Bucket=ctx.outputs.bucket_name, Prefix=ctx.outputs.data_prefix
        )
        for page in pages:
            for entry in page.get("Versions", []) + page.get("DeleteMarkers", []):
                found.append({"Key": entry["Key"], "VersionId": entry.get("VersionId") or "null"})
    return found


def plan_cleanup(
    ctx: WorkflowContext, include_foreign: bool = False, include_data: bool = False
) -> CleanupPlan:
    """What clean-cloud would delete, read from the service."""
    plan = CleanupPlan(data_location=data_location(ctx))
    if include_data:
        plan.objects = list_data_versions(ctx)
    prefix = tool_prefix(ctx.outputs.dataset_group_arn)
    for solution in list_solutions(ctx):
        if not solution["name"].startswith(prefix) and not include_foreign:
            plan.foreign.append(solution)
            continue
        if solution["status"].startswith("DELETE"):
            plan.solutions.append(solution)  # already going: just wait for it
            continue
        plan.solutions.append(solution)
        plan.campaigns += list_campaigns(ctx, solution["solutionArn"])
        plan.versions_to_stop += [
            v for v in list_versions(ctx, solution["solutionArn"]) if v["status"] in TRAINING
        ]
    return plan


def _delete(ctx: WorkflowContext, method: str, **params: Any) -> None:
    try:
        ctx.call("personalize", method, **params)
    except AwsCallError as exc:
        if exc.code != "ResourceNotFoundException":  # gone already: an earlier run got there
            raise


def _wait_gone(ctx: WorkflowContext, label: str, observe: Any) -> None:
    obs = wait_until(ctx, label, observe, done=lambda o: o.gone or o.status == "DELETE FAILED")
    if not obs.gone:
        raise CloudError(f"{label}: {obs.status}: {obs.failure_reason or 'no reason given'}")


def delete_data(ctx: WorkflowContext, objects: list[dict[str, str]]) -> None:
    """Delete object versions by VersionId, 1000 per request; any refused key is an error."""
    if objects:
        verb = "Would delete" if ctx.dry_run else "Deleting"
        info(f"{verb} {len(objects)} object version(s) under {data_location(ctx)}.")
    for start in range(0, len(objects), DELETE_BATCH):
        batch = objects[start : start + DELETE_BATCH]
        response = ctx.call(
            "s3",
            "delete_objects",
            Bucket=ctx.outputs.bucket_name,
            Delete={"Objects": batch, "Quiet": True},
        )
        errors = [] if ctx.dry_run else response.get("Errors", [])
        if errors:
            first = errors[0]
            raise CloudError(
                f"S3 refused to delete {len(errors)} object version(s), e.g. "
                f"{first.get('Key')} ({first.get('VersionId')}): {first.get('Code')} "
                f"{first.get('Message', '')}".rstrip(),
                hint="Fix the cause (permissions, object lock) and run clean-cloud --data again.",
            )


def _settle_solution(ctx: WorkflowContext, solution: dict[str, Any]) -> None:
    """A solution still being created cannot be deleted (ResourceInUseException): wait first."""
    if solution["status"] in CREATING:
        arn = solution["solutionArn"]
        wait_until(
            ctx,
            f"Solution {solution['name']}",
            lambda: observe_solution(ctx, arn),
            done=lambda o: o.gone or o.status not in CREATING,
        )


def clean_cloud(ctx: WorkflowContext, plan: CleanupPlan) -> CleanupPlan:
    """Carry out `plan`: campaigns (then wait), stop training, solutions (then wait), data."""
    for campaign in plan.campaigns:
        arn = campaign["campaignArn"]
        if not ctx.dry_run:
            # A campaign being created or updated cannot be deleted until that finishes.
            wait_until(
                ctx,
                f"Campaign {campaign['name']}",
                lambda arn=arn: observe_campaign(ctx, arn),
            )
        if not campaign["status"].startswith("DELETE"):
            verb = "Would delete" if ctx.dry_run else "Deleting"
            info(f"{verb} campaign {campaign['name']} (stops its hourly billing).")
            _delete(ctx, "delete_campaign", campaignArn=arn)
    for version in plan.versions_to_stop:
        arn = version["solutionVersionArn"]
        info(f"{'Would stop' if ctx.dry_run else 'Stopping'} training of {arn}.")
        try:
            ctx.call("personalize", "stop_solution_version_creation", solutionVersionArn=arn)
        except AwsCallError as exc:
            if exc.code not in {"ResourceNotFoundException", "ResourceInUseException"}:
                raise
    if ctx.dry_run:
        for solution in plan.solutions:
            info(f"Would delete solution {solution['name']}.")
            _delete(ctx, "delete_solution", solutionArn=solution["solutionArn"])
        delete_data(ctx, plan.objects)
        return plan
    for campaign in plan.campaigns:
        arn = campaign["campaignArn"]
        _wait_gone(
            ctx, f"Deleting campaign {campaign['name']}", lambda arn=arn: observe_campaign(ctx, arn)
        )
    for version in plan.versions_to_stop:
        arn = version["solutionVersionArn"]
        wait_until(
            ctx,
            f"Stopping {arn}",
            lambda arn=arn: observe_version(ctx, arn),
            done=lambda o: o.status not in IN_PROGRESS,
        )
    for solution in plan.solutions:
        arn = solution["solutionArn"]
        if not solution["status"].startswith("DELETE"):
            _settle_solution(ctx, solution)
            info(f"Deleting solution {solution['name']}.")
            _delete(ctx, "delete_solution", solutionArn=arn)
        _wait_gone(
            ctx, f"Deleting solution {solution['name']}", lambda arn=arn: observe_solution(ctx, arn)
        )
    for solution in plan.foreign:
        info(
            f"Left alone: solution {solution['name']} was not created by this tool; "
            "`terraform destroy` fails until it is deleted (`clean-cloud --all`)."
        )
    delete_data(ctx, plan.objects)
    return plan
