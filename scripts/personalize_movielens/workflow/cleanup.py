"""`clean-cloud`: delete what the tool created (campaigns, then solutions), so that
`terraform destroy` of the dataset group succeeds and nothing keeps billing.

Order matters to the service: a solution with a campaign cannot be deleted, and a version in
training is stopped first. What Terraform owns (dataset group, datasets, schemas, bucket, role)
is left to Terraform. Solutions that the tool did not name are listed, and only deleted with
`include_foreign` (`--all`), since `terraform destroy` fails while they exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..console import info
from ..errors import CloudError
from .clients import AwsCallError
from .context import WorkflowContext
from .deploy import observe_campaign
from .naming import tool_prefix
from .resources import list_campaigns, list_solutions, list_versions
from .training import observe_solution, observe_version
from .waiting import IN_PROGRESS, wait_until

TRAINING = frozenset({"CREATE PENDING", "CREATE IN_PROGRESS"})


@dataclass
class CleanupPlan:
    solutions: list[dict[str, Any]] = field(default_factory=list)
    campaigns: list[dict[str, Any]] = field(default_factory=list)
    versions_to_stop: list[dict[str, Any]] = field(default_factory=list)
    foreign: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.solutions or self.campaigns)

    def describe(self) -> list[str]:
        lines = [f"campaign {c['name']} ({c['status']})" for c in self.campaigns]
        lines += [f"stop training {v['solutionVersionArn']}" for v in self.versions_to_stop]
        lines += [f"solution {s['name']} ({s['status']})" for s in self.solutions]
        return lines


def plan_cleanup(ctx: WorkflowContext, include_foreign: bool = False) -> CleanupPlan:
    """What clean-cloud would delete, read from the service."""
    plan = CleanupPlan()
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


def clean_cloud(ctx: WorkflowContext, plan: CleanupPlan) -> CleanupPlan:
    """Carry out `plan`: campaigns (then wait), stop training, solutions (then wait)."""
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
            _delete(ctx, "delete_solution", solutionArn=solution["solutionArn"])
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
    return plan
