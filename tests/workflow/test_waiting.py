"""Waits: backoff up to the cap, transient errors polled through, a timeout that cancels nothing."""

from __future__ import annotations

import pytest

from personalize_movielens.errors import CloudError
from personalize_movielens.workflow.clients import AwsCallError
from personalize_movielens.workflow.waiting import Observation, wait_until


def sequence(*items):
    queue = list(items)

    def observe() -> Observation:
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return Observation(item)

    return observe


def test_backoff_grows_to_the_cap(offline, clock) -> None:
    ctx = offline
    observe = sequence(*["CREATE IN_PROGRESS"] * 6, "ACTIVE")
    assert wait_until(ctx, "job", observe).status == "ACTIVE"
    assert clock.sleeps == [1, 1.5, 2.25, 3.375, 4, 4]


def test_transient_errors_are_polled_through(offline, clock) -> None:
    ctx = offline
    throttled = AwsCallError("personalize Describe", "ThrottlingException", "Rate exceeded")
    unavailable = AwsCallError("personalize Describe", "ServiceUnavailable", "try later")
    observe = sequence("CREATE PENDING", throttled, unavailable, "ACTIVE")
    assert wait_until(ctx, "job", observe).status == "ACTIVE"


def test_other_errors_stop_the_wait(offline) -> None:
    ctx = offline
    denied = AwsCallError("personalize Describe", "AccessDeniedException", "no")
    with pytest.raises(AwsCallError, match="AccessDenied"):
        wait_until(ctx, "job", sequence("CREATE PENDING", denied))


def test_timeout_says_to_rerun(offline) -> None:
    ctx = offline

    def forever() -> Observation:
        return Observation("CREATE IN_PROGRESS")

    with pytest.raises(CloudError) as info:
        wait_until(ctx, "Training x", forever)
    assert "run the same command again" in info.value.one_line()
