"""Fault injection: throttling and 5xx answers at a rate, scoped to operations, off by default."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError
from emu_helpers import error_of

from personalize_movielens.local.standin import StandInError


def test_faults_are_off_by_default(aws):
    faults = aws.admin("GET", "/_emulator/faults")
    assert faults["throttle_rate"] == 0 and faults["error_rate"] == 0
    assert not (faults["fail_imports"] or faults["fail_training"] or faults["fail_campaigns"])


def test_throttling_answers_like_the_service(aws, no_retry, stand_in_faults):
    stand_in_faults(throttle_rate=1.0)
    with pytest.raises(ClientError) as exc:
        no_retry("personalize").list_dataset_groups()
    code, status, message = error_of(exc)
    assert (code, status, message) == ("ThrottlingException", 400, "Rate exceeded")
    with pytest.raises(ClientError) as exc:
        no_retry("personalize-runtime").get_recommendations(
            campaignArn="arn:aws:personalize:us-east-1:123456789012:campaign/x", userId="u"
        )
    assert error_of(exc)[0] == "ThrottlingException"


def test_server_errors_at_a_rate_and_retries_recover(aws, no_retry, stand_in_faults):
    stand_in_faults(error_rate=0.5, error_status=503, seed=7)
    client = no_retry("personalize")
    outcomes = []
    for _ in range(40):
        try:
            client.list_schemas()
            outcomes.append("ok")
        except ClientError as exc:
            assert exc.response["ResponseMetadata"]["HTTPStatusCode"] == 503
            outcomes.append("5xx")
    assert 8 <= outcomes.count("5xx") <= 32  # about half, from a seeded generator
    # boto3's default retries get through a 50% failure rate
    for _ in range(5):
        assert "schemas" in aws.client("personalize").list_schemas()


def test_faults_can_target_one_operation(aws, no_retry, stand_in_faults):
    stand_in_faults(error_rate=1.0, operations=["DescribeDatasetGroup"])
    client = no_retry("personalize")
    assert client.list_dataset_groups()["datasetGroups"]
    with pytest.raises(ClientError) as exc:
        client.describe_dataset_group(datasetGroupArn=aws.outputs.dataset_group_arn)
    assert error_of(exc)[1] == 500


def test_bad_fault_settings_are_refused(aws):
    with pytest.raises(StandInError, match="throttle_rate"):
        aws.set_faults(throttle_rate=2)
    with pytest.raises(StandInError, match="unknown fault setting"):
        aws.set_faults(explode=True)
