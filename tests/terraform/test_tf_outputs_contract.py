"""Check 6: the root stack's outputs are exactly the contract; the examples re-export modules."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import tf_static as tf
import tf_tree
from mutations import Mutation, mutated

from conftest import Evaluated
from personalize_movielens.filter_defaults import default_filters
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
    assert sources["domain"] == "${var.domain}"
    assert sources["batch_output_prefix"] == "${module.data_bucket.batch_output_prefix}"
    assert sources["filter_arns"] == "${module.dataset_group.filter_arns}"
    assert sources["event_tracker_arn"] == "${module.dataset_group.event_tracker_arn}"
    assert sources["event_tracking_id"] == "${module.dataset_group.event_tracking_id}"


BOTH, ALL = {"Interactions", "Items"}, {"Interactions", "Items", "Users"}


@pytest.mark.parametrize(
    ("scenario", "with_event_value", "domain", "types"),
    [
        ("root-defaults", False, None, BOTH),
        ("root-everything", True, None, ALL),
        ("root-video-on-demand", False, "VIDEO_ON_DEMAND", BOTH),
        ("root-video-on-demand-users", False, "VIDEO_ON_DEMAND", ALL),
    ],
)
def test_root_stack_sends_the_schemas_the_tool_reads(
    evaluated: Evaluated,
    scenario: str,
    with_event_value: bool,
    domain: str | None,
    types: set[str],
) -> None:
    """The schema strings Terraform hands awscc are the files the tool prepares data for, and
    the domain reaches the dataset group and every schema (both create-only in CloudFormation);
    Users only with enable_users_dataset (off by default)."""
    instances = evaluated(scenario)
    schemas = {
        i.key: json.loads(i.values["schema"])
        for i in instances
        if i.type == "awscc_personalize_schema"
    }
    assert set(schemas) == types
    assert dataset_types(instances) == types
    for dataset_type, sent in schemas.items():
        path = schema_path(dataset_type, with_event_value=with_event_value, domain=domain)
        assert sent == json.loads(path.read_text(encoding="utf-8")), dataset_type
    domains = {
        i.values["domain"]
        for i in instances
        if i.type in ("awscc_personalize_dataset_group", "awscc_personalize_schema")
    }
    assert domains == {domain}


def dataset_types(instances: list[tf_tree.Instance]) -> set[str]:
    """The dataset_type of each dataset the stack declares (each keyed by its type)."""
    datasets = [i for i in instances if i.type == "awscc_personalize_dataset"]
    assert all(i.values["dataset_type"] == i.key for i in datasets)
    return {i.values["dataset_type"] for i in datasets}


def test_the_users_dataset_is_off_unless_enabled(tmp_path: Path) -> None:
    """A seeded defect (the Users dataset declared whatever enable_users_dataset says) gives the
    default stack a Users dataset, which the schemas test above refuses."""
    tree, _ = mutated(
        tmp_path,
        Mutation(
            "main.tf", 'var.enable_users_dataset ? { Users = "users" } : {}', '{ Users = "users" }'
        ),
    )
    instances = tf_tree.evaluate(tree, {}, tmp_path / "work")
    assert dataset_types(instances) == ALL != BOTH


def _filters(instances: list) -> dict[str, str]:
    return {
        i.values["name"]: i.values["filter_expression"]
        for i in instances
        if i.type == "awscc_personalize_filter"
    }


@pytest.mark.parametrize(
    ("scenario", "domain", "with_items", "with_event_type"),
    [
        ("root-defaults", None, True, False),
        ("root-interactions-only", None, False, False),
        ("root-event-value", None, True, True),
        ("root-video-on-demand", "VIDEO_ON_DEMAND", True, True),
        ("root-video-on-demand-interactions-only", "VIDEO_ON_DEMAND", False, True),
    ],
)
def test_default_filters_are_the_ones_the_tool_reads(
    evaluated: Evaluated,
    scenario: str,
    domain: str | None,
    with_items: bool,
    with_event_type: bool,
) -> None:
    """Terraform declares exactly the filters personalize_movielens.filter_defaults gives
    `local up`, named with the stack's prefix; "genre" only where the Items dataset exists,
    "unwatched" only where the Interactions schema has EVENT_TYPE."""
    expected = default_filters(domain, with_items, with_event_type)
    assert ("genre" in expected) is with_items
    assert ("unwatched" in expected) is with_event_type
    assert _filters(evaluated(scenario)) == {
        f"movielens-{name}": expression for name, expression in expected.items()
    }


def test_the_default_filters_say_what_the_guide_allows() -> None:
    """Custom (with EVENT_TYPE in the schema): "unwatched" excludes every interaction.
    https://docs.aws.amazon.com/personalize/latest/dg/creating-filter-expressions.html:
    "Use `*` to include or exclude interactions of all types. Use `*` only for filter
    expressions that use the `EVENT_TYPE` property of an `Interactions` dataset."
    VIDEO_ON_DEMAND: EVENT_TYPE is required, and "Amazon Personalize ignores case only when
    matching event types", so "Watch" matches the prepared data's watch events."""
    custom = default_filters(None, True)
    assert custom["unwatched"] == 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("*")'
    vod = default_filters("VIDEO_ON_DEMAND", True)
    assert vod["unwatched"] == 'EXCLUDE ItemID WHERE Interactions.EVENT_TYPE IN ("Watch")'
    for filters in (custom, vod):
        assert filters["genre"] == "INCLUDE ItemID WHERE Items.GENRES IN ($GENRE)"
    # GENRES is a field of both Items schemas the stack sends.
    for d in (None, "VIDEO_ON_DEMAND"):
        fields = json.loads(schema_path("Items", domain=d).read_text(encoding="utf-8"))["fields"]
        assert "GENRES" in {f["name"] for f in fields}


