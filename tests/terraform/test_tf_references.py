"""References resolve, module calls fit their modules, modules configure no provider.

What `terraform validate` would report about names, checked from the source (tf_refs) with
attribute names from the pinned provider schemas, and shown to fail, with the file and line, on
seeded defects in a copy of the tree. The tree evaluation (tf_tree) is a second, independent
check of the same kind: Terraform itself refuses an undeclared name.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import tf_refs
import tf_static as tf
from mutations import Mutation, mutated


def test_the_tree_has_no_dangling_reference() -> None:
    assert tf_refs.check_tree(tf.TF_DIR) == []


SEEDED = {
    "a misspelt variable": (
        Mutation(
            "modules/data-bucket/main.tf",
            ':s3:::${var.bucket_name}"',
            ':s3:::${var.bucket_nam}"',
        ),
        "var.bucket_nam: no variable 'bucket_nam' is declared",
    ),
    "a misspelt local": (
        Mutation(
            "main.tf",
            "  bucket_name         = local.bucket_name\n",
            "  bucket_name = local.bucket_nam\n",
        ),
        "local.bucket_nam: no local 'bucket_nam' is declared",
    ),
    "a misspelt resource attribute": (
        Mutation(
            "modules/dataset-group/main.tf",
            "  dataset_group_arn = awscc_personalize_dataset_group.this.dataset_group_arn\n"
            "  schema_arn",
            "  dataset_group_arn = awscc_personalize_dataset_group.this.arn\n  schema_arn",
        ),
        "awscc_personalize_dataset_group has no attribute 'arn'",
    ),
    "a misspelt data source attribute": (
        Mutation(
            "modules/personalize-role/main.tf",
            "account_id = data.aws_caller_identity.current.account_id",
            "account_id = data.aws_caller_identity.current.account",
        ),
        "aws_caller_identity has no attribute 'account'",
    ),
    "an undeclared resource": (
        Mutation(
            "modules/data-bucket/outputs.tf",
            "value       = aws_s3_bucket.this.arn",
            "value       = aws_s3_bucket.data.arn",
        ),
        "aws_s3_bucket.data is not declared in this module",
    ),
    "a module output that does not exist": (
        Mutation(
            "outputs.tf",
            "value       = module.data_bucket.bucket_name",
            "value       = module.data_bucket.name",
        ),
        "module data_bucket has no output 'name'",
    ),
    "a module variable that does not exist": (
        Mutation(
            "main.tf",
            "  force_destroy       = var.force_destroy_bucket\n",
            "  force_destroy_bucket = var.force_destroy_bucket\n",
        ),
        "modules/data-bucket has no variable 'force_destroy_bucket'",
    ),
    "a provider block in a module": (
        Mutation(
            "modules/dataset-group/versions.tf",
            "terraform {",
            'provider "awscc" {\n  region = "us-east-1"\n}\n\nterraform {',
        ),
        'provider "awscc" is configured in a module',
    ),
    "each outside for_each": (
        Mutation(
            "modules/dataset-group/main.tf",
            "  name        = var.name\n",
            "  name        = each.key\n",
        ),
        "each.key: each is only set in a block with for_each",
    ),
}


@pytest.mark.parametrize("case", sorted(SEEDED))
def test_reference_check_catches_a_seeded_defect(tmp_path: Path, case: str) -> None:
    mutation, expected = SEEDED[case]
    tree, where = mutated(tmp_path, mutation)
    problems = tf_refs.check_tree(tree)
    assert any(where in p and expected in p for p in problems), (where, problems)


def test_a_required_module_variable_left_out_is_caught(tmp_path: Path) -> None:
    mutation = Mutation("main.tf", "  bucket_arn          = module.data_bucket.bucket_arn\n", "")
    tree, _ = mutated(tmp_path, mutation)
    problems = tf_refs.check_tree(tree)
    assert any(
        "terraform/main.tf:" in p and "module personalize_role: required variable 'bucket_arn'" in p
        for p in problems
    ), problems


def test_words_in_strings_are_not_references(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "x" {\n  description = "Mentions aws_s3_bucket.this.nothing and var.nope."\n'
        "  type        = string\n}\n"
        'output "y" {\n  description = "local.nothing either"\n'
        '  value       = "${var.x}-var.z"\n}\n'
    )
    assert tf_refs.check_tree(tmp_path) == []
