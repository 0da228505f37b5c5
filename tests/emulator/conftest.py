"""Helpers for the emulator conformance tests: waiting on statuses, writing CSVs to the bucket."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from personalize_movielens.local.pytest_plugin import LocalStandIn

TIMEOUT = 60.0


def wait_status(
    describe: Callable[[], dict[str, Any]],
    key: str,
    until: tuple[str, ...] = ("ACTIVE", "CREATE FAILED"),
    record: list[str] | None = None,
) -> dict[str, Any]:
    """Poll until the resource's status is one of `until`; record every status seen."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        resource = describe()[key]
        if record is not None and (not record or record[-1] != resource["status"]):
            record.append(resource["status"])
        if resource["status"] in until:
            return resource
        assert time.monotonic() < deadline, f"{key} stuck in {resource['status']}"
        time.sleep(0.002)


def wait_gone(describe: Callable[[], Any], record: list[str] | None = None) -> None:
    """Poll until describe raises ResourceNotFoundException."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            answer = describe()
        except Exception as exc:  # botocore ClientError
            assert "ResourceNotFoundException" in str(exc)
            return
        if record is not None:
            status = next(iter(answer.values()))["status"] if answer else None
            if status and (not record or record[-1] != status):
                record.append(status)
        assert time.monotonic() < deadline, "resource never went away"
        time.sleep(0.002)


def csv_text(header: list[str], rows: list[tuple[Any, ...]]) -> str:
    lines = [",".join(header)] + [",".join("" if v is None else str(v) for v in r) for r in rows]
    return "\n".join(lines) + "\n"


@pytest.fixture
def aws(fresh_stand_in: LocalStandIn) -> LocalStandIn:
    """A clean stand-in (the session's, reset)."""
    return fresh_stand_in


@pytest.fixture
def personalize(aws: LocalStandIn) -> Any:
    return aws.client("personalize")


@pytest.fixture
def put_csv(aws: LocalStandIn) -> Callable[[str, str], str]:
    """Write text to `data_prefix + name` in the bucket; returns its s3:// URL."""
    s3 = aws.client("s3")

    def put(name: str, text: str) -> str:
        key = aws.outputs.data_prefix + name
        s3.put_object(Bucket=aws.outputs.bucket_name, Key=key, Body=text.encode())
        return f"s3://{aws.outputs.bucket_name}/{key}"

    return put
