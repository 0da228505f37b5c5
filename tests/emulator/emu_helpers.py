"""Helpers for the emulator conformance tests: waiting on statuses, CSV text, error fields."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

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


def error_of(exc_info: Any) -> tuple[str, int, str]:
    """(code, HTTP status, message) of a botocore ClientError."""
    response = exc_info.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"].get("Message", ""),
    )


def interactions(
    users: int, per_user: int, items: int | None = None, start: int = 1_600_000_000
) -> list[tuple[str, str, int]]:
    """A deterministic interactions table: user u sees items (u + k) % items at increasing times."""
    items = items or per_user * 2
    return [
        (f"u{u:03d}", f"i{(u + k) % items:03d}", start + u * 1000 + k)
        for u in range(users)
        for k in range(per_user)
    ]


INTERACTIONS_HEADER = ["USER_ID", "ITEM_ID", "TIMESTAMP"]
