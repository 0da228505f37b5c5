"""Typed conformance: the values the stacks hand the providers, as Terraform computes them.

awscc arguments against the CloudFormation resource schemas that cfn-lint ships (awscc is
generated from them): type, enum, pattern, length, nested objects, required properties. Every
argument of every resource and data source against the Terraform type of the pinned provider
schema. Each check is shown to fail on a seeded defect in a copy of the tree, naming its line.
"""

from __future__ import annotations

from pathlib import Path

import cfn_schemas as cfn
import pytest
import tf_static as tf
import tf_tree
from mutations import Mutation, line_of, mutated
from tf_conformance import cfn_problems, type_problems

from conftest import SCENARIOS, Evaluated, evaluate_copy, instances_of

PROVIDER_SCHEMAS = tf.load_provider_schemas()


def test_the_sources_are_the_pinned_ones() -> None:
    assert cfn.cfn_lint_version() == "1.58.0"
    assert cfn.schema_date().startswith("2026-10-20")
    dataset = cfn.schema("AWS::Personalize::Dataset")
    # The facts the stack is built around, as the schema states them.
    assert "/properties/Tags" in dataset["createOnlyProperties"]
    assert dataset["tagging"]["tagUpdatable"] is False
    assert dataset["properties"]["DatasetType"]["enum"] == ["Interactions", "Items", "Users"]


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_awscc_values_conform_to_the_cloudformation_schemas(
    evaluated: Evaluated, scenario: str
) -> None:
    instances = evaluated(scenario)
    if not SCENARIOS[scenario][0].startswith("modules/"):  # every stack has its datasets
        assert instances_of(instances, "awscc_personalize_dataset"), "nothing evaluated"
    assert cfn_problems(instances) == []


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_value_has_its_provider_type(evaluated: Evaluated, scenario: str) -> None:
    assert type_problems(evaluated(scenario), PROVIDER_SCHEMAS) == []


def test_the_evaluation_is_terraforms_own(evaluated: Evaluated) -> None:
    """Values built by expressions arrive as Terraform computes them."""
    instances = evaluated("root-everything")
    (group,) = instances_of(instances, "awscc_personalize_dataset_group")
    assert group.values["name"] == "recs-dev"
    assert group.values["tags"] == [
        {"key": "Environment", "value": "dev"},
        {"key": "ManagedBy", "value": "terraform"},
        {"key": "Stack", "value": "recs-dev"},
        {"key": "Team", "value": "data"},
    ]
    assert group.values["role_arn"].startswith(tf_tree.UNKNOWN)
    schemas = {i.key: i.values for i in instances_of(instances, "awscc_personalize_schema")}
    assert set(schemas) == {"Interactions", "Items", "Users"}
    assert '"EVENT_VALUE"' in schemas["Interactions"]["schema"]
    assert schemas["Items"]["name"] == "recs-dev-items"
    assert schemas["Users"]["name"] == "recs-dev-users"


# --- Seeded defects ---------------------------------------------------------------------------

