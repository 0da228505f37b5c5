"""`import`: one dataset import job per uploaded file, named from the data so reruns reuse it.

The job name is derived from the dataset type, the import mode, the content hash and the
dataset, so running `import` again for the same data finds the job (running: wait for it;
active: nothing to do) instead of paying for another. A failed job cannot be renamed, so a
retry gets the next attempt suffix. Two failures are waited out rather than reported: the
quota of running import jobs (LimitExceededException) and "Insufficient privileges" in the
first minutes after the role was created, while IAM changes propagate.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from ..arns import arn_name
from ..console import info
from ..data.layout import USERS_FILE
from ..data.prepared import check_prepared_domain
from ..errors import CloudError, ConfigError
from .clients import AwsCallError
from .context import WorkflowContext
from .costs import import_cost
from .manifest import USERS, UploadedFile, read_manifest
from .naming import attempt_of, import_job_base, with_attempt
from .plan import PlannedCall, planned_json
from .resources import created, list_import_jobs
from .waiting import IN_PROGRESS, Observation, failed, wait_until

#: FULL replaces the dataset's data, INCREMENTAL appends to it.
ImportMode = Literal["FULL", "INCREMENTAL"]

FULL: ImportMode = "FULL"
INCREMENTAL: ImportMode = "INCREMENTAL"
PRIVILEGES_MARKER = "insufficient privileges"


@dataclass
class ImportResult:
    dataset_type: str
    job_name: str
    job_arn: str
    status: str
    reused: bool
    failure_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ImportReport:
    jobs: list[ImportResult]
    planned: list[PlannedCall] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"jobs": [job.to_json() for job in self.jobs], **planned_json(self.planned)}


def observe_job(ctx: WorkflowContext, job_arn: str) -> Observation:
    response = ctx.clients.personalize.describe_dataset_import_job(datasetImportJobArn=job_arn)
    job = response["datasetImportJob"]
    return Observation(job["status"], job.get("failureReason"))


class ImportJob:
    """The import of one uploaded file into its dataset, across attempts and reruns."""

    def __init__(self, ctx: WorkflowContext, entry: UploadedFile, mode: ImportMode, started: float):
        self.ctx = ctx
        self.entry = entry
        self.mode = mode
        self.dataset_arn = ctx.outputs.dataset_arns[entry.dataset_type]
        self.base = import_job_base(entry.dataset_type, self.dataset_arn, entry.sha256, mode)
        self.started = started
        self.result: ImportResult | None = None

    def start(self) -> None:
        """Find this data's job (reuse or wait for it) or create the next attempt."""
        jobs = list_import_jobs(self.ctx, self.dataset_arn)
        mine = [j for j in jobs if attempt_of(self.base, j["jobName"])]
        active = [j for j in jobs if j["status"] == "ACTIVE"]
        latest_active = max(active, key=created) if active else None
        for job in mine:  # newest first
            if job["status"] in IN_PROGRESS:
                info(f"{job['jobName']}: already running ({job['status']}); waiting for it.")
                self.result = self._result(job, reused=True)
                return
            is_latest = latest_active is not None and (
                job["datasetImportJobArn"] == latest_active["datasetImportJobArn"]
            )
            if job["status"] == "ACTIVE" and is_latest:
                info(f"{job['jobName']}: this data is already imported; nothing to do.")
                self.result = self._result(job, reused=True)
                return
        attempts = [attempt_of(self.base, j["jobName"]) or 0 for j in mine]
        self._create(max(attempts, default=0) + 1)

    def _result(self, job: Mapping[str, Any], reused: bool) -> ImportResult:
        return ImportResult(
            self.entry.dataset_type,
            job["jobName"],
            job["datasetImportJobArn"],
            job["status"],
            reused,
            job.get("failureReason"),
        )

    def _create(self, attempt: int) -> None:
        name = with_attempt(self.base, attempt)
        ctx = self.ctx
        ctx.billable(
            f"dataset import job {name} ({self.entry.dataset_type}, {self.mode}, "
            f"{self.entry.size / 1e6:.1f} MB from {self.entry.uri})",
            import_cost(self.entry.size),
        )
        window_end = self.started + ctx.settings.limit_retry_window
        delay = ctx.settings.poll_initial
        while True:
            try:
                response = ctx.clients.personalize.create_dataset_import_job(
                    jobName=name,
                    datasetArn=self.dataset_arn,
                    dataSource={"dataLocation": self.entry.uri},
                    roleArn=ctx.outputs.personalize_role_arn,
                    importMode=self.mode,
                )
                break
            except AwsCallError as exc:
                if exc.code == "ResourceAlreadyExistsException":
                    # Created by an interrupted run between our List and Create: adopt it.
                    self.start()
                    return
                if exc.code != "LimitExceededException" or ctx.clock() > window_end:
                    raise
                info(f"{name}: {exc.service_message} Waiting {delay:.0f}s for running jobs.")
                ctx.sleep(delay)
                delay = ctx.settings.backoff(delay)
        arn = response["datasetImportJobArn"]
        self.result = ImportResult(self.entry.dataset_type, name, arn, "CREATE PENDING", False)

    def finish(self, privileges_deadline: float) -> ImportResult:
        """Wait for the job; retry a fresh role's privilege failures until the deadline."""
        assert self.result is not None
        ctx = self.ctx
        while True:
            result = self.result
            observe = functools.partial(observe_job, ctx, result.job_arn)
            obs = wait_until(ctx, f"Import {result.job_name}", observe)
            result.status = obs.status
            result.failure_reason = obs.failure_reason
            if not failed(obs):
                return result
            reason = obs.failure_reason or "no reason given"
            if PRIVILEGES_MARKER not in reason.lower() or ctx.clock() >= privileges_deadline:
                raise CloudError(
                    f"Dataset import job {result.job_name} ({self.entry.dataset_type}) "
                    f"ended {obs.status}: {reason}",
                    hint=failure_hint(reason),
                )
            info(
                f"{result.job_name} failed: {reason} The role may be new (IAM takes "
                "minutes to propagate); retrying."
            )
            ctx.sleep(ctx.settings.poll_initial)
            self._create((attempt_of(self.base, result.job_name) or 1) + 1)


