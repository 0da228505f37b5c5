"""Check 5: checkov over terraform/ reports no failed check; every skip is inline with a reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import tf_static as tf


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return tf.run_checkov(tf.TF_DIR)


def test_checkov_reports_no_failed_check(report: dict[str, Any]) -> None:
    failed = [
        f"{c['check_id']} {c['resource']} ({c['file_path']}): {c['check_name']}"
        for c in report["results"]["failed_checks"]
    ]
    assert failed == []
    assert report["summary"]["parsing_errors"] == 0
    # It really scanned the stack: the bucket and the role are there.
    passed = {c["resource"] for c in report["results"]["passed_checks"]}
    assert any(r.endswith("aws_s3_bucket.this") for r in passed)
    assert any(r.endswith("aws_iam_role.this") for r in passed)


def test_every_skip_is_inline_with_a_reason(report: dict[str, Any]) -> None:
    assert tf.checkov_skip_problems(tf.tf_files()) == []
    for check in report["results"]["skipped_checks"]:
        assert len(check["check_result"].get("suppress_comment", "")) >= 10, check["check_id"]


def test_skip_without_reason_is_caught(tmp_path: Path) -> None:
    path = tmp_path / "main.tf"
    path.write_text('resource "aws_s3_bucket" "x" {\n  #checkov:skip=CKV_AWS_18\n}\n')
    assert tf.checkov_skip_problems([path]) == ["main.tf:2: checkov skip CKV_AWS_18 has no reason"]


def test_checkov_catches_an_insecure_bucket(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_s3_bucket" "open" {\n  bucket = "open-bucket"\n}\n'
        'resource "aws_s3_bucket_public_access_block" "open" {\n'
        "  bucket                  = aws_s3_bucket.open.id\n"
        "  block_public_acls       = false\n  block_public_policy     = false\n"
        "  ignore_public_acls      = false\n  restrict_public_buckets = false\n}\n"
    )
    failed = {c["check_id"] for c in tf.run_checkov(tmp_path)["results"]["failed_checks"]}
    assert {"CKV_AWS_53", "CKV_AWS_56"} <= failed
