"""`clean-cloud`: delete what the tool created (recommenders, campaigns, then solutions, and
with `--data` the uploaded objects and the batch jobs' output), so that `terraform destroy`
succeeds and nothing keeps billing.

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
marker under the stack's data prefix (the uploaded data and the batch jobs' input, which `batch
recommend` writes under `<data_prefix>batch/`), and aborts unfinished multipart uploads there.

The batch jobs' output (`<batch_output_prefix><job name>/`, written by Personalize) is the
user's results: without `--data` it stays, and is reported. With `--data` every version under the
folders of this tool's jobs goes (their names are `batch.job_base` names, so a rerun after the
solutions are gone still knows them); folders of other jobs writing under the same prefix are left
alone and reported, like foreign solutions, and only deleted with `include_foreign` (`--all`): the
prefix is the stack's, not the tool's, and someone else's results are not ours to delete.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import CloudError
from .batch import job_base
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
    batch_output_location,
    data_location,
    delete_data_versions,
    list_batch_output_versions,
    list_data_versions,
    list_incomplete_uploads,
)
from .training import observe_solution, observe_version
from .waiting import Observation, settled, wait_until

TRAINING = frozenset({"CREATE PENDING", "CREATE IN_PROGRESS"})
#: How many foreign batch output folders a message names.
NAMED = 3


def tool_job_pattern(dataset_group_arn: str) -> re.Pattern[str]:
    """The names `batch recommend` gives its jobs (and so their output folders): `job_base`
    (`<group>-batch-<12 hex>`), then `-r<N>` for a retry."""
    base = job_base(dataset_group_arn)
    stem = base[: base.rindex("-") + 1]  # `<group>-batch-`
    return re.compile(re.escape(stem) + r"[0-9a-f]{12}(?:-r\d+)?")


def output_folder(prefix: str, key: str) -> str:
    """The first path segment after the batch output prefix (the job name), or the key's own
    name for a loose object."""
    return key[len(prefix) :].split("/", 1)[0]


@dataclass(frozen=True)
class LeftAlone:
    """Something clean-cloud did not delete, and why."""

    kind: str  # solution | recommender | data | batch output
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
    #: Where the batch jobs write, or None when the stack has batch output off.
    batch_location: str | None = None
    #: Object versions under this tool's job folders (with --data), and those folders.
    batch_objects: list[dict[str, str]] = field(default_factory=list)
    batch_jobs: list[str] = field(default_factory=list)
    batch_uploads: list[IncompleteUpload] = field(default_factory=list)
    #: Folders under the batch output prefix that other jobs wrote (left alone).
    foreign_batch: list[str] = field(default_factory=list)
    #: Object versions of batch output kept because --data was not given.
    batch_kept: int = 0

    @property
    def empty(self) -> bool:
        return not (
            self.recommenders
            or self.solutions
            or self.campaigns
            or self.objects
            or self.incomplete_uploads
            or self.batch_objects
            or self.batch_uploads
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
        if self.batch_objects:
            lines.append(
                f"{len(self.batch_objects)} object version(s) and delete marker(s) under "
                f"{self.batch_location} (the output of {len(self.batch_jobs)} batch job(s))"
            )
        if self.batch_uploads:
            lines.append(
                f"{len(self.batch_uploads)} unfinished multipart upload(s) under "
                f"{self.batch_location}"
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
        if self.batch_kept and self.batch_location:
            kept.append(
                LeftAlone(
                    "batch output",
                    self.batch_location,
                    f"the batch jobs' results stay ({self.batch_kept} object version(s), billed "
                    "as S3 storage, and `terraform destroy` fails while the versioned bucket "
                    "holds them); keep what you need, then remove them with "
                    "`personalize-movielens clean-cloud --data`.",
                )
            )
        if self.foreign_batch and self.batch_location:
            named = ", ".join(self.foreign_batch[:NAMED])
            more = ", ..." if len(self.foreign_batch) > NAMED else ""
            kept.append(
                LeftAlone(
                    "batch output",
                    self.batch_location,
                    f"{len(self.foreign_batch)} folder(s) not written by this tool's batch jobs "
                    f"({named}{more}); `terraform destroy` fails while the versioned bucket "
                    "holds them (`clean-cloud --all --data` deletes them too).",
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
    batch_output_versions: int = 0
    batch_jobs: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "deleted": {
                "recommenders": self.recommenders,
                "campaigns": self.campaigns,
                "stopped_versions": self.stopped_versions,
                "solutions": self.solutions,
                "object_versions": self.object_versions,
                "batch_output_versions": self.batch_output_versions,
                "batch_output_jobs": self.batch_jobs,
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
    _plan_batch_output(ctx, plan, include_foreign)
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


def _plan_batch_output(ctx: WorkflowContext, plan: CleanupPlan, include_foreign: bool) -> None:
    """Without --data only count the batch output (it stays); with it, take the versions and
    unfinished uploads under this tool's job folders (every folder with --all)."""
    plan.batch_location = batch_output_location(ctx)
    prefix = ctx.outputs.batch_output_prefix
    if prefix is None or plan.batch_location is None:
        return
    versions = list_batch_output_versions(ctx)
    if not plan.include_data:
        plan.batch_kept = len(versions)
        return
    mine = tool_job_pattern(ctx.outputs.dataset_group_arn)
    jobs: dict[str, None] = {}
    foreign: dict[str, None] = {}

    def ours(key: str) -> bool:
        folder = output_folder(prefix, key)
        taken = include_foreign or mine.fullmatch(folder) is not None
        (jobs if taken else foreign)[folder] = None
        return taken

    plan.batch_objects = [v for v in versions if ours(v["Key"])]
    uploads = list_incomplete_uploads(ctx, prefix) if versions or include_foreign else []
    plan.batch_uploads = [u for u in uploads if ours(u.key)]
    plan.batch_jobs, plan.foreign_batch = list(jobs), list(foreign)


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
    abort_incomplete_uploads(ctx, plan.incomplete_uploads + plan.batch_uploads)
    delete_data_versions(ctx, plan.objects)
    delete_data_versions(ctx, plan.batch_objects, plan.batch_location)
    return CleanupReport(
        campaigns=[c["name"] for c in plan.campaigns],
        stopped_versions=[v["solutionVersionArn"] for v in plan.versions_to_stop],
        solutions=[s["name"] for s in plan.solutions],
        object_versions=len(plan.objects),
        aborted_uploads=plan.incomplete_uploads + plan.batch_uploads,
        left_alone=plan.left_alone(),
        planned=ctx.planned(),
        recommenders=[r["name"] for r in plan.recommenders],
        batch_output_versions=len(plan.batch_objects),
        batch_jobs=plan.batch_jobs,
    )
