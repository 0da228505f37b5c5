"""Recommenders: a domain use case trained on a Domain dataset group, served by the runtime.

Statuses as botocore's Recommender.status gives them: CREATE PENDING > CREATE IN_PROGRESS >
ACTIVE -or- CREATE FAILED; STOP PENDING > STOP IN_PROGRESS > INACTIVE > START PENDING > START
IN_PROGRESS > ACTIVE; DELETE PENDING > DELETE IN_PROGRESS. Creating one trains its model for
real (`emulator/use_cases.py`); the guide's data minimums unmet end it in CREATE FAILED with
the reason, as a solution version's do. Stopping keeps the model ("Starting a recommender
doesn't create a new recommender with your data", stopping-starting-recommender.html).
UpdateRecommender moves `latestRecommenderUpdate` while the recommender serves on ("The
recommender uses the previous configuration until the update completes").
"""

from __future__ import annotations

import time
from typing import Any

import polars as pl

from .. import metrics, training, use_cases
from ..errors import InUse, InvalidInput, LimitExceeded, not_found
from ..service import Emulator
from ..store import public
from .common import (
    ACTIVE,
    BUSY,
    FAILED,
    PENDING,
    Resource,
    advance,
    advance_update,
    delete,
    listing,
    operation,
    require_status,
    unique_name,
)
from .recipes import PUBLIC
from .solutions import group_interactions

#: creating-recommenders.html: "You can create at most 15 recommenders per Region."
MAX_RECOMMENDERS = 15
#: CreateRecommender: "The default minRecommendationRequestsPerSecond is 1."
DEFAULT_CONFIG = {"minRecommendationRequestsPerSecond": 1}
STOP_PENDING, STOP_IN_PROGRESS, INACTIVE = "STOP PENDING", "STOP IN_PROGRESS", "INACTIVE"
START_PENDING, START_IN_PROGRESS = "START PENDING", "START IN_PROGRESS"


def use_case_of(recipe_arn: str) -> tuple[str, use_cases.UseCase]:
    """The use case a recipe ARN names; a service recipe that is not one is refused."""
    name = training.recipe_name(recipe_arn)
    if not recipe_arn.startswith(training.RECIPE_PREFIX) or name not in PUBLIC:
        raise not_found(recipe_arn)
    use_case = use_cases.USE_CASES.get(name)
    if use_case is None:
        domain = PUBLIC[name].domain
        raise InvalidInput(
            f"Recipe {name} is not a use case the local emulator serves: "
            + (
                f"the {domain} domain's use cases are not emulated."
                if domain
                else "it is a custom recipe; create a solution with it instead."
            )
            + f" Use one of {', '.join(use_cases.USE_CASES)}."
        )
    return name, use_case


def _config(given: dict[str, Any] | None) -> dict[str, Any]:
    return {**DEFAULT_CONFIG, **(given or {})}


