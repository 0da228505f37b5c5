"""Shared helpers for the workflow unit tests (a uniquely named module, imported by the tests)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from botocore.stub import Stubber

from personalize_movielens.outputs import StackOutputs

REGION = "eu-west-1"
ACCOUNT = "123456789012"
DSG = f"arn:aws:personalize:{REGION}:{ACCOUNT}:dataset-group/movielens"
INTERACTIONS = f"arn:aws:personalize:{REGION}:{ACCOUNT}:dataset/movielens/INTERACTIONS"
ITEMS = f"arn:aws:personalize:{REGION}:{ACCOUNT}:dataset/movielens/ITEMS"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/movielens-personalize"
SCHEMA = f"arn:aws:personalize:{REGION}:{ACCOUNT}:schema/movielens-interactions"
SOLUTION_NAME = "movielens-user-personalization-v2"
SOL = f"arn:aws:personalize:{REGION}:{ACCOUNT}:solution/{SOLUTION_NAME}"
BASE_SOL = f"arn:aws:personalize:{REGION}:{ACCOUNT}:solution/movielens-popularity-count"
CAMPAIGN = f"arn:aws:personalize:{REGION}:{ACCOUNT}:campaign/{SOLUTION_NAME}"


def make_outputs(kms_key_arn: str | None = None) -> StackOutputs:
    return StackOutputs(
        region=REGION,
        bucket_name="movielens-data",
        data_prefix="personalize/input/",
        personalize_role_arn=ROLE,
        dataset_group_arn=DSG,
        dataset_arns={"Interactions": INTERACTIONS, "Items": ITEMS},
        schema_arns={"Interactions": SCHEMA},
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


def when(minutes: int) -> dt.datetime:
    return dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)


def solution_summary(
    name: str = SOLUTION_NAME, arn: str = SOL, status: str = "ACTIVE", **extra: Any
) -> dict[str, Any]:
    """A ListSolutions member: most tests list the default solution, ACTIVE, by this shape."""
    return {"name": name, "solutionArn": arn, "status": status, **extra}


def campaign_summary(
    name: str = SOLUTION_NAME, arn: str = CAMPAIGN, status: str = "ACTIVE", **extra: Any
) -> dict[str, Any]:
    """A ListCampaigns member: deploy, recommend, status and cleanup all find the campaign so."""
    return {"name": name, "campaignArn": arn, "status": status, **extra}


def expect_solutions(
    stub: Stubber, solutions: list[dict[str, Any]], dataset_group: str = DSG
) -> None:
    """ListSolutions on the dataset group: the first call of most workflow commands."""
    stub.add_response(
        "list_solutions", {"solutions": solutions}, {"datasetGroupArn": dataset_group}
    )


def expect_campaigns(stub: Stubber, solution_arn: str, campaigns: list[dict[str, Any]]) -> None:
    """ListCampaigns of one solution, as deploy, recommend, status and cleanup look it up."""
    stub.add_response("list_campaigns", {"campaigns": campaigns}, {"solutionArn": solution_arn})


def expect_versions(stub: Stubber, solution_arn: str, versions: list[dict[str, Any]]) -> None:
    """ListSolutionVersions of one solution, as train, deploy, status and cleanup read it."""
    stub.add_response(
        "list_solution_versions", {"solutionVersions": versions}, {"solutionArn": solution_arn}
    )
