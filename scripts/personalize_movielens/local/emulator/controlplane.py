"""Personalize control-plane operations: one handler per operation, over the emulator's store.

Statuses move on background threads (see `lifecycle`); handlers only check the request against
the current state and answer as the service documents (errors, deletion order, limits).
"""

from __future__ import annotations

import base64
import json
import math
import time
import traceback
import uuid
from collections.abc import Callable
from typing import Any

import polars as pl

from ...errors import DataError
from ...schemas import DATASET_TYPES, DatasetSchema, parse_schema
from . import imports, metrics, training
from .errors import (
    InUse,
    InvalidInput,
    InvalidNextToken,
    LimitExceeded,
    already_exists,
)
from .service import Emulator
from .store import public
from .validation import service_model

Handler = Callable[[Emulator, dict[str, Any], str], dict[str, Any]]
HANDLERS: dict[str, Handler] = {}

PENDING, IN_PROGRESS, ACTIVE, FAILED = (
    "CREATE PENDING",
    "CREATE IN_PROGRESS",
    "ACTIVE",
    "CREATE FAILED",
)
DELETE_PENDING, DELETE_IN_PROGRESS = "DELETE PENDING", "DELETE IN_PROGRESS"
STOPPING, STOPPED = "CREATE STOPPING", "CREATE STOPPED"
BUSY = {PENDING, IN_PROGRESS}
SETTLED = {ACTIVE, FAILED}
MAX_RUNNING_IMPORTS = 5
#: Fields each dataset type's schema must have (the service rejects other schemas).
REQUIRED_FIELDS = {
    "Interactions": ("USER_ID", "ITEM_ID", "TIMESTAMP"),
    "Items": ("ITEM_ID",),
    "Users": ("USER_ID",),
    "Actions": ("ACTION_ID",),
    "Action_Interactions": ("USER_ID", "ACTION_ID", "TIMESTAMP"),
}