def test_chosen_filters_replace_the_defaults(evaluated: Evaluated) -> None:
    assert _filters(evaluated("root-everything")) == {
        "recs-dev-comedies": 'INCLUDE ItemID WHERE Items.GENRES IN ("Comedy")'
    }
    assert _filters(evaluated("root-features-off")) == {}


@pytest.mark.parametrize(
    ("scenario", "tracker"), [("root-defaults", True), ("root-features-off", False)]
)
def test_the_event_tracker_follows_its_flag(
    evaluated: Evaluated, scenario: str, tracker: bool
) -> None:
    trackers = [i for i in evaluated(scenario) if i.type == "awscc_personalize_event_tracker"]
    assert len(trackers) == (1 if tracker else 0)
    for instance in trackers:
        assert instance.values["name"] == "movielens-events"
        assert instance.values["dataset_group_arn"].startswith(tf_tree.UNKNOWN)


def test_filters_and_the_tracker_wait_for_the_datasets() -> None:
    """CreateFilter validates the expression against the datasets' schemas; PutEvents appends
    to the Interactions dataset: both are declared after the datasets."""
    module = tf.load_module(tf.TF_DIR / "modules" / "dataset-group")
    for type_name in ("awscc_personalize_filter", "awscc_personalize_event_tracker"):
        body = module.resources[(type_name, "this")]
        assert "awscc_personalize_dataset.this" in str(body.get("depends_on")), type_name


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


def test_complete_example_shows_a_domain_filters_and_the_tracker(evaluated: Evaluated) -> None:
    """Its filters are the VIDEO_ON_DEMAND defaults, written out (a copy needs no JSON file)."""
    instances = evaluated("complete")
    (group,) = [i for i in instances if i.type == "awscc_personalize_dataset_group"]
    assert group.values["domain"] == "VIDEO_ON_DEMAND"
    prefix = group.values["name"]
    assert _filters(instances) == {
        f"{prefix}-{name}": expression
        for name, expression in default_filters("VIDEO_ON_DEMAND", with_items=True).items()
    }
    assert [i for i in instances if i.type == "awscc_personalize_event_tracker"]
    module = tf.load_module(tf.TF_DIR / "examples" / "complete")
    values = {str(tf.attr(body, "value")) for body in module.outputs.values()}
    for name in ("filter_arns", "event_tracker_arn", "event_tracking_id"):
        assert "${module.dataset_group." + name + "}" in values, name


