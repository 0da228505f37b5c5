"""Shared helpers for the workflow tests (a uniquely named module, imported by the tests)."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from personalize_movielens.local.pytest_plugin import LocalStandIn
from personalize_movielens.outputs import StackOutputs
from personalize_movielens.workflow.clients import make_clients
from personalize_movielens.workflow.context import WorkflowContext
from personalize_movielens.workflow.deploy import DeployResult, deploy
from personalize_movielens.workflow.imports import import_data
from personalize_movielens.workflow.plan import Plan
from personalize_movielens.workflow.settings import Settings
from personalize_movielens.workflow.training import TrainReport, train
from personalize_movielens.workflow.upload import upload

REGION = "eu-west-1"
ACCOUNT = "123456789012"
DSG = f"arn:aws:personalize:{REGION}:{ACCOUNT}:dataset-group/movielens"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/movielens-personalize"
#: Polling for the stand-in: its status steps take a fraction of a second.
FAST = {"poll_initial": 0.02, "poll_max": 0.2, "wait_timeout": 60.0, "iam_propagation_window": 0.0}


def make_outputs(kms_key_arn: str | None = None) -> StackOutputs:
    """Outputs of a stack that no stand-in holds (offline tests, in-process moto)."""
    return StackOutputs(
        region=REGION,
        bucket_name="movielens-data",
        data_prefix="personalize/input/",
        personalize_role_arn=ROLE,
        dataset_group_arn=DSG,
        dataset_arns={
            "Interactions": DSG.replace("dataset-group", "dataset") + "/INTERACTIONS",
            "Items": DSG.replace("dataset-group", "dataset") + "/ITEMS",
        },
        schema_arns={},
        kms_key_arn=kms_key_arn,
    )


class FakeClock:
    """Time that only moves when the code sleeps: waits run instantly and deterministically."""

    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class SleepLog:
    """Real sleeps (the stand-in moves in real time), recorded."""

    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        time.sleep(seconds)


def offline_context(clock: FakeClock) -> WorkflowContext:
    settings = Settings(poll_initial=1, poll_max=4, wait_timeout=1000)
    clients = make_clients(REGION, check_credentials=False)
    return WorkflowContext(make_outputs(), clients, settings, clock=clock.time, sleep=clock.sleep)


def stand_in_context(
    stand_in: LocalStandIn, sleeps: SleepLog, dry_run: bool = False, **settings: Any
) -> WorkflowContext:
    clients = make_clients(stand_in.region, plan=Plan() if dry_run else None)
    return WorkflowContext(
        stand_in.outputs, clients, replace(Settings(**FAST), **settings), sleep=sleeps.sleep
    )


def imported(ctx: WorkflowContext, data_dir: Path) -> None:
    """The prepared data uploaded and imported (the state `train` starts from)."""
    upload(ctx, data_dir)
    import_data(ctx, data_dir)


def trained(
    ctx: WorkflowContext, data_dir: Path, recipe: str = "aws-popularity-count"
) -> TrainReport:
    imported(ctx, data_dir)
    return train(ctx, recipe=recipe)


def deployed(
    ctx: WorkflowContext, data_dir: Path, recipe: str = "aws-popularity-count"
) -> DeployResult:
    trained(ctx, data_dir, recipe)
    return deploy(ctx, recipe=recipe)


def names(items: list[dict[str, Any]]) -> list[str]:
    return sorted(item["name"] for item in items)
