"""Check 6: the root stack's outputs are exactly the contract; the examples re-export modules."""

from __future__ import annotations

import pytest
import tf_static as tf

from personalize_movielens.outputs import CONTRACT_OUTPUTS

ROOT_STACK = tf.load_module(tf.TF_DIR)
EXAMPLES = ["minimal", "complete"]


def test_root_outputs_are_exactly_the_contract() -> None:
    assert set(ROOT_STACK.outputs) == set(CONTRACT_OUTPUTS)


def test_root_outputs_come_from_the_modules_and_variables() -> None:
    sources = {name: str(tf.attr(body, "value")) for name, body in ROOT_STACK.outputs.items()}
    assert sources["region"] == "${var.region}"
    assert sources["kms_key_arn"] == "${var.kms_key_arn}"
    assert sources["bucket_name"] == "${module.data_bucket.bucket_name}"
    assert sources["data_prefix"] == "${module.data_bucket.data_prefix}"
    assert sources["personalize_role_arn"] == "${module.personalize_role.role_arn}"
    assert sources["dataset_group_arn"] == "${module.dataset_group.dataset_group_arn}"
    assert sources["dataset_arns"] == "${module.dataset_group.dataset_arns}"
    assert sources["schema_arns"] == "${module.dataset_group.schema_arns}"


def test_root_stack_uses_the_shared_schema_files() -> None:
    datasets = str(tf.attr(ROOT_STACK.locals, "datasets"))
    assert "/schemas/${var.interactions_schema}.json" in datasets
    assert "/schemas/items.json" in datasets
    validation = ROOT_STACK.variables["interactions_schema"]["validation"][0]
    condition = str(tf.attr(validation, "condition"))
    for variant in ("interactions", "interactions_event_value"):
        assert f"'{variant}'" in condition or f'"{variant}"' in condition
        assert (tf.TF_DIR / "schemas" / f"{variant}.json").is_file()


@pytest.mark.parametrize("example", EXAMPLES)
def test_examples_reexport_the_module_outputs(example: str) -> None:
    module = tf.load_module(tf.TF_DIR / "examples" / example)
    assert set(module.modules) == {"data_bucket", "personalize_role", "dataset_group"}
    for call in module.modules.values():
        assert str(tf.attr(call, "source")).startswith("../../modules/")
    values = {str(tf.attr(body, "value")) for body in module.outputs.values()}
    for wanted in (
        "module.data_bucket.bucket_name",
        "module.data_bucket.data_prefix",
        "module.personalize_role.role_arn",
        "module.dataset_group.dataset_group_arn",
        "module.dataset_group.dataset_arns",
        "module.dataset_group.schema_arns",
    ):
        assert "${" + wanted + "}" in values, (example, wanted)
    assert module.providers and {"aws", "awscc"} <= set(module.providers)


def test_complete_example_uses_a_customer_key_and_batch_output() -> None:
    module = tf.load_module(tf.TF_DIR / "examples" / "complete")
    assert ("aws_kms_key", "this") in module.resources
    key = module.resources[("aws_kms_key", "this")]
    assert tf.attr(key, "enable_key_rotation") is True
    assert "aws_iam_policy_document.key" in str(tf.attr(key, "policy"))
    bucket = module.modules["data_bucket"]
    assert tf.attr(bucket, "enable_batch_output") is True
    assert "aws_kms_key.this.arn" in str(tf.attr(bucket, "kms_key_arn"))
    group = module.modules["dataset_group"]
    assert "aws_kms_key.this.arn" in str(tf.attr(group, "kms_key_arn"))
    assert "module.personalize_role.role_arn" in str(tf.attr(group, "role_arn"))
