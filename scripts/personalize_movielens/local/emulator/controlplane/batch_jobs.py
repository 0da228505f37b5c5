"""Batch inference jobs: recommendations for every line of a JSON-lines file in S3, written back
to S3, with the role's permission.

From the developer guide (recommendations-batch.html, batch-data-upload.html,
creating-batch-inference-job.html, granting-personalize-s3-access.html, limits.html) and the
API reference:

- input: JSON lines, `{"userId": ...}` for USER_PERSONALIZATION recipes and Popularity-Count,
  `{"itemId": ...}` for RELATED_ITEMS, `{"userId": ..., "itemList": [...]}` for
  PERSONALIZED_RANKING; "If you use a filter with placeholder parameters ... you must provide
  the values for the parameters in a filterValues object in your input JSON". The path is one
  file or a folder (each object under it: "Maximum number of input files in a batch inference
  job: 1000"); "Maximum size of batch inference job input: 1 GB";
- output: "The output file's name will be of the format `input-name.out`", under the output
  path; each line `{"input":...,"output":{"recommendedItems":[...],"scores":[...]},
  "error":null}` as the guide's example writes it, `scores` only where the recipe has them
  ("Scores are only returned by models trained with the User-Personalization and
  Personalized-Ranking recipes");
- a line that can't be answered (not JSON, no userId) gets its own line with an `error` and the
  job goes on (BatchInferenceJob.numResults: "This number includes the error messages generated
  for failed input records"); the job fails (CREATE FAILED, failureReason) when the role can't
  read the input or write the output, the input is missing or over 1 GB;
- the role needs "s3:GetObject", "s3:ListBucket", "s3:PutObject" ("Service-linked role policy
  for batch workflows"), checked with the bucket policies as imports do
  (`imports.check_access`);
- "Number of results ... The default is 25"; at most 500, the runtime's limit (the API reference
  gives none for batch);
- "To use data you record in real time with the PutEvents API operation, you must retrain your
  solution version before creating a batch inference job": lines are answered from the trained
  model alone, without recorded events;
- "Total number of pending or in progress batch inference jobs: 5": a sixth is refused with
  LimitExceededException;
- statuses CREATE PENDING > CREATE IN_PROGRESS > ACTIVE -or- CREATE FAILED; the API has no
  DeleteBatchInferenceJob.

Each line is answered by `runtime.item_list`, the function GetRecommendations answers with, from
the same parameters (userId or itemId, numResults, filterArn, filterValues). The input is read
one line at a time and the output written to a scratch file, uploaded with boto3's managed
(multipart) upload: memory stays flat in the number of users.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from .. import imports, runtime
from ..errors import ApiError, InvalidInput, LimitExceeded
from ..service import Emulator
from ..store import public
from ..training import Model
from .common import (
    BUSY,
    PENDING,
    Resource,
    advance,
    listing,
    operation,
    unique_name,
)
from .solutions import active_version

KIND = "batch_inference_job"
BATCH_DOC = (
    "https://docs.aws.amazon.com/personalize/latest/dg/granting-personalize-s3-access.html"
    "#role-policy-for-batch-workflows"
)
MAX_PENDING = 5
MAX_INPUT_BYTES = 1 << 30
MAX_INPUT_FILES = 1000
OUTPUT_SUFFIX = ".out"
COMPACT = (",", ":")


@operation("CreateBatchInferenceJob")
def create_batch_inference_job(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    arn = emu.arn(region, f"batch-inference-job/{p['jobName']}")
    count = p.get("numResults") or runtime.DEFAULT_RESULTS
    if not 1 <= count <= runtime.MAX_RESULTS:
        raise InvalidInput(f"numResults must be between 1 and {runtime.MAX_RESULTS}, got {count}.")
    if p.get("batchInferenceJobMode", "BATCH_INFERENCE") != "BATCH_INFERENCE":
        raise InvalidInput(
            "batchInferenceJobMode THEME_GENERATION (Content Generator) is not emulated."
        )
    for url in (p["jobInput"]["s3DataSource"]["path"], p["jobOutput"]["s3DataDestination"]["path"]):
        if not url.startswith("s3://"):
            raise InvalidInput(f"{url} is not an s3:// path.")
    with emu.store.lock:
        active_version(emu, p["solutionVersionArn"])
        if p.get("filterArn"):
            emu.store.get("filter", p["filterArn"])
        unique_name(emu, KIND, arn)
        busy = [j for j in emu.store.all(KIND) if j["status"] in BUSY]
        if len(busy) >= MAX_PENDING:
            raise LimitExceeded(
                f"There are already {len(busy)} pending or in progress batch inference jobs: "
                f"the quota is {MAX_PENDING}."
            )
        emu.store.add(
            KIND,
            arn,
            {
                "jobName": p["jobName"],
                "batchInferenceJobArn": arn,
                "filterArn": p.get("filterArn"),
                "solutionVersionArn": p["solutionVersionArn"],
                "numResults": count,
                "jobInput": p["jobInput"],
                "jobOutput": p["jobOutput"],
                "batchInferenceJobConfig": p.get("batchInferenceJobConfig"),
                "roleArn": p["roleArn"],
                "batchInferenceJobMode": "BATCH_INFERENCE",
                "status": PENDING,
                "_tags": p.get("tags", []),
            },
        )
    advance(emu, KIND, arn, lambda job: _run(emu, job))
    return {"batchInferenceJobArn": arn}


@operation("DescribeBatchInferenceJob")
def describe_batch_inference_job(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    return {"batchInferenceJob": public(emu.store.get(KIND, p["batchInferenceJobArn"]))}


@operation("ListBatchInferenceJobs")
def list_batch_inference_jobs(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    items = emu.store.all(KIND)
    if p.get("solutionVersionArn"):
        items = [j for j in items if j["solutionVersionArn"] == p["solutionVersionArn"]]
    return listing("ListBatchInferenceJobs", items, p)


def output_location(job: Resource, input_key: str) -> imports.Location:
    """`<output path>/<input file name>.out` (a path without a trailing "/" is a folder)."""
    folder = imports.Location.parse(job["jobOutput"]["s3DataDestination"]["path"])
    prefix = folder.key if folder.is_prefix else folder.key + "/"
    return imports.Location(folder.bucket, f"{prefix}{input_key.rsplit('/', 1)[-1]}{OUTPUT_SUFFIX}")


def _input_objects(emu: Emulator, location: imports.Location) -> list[tuple[str, int]]:
    """(key, size) of the input file, or of each object under the input folder."""
    s3 = emu.aws("s3")
    url = f"s3://{location.bucket}/{location.key}"
    try:
        if not location.is_prefix:
            head = s3.head_object(Bucket=location.bucket, Key=location.key)
            return [(location.key, int(head["ContentLength"]))]
        found: list[tuple[str, int]] = []
        pages = s3.get_paginator("list_objects_v2").paginate(
            Bucket=location.bucket, Prefix=location.key
        )
        for page in pages:
            found += [(o["Key"], int(o["Size"])) for o in page.get("Contents", [])]
    except s3.exceptions.ClientError as exc:
        if exc.response["Error"]["Code"] in ("404", "NoSuchKey", "NoSuchBucket", "NotFound"):
            raise imports.ImportFailure(f"Input data not found at {url}.") from None
        raise
    found = [(k, size) for k, size in found if not k.endswith("/")]
    if not found:
        raise imports.ImportFailure(f"Input data not found at {url}.")
    return sorted(found)


def _run(emu: Emulator, job: Resource) -> None:
    """The job's work (on a background thread): access, then every input file's answers."""
    imports.require_aws(emu)
    model = emu.store.models.get(job["solutionVersionArn"])
    version = emu.store.find("solution_version", job["solutionVersionArn"])
    if not isinstance(model, Model) or version is None:
        raise imports.ImportFailure(f"Solution version {job['solutionVersionArn']} is gone.")
    group_arn = str(version["datasetGroupArn"])
    source = imports.Location.parse(job["jobInput"]["s3DataSource"]["path"])
    objects = _input_objects(emu, source)
    if len(objects) > MAX_INPUT_FILES:
        raise imports.ImportFailure(
            f"The input has {len(objects)} files; the maximum is {MAX_INPUT_FILES}."
        )
    total = sum(size for _, size in objects)
    if total > MAX_INPUT_BYTES:
        raise imports.ImportFailure(
            f"The input is {total} bytes; the maximum size of batch inference job input is 1 GB."
        )
    keys = [key for key, _ in objects]
    targets = [output_location(job, key) for key in keys]
    arn = job["batchInferenceJobArn"]
    imports.check_access(
        emu, job["roleArn"], arn, source.bucket, imports.read_permissions(source, keys), BATCH_DOC
    )
    out_bucket = targets[0].bucket
    wanted = [("s3:ListBucket", f"arn:aws:s3:::{out_bucket}")]
    wanted += [("s3:PutObject", f"arn:aws:s3:::{t.bucket}/{t.key}") for t in targets]
    imports.check_access(emu, job["roleArn"], arn, out_bucket, wanted, BATCH_DOC)
    s3 = emu.aws("s3")
    try:
        s3.head_bucket(Bucket=out_bucket)
    except s3.exceptions.ClientError:
        raise imports.ImportFailure(f"The output bucket {out_bucket} does not exist.") from None
    with emu.scratch("batch-") as tmp:
        for key, target in zip(keys, targets, strict=True):
            path = Path(tmp) / "part.out"
            with path.open("w", encoding="utf-8") as out:
                for line in _lines(emu, source.bucket, key):
                    out.write(answer_line(emu, model, group_arn, job, line) + "\n")
            s3.upload_file(str(path), target.bucket, target.key)


def _lines(emu: Emulator, bucket: str, key: str) -> Iterator[str]:
    """The object's non-blank lines, streamed from one GET."""
    body: IO[bytes] = emu.aws("s3").get_object(Bucket=bucket, Key=key)["Body"]
    with contextlib.closing(body):
        for raw in body.iter_lines():  # type: ignore[attr-defined]
            text = raw.decode("utf-8", errors="replace").strip()
            if text:
                yield text


