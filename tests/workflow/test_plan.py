"""The dry run's answers: the ARN a planned create gets, as the service would name it."""

from __future__ import annotations

import botocore.session

from personalize_movielens.workflow.plan import PLANNED, Plan

ACCOUNT_PREFIX = "arn:aws:personalize:us-east-1:123456789012"


def test_a_planned_create_is_named_in_its_parents_region_and_account() -> None:
    """Whatever the order of the parameters: a role's ARN (IAM, no region) or a recipe's (no
    account) is not the parent."""
    model = botocore.session.get_session().get_service_model("personalize")
    params = {
        "jobName": "job",
        "roleArn": "arn:aws:iam::123456789012:role/personalize",
        "datasetArn": f"{ACCOUNT_PREFIX}:dataset/movielens/INTERACTIONS",
        "dataSource": {"dataLocation": "s3://bucket/key.csv"},
    }
    plan = Plan()
    status, answer = plan.answer(
        "personalize", model.operation_model("CreateDatasetImportJob"), params
    )
    assert status == 200
    arn = f"{ACCOUNT_PREFIX}:dataset-import-job/job"
    assert answer == {"datasetImportJobArn": arn}
    assert plan.resources[arn]["status"] == PLANNED