def operation(name: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        HANDLERS[name] = func
        return func

    return register


# --- helpers ---------------------------------------------------------------------------------


def _unique_name(emu: Emulator, kind: str, arn: str) -> None:
    if emu.store.find(kind, arn) is not None:
        raise already_exists(arn)


def _page(items: list[dict[str, Any]], params: dict[str, Any], fields: tuple[str, ...]) -> tuple:
    """Newest first, `maxResults` per page (default 100), opaque offset tokens."""
    items = sorted(items, key=lambda r: r["creationDateTime"], reverse=True)
    start = 0
    if params.get("nextToken"):
        try:
            start = int(base64.b64decode(params["nextToken"]).decode())
        except ValueError:
            raise InvalidNextToken("The next token is not valid.") from None
    size = params.get("maxResults") or 100
    chunk = items[start : start + size]
    token = None
    if start + size < len(items):
        token = base64.b64encode(str(start + size).encode()).decode()
    summaries = [{k: r[k] for k in fields if r.get(k) is not None} for r in chunk]
    return summaries, token


def _listing(operation: str, items: list[dict[str, Any]], params: dict[str, Any]) -> dict[str, Any]:
    """A List* answer: one page of `items`, each cut to the summary shape that botocore's model
    gives the operation's list (so the fields follow the API, not a hand-kept copy)."""
    output = service_model("personalize").operation_model(operation).output_shape
    key = next(name for name, shape in output.members.items() if shape.type_name == "list")
    summaries, token = _page(items, params, tuple(output.members[key].member.members))
    result: dict[str, Any] = {key: summaries}
    if token:
        result["nextToken"] = token
    return result


def _advance(
    emu: Emulator,
    kind: str,
    arn: str,
    work: Callable[[dict[str, Any]], str | None] | None = None,
    on_active: Callable[[], None] | None = None,
) -> None:
    """CREATE PENDING -> CREATE IN_PROGRESS -> (work) -> ACTIVE, or CREATE FAILED with a reason.

    `work(resource)` returns a failure reason or None; exceptions it raises become the reason.
    """

    store = emu.store
    me = store.get(kind, arn)

    def run() -> None:
        emu.lifecycle.sleep()
        if not store.transition(kind, arn, {PENDING}, IN_PROGRESS, me):
            return
        started = time.monotonic()
        emu.lifecycle.sleep()
        reason: str | None = None
        if work is not None:
            try:
                reason = work(me)
            except (imports.ImportFailure, training.TrainingFailure) as exc:
                reason = str(exc)
            except Exception as exc:  # report, do not kill the server
                traceback.print_exc()
                reason = f"Internal error in the local emulator: {exc}"
        extra: dict[str, Any] = {}
        if kind == "solution_version":
            extra["trainingHours"] = round((time.monotonic() - started) / 3600, 6)
        if reason:
            store.transition(kind, arn, {IN_PROGRESS}, FAILED, me, failureReason=reason, **extra)
        elif store.transition(kind, arn, {IN_PROGRESS}, ACTIVE, me, **extra) and on_active:
            on_active()

    emu.lifecycle.spawn(run)


def _delete(emu: Emulator, kind: str, arn: str, also: Callable[[], None] | None = None) -> None:
    """DELETE PENDING -> DELETE IN_PROGRESS -> gone."""
    me = emu.store.get(kind, arn)
    emu.store.transition(kind, arn, None, DELETE_PENDING, me)

    def run() -> None:
        emu.lifecycle.sleep()
        if emu.store.transition(kind, arn, {DELETE_PENDING}, DELETE_IN_PROGRESS, me):
            emu.lifecycle.sleep()
            with emu.store.lock:
                if emu.store.find(kind, arn) is not me:
                    return
                if also is not None:
                    also()
                emu.store.remove(kind, arn, me)

    emu.lifecycle.spawn(run)


def _require_status(resource: dict[str, Any], arn: str, allowed: set[str], what: str) -> None:
    status = resource.get("status")
    if status not in allowed:
        wanted = " or ".join(sorted(allowed))
        raise InUse(f"The {what} {arn} is in status {status}; it must be {wanted}.")


def _name_from_arn(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


# --- dataset groups --------------------------------------------------------------------------


@operation("CreateDatasetGroup")
def create_dataset_group(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    arn = emu.arn(region, f"dataset-group/{p['name']}")
    if p.get("kmsKeyArn") and not p.get("roleArn"):
        raise InvalidInput(
            "roleArn is required when kmsKeyArn is given: Personalize uses the role to "
            "access the key."
        )
    with emu.store.lock:
        _unique_name(emu, "dataset_group", arn)
        emu.store.add(
            "dataset_group",
            arn,
            {
                "name": p["name"],
                "datasetGroupArn": arn,
                "status": PENDING,
                "roleArn": p.get("roleArn"),
                "kmsKeyArn": p.get("kmsKeyArn"),
                "domain": p.get("domain"),
                "_tags": p.get("tags", []),
            },
        )
    _advance(emu, "dataset_group", arn)
    result = {"datasetGroupArn": arn}
    if p.get("domain"):
        result["domain"] = p["domain"]
    return result


@operation("DescribeDatasetGroup")
def describe_dataset_group(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    return {"datasetGroup": public(emu.store.get("dataset_group", p["datasetGroupArn"]))}


@operation("ListDatasetGroups")
def list_dataset_groups(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    return _listing("ListDatasetGroups", emu.store.all("dataset_group"), p)


@operation("DeleteDatasetGroup")
def delete_dataset_group(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    arn = p["datasetGroupArn"]
    with emu.store.lock:
        group = emu.store.get("dataset_group", arn)
        _require_status(group, arn, SETTLED, "dataset group")
        datasets = [d for d in emu.store.all("dataset") if d["datasetGroupArn"] == arn]
        solutions = [s for s in emu.store.all("solution") if s["datasetGroupArn"] == arn]
        if datasets or solutions:
            raise InUse(
                f"Dataset group {arn} still has {len(datasets)} dataset(s) and "
                f"{len(solutions)} solution(s); delete them first."
            )
        _delete(emu, "dataset_group", arn)
    return {}


# --- schemas ---------------------------------------------------------------------------------


def _parse_avro(text: str) -> DatasetSchema:
    try:
        return parse_schema(text, source="schema")
    except (DataError, KeyError, TypeError, AttributeError) as exc:
        message = exc.message if isinstance(exc, DataError) else str(exc)
        raise InvalidInput(f"The schema is not a valid Avro schema: {message}") from None


@operation("CreateSchema")
def create_schema(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    arn = emu.arn(region, f"schema/{p['name']}")
    _parse_avro(p["schema"])
    with emu.store.lock:
        _unique_name(emu, "schema", arn)
        emu.store.add(
            "schema",
            arn,
            {"name": p["name"], "schemaArn": arn, "schema": p["schema"], "domain": p.get("domain")},
        )
    return {"schemaArn": arn}


@operation("DescribeSchema")
def describe_schema(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    return {"schema": public(emu.store.get("schema", p["schemaArn"]))}


@operation("ListSchemas")
def list_schemas(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    return _listing("ListSchemas", emu.store.all("schema"), p)


@operation("DeleteSchema")
def delete_schema(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    arn = p["schemaArn"]
    with emu.store.lock:
        emu.store.get("schema", arn)
        users = [d["datasetArn"] for d in emu.store.all("dataset") if d["schemaArn"] == arn]
        if users:
            raise InUse(f"Schema {arn} is used by dataset(s) {', '.join(users)}.")
        emu.store.remove("schema", arn)
    return {}


# --- datasets --------------------------------------------------------------------------------


def _dataset_type(raw: str) -> str:
    for known in DATASET_TYPES:
        if raw.lower() == known.lower():
            return known
    raise InvalidInput(
        f"Value '{raw}' at 'datasetType' is not valid; use one of {', '.join(DATASET_TYPES)}."
    )


@operation("CreateDataset")
def create_dataset(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    dataset_type = _dataset_type(p["datasetType"])
    with emu.store.lock:
        group = emu.store.get("dataset_group", p["datasetGroupArn"])
        schema_doc = emu.store.get("schema", p["schemaArn"])
        _require_status(group, p["datasetGroupArn"], {ACTIVE}, "dataset group")
        schema = _parse_avro(schema_doc["schema"])
        missing = [f for f in REQUIRED_FIELDS[dataset_type] if not schema.has(f)]
        if missing:
            raise InvalidInput(
                f"Schema {p['schemaArn']} lacks required field(s) {', '.join(missing)} "
                f"for a {dataset_type} dataset."
            )
        arn = emu.arn(region, f"dataset/{group['name']}/{dataset_type.upper()}")
        _unique_name(emu, "dataset", arn)
        emu.store.add(
            "dataset",
            arn,
            {
                "name": p["name"],
                "datasetArn": arn,
                "datasetGroupArn": p["datasetGroupArn"],
                "datasetType": dataset_type,
                "schemaArn": p["schemaArn"],
                "status": PENDING,
                "_tags": p.get("tags", []),
            },
        )
    _advance(emu, "dataset", arn)
    return {"datasetArn": arn}


@operation("DescribeDataset")
def describe_dataset(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    return {"dataset": public(emu.store.get("dataset", p["datasetArn"]))}


@operation("ListDatasets")
def list_datasets(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    items = emu.store.all("dataset")
    if p.get("datasetGroupArn"):
        emu.store.get("dataset_group", p["datasetGroupArn"])
        items = [d for d in items if d["datasetGroupArn"] == p["datasetGroupArn"]]
    return _listing("ListDatasets", items, p)


@operation("DeleteDataset")
def delete_dataset(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    arn = p["datasetArn"]
    with emu.store.lock:
        dataset = emu.store.get("dataset", arn)
        _require_status(dataset, arn, SETTLED, "dataset")
        running = [
            j["datasetImportJobArn"]
            for j in emu.store.all("dataset_import_job")
            if j["datasetArn"] == arn and j["status"] in BUSY
        ]
        if running:
            raise InUse(f"Dataset {arn} has import job(s) in progress: {', '.join(running)}.")
        _delete(emu, "dataset", arn, also=lambda: _forget_jobs(emu, arn))
    return {}


def _forget_jobs(emu: Emulator, dataset_arn: str) -> None:
    for job in emu.store.all("dataset_import_job"):
        if job["datasetArn"] == dataset_arn:
            emu.store.remove("dataset_import_job", job["datasetImportJobArn"])


# --- dataset import jobs ---------------------------------------------------------------------


@operation("CreateDatasetImportJob")
def create_dataset_import_job(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    arn = emu.arn(region, f"dataset-import-job/{p['jobName']}")
    with emu.store.lock:
        dataset = emu.store.get("dataset", p["datasetArn"])
        _require_status(dataset, p["datasetArn"], {ACTIVE}, "dataset")
        _unique_name(emu, "dataset_import_job", arn)
        running = [j for j in emu.store.all("dataset_import_job") if j["status"] in BUSY]
        if len(running) >= MAX_RUNNING_IMPORTS:
            raise LimitExceeded(
                f"You have reached the limit of {MAX_RUNNING_IMPORTS} dataset import jobs "
                "that are pending or in progress. Wait for one to finish and try again."
            )
        emu.store.add(
            "dataset_import_job",
            arn,
            {
                "jobName": p["jobName"],
                "datasetImportJobArn": arn,
                "datasetArn": p["datasetArn"],
                "dataSource": p["dataSource"],
                "roleArn": p["roleArn"],
                "status": PENDING,
                "importMode": p.get("importMode", "FULL"),
                "publishAttributionMetricsToS3": p.get("publishAttributionMetricsToS3", False),
                "_tags": p.get("tags", []),
            },
        )

    def work(job: dict[str, Any]) -> None:
        imports.run(emu, job)

    _advance(emu, "dataset_import_job", arn, work)
    return {"datasetImportJobArn": arn}


@operation("DescribeDatasetImportJob")
def describe_dataset_import_job(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    job = emu.store.get("dataset_import_job", p["datasetImportJobArn"])
    return {"datasetImportJob": public(job)}


@operation("ListDatasetImportJobs")
def list_dataset_import_jobs(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    items = emu.store.all("dataset_import_job")
    if p.get("datasetArn"):
        items = [j for j in items if j["datasetArn"] == p["datasetArn"]]
    return _listing("ListDatasetImportJobs", items, p)


# --- solutions -------------------------------------------------------------------------------


def _recipe(recipe_arn: str) -> str:
    name = training.recipe_name(recipe_arn)
    if not recipe_arn.startswith(training.RECIPE_PREFIX):
        raise InvalidInput(f"Recipe {recipe_arn} is not a service recipe ARN.")
    if name in training.UNSUPPORTED_RECIPES:
        raise InvalidInput(
            f"Recipe {name} exists in Amazon Personalize but the local emulator does not train "
            f"it; use one of {', '.join(training.RECIPES)}."
        )
    if name not in training.RECIPES:
        from .errors import not_found

        raise not_found(recipe_arn)
    return name


@operation("CreateSolution")
def create_solution(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    if p.get("performAutoML"):
        raise InvalidInput("performAutoML is not supported by the local emulator; pass recipeArn.")
    if not p.get("recipeArn"):
        raise InvalidInput("recipeArn is required when performAutoML is false.")
    _recipe(p["recipeArn"])
    arn = emu.arn(region, f"solution/{p['name']}")
    with emu.store.lock:
        group = emu.store.get("dataset_group", p["datasetGroupArn"])
        _require_status(group, p["datasetGroupArn"], {ACTIVE}, "dataset group")
        _unique_name(emu, "solution", arn)
        emu.store.add(
            "solution",
            arn,
            {
                "name": p["name"],
                "solutionArn": arn,
                "performHPO": p.get("performHPO", False),
                "performAutoML": False,
                "performAutoTraining": p.get("performAutoTraining", False),
                "recipeArn": p["recipeArn"],
                "datasetGroupArn": p["datasetGroupArn"],
                "eventType": p.get("eventType"),
                "solutionConfig": p.get("solutionConfig"),
                "status": PENDING,
                "_tags": p.get("tags", []),
            },
        )
    _advance(emu, "solution", arn)
    return {"solutionArn": arn}


def _version_summary(version: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "solutionVersionArn",
        "status",
        "trainingMode",
        "trainingType",
        "creationDateTime",
        "lastUpdatedDateTime",
        "failureReason",
    )
    return {k: version[k] for k in keys if version.get(k) is not None}


@operation("DescribeSolution")
def describe_solution(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    with emu.store.lock:
        solution = public(emu.store.get("solution", p["solutionArn"]))
        versions = [
            v for v in emu.store.all("solution_version") if v["solutionArn"] == p["solutionArn"]
        ]
    if versions:
        latest = max(versions, key=lambda v: v["creationDateTime"])
        solution["latestSolutionVersion"] = _version_summary(latest)
    return {"solution": solution}


@operation("ListSolutions")
def list_solutions(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    items = emu.store.all("solution")
    if p.get("datasetGroupArn"):
        items = [s for s in items if s["datasetGroupArn"] == p["datasetGroupArn"]]
    return _listing("ListSolutions", items, p)


@operation("DeleteSolution")
def delete_solution(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    arn = p["solutionArn"]
    with emu.store.lock:
        solution = emu.store.get("solution", arn)
        _require_status(solution, arn, SETTLED, "solution")
        versions = [v for v in emu.store.all("solution_version") if v["solutionArn"] == arn]
        version_arns = {v["solutionVersionArn"] for v in versions}
        campaigns = [
            c["campaignArn"]
            for c in emu.store.all("campaign")
            if c["solutionVersionArn"] in version_arns
            or (c.get("latestCampaignUpdate") or {}).get("solutionVersionArn") in version_arns
        ]
        if campaigns:
            raise InUse(f"Solution {arn} is used by campaign(s) {', '.join(campaigns)}.")
        training_now = [
            v["solutionVersionArn"] for v in versions if v["status"] in BUSY | {STOPPING}
        ]
        if training_now:
            raise InUse(f"Solution {arn} has solution version(s) in training: {training_now[0]}.")

        def forget_versions() -> None:
            for version_arn in version_arns:
                emu.store.remove("solution_version", version_arn)

        _delete(emu, "solution", arn, also=forget_versions)
    return {}


# --- solution versions -----------------------------------------------------------------------


def _interactions(emu: Emulator, group_arn: str) -> tuple[pl.DataFrame, int]:
    """The group's interactions and the number of distinct items (Interactions + Items)."""
    with emu.store.lock:
        datasets = [d for d in emu.store.all("dataset") if d["datasetGroupArn"] == group_arn]
        frames = {d["datasetType"]: emu.store.data.get(d["datasetArn"]) for d in datasets}
    frame = frames.get("Interactions")
    if frame is None or frame.height == 0:
        raise training.TrainingFailure(
            "Insufficient data for training: the dataset group has no imported interactions; "
            "import data into its Interactions dataset first."
        )
    items = set(frame["ITEM_ID"].unique().to_list())
    if frames.get("Items") is not None:
        items |= set(frames["Items"]["ITEM_ID"].unique().to_list())
    return frame, len(items)


def _train(emu: Emulator, version: dict[str, Any]) -> None:
    version_arn = version["solutionVersionArn"]
    solution = emu.store.get("solution", version["solutionArn"])
    forced = emu.faults.job_failure("training")
    if forced:
        raise training.TrainingFailure(forced)
    recipe = training.recipe_name(solution["recipeArn"])
    frame, catalogue = _interactions(emu, solution["datasetGroupArn"])
    frame = training.apply_solution_filters(frame, solution)
    training.check_minimums(frame)
    scores = metrics.evaluate(frame, catalogue, lambda part: training.fit(part, recipe))
    model = training.fit(frame, recipe)
    with emu.store.lock:
        if emu.store.find("solution_version", version_arn) is version:
            emu.store.models[version_arn] = model
            version["_metrics"] = scores


@operation("CreateSolutionVersion")
def create_solution_version(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    solution_arn = p["solutionArn"]
    mode = p.get("trainingMode", "FULL")
    with emu.store.lock:
        solution = emu.store.get("solution", solution_arn)
        _require_status(solution, solution_arn, {ACTIVE}, "solution")
        versions = [
            v for v in emu.store.all("solution_version") if v["solutionArn"] == solution_arn
        ]
        busy = [v for v in versions if v["status"] in BUSY | {STOPPING}]
        if busy:
            raise InUse(
                f"Solution {solution_arn} already has a solution version in training: "
                f"{busy[0]['solutionVersionArn']}."
            )
        recipe = training.recipe_name(solution["recipeArn"])
        if mode == "AUTOTRAIN":
            raise InvalidInput("trainingMode AUTOTRAIN is set by the service, not by requests.")
        if mode == "UPDATE":
            if recipe not in training.UPDATE_RECIPES:
                raise InvalidInput(
                    "The UPDATE training mode is supported only for solutions created with the "
                    "User-Personalization recipe or the legacy HRNN-Coldstart recipe; solution "
                    f"{solution_arn} uses {recipe}. Use trainingMode FULL."
                )
            if not any(v["status"] == ACTIVE for v in versions):
                raise InvalidInput("trainingMode UPDATE needs an ACTIVE solution version (FULL).")
        arn = f"{solution_arn}/{uuid.uuid4().hex[:8]}"
        emu.store.add(
            "solution_version",
            arn,
            {
                "name": p.get("name"),
                "solutionVersionArn": arn,
                "solutionArn": solution_arn,
                "performHPO": solution.get("performHPO", False),
                "performAutoML": False,
                "recipeArn": solution["recipeArn"],
                "eventType": solution.get("eventType"),
                "datasetGroupArn": solution["datasetGroupArn"],
                "solutionConfig": solution.get("solutionConfig"),
                "trainingMode": mode,
                "trainingType": "MANUAL",
                "status": PENDING,
                "_tags": p.get("tags", []),
            },
        )
    _advance(emu, "solution_version", arn, lambda version: _train(emu, version))
    return {"solutionVersionArn": arn}


@operation("DescribeSolutionVersion")
def describe_solution_version(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    version = emu.store.get("solution_version", p["solutionVersionArn"])
    return {"solutionVersion": public(version)}


@operation("ListSolutionVersions")
def list_solution_versions(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    items = emu.store.all("solution_version")
    if p.get("solutionArn"):
        emu.store.get("solution", p["solutionArn"])
        items = [v for v in items if v["solutionArn"] == p["solutionArn"]]
    return _listing("ListSolutionVersions", items, p)


@operation("StopSolutionVersionCreation")
def stop_solution_version_creation(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    arn = p["solutionVersionArn"]
    with emu.store.lock:
        version = emu.store.get("solution_version", arn)
        status = version["status"]
        if status == PENDING:
            emu.store.transition("solution_version", arn, {PENDING}, STOPPED)
            return {}
        if status != IN_PROGRESS:
            raise InUse(
                f"Solution version {arn} is in status {status}; only a version in "
                f"{PENDING} or {IN_PROGRESS} can be stopped."
            )
        emu.store.transition("solution_version", arn, {IN_PROGRESS}, STOPPING)

    def finish() -> None:
        emu.lifecycle.sleep()
        if emu.store.transition("solution_version", arn, {STOPPING}, STOPPED, version):
            emu.store.models.pop(arn, None)

    emu.lifecycle.spawn(finish)
    return {}


@operation("GetSolutionMetrics")
def get_solution_metrics(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    arn = p["solutionVersionArn"]
    version = emu.store.get("solution_version", arn)
    _require_status(version, arn, {ACTIVE}, "solution version")
    return {"solutionVersionArn": arn, "metrics": dict(version.get("_metrics") or {})}


# --- campaigns -------------------------------------------------------------------------------


def _active_version(emu: Emulator, arn: str) -> dict[str, Any]:
    version = emu.store.get("solution_version", arn)
    _require_status(version, arn, {ACTIVE}, "solution version")
    return version


@operation("CreateCampaign")
def create_campaign(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    arn = emu.arn(region, f"campaign/{p['name']}")
    with emu.store.lock:
        _active_version(emu, p["solutionVersionArn"])
        _unique_name(emu, "campaign", arn)
        emu.store.add(
            "campaign",
            arn,
            {
                "name": p["name"],
                "campaignArn": arn,
                "solutionVersionArn": p["solutionVersionArn"],
                "minProvisionedTPS": p.get("minProvisionedTPS", 1),
                "campaignConfig": p.get("campaignConfig") or {},
                "status": PENDING,
                "_tags": p.get("tags", []),
            },
        )
    _advance(emu, "campaign", arn, lambda _: emu.faults.job_failure("campaigns"))
    return {"campaignArn": arn}


@operation("DescribeCampaign")
def describe_campaign(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    return {"campaign": public(emu.store.get("campaign", p["campaignArn"]))}


@operation("ListCampaigns")
def list_campaigns(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    items = emu.store.all("campaign")
    if p.get("solutionArn"):
        emu.store.get("solution", p["solutionArn"])
        prefix = p["solutionArn"] + "/"
        items = [c for c in items if c["solutionVersionArn"].startswith(prefix)]
    return _listing("ListCampaigns", items, p)


@operation("UpdateCampaign")
def update_campaign(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    arn = p["campaignArn"]
    with emu.store.lock:
        campaign = emu.store.get("campaign", arn)
        _require_status(campaign, arn, SETTLED, "campaign")
        update = campaign.get("latestCampaignUpdate") or {}
        if update.get("status") in BUSY:
            raise InUse(f"Campaign {arn} already has an update in progress.")
        version_arn = p.get("solutionVersionArn", campaign["solutionVersionArn"])
        _active_version(emu, version_arn)
        stamp = time.time()
        campaign["latestCampaignUpdate"] = {
            "solutionVersionArn": version_arn,
            "minProvisionedTPS": p.get("minProvisionedTPS", campaign["minProvisionedTPS"]),
            "campaignConfig": p.get("campaignConfig", campaign["campaignConfig"]),
            "status": PENDING,
            "creationDateTime": stamp,
            "lastUpdatedDateTime": stamp,
        }
        campaign["lastUpdatedDateTime"] = stamp

    def run() -> None:
        for status in (IN_PROGRESS, ACTIVE):
            emu.lifecycle.sleep()
            with emu.store.lock:
                current = emu.store.find("campaign", arn)
                if current is None or current.get("latestCampaignUpdate") is not update_ref:
                    return
                update_ref["status"] = status
                update_ref["lastUpdatedDateTime"] = time.time()
                if status == ACTIVE:
                    current["solutionVersionArn"] = update_ref["solutionVersionArn"]
                    current["minProvisionedTPS"] = update_ref["minProvisionedTPS"]
                    current["campaignConfig"] = update_ref["campaignConfig"]
                    current["status"] = ACTIVE
                    current.pop("failureReason", None)
                    current["lastUpdatedDateTime"] = time.time()

    update_ref = campaign["latestCampaignUpdate"]
    emu.lifecycle.spawn(run)
    return {"campaignArn": arn}


@operation("DeleteCampaign")
def delete_campaign(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    arn = p["campaignArn"]
    with emu.store.lock:
        campaign = emu.store.get("campaign", arn)
        _require_status(campaign, arn, SETTLED, "campaign")
        _delete(emu, "campaign", arn)
    return {}


# --- recipes ---------------------------------------------------------------------------------

_RECIPE_EPOCH = 1_546_300_800.0  # 2019-01-01: a fixed creation time for the built-in recipes


def _recipe_doc(name: str) -> dict[str, Any]:
    recipe_type, description = training.RECIPES[name]
    return {
        "name": name,
        "recipeArn": training.RECIPE_PREFIX + name,
        "algorithmArn": f"arn:aws:personalize:::algorithm/{name}",
        "status": ACTIVE,
        "description": description,
        "recipeType": recipe_type,
        "creationDateTime": _RECIPE_EPOCH,
        "lastUpdatedDateTime": _RECIPE_EPOCH,
    }


@operation("ListRecipes")
def list_recipes(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    if p.get("domain"):
        return {"recipes": []}
    result = _listing("ListRecipes", [_recipe_doc(name) for name in training.RECIPES], p)
    result["recipes"].sort(key=lambda r: r["name"])
    return result


@operation("DescribeRecipe")
def describe_recipe(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    return {"recipe": _recipe_doc(_recipe(p["recipeArn"]))}


def dumps(value: Any) -> str:
    """JSON for answers (NaN would break clients: metrics are always finite)."""
    return json.dumps(
        value, default=lambda v: None if isinstance(v, float) and math.isnan(v) else str(v)
    )