ARN = "arn:aws:personalize:us-east-1:111122223333"
KEY = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


#: The optional outputs as a stack with every feature off has them (Terraform values).
FEATURES_OFF = {
    "kms_key_arn": "null",
    "domain": "null",
    "batch_output_prefix": "null",
    "filter_arns": "{}",
    "event_tracker_arn": "null",
    "event_tracking_id": "null",
}
#: ...and with every feature on.
FEATURES_ON = {
    "kms_key_arn": f'"{KEY}"',
    "domain": '"VIDEO_ON_DEMAND"',
    "batch_output_prefix": '"personalize/output/"',
    "filter_arns": f'{{ for f in ["unwatched", "genre"] : f => "{ARN}:filter/movielens-${{f}}" }}',
    "event_tracker_arn": f'"{ARN}:event-tracker/movielens-events"',
    "event_tracking_id": '"b4c6bd2b-2c81-4b4b-8ee4-2c3c0a0bbf8e"',
}


def terraform_output_json(tmp_path: Path, optional: dict[str, str]) -> dict:
    """`terraform output -json` of a provider-less stack whose outputs are named as the root
    stack's, with values shaped like its (for-expression maps, possibly null values)."""
    samples = {
        "region": '"us-east-1"',
        "bucket_name": '"movielens-personalize-111122223333-us-east-1"',
        "data_prefix": '"personalize/input/"',
        "personalize_role_arn": '"arn:aws:iam::111122223333:role/movielens-personalize"',
        "dataset_group_arn": f'"{ARN}:dataset-group/movielens"',
        "dataset_arns": f'{{ for t in local.types : t => "{ARN}:dataset/movielens/${{t}}" }}',
        "schema_arns": f'{{ for t in local.types : t => "{ARN}:schema/movielens-${{t}}" }}',
        **optional,
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


def test_tool_reads_real_terraform_output_json_with_every_feature(tmp_path: Path) -> None:
    outputs = parse_outputs(terraform_output_json(tmp_path, FEATURES_ON), source="terraform")
    assert outputs.kms_key_arn == KEY
    assert set(outputs.dataset_arns) == {"Interactions", "Items"}
    assert outputs.data_prefix == "personalize/input/"
    assert outputs.domain == "VIDEO_ON_DEMAND"
    assert outputs.batch_output_prefix == "personalize/output/"
    assert outputs.filter_arns == {
        "unwatched": f"{ARN}:filter/movielens-unwatched",
        "genre": f"{ARN}:filter/movielens-genre",
    }
    assert outputs.event_tracker_arn == f"{ARN}:event-tracker/movielens-events"
    assert outputs.event_tracking_id == "b4c6bd2b-2c81-4b4b-8ee4-2c3c0a0bbf8e"


def test_terraform_omits_null_outputs(tmp_path: Path) -> None:
    """Terraform leaves null outputs out of `terraform output -json`: without a customer key,
    domain, batch output or tracker, those outputs are absent rather than null."""
    raw = terraform_output_json(tmp_path, FEATURES_OFF)
    nulls = {name for name, value in FEATURES_OFF.items() if value == "null"}
    assert set(raw) == set(CONTRACT_OUTPUTS) - nulls
    assert raw["filter_arns"]["value"] == {}


def test_tool_reads_real_terraform_output_json_with_every_feature_off(tmp_path: Path) -> None:
    outputs = parse_outputs(terraform_output_json(tmp_path, FEATURES_OFF), source="terraform")
    assert outputs.kms_key_arn is None
    assert outputs.domain is None
    assert outputs.batch_output_prefix is None
    assert outputs.filter_arns == {}
    assert outputs.event_tracker_arn is None and outputs.event_tracking_id is None
