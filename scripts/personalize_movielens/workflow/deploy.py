"""`deploy`: a campaign on the latest ACTIVE solution version, or the campaign moved to it.

A campaign bills every hour it exists (at least `minProvisionedTPS`), used or not, so the cost
is stated before it is created or changed. Rerunning `deploy` with nothing new does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..console import info
from ..errors import CloudError, ConfigError
from .context import WorkflowContext
from .costs import campaign_cost
from .naming import DEFAULT_RECIPE, campaign_name, solution_name
from .plan import PlannedCall, planned_json
from .resources import describe_campaign, find_solution, list_campaigns, list_versions
from .waiting import IN_PROGRESS, Observation, failed, wait_until


@dataclass(frozen=True)
class DeployResult:
    campaign_name: str
    campaign_arn: str
    solution_version_arn: str
    min_tps: int
    action: str  # created | updated | unchanged
    status: str  # ACTIVE, or PLANNED in a dry run (nothing was created or changed)
    planned: list[PlannedCall] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "campaign_name": self.campaign_name,
            "campaign_arn": self.campaign_arn,
            "solution_version_arn": self.solution_version_arn,
            "min_tps": self.min_tps,
            "action": self.action,
            "status": self.status,
            **planned_json(self.planned),
        }


def latest_active_version(ctx: WorkflowContext, solution_arn: str, name: str) -> str:
    for version in list_versions(ctx, solution_arn):
        if version["status"] == "ACTIVE":
            return str(version["solutionVersionArn"])
    raise ConfigError(
        f"Solution {name} has no ACTIVE version yet.",
        hint="Run `personalize-movielens train` (or `train --wait` to finish a running one).",
    )


def observe_campaign(ctx: WorkflowContext, arn: str) -> Observation:
    campaign = describe_campaign(ctx, arn)
    if campaign is None:
        return Observation("", gone=True)
    update = campaign.get("latestCampaignUpdate") or {}
    if update.get("status") in IN_PROGRESS:
        return Observation(update["status"], update.get("failureReason"))
    if campaign["status"] == "ACTIVE" and update.get("status") == "CREATE FAILED":
        return Observation("UPDATE FAILED", update.get("failureReason"))
    return Observation(campaign["status"], campaign.get("failureReason"))


def wait_campaign(ctx: WorkflowContext, name: str, arn: str) -> dict[str, Any]:
    """Wait for the campaign to settle; its description, or an error when it failed."""
    obs = wait_until(ctx, f"Campaign {name}", lambda: observe_campaign(ctx, arn))
    campaign = None if failed(obs) else describe_campaign(ctx, arn)
    if campaign is None:
        raise CloudError(
            f"Campaign {name} is {obs.status or 'gone'}: {obs.failure_reason or 'no reason given'}",
            hint="Run `personalize-movielens clean-cloud` and deploy again.",
        )
    return campaign


def deploy(ctx: WorkflowContext, recipe: str = DEFAULT_RECIPE, min_tps: int = 1) -> DeployResult:
    """Create the recipe's campaign, or update it to the newest version / new minimum TPS."""
    if min_tps < 1:
        raise ConfigError(f"--min-tps {min_tps}: must be at least 1.")
    sol_name = solution_name(ctx.outputs.dataset_group_arn, recipe)
    solution = find_solution(ctx, sol_name)
    if solution is None:
        raise ConfigError(
            f"No solution {sol_name} in the dataset group.",
            hint=f"Run `personalize-movielens train --recipe {recipe}` first.",
        )
    version_arn = latest_active_version(ctx, solution["solutionArn"], sol_name)
    name = campaign_name(sol_name)
    existing = next(
        (c for c in list_campaigns(ctx, solution["solutionArn"]) if c["name"] == name), None
    )
    if existing is None:
        ctx.billable(f"campaign {name} ({min_tps} min TPS)", campaign_cost(min_tps, recipe))
        arn = ctx.clients.personalize.create_campaign(
            name=name, solutionVersionArn=version_arn, minProvisionedTPS=min_tps
        )["campaignArn"]
        action = "created"
    else:
        arn = existing["campaignArn"]
        campaign = wait_campaign(ctx, name, arn)  # finish a create/update an earlier run started
        serves = (campaign["solutionVersionArn"], campaign["minProvisionedTPS"])
        if serves == (version_arn, min_tps):
            info(f"Campaign {name} already serves {version_arn} at {min_tps} TPS; nothing to do.")
            return DeployResult(
                name, arn, version_arn, min_tps, "unchanged", campaign["status"], ctx.planned()
            )
        ctx.billable(
            f"campaign {name} to {version_arn}", campaign_cost(min_tps, recipe), verb="update"
        )
        ctx.clients.personalize.update_campaign(
            campaignArn=arn, solutionVersionArn=version_arn, minProvisionedTPS=min_tps
        )
        action = "updated"
    status = wait_campaign(ctx, name, arn)["status"]
    return DeployResult(name, arn, version_arn, min_tps, action, status, ctx.planned())
