"""The stand-in's copies of the Terraform stack's policy documents, as IAM and S3 take them.

They follow terraform/modules/data-bucket (bucket policy) and personalize-role (trust and role
policy) statement for statement, with the same Sids; tests/emulator/test_standin_policies.py
renders the HCL and fails on any difference. One difference is deliberate: the bucket policy
has no TLS-only Deny (`aws:SecureTransport` false), since moto evaluates bucket policies without
their conditions, so that statement would deny every request (and the stand-in is plain HTTP).
"""

from __future__ import annotations

from typing import Any

SERVICE_PRINCIPAL = "personalize.amazonaws.com"
#: The name of the role's inline policy (aws_iam_role_policy.this in personalize-role).
ROLE_POLICY_NAME = "personalize-data-access"

Document = dict[str, Any]


def _document(*statements: dict[str, Any]) -> Document:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _source_account(account_id: str) -> dict[str, Any]:
    """Confused-deputy protection: only this account's Personalize jobs."""
    return {"StringEquals": {"aws:SourceAccount": account_id}}


def bucket_policy(
    bucket: str, prefix: str, account_id: str, batch_output_prefix: str | None = None
) -> Document:
    """Personalize may list the bucket and read the input prefix (batch input files included:
    the tool writes them under `<prefix>batch/`), and write batch output under
    `batch_output_prefix` when one is given, for this account's jobs."""
    bucket_arn = f"arn:aws:s3:::{bucket}"
    service = {"Service": SERVICE_PRINCIPAL}
    output = [
        {
            "Sid": "PersonalizeWriteBatchOutput",
            "Effect": "Allow",
            "Principal": service,
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn}/{batch_output_prefix}*",
            "Condition": _source_account(account_id),
        }
    ]
    return _document(
        {
            "Sid": "PersonalizeListBucket",
            "Effect": "Allow",
            "Principal": service,
            "Action": "s3:ListBucket",
            "Resource": bucket_arn,
            "Condition": _source_account(account_id),
        },
        {
            "Sid": "PersonalizeReadInput",
            "Effect": "Allow",
            "Principal": service,
            "Action": "s3:GetObject",
            "Resource": f"{bucket_arn}/{prefix}*",
            "Condition": _source_account(account_id),
        },
        *(output if batch_output_prefix is not None else []),
    )


def trust_policy(account_id: str, region: str) -> Document:
    """Only Personalize may assume the role, for this account's resources in this region."""
    return _document(
        {
            "Sid": "PersonalizeAssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": SERVICE_PRINCIPAL},
            "Action": "sts:AssumeRole",
            "Condition": {
                **_source_account(account_id),
                "ArnLike": {"aws:SourceArn": f"arn:aws:personalize:{region}:{account_id}:*"},
            },
        }
    )


def role_policy(bucket: str, prefix: str, batch_output_prefix: str | None = None) -> Document:
    """The role may list the bucket and read the input prefix, and write batch output under
    `batch_output_prefix` when one is given; nothing else."""
    bucket_arn = f"arn:aws:s3:::{bucket}"
    output = [
        {
            "Sid": "WriteBatchOutput",
            "Effect": "Allow",
            "Action": "s3:PutObject",
            "Resource": f"{bucket_arn}/{batch_output_prefix}*",
        }
    ]
    return _document(
        {
            "Sid": "ListDataBucket",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": bucket_arn,
        },
        {
            "Sid": "ReadInputData",
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": f"{bucket_arn}/{prefix}*",
        },
        *(output if batch_output_prefix is not None else []),
    )