@operation("CreateRecommender")
def create_recommender(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    name, use_case = use_case_of(p["recipeArn"])
    arn = emu.arn(region, f"recommender/{p['name']}")
    with emu.store.lock:
        group = emu.store.get("dataset_group", p["datasetGroupArn"])
        require_status(group, p["datasetGroupArn"], {ACTIVE}, "dataset group")
        if group.get("domain") != use_case.domain:
            raise InvalidInput(
                f"Recipe {name} is a {use_case.domain} use case; dataset group "
                f"{p['datasetGroupArn']} is "
                + (
                    f"a {group['domain']} Domain dataset group."
                    if group.get("domain")
                    else "a Custom dataset group (recommenders need a Domain dataset group)."
                )
            )
        unique_name(emu, "recommender", arn)
        in_region = [r for r in emu.store.all("recommender") if r["_region"] == region]
        if len(in_region) >= MAX_RECOMMENDERS:
            raise LimitExceeded(
                f"You have reached the limit of {MAX_RECOMMENDERS} recommenders per Region; "
                "delete one and try again."
            )
        emu.store.add(
            "recommender",
            arn,
            {
                "name": p["name"],
                "recommenderArn": arn,
                "datasetGroupArn": p["datasetGroupArn"],
                "recipeArn": p["recipeArn"],
                "recommenderConfig": _config(p.get("recommenderConfig")),
                "status": PENDING,
                "_region": region,
                "_tags": p.get("tags", []),
            },
        )

    def work(recommender: Resource) -> None:
        _train(emu, recommender, name, use_case)

    advance(emu, "recommender", arn, work)
    return {"recommenderArn": arn}


def _train(emu: Emulator, recommender: Resource, name: str, use_case: use_cases.UseCase) -> None:
    """The recommender's training (background): the use case's minimums, metrics on a
    hold-out, then the model it serves."""
    forced = emu.faults.job_failure("training")
    if forced:
        raise training.TrainingFailure(forced)
    group_arn = recommender["datasetGroupArn"]
    if use_case.needs_items and not _has_items(emu, group_arn):
        raise training.TrainingFailure(
            f"Insufficient data for training: {name} trains on Interactions and Items (both "
            "required); import data into the dataset group's Items dataset first."
        )
    with group_interactions(emu, group_arn) as (frame, catalogue):
        training.check_minimums(frame)
        if use_case.watch_only:
            frame = training.watch_events(frame)
            watched = frame.select(pl.len()).collect(engine="streaming").item()
            if watched < use_cases.MIN_WATCH_EVENTS:
                raise training.TrainingFailure(
                    f"Insufficient data for training: {name} needs at least "
                    f"{use_cases.MIN_WATCH_EVENTS} Watch events (EVENT_TYPE Watch), "
                    f"found {watched}."
                )
        scores = metrics.evaluate(frame, catalogue, use_case.train)
        model = use_case.train(frame)
    with emu.store.lock:
        if emu.store.find("recommender", recommender["recommenderArn"]) is recommender:
            emu.store.models[recommender["recommenderArn"]] = model
            recommender["modelMetrics"] = scores


def _has_items(emu: Emulator, group_arn: str) -> bool:
    with emu.store.lock:
        return any(
            emu.store.data.get(d["datasetArn"])
            for d in emu.store.all("dataset")
            if d["datasetGroupArn"] == group_arn and d["datasetType"] == "Items"
        )


@operation("DescribeRecommender")
def describe_recommender(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    with emu.store.lock:
        recommender = public(emu.store.get("recommender", p["recommenderArn"]))
        if "latestRecommenderUpdate" in recommender:  # a copy: its thread moves the stored one
            recommender["latestRecommenderUpdate"] = dict(recommender["latestRecommenderUpdate"])
    # "The modelMetrics key is null when the recommender is being created or deleted."
    if recommender["status"].startswith(("CREATE", "DELETE")):
        recommender.pop("modelMetrics", None)
    return {"recommender": recommender}


@operation("ListRecommenders")
def list_recommenders(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    items = emu.store.all("recommender")
    if p.get("datasetGroupArn"):
        items = [r for r in items if r["datasetGroupArn"] == p["datasetGroupArn"]]
    return listing("ListRecommenders", items, p)


@operation("UpdateRecommender")
def update_recommender(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    arn = p["recommenderArn"]
    with emu.store.lock:
        recommender = emu.store.get("recommender", arn)
        require_status(recommender, arn, {ACTIVE}, "recommender")
        if (recommender.get("latestRecommenderUpdate") or {}).get("status") in BUSY:
            raise InUse(f"Recommender {arn} already has an update in progress.")
        stamp = time.time()
        update: Resource = {
            "recommenderConfig": {**recommender["recommenderConfig"], **p["recommenderConfig"]},
            "status": PENDING,
            "creationDateTime": stamp,
            "lastUpdatedDateTime": stamp,
        }
        recommender["latestRecommenderUpdate"] = update
    advance_update(emu, "recommender", arn, "latestRecommenderUpdate", update, _apply_update)
    return {"recommenderArn": arn}


def _apply_update(recommender: Resource, update: Resource) -> None:
    recommender["recommenderConfig"] = update["recommenderConfig"]
    recommender["lastUpdatedDateTime"] = update["lastUpdatedDateTime"]


def _move(emu: Emulator, arn: str, start: str, steps: tuple[str, ...]) -> None:
    """From `start` through each of `steps`, one step at a time; a delete meanwhile ends it."""
    with emu.store.lock:
        me = emu.store.get("recommender", arn)
        emu.store.transition("recommender", arn, None, start, me)

    def run() -> None:
        previous = start
        for status in steps:
            emu.lifecycle.sleep()
            if not emu.store.transition("recommender", arn, {previous}, status, me):
                return
            previous = status

    emu.lifecycle.spawn(run)


@operation("StopRecommender")
def stop_recommender(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    """ "Stops a recommender that is ACTIVE." Billing and retraining halt; the model stays."""
    arn = p["recommenderArn"]
    with emu.store.lock:
        require_status(emu.store.get("recommender", arn), arn, {ACTIVE}, "recommender")
        _move(emu, arn, STOP_PENDING, (STOP_IN_PROGRESS, INACTIVE))
    return {"recommenderArn": arn}


@operation("StartRecommender")
def start_recommender(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    """ "Starts a recommender that is INACTIVE"; it serves its model again once ACTIVE."""
    arn = p["recommenderArn"]
    with emu.store.lock:
        require_status(emu.store.get("recommender", arn), arn, {INACTIVE}, "recommender")
        _move(emu, arn, START_PENDING, (START_IN_PROGRESS, ACTIVE))
    return {"recommenderArn": arn}


@operation("DeleteRecommender")
def delete_recommender(emu: Emulator, p: dict[str, Any], region: str) -> dict[str, Any]:
    arn = p["recommenderArn"]
    with emu.store.lock:
        recommender = emu.store.get("recommender", arn)
        require_status(recommender, arn, {ACTIVE, FAILED, INACTIVE}, "recommender")
        delete(emu, "recommender", arn)
    return {}
