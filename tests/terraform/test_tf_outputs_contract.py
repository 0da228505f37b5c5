"""Check 6: the root stack's outputs are exactly the contract; the examples re-export modules."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import tf_static as tf

from conftest import Evaluated
from personalize_movielens.outputs import CONTRACT_OUTPUTS, parse_outputs
from personalize_movielens.schemas import schema_path

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


@pytest.mark.parametrize(
    ("scenario", "with_event_value"),
    [("root-defaults", False), ("root-everything", True)],
)
def test_root_stack_sends_the_schemas_the_tool_reads(
    evaluated: Evaluated, scenario: str, with_event_value: bool
) -> None:
    """The schema strings Terraform hands awscc are the files the tool prepares data for."""
    schemas = {
        i.key: json.loads(i.values["schema"])
        for i in evaluated(scenario)
        if i.type == "awscc_personalize_schema"
    }
    assert set(schemas) == {"Interactions", "Items"}
    for dataset_type, sent in schemas.items():
        path = schema_path(dataset_type, with_event_value=with_event_value)
        assert sent == json.loads(path.read_text(encoding="utf-8")), dataset_type


def test_the_bundled_schema_names_are_the_schema_files() -> None:
    """The dataset-group module resolves a bundled schema by name: its list is the folder's."""
    module = tf.load_module(tf.TF_DIR / "modules" / "dataset-group")
    conditions = " ".join(
        str(tf.attr(v, "condition")) for v in module.variables["datasets"]["validation"]
    )
    names = set(re.findall(r"\"([a-z_]+)\"", conditions)) - {"Interactions", "Items", "Users"}
    assert names == {p.stem for p in (tf.TF_DIR / "schemas").glob("*.json")}
    root = tf.load_module(tf.TF_DIR)
    condition = str(tf.attr(root.variables["interactions_schema"]["validation"][0], "condition"))
    assert set(re.findall(r"\"([a-z_]+)\"", condition)) <= names


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


ARN = "arn:aws:personalize:us-east-1:111122223333"
KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def terraform_output_json(tmp_path: Path, kms_key_arn: str) -> dict:
    """`terraform output -json` of a provider-less stack whose outputs are named as the root
    stack's, with values shaped like its (for-expression maps, a possibly null key)."""
    samples = {
        "region": '"us-east-1"',
        "bucket_name": '"movielens-personalize-111122223333-us-east-1"',
        "data_prefix": '"personalize/input/"',
        "personalize_role_arn": '"arn:aws:iam::111122223333:role/movielens-personalize"',
        "dataset_group_arn": f'"{ARN}:dataset-group/movielens"',
        "dataset_arns": f'{{ for t in local.types : t => "{ARN}:dataset/movielens/${{t}}" }}',
        "schema_arns": f'{{ for t in local.types : t => "{ARN}:schema/movielens-${{t}}" }}',
        "kms_key_arn": kms_key_arn,
    }
    blocks = ['locals {\n  types = ["Interactions", "Items"]\n}\n']
    for name in ROOT_STACK.outputs:
        blocks.append(f'output "{name}" {{\n  value = {samples[name]}\n}}\n')
    (tmp_path / "main.tf").write_text("\n".join(blocks))
    terraform = str(tf.venv_bin("terraform"))
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
    for args in (["init", "-input=false"], ["apply", "-input=false", "-auto-approve"]):
        done = subprocess.run(
            [terraform, f"-chdir={tmp_path}", *args],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    raw = subprocess.run(
        [terraform, f"-chdir={tmp_path}", "output", "-json"],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=True,
    ).stdout
    return json.loads(raw)


def test_tool_reads_real_terraform_output_json_with_a_customer_key(tmp_path: Path) -> None:
    outputs = parse_outputs(terraform_output_json(tmp_path, f'"{KEY}"'), source="terraform")
    assert outputs.kms_key_arn == KEY
    assert set(outputs.dataset_arns) == {"Interactions", "Items"}
    assert outputs.data_prefix == "personalize/input/"


def test_terraform_omits_null_outputs(tmp_path: Path) -> None:
    """Terraform leaves null outputs out of `terraform output -json`: without a customer key,
    kms_key_arn is absent rather than null."""
    raw = terraform_output_json(tmp_path, "null")
    assert set(raw) == set(CONTRACT_OUTPUTS) - {"kms_key_arn"}


def test_tool_reads_real_terraform_output_json_without_a_key(tmp_path: Path) -> None:
    outputs = parse_outputs(terraform_output_json(tmp_path, "null"), source="terraform")
    assert outputs.kms_key_arn is None
