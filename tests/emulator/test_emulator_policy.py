"""The emulator's IAM evaluator decides imports: the statement forms the stack and users write."""

from __future__ import annotations

import json

from personalize_movielens.local.emulator.policy import evaluate
from personalize_movielens.local.policies import bucket_policy, role_policy, trust_policy

ACCOUNT = "123456789012"
JOB = f"arn:aws:personalize:us-east-1:{ACCOUNT}:dataset-import-job/j"
CONTEXT = {"aws:SourceAccount": ACCOUNT, "aws:SourceArn": JOB, "aws:SecureTransport": "true"}
SERVICE = {"Service": "personalize.amazonaws.com"}


def test_the_provisioned_documents_allow_exactly_what_imports_need():
    trust = trust_policy(ACCOUNT, "us-east-1")
    assert evaluate([trust], "sts:AssumeRole", "role", CONTEXT, SERVICE) == "Allow"
    other = dict(CONTEXT, **{"aws:SourceAccount": "999999999999"})
    assert evaluate([trust], "sts:AssumeRole", "role", other, SERVICE) is None
    elsewhere = dict(CONTEXT, **{"aws:SourceArn": "arn:aws:personalize:eu-west-1:1:x/y"})
    assert evaluate([trust], "sts:AssumeRole", "role", elsewhere, SERVICE) is None
    assert evaluate([trust], "sts:AssumeRole", "role", CONTEXT, {"Service": "ec2"}) is None

    role = role_policy("b", "personalize/input/")
    assert evaluate([role], "s3:GetObject", "arn:aws:s3:::b/personalize/input/x.csv") == "Allow"
    assert evaluate([role], "s3:GetObject", "arn:aws:s3:::b/other/x.csv") is None
    assert evaluate([role], "s3:ListBucket", "arn:aws:s3:::b") == "Allow"
    assert evaluate([role], "s3:PutObject", "arn:aws:s3:::b/personalize/input/x") is None

    bucket = json.dumps(bucket_policy("b", "personalize/input/", ACCOUNT))  # as S3 returns it
    key = "arn:aws:s3:::b/personalize/input/k"
    assert evaluate([bucket], "s3:GetObject", key, CONTEXT, SERVICE) == "Allow"
    assert evaluate([bucket], "s3:ListBucket", "arn:aws:s3:::b", CONTEXT, SERVICE) == "Allow"
    assert evaluate([bucket], "s3:GetObject", key, CONTEXT, {"AWS": "x"}) is None
    assert evaluate([bucket], "s3:GetObject", "arn:aws:s3:::b/other/k", CONTEXT, SERVICE) is None
    assert evaluate([bucket], "s3:GetObject", key, other, SERVICE) is None


def test_deny_wins_and_tls_only_denies_plain_http():
    tls_only = {
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"},
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ]
    }
    assert evaluate([tls_only], "s3:GetObject", "arn:aws:s3:::b/k", CONTEXT, SERVICE) == "Allow"
    plain = dict(CONTEXT, **{"aws:SecureTransport": "false"})
    assert evaluate([tls_only], "s3:GetObject", "arn:aws:s3:::b/k", plain, SERVICE) == "Deny"


def test_not_action_not_resource_wildcards_and_if_exists():
    doc = {
        "Statement": [
            {"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::secret/*"},
            {
                "Effect": "Allow",
                "Action": "S3:Get?bject",  # actions are case-insensitive
                "Resource": "arn:aws:s3:::secret/*",
                "Condition": {"StringEqualsIfExists": {"aws:PrincipalTag/team": "data"}},
            },
        ]
    }
    assert evaluate([doc], "s3:ListBucket", "arn:aws:s3:::open") == "Allow"
    assert evaluate([doc], "iam:GetRole", "arn:aws:s3:::open") is None
    assert evaluate([doc], "s3:GetObject", "arn:aws:s3:::secret/a") == "Allow"  # key absent
    tagged = {"aws:PrincipalTag/team": "ops"}
    assert evaluate([doc], "s3:GetObject", "arn:aws:s3:::secret/a", tagged) is None
    assert evaluate([doc], "s3:PutObject", "arn:aws:s3:::secret/a") is None
