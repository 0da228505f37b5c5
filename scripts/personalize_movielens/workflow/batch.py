"""`batch recommend`: a batch inference job for many users, its output as a CSV with titles.

The guide's batch workflow (getting-batch-recommendations.html): the input is JSON lines in S3,
one `{"userId": "..."}` per line for USER_PERSONALIZATION and Popularity-Count recipes, with a
`filterValues` object per line when the filter has placeholders ("Surround each value with
escaped quotes: "filterValues":{"GENRES":"\\"drama\\""}", filter-batch.html; filters.py checks
and quotes them as for GetRecommendations, the same form); the job runs on a
custom solution version, needs no campaign, and writes `<input name>.out` to the output path.
"With recommenders in a Domain dataset group, you can get only real-time recommendations": a
domain stack needs a custom solution for this too (`train --recipe ...`).

Memory stays flat in the number of users for the default (every user): they are streamed from
interactions.csv (grouped by user as `data prepare` writes it; a file that is not is deduplicated
with a set instead), and the output is streamed from S3 to the CSV. A users file is streamed
too, with a set of its distinct IDs to ask each user once. Names are deterministic
(content hashes), so a rerun finds the job it started and only downloads its output again.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from ..arns import arn_name
from ..atomic import atomic_path
from ..console import info
from ..data.layout import INTERACTIONS_FILE
from ..errors import CloudError, ConfigError, DataError
from .catalog import Movie
from .clients import AwsCallError
from .context import WorkflowContext
from .costs import batch_cost
from .deploy import latest_active_version
from .filters import apply_filter, no_filter_values
from .naming import DEFAULT_RECIPE, attempt_of, recipe_name, short_hash, solution_name
from .naming import with_attempt as named_attempt
from .plan import PLANNED, PlannedCall, planned_json
from .recommend import catalog_or_note
from .resources import find_solution, newest_first
from .transfer import upload_file
from .waiting import Observation, failed, wait_until

#: The batch job's default list length (CreateBatchInferenceJob's numResults default).
DEFAULT_NUM_RESULTS = 25
MAX_NUM_RESULTS = 500
#: The model's UserId: 1 to 256 characters.
USER_ID_MAX = 256
#: Recipes whose batch input is a list of users (batch-data-upload.html); related-items and
#: ranking recipes take items, Trending-Now gives no batch recommendations at all.
NOT_USER_RECIPES = {
    "aws-similar-items": "takes items, not users",
    "aws-sims": "takes items, not users",
    "aws-personalized-ranking": "takes users each with items to rank",
    "aws-personalized-ranking-v2": "takes users each with items to rank",
    "aws-trending-now": "gives no batch recommendations (the guide)",
}
CSV_COLUMNS = ("user", "rank", "item", "title")
#: Where the CSV goes unless told otherwise (in the data directory).
OUTPUT_FILE = "batch-recommendations.csv"
_BAD_USER_CHARS = re.compile(r"[\s,\"']")


@dataclass(frozen=True)
class BatchResult:
    job_name: str
    job_arn: str
    solution_version_arn: str
    action: str  # created | reused
    status: str
    users: int
    num_results: int
    filter_name: str | None
    input_uri: str
    output_uri: str
    csv_path: str | None
    rows: int
    users_failed: int
    first_error: str | None
    planned: list[PlannedCall] | None = None
    duplicate_users: int = 0  # users file lines skipped: each user is asked (and billed) once

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("planned")
        return {**data, **planned_json(self.planned)}


# --- users -------------------------------------------------------------------------------------


class UsersFile:
    """The users of a users file, one USER_ID per line, each once.

    Read as UTF-8, a byte-order mark on the first line dropped (an Excel or Windows export
    writes one; kept, it would become part of the first ID and be answered as an unknown user),
    a first line `USER_ID` taken as a header, blank lines at the end ignored. A user listed
    again is skipped (each list is billed: two of one user would cost twice for the same answer)
    and counted in `duplicates`. A line that is not UTF-8, empty within the file or not an ID,
    or a file without users, is a DataError naming the file and line. Finding duplicates holds a
    set of the file's distinct users (the user IDs only)."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise DataError(f"{path}: users file not found.")
        self.path = path
        self.duplicates = 0
        self.first_duplicate: tuple[int, str] | None = None

    def __iter__(self) -> Iterator[str]:
        path, seen = self.path, set[str]()
        blank: int | None = None  # the first blank line, fine if nothing follows it
        with path.open("rb") as fh:
            for number, raw in enumerate(fh, start=1):
                user = _decode(path, number, raw).rstrip("\r\n")
                if number == 1 and user.strip() == "USER_ID":
                    continue
                if not user.strip():
                    blank = blank or number
                    continue
                if blank is not None:
                    raise DataError(f"{path}: line {blank}: empty; expected one USER_ID per line.")
                if _BAD_USER_CHARS.search(user) or len(user) > USER_ID_MAX:
                    raise DataError(
                        f"{path}: line {number}: {user[:40]!r} is not a USER_ID (one ID per "
                        f"line, no spaces, commas or quotes, at most {USER_ID_MAX} characters)."
                    )
                if user in seen:
                    self.duplicates += 1
                    self.first_duplicate = self.first_duplicate or (number, user)
                    continue
                seen.add(user)
                yield user
        if not seen:
            raise DataError(f"{path}: line 1: no users; expected one USER_ID per line.")

    def note(self) -> str | None:
        """One line on the duplicates skipped, or None."""
        if self.first_duplicate is None:
            return None
        number, user = self.first_duplicate
        return (
            f"{self.path}: {self.duplicates:,} duplicate user line(s) skipped, each user is "
            f"asked once (the first: line {number}, {user})."
        )


