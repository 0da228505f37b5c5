"""Solutions and solution versions: a recipe on a dataset group, then training for real.

A solution is a configuration, ACTIVE as soon as it is created: the service answers so (a
solution described right after CreateSolution is ACTIVE, its creation and update times equal, in
AWS's own recorded notebook outputs), and AWS's getting-started code calls CreateSolutionVersion
right after CreateSolution. `performAutoTraining` defaults to true, as in the API; automatic
training is recorded, never run (no AUTOMATIC version is ever created). UpdateSolution changes
it, and the events configuration, through `latestSolutionUpdate` (CREATE PENDING -> CREATE
IN_PROGRESS -> ACTIVE), while the solution stays ACTIVE on its previous configuration.

A solution version trains on the group's imported interactions after the solution's filters,
is scored with the documented offline-metric method (`emulator/metrics.py`), and keeps the model
a campaign serves. One version trains at a time per solution; StopSolutionVersionCreation stops
it; deleting a solution removes its versions, never while a campaign uses one.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import polars as pl

from .. import metrics, training
from ..errors import InUse, InvalidInput
from ..service import Emulator
from ..store import public
from .common import (
    ACTIVE,
    BUSY,
    IN_PROGRESS,
    PENDING,
    SETTLED,
    STOPPED,
    STOPPING,
    Resource,
    advance,
    advance_update,
    delete,
    listing,
    operation,
    require_status,
    unique_name,
)
from .recipes import trainable_recipe

#: Statuses of a version still in training (a second one, or a delete, must wait).
TRAINING = BUSY | {STOPPING}
_VERSION_SUMMARY = (
    "solutionVersionArn",
    "status",
    "trainingMode",
    "trainingType",
    "creationDateTime",
    "lastUpdatedDateTime",
    "failureReason",
)


def _versions(emu: Emulator, solution_arn: str) -> list[Resource]:
    return [v for v in emu.store.all("solution_version") if v["solutionArn"] == solution_arn]


# --- solutions -------------------------------------------------------------------------------


#: AutoTrainingConfig.schedulingExpression: "For value, specify a number between 1 and 30."
_SCHEDULE = re.compile(r"rate\((\d+) days?\)")
_SCHEDULE_DAYS = range(1, 31)
#: Keys of an UpdateSolution's solutionUpdateConfig, copied to solutionConfig when it is ACTIVE.
_UPDATABLE_CONFIG = ("autoTrainingConfig", "eventsConfig")


def _check_auto_training(config: dict[str, Any] | None) -> None:
    """The schedule's number of days must be 1-30 (the model's pattern checks only the form)."""
    expression = ((config or {}).get("autoTrainingConfig") or {}).get("schedulingExpression")
    if expression is None:
        return
    match = _SCHEDULE.fullmatch(expression)
    if match is None or int(match.group(1)) not in _SCHEDULE_DAYS:
        raise InvalidInput(
            f"schedulingExpression {expression} is not valid: specify rate(value day) or "
            "rate(value days) with a value between 1 and 30."
        )


def _check_incremental(p: dict[str, Any]) -> None:
    if p.get("performIncrementalUpdate"):
        raise InvalidInput(
            "performIncrementalUpdate is supported only for solutions that use the "
            "semantic-similarity recipe, which the local emulator does not train."
        )


@operation("CreateSolution")
def create_solution(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    if p.get("performAutoML"):
        raise InvalidInput("performAutoML is not supported by the local emulator; pass recipeArn.")
    if not p.get("recipeArn"):
        raise InvalidInput("recipeArn is required when performAutoML is false.")
    trainable_recipe(p["recipeArn"])
    _check_incremental(p)
    _check_auto_training(p.get("solutionConfig"))
    arn = emu.arn(region, f"solution/{p['name']}")
    with emu.store.lock:
        group = emu.store.get("dataset_group", p["datasetGroupArn"])
        require_status(group, p["datasetGroupArn"], {ACTIVE}, "dataset group")
        unique_name(emu, "solution", arn)
        emu.store.add(
            "solution",
            arn,
            {
                "name": p["name"],
                "solutionArn": arn,
                "performHPO": p.get("performHPO", False),
                "performAutoML": False,
                # "The default is True": recorded; the emulator never trains on a schedule.
                "performAutoTraining": p.get("performAutoTraining", True),
                "recipeArn": p["recipeArn"],
                "datasetGroupArn": p["datasetGroupArn"],
                "eventType": p.get("eventType"),
                "solutionConfig": p.get("solutionConfig"),
                # ACTIVE at once, as the service answers (creationDateTime == lastUpdatedDateTime).
                "status": ACTIVE,
                "_tags": p.get("tags", []),
            },
        )
    return {"solutionArn": arn}


@operation("DescribeSolution")
def describe_solution(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    with emu.store.lock:
        solution = public(emu.store.get("solution", p["solutionArn"]))
        if "latestSolutionUpdate" in solution:  # a copy: its thread moves the stored one
            solution["latestSolutionUpdate"] = dict(solution["latestSolutionUpdate"])
        versions = _versions(emu, p["solutionArn"])
    if versions:
        latest = max(versions, key=lambda v: v["creationDateTime"])
        solution["latestSolutionVersion"] = {
            k: latest[k] for k in _VERSION_SUMMARY if latest.get(k) is not None
        }
    return {"solution": solution}


@operation("UpdateSolution")
def update_solution(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    """A new automatic-training or events configuration, applied when the update is ACTIVE."""
    arn = p["solutionArn"]
    config = p.get("solutionUpdateConfig")
    _check_incremental(p)
    _check_auto_training(config)
    with emu.store.lock:
        solution = emu.store.get("solution", arn)
        require_status(solution, arn, {ACTIVE}, "solution")
        if _updating(solution):
            raise InUse(f"Solution {arn} already has an update in progress.")
        stamp = time.time()
        update = public(
            {
                "solutionUpdateConfig": config,
                "status": PENDING,
                "performAutoTraining": p.get(
                    "performAutoTraining", solution["performAutoTraining"]
                ),
                "creationDateTime": stamp,
                "lastUpdatedDateTime": stamp,
            }
        )
        solution["latestSolutionUpdate"] = update
    advance_update(emu, "solution", arn, "latestSolutionUpdate", update, _apply_update)
    return {"solutionArn": arn}


def _updating(solution: Resource) -> bool:
    return (solution.get("latestSolutionUpdate") or {}).get("status") in BUSY


def _apply_update(solution: Resource, update: Resource) -> None:
    """The update turned ACTIVE ("Until the update completes, the solution uses the previous
    configuration"): automatic training, and the configurations it gave, replace the old."""
    solution["performAutoTraining"] = update["performAutoTraining"]
    given = {
        key: value
        for key, value in (update.get("solutionUpdateConfig") or {}).items()
        if key in _UPDATABLE_CONFIG and value is not None
    }
    if given:  # "the new events config will replace the original one"
        solution["solutionConfig"] = {**(solution.get("solutionConfig") or {}), **given}
    solution["lastUpdatedDateTime"] = update["lastUpdatedDateTime"]


@operation("ListSolutions")
def list_solutions(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    items = emu.store.all("solution")
    if p.get("datasetGroupArn"):
        items = [s for s in items if s["datasetGroupArn"] == p["datasetGroupArn"]]
    return listing("ListSolutions", items, p)


@operation("DeleteSolution")
def delete_solution(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    arn = p["solutionArn"]
    with emu.store.lock:
        solution = emu.store.get("solution", arn)
        require_status(solution, arn, SETTLED, "solution")
        if _updating(solution):  # "While the update is in progress, ... you can't delete"
            raise InUse(f"Solution {arn} has an update in progress; delete it when that ends.")
        versions = _versions(emu, arn)
        version_arns = {v["solutionVersionArn"] for v in versions}
        campaigns = [
            c["campaignArn"]
            for c in emu.store.all("campaign")
            if c["solutionVersionArn"] in version_arns
            or (c.get("latestCampaignUpdate") or {}).get("solutionVersionArn") in version_arns
        ]
        if campaigns:
            raise InUse(f"Solution {arn} is used by campaign(s) {', '.join(campaigns)}.")
        training_now = [v["solutionVersionArn"] for v in versions if v["status"] in TRAINING]
        if training_now:
            raise InUse(f"Solution {arn} has solution version(s) in training: {training_now[0]}.")

        def forget_versions() -> None:
            for version_arn in version_arns:
                emu.store.remove("solution_version", version_arn)

        delete(emu, "solution", arn, also=forget_versions)
    return {}


# --- solution versions -----------------------------------------------------------------------


@contextmanager
def group_interactions(emu: Emulator, group_arn: str) -> Iterator[tuple[pl.LazyFrame, int]]:
    """The group's interactions, read lazily from the store's files (which stay until the block
    ends), and the number of distinct items (Interactions + Items)."""
    with emu.store.lock:
        arns = {
            d["datasetType"]: d["datasetArn"]
            for d in emu.store.all("dataset")
            if d["datasetGroupArn"] == group_arn
        }
    with emu.store.reading(arns.get("Interactions", ""), arns.get("Items", "")) as found:
        rows, catalogue = found
        if rows is None or rows.select(pl.len()).collect(engine="streaming").item() == 0:
            raise training.TrainingFailure(
                "Insufficient data for training: the dataset group has no imported "
                "interactions; import data into its Interactions dataset first."
            )
        ids = [rows.select("ITEM_ID")]
        if catalogue is not None:
            ids.append(catalogue.select("ITEM_ID"))
        items = pl.concat(ids).select(pl.col("ITEM_ID").n_unique()).collect(engine="streaming")
        yield rows, int(items.item())


def _train(emu: Emulator, version: Resource) -> None:
    """The training job (on a background thread): metrics on a hold-out, then the full model."""
    version_arn = version["solutionVersionArn"]
    solution = emu.store.get("solution", version["solutionArn"])
    forced = emu.faults.job_failure("training")
    if forced:
        raise training.TrainingFailure(forced)
    recipe = training.recipe_name(solution["recipeArn"])
    with group_interactions(emu, solution["datasetGroupArn"]) as (frame, catalogue):
        frame = training.apply_solution_filters(frame, solution)
        training.check_minimums(frame)
        scores = metrics.evaluate(frame, catalogue, lambda part: training.fit(part, recipe))
        model = training.fit(frame, recipe)
    with emu.store.lock:
        if emu.store.find("solution_version", version_arn) is version:
            emu.store.models[version_arn] = model
            version["_metrics"] = scores


def _check_training_mode(
    mode: str, recipe: str, solution_arn: str, versions: list[Resource]
) -> None:
    """UPDATE only for the recipes the reference names, and only after an ACTIVE FULL version."""
    if mode == "AUTOTRAIN":
        raise InvalidInput("trainingMode AUTOTRAIN is set by the service, not by requests.")
    if mode != "UPDATE":
        return
    if recipe not in training.UPDATE_RECIPES:
        raise InvalidInput(
            "The UPDATE training mode is supported only for solutions created with the "
            "User-Personalization recipe or the legacy HRNN-Coldstart recipe; solution "
            f"{solution_arn} uses {recipe}. Use trainingMode FULL."
        )
    if not any(v["status"] == ACTIVE for v in versions):
        raise InvalidInput("trainingMode UPDATE needs an ACTIVE solution version (FULL).")


@operation("CreateSolutionVersion")
def create_solution_version(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    solution_arn = p["solutionArn"]
    mode = p.get("trainingMode", "FULL")
    with emu.store.lock:
        solution = emu.store.get("solution", solution_arn)
        require_status(solution, solution_arn, {ACTIVE}, "solution")
        versions = _versions(emu, solution_arn)
        busy = [v for v in versions if v["status"] in TRAINING]
        if busy:
            raise InUse(
                f"Solution {solution_arn} already has a solution version in training: "
                f"{busy[0]['solutionVersionArn']}."
            )
        recipe = training.recipe_name(solution["recipeArn"])
        _check_training_mode(mode, recipe, solution_arn, versions)
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

    def work(version: Resource) -> None:
        _train(emu, version)

    advance(emu, "solution_version", arn, work, hours_field="trainingHours")
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
        items = _versions(emu, p["solutionArn"])
    return listing("ListSolutionVersions", items, p)


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


def active_version(emu: Emulator, arn: str) -> Resource:
    """A solution version that can serve (campaigns) or report metrics: it must be ACTIVE."""
    version = emu.store.get("solution_version", arn)
    require_status(version, arn, {ACTIVE}, "solution version")
    return version


@operation("GetSolutionMetrics")
def get_solution_metrics(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    arn = p["solutionVersionArn"]
    version = active_version(emu, arn)
    return {"solutionVersionArn": arn, "metrics": dict(version.get("_metrics") or {})}
