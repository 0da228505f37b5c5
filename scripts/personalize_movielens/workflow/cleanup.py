"""`clean-cloud`: delete what the tool created (recommenders, campaigns, then solutions, and
with `--data` the uploaded objects), so that `terraform destroy` succeeds and nothing keeps
billing.

Recommenders go first: they bill every hour they are ACTIVE, and the dataset group cannot be
deleted while any exists. Only a VIDEO_ON_DEMAND dataset group has them (the `domain` output).

Order matters to the service: a solution with a campaign cannot be deleted, and a version in
training is stopped first; a campaign or solution still being created refuses to be deleted
(ResourceInUseException) until it settles, so it is waited for and deleted again. What Terraform
owns (dataset group, datasets, schemas, bucket, role) is left to Terraform. Solutions that the
tool did not name are left alone and reported, and only deleted with `include_foreign`
(`--all`), since `terraform destroy` fails while they exist.

The bucket is versioned and Terraform does not force-destroy it, so `terraform destroy` fails
while any object version is left; `include_data` (`--data`) deletes every version and delete
marker under the stack's data prefix, and aborts unfinished multipart uploads there.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import CloudError
from .clients import AwsCallError
from .context import WorkflowContext
from .deploy import observe_campaign
from .naming import tool_prefix
from .plan import PlannedCall, planned_json
from .recommenders import VIDEO_ON_DEMAND, observe_recommender
from .resources import (
    is_not_found,
    list_campaigns,
    list_recommenders,
    list_solutions,
    list_versions,
)
from .s3data import (
    IncompleteUpload,
    abort_incomplete_uploads,
    data_location,
    delete_data_versions,
    list_data_versions,
    list_incomplete_uploads,
)
from .training import observe_solution, observe_version
from .waiting import Observation, settled, wait_until

TRAINING = frozenset({"CREATE PENDING", "CREATE IN_PROGRESS"})


@dataclass(frozen=True)
class LeftAlone:
    """Something clean-cloud did not delete, and why."""

    kind: str  # solution | recommender | data
    name: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "reason": self.reason}

    def line(self) -> str:
        return f"Left alone: {self.kind} {self.name}: {self.reason}"


@dataclass
class CleanupPlan:
    """What clean-cloud would delete, read from the service (`plan_cleanup`)."""

    data_location: str
    include_data: bool = False
    recommenders: list[Mapping[str, Any]] = field(default_factory=list)
    foreign_recommenders: list[Mapping[str, Any]] = field(default_factory=list)
    solutions: list[Mapping[str, Any]] = field(default_factory=list)
    campaigns: list[Mapping[str, Any]] = field(default_factory=list)
    versions_to_stop: list[Mapping[str, Any]] = field(default_factory=list)
    foreign: list[Mapping[str, Any]] = field(default_factory=list)
    #: Object versions and delete markers under the data prefix ({"Key", "VersionId"}).
    objects: list[dict[str, str]] = field(default_factory=list)
    incomplete_uploads: list[IncompleteUpload] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.recommenders
            or self.solutions
            or self.campaigns
            or self.objects
            or self.incomplete_uploads
        )

    def describe(self) -> list[str]:
        lines = [f"recommender {r['name']} ({r['status']})" for r in self.recommenders]
        lines += [f"campaign {c['name']} ({c['status']})" for c in self.campaigns]
        lines += [f"stop training {v['solutionVersionArn']}" for v in self.versions_to_stop]
        lines += [f"solution {s['name']} ({s['status']})" for s in self.solutions]
        if self.objects:
            lines.append(
                f"{len(self.objects)} object version(s) and delete marker(s) under "
                f"{self.data_location} (the uploaded data)"
            )
        if self.incomplete_uploads:
            lines.append(
                f"{len(self.incomplete_uploads)} unfinished multipart upload(s) under "
                f"{self.data_location}"
            )
        return lines

    def left_alone(self) -> list[LeftAlone]:
        kept = [
            LeftAlone(
                "solution",
                s["name"],
                "not created by this tool; `terraform destroy` fails until it is deleted "
                "(`clean-cloud --all`).",
            )
            for s in self.foreign
        ]
        kept += [
            LeftAlone(
                "recommender",
                r["name"],
                "not created by this tool; it bills while ACTIVE and `terraform destroy` fails "
                "until it is deleted (`clean-cloud --all`).",
            )
            for r in self.foreign_recommenders
        ]
        if not self.include_data:
            kept.append(
                LeftAlone(
                    "data",
                    self.data_location,
                    "the uploaded data stays (billed as S3 storage, and `terraform destroy` "
                    "fails while the versioned bucket holds it); remove it with "
                    "`personalize-movielens clean-cloud --data`.",
                )
            )
        return kept


@dataclass(frozen=True)
class CleanupReport:
    """What clean-cloud deleted (or, in a dry run, would delete) and what it left alone."""

    campaigns: list[str]
    stopped_versions: list[str]
    solutions: list[str]
    object_versions: int
    aborted_uploads: list[IncompleteUpload]
    left_alone: list[LeftAlone]
    planned: list[PlannedCall] | None = None
    recommenders: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "deleted": {
                "recommenders": self.recommenders,
                "campaigns": self.campaigns,
                "stopped_versions": self.stopped_versions,
                "solutions": self.solutions,
                "object_versions": self.object_versions,
                "aborted_uploads": [u.to_json() for u in self.aborted_uploads],
            },
            "left_alone": [kept.to_json() for kept in self.left_alone],
            **planned_json(self.planned),
        }


def plan_cleanup(
    ctx: WorkflowContext, include_foreign: bool = False, include_data: bool = False
) -> CleanupPlan:
    """What clean-cloud would delete, read from the service."""
    plan = CleanupPlan(data_location(ctx), include_data)
    if include_data:
        plan.objects = list_data_versions(ctx)
        plan.incomplete_uploads = list_incomplete_uploads(ctx)
    prefix = tool_prefix(ctx.outputs.dataset_group_arn)
    if ctx.outputs.domain == VIDEO_ON_DEMAND:
        for recommender in list_recommenders(ctx):
            mine = recommender["name"].startswith(prefix) or include_foreign
            (plan.recommenders if mine else plan.foreign_recommenders).append(recommender)
    for solution in list_solutions(ctx):
        if not solution["name"].startswith(prefix) and not include_foreign:
            plan.foreign.append(solution)
            continue
        plan.solutions.append(solution)
        if solution["status"].startswith("DELETE"):
            continue  # already going: just wait for it
        plan.campaigns += list_campaigns(ctx, solution["solutionArn"])
        plan.versions_to_stop += [
            v for v in list_versions(ctx, solution["solutionArn"]) if v["status"] in TRAINING
        ]
    return plan


def _start_delete(
    ctx: WorkflowContext,
    what: str,
    status: str,
    delete: Callable[[], object],
    observe: Callable[[], Observation],
) -> None:
    """Ask for the deletion (unless it is under way). Something still being created or updated
    refuses (ResourceInUseException): wait for it to settle and ask again. Gone already counts
    as deleted (an earlier, interrupted run got there)."""
    if status.startswith("DELETE"):
        return
    ctx.announce("delete", what)
    for attempt in (1, 2):
        try:
            delete()
            return
        except AwsCallError as exc:
            if is_not_found(exc):
                return
            if exc.code != "ResourceInUseException" or attempt == 2:
                raise
            wait_until(ctx, what, observe, done=settled)


def _delete_all(
    ctx: WorkflowContext,
    kind: str,
    items: list[Mapping[str, Any]],
    delete: Callable[..., object],
    observe: Callable[[WorkflowContext, str], Observation],
    note: str = "",
) -> None:
    """Ask for every deletion of one kind, then wait for each (they go in parallel on the
    service). `kind` names the ARN too: campaign -> campaignArn."""
    key = f"{kind}Arn"
    for item in items:
        _start_delete(
            ctx,
            f"{kind} {item['name']}{note}",
            item["status"],
            functools.partial(delete, **{key: item[key]}),
            functools.partial(observe, ctx, item[key]),
        )
    for item in items:
        label = f"Deleting {kind} {item['name']}"
        _wait_gone(ctx, label, functools.partial(observe, ctx, item[key]))


def _wait_gone(ctx: WorkflowContext, label: str, observe: Callable[[], Observation]) -> None:
    obs = wait_until(ctx, label, observe, done=lambda o: o.gone or o.status == "DELETE FAILED")
    if obs.status == "DELETE FAILED":
        raise CloudError(f"{label}: {obs.status}: {obs.failure_reason or 'no reason given'}")


def _stop_training(ctx: WorkflowContext, arn: str) -> None:
    """Stop a version in training (billed by the hour) and wait until it has stopped; one that
    finished or was stopped meanwhile is fine."""
    ctx.announce("stop", f"training of {arn}")
    try:
        ctx.clients.personalize.stop_solution_version_creation(solutionVersionArn=arn)
    except AwsCallError as exc:
        if not is_not_found(exc) and exc.code != "ResourceInUseException":
            raise
    wait_until(ctx, f"Stopping {arn}", lambda: observe_version(ctx, arn), done=settled)


def clean_cloud(ctx: WorkflowContext, plan: CleanupPlan) -> CleanupReport:
    """Carry out `plan`: recommenders, campaigns, stop training, solutions (each kind deleted,
    then waited for: they go in parallel on the service), then the data."""
    personalize = ctx.clients.personalize
    note = " (stops its hourly billing)"
    _delete_all(
        ctx,
        "recommender",
        plan.recommenders,
        personalize.delete_recommender,
        observe_recommender,
        note,
    )
    _delete_all(
        ctx, "campaign", plan.campaigns, personalize.delete_campaign, observe_campaign, note
    )
    for version in plan.versions_to_stop:
        _stop_training(ctx, version["solutionVersionArn"])
    _delete_all(ctx, "solution", plan.solutions, personalize.delete_solution, observe_solution)
    abort_incomplete_uploads(ctx, plan.incomplete_uploads)
    delete_data_versions(ctx, plan.objects)
    return CleanupReport(
        campaigns=[c["name"] for c in plan.campaigns],
        stopped_versions=[v["solutionVersionArn"] for v in plan.versions_to_stop],
        solutions=[s["name"] for s in plan.solutions],
        object_versions=len(plan.objects),
        aborted_uploads=plan.incomplete_uploads,
        left_alone=plan.left_alone(),
        planned=ctx.planned(),
        recommenders=[r["name"] for r in plan.recommenders],
    )
