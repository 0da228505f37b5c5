"""Shared helpers for the workflow unit tests (a uniquely named module, imported by the tests)."""

from __future__ import annotations

import datetime as dt

from personalize_movielens.outputs import StackOutputs

REGION = "eu-west-1"
ACCOUNT = "123456789012"
DSG = f"arn:aws:personalize:{REGION}:{ACCOUNT}:dataset-group/movielens"
INTERACTIONS = f"arn:aws:personalize:{REGION}:{ACCOUNT}:dataset/movielens/INTERACTIONS"
ITEMS = f"arn:aws:personalize:{REGION}:{ACCOUNT}:dataset/movielens/ITEMS"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/movielens-personalize"
SCHEMA = f"arn:aws:personalize:{REGION}:{ACCOUNT}:schema/movielens-interactions"


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