def failure_hint(reason: str) -> str:
    text = reason.lower()
    if PRIVILEGES_MARKER in text or "access denied" in text:
        return (
            "Check the bucket policy and the role (personalize_role_arn) allow Personalize to "
            "read the data prefix; see docs/operations.md#permissions."
        )
    if "kms" in text:
        return "The role needs kms:Decrypt on the bucket's key; see docs/operations.md#kms."
    return (
        "Check the CSV against the schema (`personalize-movielens data validate`); "
        "see docs/operations.md#csv-format."
    )


def role_created_at(ctx: WorkflowContext) -> float | None:
    """When the import role was created (epoch seconds), or None when IAM does not tell us."""
    try:
        role = ctx.clients.iam.get_role(RoleName=arn_name(ctx.outputs.personalize_role_arn))
    except CloudError:
        return None
    when = role.get("Role", {}).get("CreateDate")
    return when.timestamp() if isinstance(when, dt.datetime) else None


def uploaded_files(ctx: WorkflowContext, data_dir: Path) -> list[UploadedFile]:
    """The uploaded files to import: refused, before any job, when the data directory's files
    were prepared for another domain than the stack's dataset group."""
    check_prepared_domain(data_dir, ctx.outputs.domain)
    manifest = read_manifest(data_dir)
    entries = [e for dtype, e in manifest.items() if dtype in ctx.outputs.dataset_arns]
    if not entries:
        raise ConfigError(
            f"{data_dir}: nothing uploaded yet (no upload manifest).",
            hint="Run `personalize-movielens upload` first.",
        )
    require_users_data(ctx, data_dir, manifest)
    for entry in entries:
        if entry.bucket != ctx.outputs.bucket_name:
            raise ConfigError(
                f"{data_dir}: the upload manifest points at bucket {entry.bucket}, the stack "
                f"uses {ctx.outputs.bucket_name}.",
                hint="Run `personalize-movielens upload` again for this stack.",
            )
        path = data_dir / entry.file
        if path.exists() and path.stat().st_size != entry.size:
            info(f"Note: {path} changed since it was uploaded; importing the uploaded version.")
    # Interactions first: items-only imports are of little use while interactions fail.
    return sorted(entries, key=lambda e: e.dataset_type != "Interactions")


def require_users_data(
    ctx: WorkflowContext, data_dir: Path, manifest: Mapping[str, UploadedFile]
) -> None:
    """A stack with a Users dataset asked for users: refuse, before any job, data without them
    (a release without demographics writes no users file), rather than train without them."""
    if USERS not in ctx.outputs.dataset_arns or USERS in manifest:
        return
    path = data_dir / USERS_FILE
    if path.is_file():
        raise ConfigError(
            f"{path}: not uploaded, and the stack has a Users dataset.",
            hint="Run `personalize-movielens upload` first.",
        )
    raise ConfigError(
        f"{data_dir}: no {USERS_FILE}, but the stack has a Users dataset: this data comes from "
        "a MovieLens release without demographics (only 1m and 100k have them).",
        hint="Prepare MovieLens 1m or 100k (`data download --release 1m`, `data prepare "
        "--source data/ml-1m.zip`), or "
        "set enable_users_dataset = false (locally: `local up` without --users).",
    )


def import_data(ctx: WorkflowContext, data_dir: Path, incremental: bool = False) -> ImportReport:
    """Start (or find) every import job, then wait for all of them."""
    mode = INCREMENTAL if incremental else FULL
    started = ctx.clock()
    jobs = [ImportJob(ctx, entry, mode, started) for entry in uploaded_files(ctx, data_dir)]
    for job in jobs:
        job.start()
    privileges_deadline = (role_created_at(ctx) or started) + ctx.settings.iam_propagation_window
    return ImportReport([job.finish(privileges_deadline) for job in jobs], ctx.planned())
