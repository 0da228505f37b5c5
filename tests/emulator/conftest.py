"""Fixtures for the emulator conformance tests: a clean stand-in, clients, CSVs in the bucket."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from emu_helpers import INTERACTIONS_HEADER, csv_text, wait_status

from personalize_movielens.local.pytest_plugin import LocalStandIn


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


@pytest.fixture
def train(aws: LocalStandIn, personalize: Any, put_csv: Any, run_import: Any) -> Any:
    """Import rows (if given), create a solution and a solution version, wait for the end.

    Returns (solution ARN, the described solution version).
    """

    def run(
        name: str,
        recipe: str = "aws-popularity-count",
        rows: list[tuple[Any, ...]] | None = None,
        header: list[str] | None = None,
        **solution: Any,
    ) -> tuple[str, dict[str, Any]]:
        if rows is not None:
            text = csv_text(header or INTERACTIONS_HEADER, rows)
            job = run_import(put_csv(f"{name}.csv", text))
            assert job["status"] == "ACTIVE", job.get("failureReason")
        solution_arn = personalize.create_solution(
            name=name,
            datasetGroupArn=aws.outputs.dataset_group_arn,
            recipeArn=f"arn:aws:personalize:::recipe/{recipe}",
            **solution,
        )["solutionArn"]
        wait_status(lambda: personalize.describe_solution(solutionArn=solution_arn), "solution")
        arn = personalize.create_solution_version(solutionArn=solution_arn)["solutionVersionArn"]
        version = wait_status(
            lambda: personalize.describe_solution_version(solutionVersionArn=arn),
            "solutionVersion",
        )
        return solution_arn, version

    return run


@pytest.fixture
def deploy(personalize: Any) -> Any:
    """Create a campaign on a solution version and wait until it is ACTIVE; returns its ARN."""

    def run(name: str, version_arn: str) -> str:
        arn = personalize.create_campaign(name=name, solutionVersionArn=version_arn)["campaignArn"]
        campaign = wait_status(lambda: personalize.describe_campaign(campaignArn=arn), "campaign")
        assert campaign["status"] == "ACTIVE", campaign.get("failureReason")
        return arn

    return run
