"""Helpers for the emulator conformance tests: waiting on statuses, writing CSVs to the bucket."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
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


@pytest.fixture
def slow(aws: LocalStandIn) -> Iterator[Callable[[float], None]]:
    """Slow the emulator down for one test (to observe transient statuses); restored after."""

    def set_speed(speed: float) -> None:
        aws.set_speed(speed)

    yield set_speed
    aws.set_speed(aws.state.speed)


@pytest.fixture
def no_retry(aws: LocalStandIn) -> Callable[[str], Any]:
    """A client that does not retry, to see injected throttling and 5xx answers."""
    import boto3
    from botocore.config import Config

    def make(service: str) -> Any:
        return boto3.session.Session().client(
            service,
            region_name=aws.region,
            endpoint_url=aws.endpoints.for_service(service),
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            config=Config(retries={"total_max_attempts": 1}),
        )

    return make


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


@pytest.fixture
def run_import(aws: LocalStandIn, personalize: Any) -> Callable[..., dict[str, Any]]:
    """Start an import job into a dataset of the stack and wait for its end; returns the job."""
    counter = iter(range(10_000))

    def run(
        url: str,
        dataset_type: str = "Interactions",
        role_arn: str | None = None,
        mode: str = "FULL",
    ) -> dict[str, Any]:
        arn = personalize.create_dataset_import_job(
            jobName=f"job-{next(counter)}",
            datasetArn=aws.outputs.dataset_arns[dataset_type],
            dataSource={"dataLocation": url},
            roleArn=role_arn or aws.outputs.personalize_role_arn,
            importMode=mode,
        )["datasetImportJobArn"]
        return wait_status(
            lambda: personalize.describe_dataset_import_job(datasetImportJobArn=arn),
            "datasetImportJob",
        )

    return run
