"""Stubbed clients for the recommender and filter tests (a uniquely named module).

botocore's Stubber answers each call from a queue and checks both sides against the service
model: the request's parameters (`expected_params`, and the model's own validation) and the
response's shape. So these tests check the calls the tool makes against botocore's model of
Personalize, not against the tool's own idea of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from botocore.stub import Stubber
from wf_helpers import DSG, REGION, FakeClock, make_outputs

from personalize_movielens.workflow.clients import make_clients
from personalize_movielens.workflow.context import WorkflowContext
from personalize_movielens.workflow.plan import Plan
from personalize_movielens.workflow.settings import Settings

ACCOUNT_PREFIX = DSG.split(":dataset-group/")[0]
GENRE_FILTER = f"{ACCOUNT_PREFIX}:filter/movielens-genre"
UNWATCHED_FILTER = f"{ACCOUNT_PREFIX}:filter/movielens-unwatched"
FILTERS = {"genre": GENRE_FILTER, "unwatched": UNWATCHED_FILTER}
WHEN = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def recommender_arn(name: str) -> str:
    return f"{ACCOUNT_PREFIX}:recommender/{name}"


def recommender(name: str, status: str = "ACTIVE", min_rps: int = 1, **more: Any) -> dict:
    """A Recommender / RecommenderSummary as the service describes it."""
    return {
        "name": name,
        "recommenderArn": recommender_arn(name),
        "datasetGroupArn": DSG,
        "recipeArn": "arn:aws:personalize:::recipe/aws-vod-" + name.removeprefix("movielens-vod-"),
        "recommenderConfig": {"minRecommendationRequestsPerSecond": min_rps},
        "status": status,
        "creationDateTime": WHEN,
        "lastUpdatedDateTime": WHEN,
        **more,
    }


@dataclass
class Stubbed:
    ctx: WorkflowContext
    personalize: Stubber
    runtime: Stubber

    def listing(self, *recommenders: dict) -> None:
        self.personalize.add_response(
            "list_recommenders",
            {"recommenders": [_summary(r) for r in recommenders]},
            {"datasetGroupArn": DSG},
        )

    def describe(self, rec: dict) -> None:
        self.personalize.add_response(
            "describe_recommender",
            {"recommender": rec},
            {"recommenderArn": rec["recommenderArn"]},
        )

    def describe_filter(self, arn: str, expression: str, status: str = "ACTIVE") -> None:
        name = arn.rsplit("/", 1)[1]
        answer = {"filterArn": arn, "name": name, "filterExpression": expression, "status": status}
        self.personalize.add_response("describe_filter", {"filter": answer}, {"filterArn": arn})


def _summary(rec: dict) -> dict:
    keys = {
        "name",
        "recommenderArn",
        "datasetGroupArn",
        "recipeArn",
        "recommenderConfig",
        "status",
        "creationDateTime",
        "lastUpdatedDateTime",
    }
    return {k: v for k, v in rec.items() if k in keys}


@contextmanager
def stubbed(domain: str | None = "VIDEO_ON_DEMAND", dry_run: bool = False) -> Iterator[Stubbed]:
    """A context on a stack of `domain` whose clients answer only from the stubs; on leaving,
    every stubbed answer must have been asked for."""
    clock = FakeClock()
    clients = make_clients(REGION, plan=Plan() if dry_run else None, check_credentials=False)
    outputs = replace(make_outputs(), domain=domain, filter_arns=dict(FILTERS))
    settings = Settings(poll_initial=1, poll_max=4, wait_timeout=1000)
    ctx = WorkflowContext(outputs, clients, settings, clock=clock.time, sleep=clock.sleep)
    with Stubber(clients.personalize) as personalize, Stubber(clients.runtime) as runtime:
        if dry_run:
            # The plan answers the calls it plans before the stubs are asked; the stubs'
            # check of each call against the head of their queue would count those calls too.
            # The call layer still validates every call against the model.
            for stub, client in ((personalize, clients.personalize), (runtime, clients.runtime)):
                client.meta.events.unregister(
                    "before-parameter-build.*.*", unique_id=stub._expected_params_event_id
                )
        yield Stubbed(ctx, personalize, runtime)
        personalize.assert_no_pending_responses()
        runtime.assert_no_pending_responses()
