"""The session stand-in is up, provisioned like the root stack, and reachable through boto3's
standard endpoint variables (including AWS_ENDPOINT_URL_PERSONALIZE_RUNTIME)."""

from __future__ import annotations

import os

import boto3

from personalize_movielens.arns import arn_name
from personalize_movielens.outputs import CONTRACT_OUTPUTS, read_outputs_file


def test_outputs_file_follows_the_contract(local_stand_in):
    outputs = read_outputs_file(local_stand_in.outputs_file)
    assert set(outputs.to_json()) == set(CONTRACT_OUTPUTS)
    assert set(outputs.dataset_arns) == {"Interactions", "Items"}
    assert outputs.kms_key_arn is None


def test_boto3_reaches_every_service_through_the_environment(local_stand_in):
    endpoints = local_stand_in.endpoints
    assert os.environ["AWS_ENDPOINT_URL_PERSONALIZE_RUNTIME"] == endpoints.personalize
    session = boto3.session.Session()
    assert session.client("personalize-runtime").meta.endpoint_url == endpoints.personalize
    # The service id is "Personalize Events": boto3 reads AWS_ENDPOINT_URL_PERSONALIZE_EVENTS.
    assert os.environ["AWS_ENDPOINT_URL_PERSONALIZE_EVENTS"] == endpoints.personalize
    assert session.client("personalize-events").meta.endpoint_url == endpoints.personalize
    assert session.client("personalize").meta.endpoint_url == endpoints.personalize
    for service in ("s3", "iam", "sts"):
        assert session.client(service).meta.endpoint_url == endpoints.moto
    outputs = local_stand_in.outputs
    group = session.client("personalize").describe_dataset_group(
        datasetGroupArn=outputs.dataset_group_arn
    )["datasetGroup"]
    assert group["status"] == "ACTIVE"
    assert session.client("s3").head_bucket(Bucket=outputs.bucket_name)
    role = session.client("iam").get_role(RoleName=arn_name(outputs.personalize_role_arn))
    assert role["Role"]["Arn"] == outputs.personalize_role_arn
    assert session.client("sts").get_caller_identity()["Account"] == "123456789012"


def test_tests_without_the_stand_in_do_not_see_its_endpoints():
    # Runs after the tests above started the session's stand-in (same file, in order).
    from personalize_movielens.local import pytest_plugin

    assert pytest_plugin._ACTIVE, "run this file whole: the tests above start the stand-in"
    assert not any(name.startswith("AWS_ENDPOINT_URL") for name in os.environ)


def test_reset_leaves_no_object_version_nor_unfinished_upload(local_stand_in):
    """Each test that resets starts from the stack as `local up` made it."""
    s3 = local_stand_in.client("s3")
    bucket = local_stand_in.outputs.bucket_name
    s3.put_object(Bucket=bucket, Key="personalize/input/left.csv", Body=b"x")
    s3.create_multipart_upload(Bucket=bucket, Key="personalize/input/killed.csv")
    local_stand_in.reset()
    listing = s3.list_object_versions(Bucket=bucket)
    assert listing.get("Versions", []) == [] and listing.get("DeleteMarkers", []) == []
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