def answer_line(emu: Emulator, model: Model, group_arn: str, job: Resource, line: str) -> str:
    """One output line for one input line: the recommendations, or the line's error."""
    try:
        query = json.loads(line)
    except json.JSONDecodeError as exc:
        return _dump(line, None, f"The input line is not valid JSON: {exc.msg}.")
    if not isinstance(query, dict):
        return _dump(query, None, "The input line must be a JSON object.")
    try:
        return _dump(query, _recommend(emu, model, group_arn, job, query), None)
    except ApiError as exc:
        return _dump(query, None, exc.message)


def _recommend(
    emu: Emulator, model: Model, group_arn: str, job: Resource, query: dict[str, Any]
) -> dict[str, Any]:
    """The `output` of a line: as GetRecommendations (or GetPersonalizedRanking) would answer."""
    if model.recipe_type == runtime.RANKING:
        user, items = query.get("userId"), query.get("itemList")
        if not isinstance(user, str) or not user:
            raise InvalidInput(f"userId is required for a {model.recipe} solution.")
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise InvalidInput(f"itemList (item IDs) is required for a {model.recipe} solution.")
        ranked = model.rank(user, items)
        return {
            "recommendedItems": [item for item, _ in ranked],
            "scores": [round(score or 0.0, 7) for _, score in ranked],
        }
    params: dict[str, Any] = {
        key: query[key] for key in ("userId", "itemId", "filterValues") if key in query
    }
    for key in ("userId", "itemId"):
        if key in params and not isinstance(params[key], str):
            raise InvalidInput(f"{key} must be a string.")
    params["numResults"] = job["numResults"]
    if job.get("filterArn"):
        params["filterArn"] = job["filterArn"]
    source = runtime.model_source(model, params, group_arn, [], "solution")
    entries = json.loads(runtime.item_list(emu, source, params))
    output: dict[str, Any] = {"recommendedItems": [e["itemId"] for e in entries]}
    if model.shows_scores:
        output["scores"] = [e.get("score") for e in entries]
    return output


def _dump(query: Any, output: dict[str, Any] | None, error: str | None) -> str:
    return json.dumps({"input": query, "output": output, "error": error}, separators=COMPACT)
