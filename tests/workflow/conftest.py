"""Fixtures for the workflow unit tests: a context whose clients are stubbed, a fake clock."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore.stub import Stubber
from wf_helpers import REGION, FakeClock, make_outputs

from personalize_movielens.workflow.clients import Clients, retry_config
from personalize_movielens.workflow.context import WorkflowContext
from personalize_movielens.workflow.settings import Settings


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_PERSONALIZE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def stubbed(aws_env: None, clock: FakeClock) -> Iterator[tuple[WorkflowContext, Stubber, Stubber]]:
    """A context with stubbed personalize and iam clients: (ctx, personalize stub, iam stub)."""
    session = boto3.session.Session(region_name=REGION)
    personalize = session.client("personalize")
    iam = session.client("iam")
    runtime = session.client("personalize-runtime")
    clients = Clients(
        session,
        retry_config(),
        {"personalize": personalize, "iam": iam, "personalize-runtime": runtime},
    )
    settings = Settings(
        poll_initial=1,
        poll_max=4,
        wait_timeout=1000,
        iam_propagation_window=60,
        limit_retry_window=100,
    )
    ctx = WorkflowContext(make_outputs(), clients, settings, clock=clock.time, sleep=clock.sleep)
    with Stubber(personalize) as p_stub, Stubber(iam) as i_stub, Stubber(runtime) as r_stub:
        ctx.runtime_stub = r_stub  # type: ignore[attr-defined]
        yield ctx, p_stub, i_stub
        p_stub.assert_no_pending_responses()
        i_stub.assert_no_pending_responses()