DATASET_GROUP = "modules/dataset-group/main.tf"
#: case -> (mutation, what the problem says[, the text of the line it names when the defect's
#: own line is gone])
SEEDED: dict[str, tuple[Mutation, str] | tuple[Mutation, str, str]] = {
    "a list where a string goes": (
        Mutation(DATASET_GROUP, "  name        = var.name\n", "  name        = [var.name]\n"),
        "is not of type 'string' (Name in AWS::Personalize::DatasetGroup",
    ),
    "an enum typo": (
        Mutation(
            DATASET_GROUP, "dataset_type      = each.key", 'dataset_type      = "Interaction"'
        ),
        "'Interaction' is not one of ['Interactions', 'Items', 'Users']",
    ),
    "a name the pattern refuses": (
        Mutation(
            DATASET_GROUP,
            'name   = "${var.name}-${lower(each.key)}"',
            'name   = "_${var.name}-${lower(each.key)}"',
        ),
        "does not match '^[a-zA-Z0-9][a-zA-Z0-9\\\\-_]*",
    ),
    "a dropped required argument": (
        Mutation(
            DATASET_GROUP,
            "  schema_arn        = awscc_personalize_schema.this[each.key].schema_arn\n",
            "",
        ),
        "required property SchemaArn (schema_arn) is not set",
        'resource "awscc_personalize_dataset" "this"',
    ),
    "a filter name the pattern refuses": (
        Mutation(
            DATASET_GROUP,
            'name              = "${var.name}-${each.key}"',
            'name              = "${var.name}.${each.key}"',
        ),
        "(Name in AWS::Personalize::Filter",
    ),
    "an event tracker without its dataset group": (
        Mutation(
            DATASET_GROUP,
            '  name              = "${var.name}-events"\n'
            "  dataset_group_arn = awscc_personalize_dataset_group.this.dataset_group_arn\n",
            '  name              = "${var.name}-events"\n',
        ),
        "required property DatasetGroupArn (dataset_group_arn) is not set",
        'resource "awscc_personalize_event_tracker" "this"',
    ),
    "tags as a map, not a list of key/value objects": (
        Mutation(DATASET_GROUP, "  tags   = local.tags\n", "  tags   = var.tags\n"),
        "is not of type 'array' (Tags in AWS::Personalize::Schema",
    ),
    "a string where a bool goes": (
        Mutation(
            "modules/data-bucket/main.tf",
            "  force_destroy = var.force_destroy\n",
            '  force_destroy = "yes"\n',
        ),
        "aws_s3_bucket.this.force_destroy must be bool, but is the string 'yes'",
    ),
    "a list where a string goes, in a dynamic block": (
        Mutation(
            "modules/data-bucket/main.tf",
            '  versioning_configuration {\n    status = "Enabled"\n  }\n',
            '  dynamic "versioning_configuration" {\n    for_each = [1]\n    content {\n'
            '      status = ["Enabled"]\n    }\n  }\n',
        ),
        "versioning_configuration[0].status must be string, but is a list",
        '      status = ["Enabled"]',
    ),
    "a string where a set of strings goes, in a nested block": (
        Mutation(
            "modules/data-bucket/main.tf",
            "    resources = [local.bucket_arn]\n",
            "    resources = local.bucket_arn\n",
        ),
        "statement[0].resources must be set(string), but is a string",
    ),
}


@pytest.mark.parametrize("case", sorted(SEEDED))
def test_conformance_catches_a_seeded_defect(tmp_path: Path, case: str) -> None:
    mutation, expected, *named_line = SEEDED[case]
    tree, where = mutated(tmp_path, mutation)
    if named_line:
        where = line_of(tree, mutation.file, named_line[0])
    instances = evaluate_copy(tree, ".", {}, tmp_path / "work")
    problems = cfn_problems(instances) + type_problems(instances, PROVIDER_SCHEMAS)
    assert any(where in p and expected in p for p in problems), (where, problems)


def test_terraform_itself_refuses_what_cannot_be_evaluated(tmp_path: Path) -> None:
    """The evaluation is a second, independent reference check: Terraform names the file."""
    mutation = Mutation(
        "main.tf",
        "  bucket_name         = local.bucket_name\n",
        "  bucket_name = local.bucket_nam\n",
    )
    tree, _ = mutated(tmp_path, mutation)
    with pytest.raises(tf_tree.TreeError, match="Reference to undeclared local value"):
        evaluate_copy(tree, ".", {}, tmp_path / "work")


def test_what_terraform_refuses_is_named_where_it_is_written(tmp_path: Path) -> None:
    """A value of the wrong type for a module variable: Terraform refuses the copy, and the error
    names the line of the source, not of the rewritten copy."""
    mutation = Mutation("main.tf", "  tags     = local.tags\n", '  tags     = "oops"\n')
    tree, where = mutated(tmp_path, mutation)
    with pytest.raises(tf_tree.TreeError) as refused:
        evaluate_copy(tree, ".", {}, tmp_path / "work")
    message = str(refused.value)
    assert where in message.splitlines()[0], message
    assert "map of string required" in message
