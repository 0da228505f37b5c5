"""No Terraform change destroys imported data unless the user asked for it (issue 9, defect 1).

The CloudFormation resource schemas that awscc is generated from mark `Tags` of
AWS::Personalize::DatasetGroup, ::Schema and ::Dataset create-only (`tagUpdatable: false`): a
change of var.tags would plan a replacement of the dataset group, the schemas and the datasets,
and lose the imported data. Decision: tags are applied when these resources are created and then
ignored (`ignore_changes = [tags]`); change them later with Personalize's TagResource. Every other
create-only argument an input can change says, in the block, why a replacement is what the user
asks for (and `make plan` refuses such a plan unless ALLOW_DATA_LOSS=1).
"""

from __future__ import annotations

from pathlib import Path

import cfn_schemas as cfn
import hcl_text
import pytest
import tf_create_only
import tf_static as tf
from mutations import Mutation, line_of, mutated

from conftest import Evaluated, instances_of

DATASET_GROUP = "modules/dataset-group/main.tf"
AWSCC_TYPES = (
    "awscc_personalize_dataset_group",
    "awscc_personalize_schema",
    "awscc_personalize_dataset",
)


def test_the_schemas_make_personalize_tags_create_only() -> None:
    for type_name in AWSCC_TYPES:
        schema = cfn.schema(cfn.cfn_type_for(type_name))
        assert "/properties/Tags" in schema["createOnlyProperties"], type_name
        assert schema["tagging"]["tagUpdatable"] is False, type_name
        assert schema["tagging"]["tagOnCreate"] is True, type_name


def test_the_tree_handles_every_create_only_argument() -> None:
    assert tf_create_only.check_tree(tf.TF_DIR) == []


def test_tags_are_set_at_creation_and_then_ignored(evaluated: Evaluated) -> None:
    blocks = {
        (b.labels[0]): b
        for b in hcl_text.parse((tf.TF_DIR / DATASET_GROUP).read_text(encoding="utf-8"))
        if isinstance(b, hcl_text.Block) and b.type == "resource"
    }
    for type_name in AWSCC_TYPES:
        block = blocks[type_name]
        (lifecycle,) = block.blocks("lifecycle")
        ignore = lifecycle.attribute("ignore_changes")
        assert ignore is not None and "tags" in ignore.expr, type_name
    # ...and they are there when the resources are created.
    for type_name in AWSCC_TYPES:
        for instance in instances_of(evaluated("root-everything"), type_name):
            assert {"key": "Team", "value": "data"} in instance.values["tags"], instance.address


SEEDED = {
    "a tag change on a create-only resource": (
        Mutation(
            DATASET_GROUP,
            "    # Tags are create-only (tagUpdatable: false): a change would replace the dataset, "
            "data and all.\n    ignore_changes = [tags]\n",
            "",
        ),
        "  tags              = local.tags",
        "awscc_personalize_dataset.this.tags is create-only in AWS::Personalize::Dataset",
    ),
    "a create-only argument nobody explained": (
        Mutation(
            DATASET_GROUP,
            "  # create-only: name(var.name), schema(each.value), domain(var.domain):",
            "  # create-only: name(var.name), domain(var.domain):",
        ),
        "  schema = each.value",
        "awscc_personalize_schema.this.schema is create-only in AWS::Personalize::Schema "
        "(a new value replaces the resource) and changes with each.value",
    ),
    "a new input to an explained argument": (
        Mutation(
            DATASET_GROUP,
            "  kms_key_arn = var.kms_key_arn\n",
            "  kms_key_arn = coalesce(var.kms_key_arn, var.role_arn)\n",
        ),
        "  kms_key_arn = coalesce(",
        "kms_key_arn now also changes with var.role_arn, which its create-only comment",
    ),
    "a stale explanation": (
        Mutation(
            DATASET_GROUP,
            "  # create-only: name(var.name), domain(var.domain), kms_key_arn(var.kms_key_arn),",
            "  # create-only: name(var.name), domain(var.domain), kms_key_arn(var.kms_key_arn),"
            " dataset_group_arn(var.name),",
        ),
        "  # create-only: name(var.name), domain",
        "names 'dataset_group_arn', which is not a create-only argument set in this block",
    ),
    "a filter expression nobody explained": (
        Mutation(
            DATASET_GROUP,
            "  # filter_expression(each.value): Personalize cannot update a filter;",
            "  # Personalize cannot update a filter;",
        ),
        "  filter_expression = each.value",
        "awscc_personalize_filter.this.filter_expression is create-only in "
        "AWS::Personalize::Filter (a new value replaces the resource) and changes with each.value",
    ),
    "an event tracker's group left unexplained": (
        Mutation(
            DATASET_GROUP,
            "  # create-only: name(var.name), "
            "dataset_group_arn(awscc_personalize_dataset_group.this): the\n"
            "  # tracker",
            "  # create-only: name(var.name): the\n  # tracker",
        ),
        "  dataset_group_arn = awscc_personalize_dataset_group.this.dataset_group_arn\n"
        "  tags              = local.tags\n\n  # PutEvents",
        "changes with awscc_personalize_dataset_group.this",
    ),
    "a dependent dataset left unexplained": (
        Mutation(
            DATASET_GROUP,
            "  # schema_arn(awscc_personalize_schema.this): the dataset",
            "  # the dataset",
        ),
        "  schema_arn        = awscc_personalize_schema.this[each.key].schema_arn",
        "changes with awscc_personalize_schema.this: add it to lifecycle.ignore_changes",
    ),
}


@pytest.mark.parametrize("case", sorted(SEEDED))
def test_create_only_check_catches_a_seeded_defect(tmp_path: Path, case: str) -> None:
    mutation, line_text, expected = SEEDED[case]
    tree, _ = mutated(tmp_path, mutation)
    where = line_of(tree, mutation.file, line_text)
    problems = tf_create_only.check_tree(tree)
    assert any(where in p and expected in p for p in problems), (where, problems)