def _decode(path: Path, number: int, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig" if number == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{path}: line {number}: not UTF-8 (byte 0x{raw[exc.start]:02x} at byte "
            f"{exc.start + 1} of the line); save the users file as UTF-8."
        ) from None


def _order_key(user: str) -> tuple[int, int | str]:
    return (0, int(user)) if user.isdigit() else (1, user)


class _Ungrouped(Exception):
    """interactions.csv is not sorted by user: deduplicating consecutive rows is not enough."""


def _grouped_users(path: Path) -> Iterator[str]:
    last: str | None = None
    for user in _interaction_users(path):
        if user == last:
            continue
        if last is not None and _order_key(user) < _order_key(last):
            raise _Ungrouped
        last = user
        yield user


def _interaction_users(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if "USER_ID" not in (reader.fieldnames or []):
            raise DataError(f"{path}: line 1: no USER_ID column.")
        for row in reader:
            yield row["USER_ID"]


def all_users_path(data_dir: Path) -> Path:
    path = data_dir / INTERACTIONS_FILE
    if not path.is_file():
        raise ConfigError(
            f"{path}: no prepared interactions to take the users from.",
            hint="Run `personalize-movielens data prepare`, or pass --users FILE.",
        )
    return path


# --- input -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchInput:
    path: Path
    sha256: str
    users: int
    duplicates: int = 0  # users file lines skipped as repeats


def write_input(target: Path, users: Iterable[str], filter_values: Mapping[str, str]) -> BatchInput:
    """The JSON-lines input at `target`, hashed as it is written."""
    digest = hashlib.sha256()
    count = 0
    with target.open("w", encoding="utf-8", newline="\n") as fh:
        for user in users:
            record: dict[str, Any] = {"userId": user}
            if filter_values:
                record["filterValues"] = dict(filter_values)
            line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
            fh.write(line)
            digest.update(line.encode())
            count += 1
    return BatchInput(target, digest.hexdigest(), count)


def build_input(
    workdir: Path, data_dir: Path, users_file: Path | None, filter_values: Mapping[str, str]
) -> BatchInput:
    """The input for the users file, or for every user of interactions.csv."""
    target = workdir / "input.json"
    if users_file is not None:
        users = UsersFile(users_file)
        made = write_input(target, users, filter_values)
        if note := users.note():
            info(note)
        return replace(made, duplicates=users.duplicates)
    path = all_users_path(data_dir)
    try:
        return write_input(target, _grouped_users(path), filter_values)
    except _Ungrouped:
        info(f"{path} is not grouped by user: deduplicating its users in memory.")
        return write_input(target, dict.fromkeys(_interaction_users(path)), filter_values)


# --- the job -----------------------------------------------------------------------------------


def job_base(group_arn: str, *parts: str) -> str:
    """`<dataset group>-batch-<hash of what the job computes>`, within the 63 characters."""
    suffix = f"-batch-{short_hash('|'.join(parts), 12)}"
    return arn_name(group_arn)[: 63 - len(suffix) - 3] + suffix


def list_jobs(ctx: WorkflowContext, version_arn: str) -> list[dict[str, Any]]:
    pages = ctx.clients.personalize.get_paginator("list_batch_inference_jobs")
    return newest_first(
        [
            job
            for page in pages.paginate(solutionVersionArn=version_arn)
            for job in page.get("batchInferenceJobs", [])
        ]
    )


def observe_job(ctx: WorkflowContext, arn: str) -> Observation:
    job = ctx.clients.personalize.describe_batch_inference_job(batchInferenceJobArn=arn)
    details = job["batchInferenceJob"]
    return Observation(details.get("status", ""), details.get("failureReason"))


def check_user_recipe(recipe: str) -> None:
    """Refuse a recipe whose batch input is not a list of users."""
    if recipe_name(recipe) in NOT_USER_RECIPES:
        raise ConfigError(
            f"--recipe {recipe_name(recipe)}: its batch input "
            f"{NOT_USER_RECIPES[recipe_name(recipe)]}; batch recommend makes lists for users."
        )


def _solution_version(ctx: WorkflowContext, recipe: str) -> str:
    name = solution_name(ctx.outputs.dataset_group_arn, recipe)
    solution = find_solution(ctx, name)
    if solution is None:
        domain = " (recommenders give real-time recommendations only)" if ctx.outputs.domain else ""
        raise ConfigError(
            f"No custom solution {name}: batch jobs run on a custom solution version{domain}.",
            hint=f"Run `personalize-movielens train --recipe {recipe_name(recipe)}` first.",
        )
    return latest_active_version(ctx, solution["solutionArn"], name)


def _output_prefix(ctx: WorkflowContext) -> str:
    if ctx.outputs.batch_output_prefix is None:
        raise ConfigError(
            "Batch output is off: the output batch_output_prefix is null.",
            hint="Set enable_batch_output = true in terraform/ and run `terraform apply`.",
        )
    return ctx.outputs.batch_output_prefix


def _s3_config(ctx: WorkflowContext, uri: str) -> dict[str, Any]:
    config: dict[str, Any] = {"path": uri}
    if ctx.outputs.kms_key_arn:
        config["kmsKeyArn"] = ctx.outputs.kms_key_arn
    return config


def _upload_input(ctx: WorkflowContext, batch_input: BatchInput, key: str) -> None:
    bucket = ctx.outputs.bucket_name
    try:
        head = ctx.clients.s3.head_object(Bucket=bucket, Key=key)
        if int(head.get("ContentLength", -1)) == batch_input.path.stat().st_size:
            return
    except AwsCallError as exc:
        if exc.code not in {"404", "NoSuchKey", "NotFound"}:
            raise
    args: dict[str, Any] = {"ChecksumAlgorithm": "SHA256", "ContentType": "application/json"}
    if ctx.outputs.kms_key_arn:
        args.update(ServerSideEncryption="aws:kms", SSEKMSKeyId=ctx.outputs.kms_key_arn)
    upload_file(ctx.clients, batch_input.path, bucket, key, args)


def _existing_job(
    ctx: WorkflowContext, version_arn: str, base: str
) -> tuple[dict[str, Any] | None, int]:
    """The newest attempt of this job and its attempt number (0 when there is none)."""
    attempts = [
        (attempt, job)
        for job in list_jobs(ctx, version_arn)
        if (attempt := attempt_of(base, job["jobName"])) is not None
    ]
    if not attempts:
        return None, 0
    attempt, job = max(attempts, key=lambda pair: pair[0])
    return job, attempt


def recommend_batch(
    ctx: WorkflowContext,
    data_dir: Path,
    output_csv: Path,
    users_file: Path | None = None,
    num_results: int = DEFAULT_NUM_RESULTS,
    recipe: str = DEFAULT_RECIPE,
    filter_name: str | None = None,
    filter_values: Iterable[str] = (),
) -> BatchResult:
    """Run (or find) the batch job for these users and write its lists as a CSV."""
    if not 1 <= num_results <= MAX_NUM_RESULTS:
        raise ConfigError(f"-n {num_results}: must be between 1 and {MAX_NUM_RESULTS}.")
    check_user_recipe(recipe)
    output_prefix = _output_prefix(ctx)
    applied = None
    if filter_name is None:
        no_filter_values(filter_values)
    else:  # the stack's filter, its values checked against its expression and quoted
        applied = apply_filter(ctx, filter_name, filter_values)
    filter_arn = applied.arn if applied else None
    values = (applied.values if applied else None) or {}
    bucket = ctx.outputs.bucket_name
    with tempfile.TemporaryDirectory(prefix="batch-input-") as workdir:
        # The users first: a bad users file is refused before any call to the service.
        batch_input = build_input(Path(workdir), data_dir, users_file, values)
        version_arn = _solution_version(ctx, recipe)
        input_name = f"users-{batch_input.sha256[:16]}.json"
        input_key = f"{ctx.outputs.data_prefix}batch/{input_name}"
        job_of = (version_arn, input_key, str(num_results), filter_arn or "")
        base = job_base(ctx.outputs.dataset_group_arn, *job_of)
        job, attempt = _existing_job(ctx, version_arn, base)
        if job is None or job["status"] == "CREATE FAILED":
            _upload_input(ctx, batch_input, input_key)
    input_uri = f"s3://{bucket}/{input_key}"
    if job is not None and job["status"] != "CREATE FAILED":
        name, arn, action = job["jobName"], job["batchInferenceJobArn"], "reused"
        info(f"Batch job {name} exists ({job['status']}): using it.")
    else:
        name, action = named_attempt(base, attempt + 1), "created"
        ctx.billable(f"batch inference job {name}", batch_cost(batch_input.users, recipe))
        params: dict[str, Any] = {
            "jobName": name,
            "solutionVersionArn": version_arn,
            "numResults": num_results,
            "jobInput": {"s3DataSource": _s3_config(ctx, input_uri)},
            "jobOutput": {
                "s3DataDestination": _s3_config(ctx, f"s3://{bucket}/{output_prefix}{name}/")
            },
            "roleArn": ctx.outputs.personalize_role_arn,
        }
        if filter_arn:
            params["filterArn"] = filter_arn
        arn = ctx.clients.personalize.create_batch_inference_job(**params)["batchInferenceJobArn"]
    output_key = f"{output_prefix}{name}/{input_name}.out"
    obs = wait_until(ctx, f"Batch job {name}", lambda: observe_job(ctx, arn))
    if failed(obs):
        raise CloudError(
            f"Batch job {name} is {obs.status or 'gone'}: {obs.failure_reason or 'no reason'}",
            hint="Fix the cause and run the command again: it starts a new attempt.",
        )
    result = BatchResult(
        name,
        arn,
        version_arn,
        action,
        obs.status,
        batch_input.users,
        num_results,
        filter_name,
        input_uri,
        f"s3://{bucket}/{output_key}",
        None,
        0,
        0,
        None,
        ctx.planned(),
        batch_input.duplicates,
    )
    if obs.status == PLANNED:
        return result
    rows, users_failed, first_error = download_csv(
        ctx, output_key, output_csv, catalog_or_note(data_dir)
    )
    return BatchResult(
        **{
            **asdict(result),
            "csv_path": str(output_csv),
            "rows": rows,
            "users_failed": users_failed,
            "first_error": first_error,
            "planned": ctx.planned(),
        }
    )


def download_csv(
    ctx: WorkflowContext, key: str, target: Path, catalog: Mapping[str, Movie]
) -> tuple[int, int, str | None]:
    """Stream `<input>.out` from S3 into a CSV (user, rank, item, title), atomically; the rows
    written, the users the job reported an error for, and the first such error."""
    body = ctx.clients.s3.get_object(Bucket=ctx.outputs.bucket_name, Key=key)["Body"]
    rows = users_failed = 0
    first_error: str | None = None
    with atomic_path(target) as tmp, tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CSV_COLUMNS)
        for number, raw in enumerate(body.iter_lines(), start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
                user = str(record["input"]["userId"])
            except (ValueError, KeyError, TypeError):
                raise CloudError(
                    f"s3://{ctx.outputs.bucket_name}/{key}: line {number}: not a batch output "
                    'record ({"input": {"userId": ...}, "output": ..., "error": ...}).'
                ) from None
            if record.get("error"):
                users_failed += 1
                first_error = first_error or f"user {user}: {record['error']}"
                continue
            items = (record.get("output") or {}).get("recommendedItems") or []
            for rank, item in enumerate(items, start=1):
                title = catalog.get(item, Movie(item)).title or ""
                writer.writerow((user, rank, item, title))
                rows += 1
    return rows, users_failed, first_error
