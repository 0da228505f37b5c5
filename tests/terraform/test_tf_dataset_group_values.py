"""Check 5: the values the dataset-group module hands awscc, evaluated by Terraform itself.

The locals are evaluated offline by Terraform 1.0.3 in a provider-less copy (tf_harness), so a
wrong shape (tags), a schema string that follows the file's whitespace, or an unvalidated
dataset type fails here instead of at `terraform plan` against AWS.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import tf_static as tf
from tf_harness import HarnessError, evaluate_locals

MODULE_DIR = tf.TF_DIR / "modules" / "dataset-group"
MODULE = tf.load_module(MODULE_DIR)
SCHEMAS = tf.load_provider_schemas()
AWSCC = ("awscc_personalize_dataset_group", "awscc_personalize_schema", "awscc_personalize_dataset")
INTERACTIONS = tf.TF_DIR / "schemas" / "interactions.json"


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("harness")


def _locals(work: Path, names: list[str], **variables: object) -> dict[str, object]:
    inputs = {"name": "n", "datasets": {"Interactions": str(INTERACTIONS)}, **variables}
    return evaluate_locals(MODULE_DIR, names, inputs, work)


# --- Schema normalisation ---------------------------------------------------------------------


def test_schema_strings_are_normalised_in_the_module() -> None:
    # Spacing differs between the two hcl2 layouts; compare without it.
    expression = "".join(str(tf.attr(MODULE.locals, "schemas")).split())
    assert (
        expression
        == "${{fortype,pathinlocal.schema_files:type=>jsonencode(jsondecode(file(path)))}}"
    )
    for type_name in ("awscc_personalize_schema", "awscc_personalize_dataset"):
        assert tf.attr(MODULE.resources[(type_name, "this")], "for_each") == "${local.schemas}"
    assert tf.attr(MODULE.resources[("awscc_personalize_schema", "this")], "schema") == (
        "${each.value}"
    )


def test_reformatting_a_schema_file_keeps_the_string_a_real_change_does_not(
    work: Path, tmp_path: Path
) -> None:
    parsed = json.loads(INTERACTIONS.read_text(encoding="utf-8"))
    reformatted = tmp_path / "reformatted.json"
    # Other indentation, keys in reverse order, a trailing newline.
    reordered = dict(reversed(list(parsed.items())))
    reformatted.write_text(json.dumps(reordered, indent=7) + "\n\n", encoding="utf-8")
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps({**parsed, "name": "Other"}), encoding="utf-8")
    datasets = {"Interactions": str(INTERACTIONS), "Items": str(reformatted)}
    schemas = _locals(work, ["schemas"], datasets=datasets)["schemas"]
    assert isinstance(schemas, dict)
    assert schemas["Interactions"] == schemas["Items"]
    assert json.loads(schemas["Interactions"]) == parsed
    datasets = {"Interactions": str(INTERACTIONS), "Items": str(changed)}
    schemas = _locals(work, ["schemas"], datasets=datasets)["schemas"]
    assert isinstance(schemas, dict)
    assert schemas["Interactions"] != schemas["Items"]


# --- Tags: awscc wants a list of {key, value} objects ----------------------------------------


def test_every_awscc_resource_gets_the_tags_local() -> None:
    for type_name in AWSCC:
        assert tf.attr(MODULE.resources[(type_name, "this")], "tags") == "${local.tags}"


def test_tags_local_is_a_list_of_key_value_objects_or_null(work: Path) -> None:
    tags = _locals(work, ["tags"], tags={"Team": "data", "Env": "dev"})["tags"]
    assert tags == [{"key": "Env", "value": "dev"}, {"key": "Team", "value": "data"}]
    for type_name in AWSCC:
        nested = SCHEMAS["providers"]["awscc"]["resources"][type_name]["attributes"]["tags"]
        assert nested["kind"] == "list"
        for item in tags:
            assert set(item) <= set(nested["nested"]["attributes"]), type_name
    assert _locals(work, ["tags"], tags={})["tags"] is None


# --- Dataset types ------------------------------------------------------------------------------


def dataset_type_problems(module: tf.Module) -> list[str]:
    """The dataset type is the (validated) datasets key itself, not a transformation of it."""
    body = module.resources[("awscc_personalize_dataset", "this")]
    problems = []
    if tf.attr(body, "for_each") != "${local.schemas}":
        problems.append("awscc_personalize_dataset.this is not keyed by local.schemas")
    if tf.attr(body, "dataset_type") != "${each.key}":
        problems.append(f"dataset_type is {tf.attr(body, 'dataset_type')!r}, not each.key")
    return problems


def test_dataset_type_is_the_datasets_key() -> None:
    assert dataset_type_problems(MODULE) == []


def test_dataset_type_check_catches_a_transformed_key(tmp_path: Path) -> None:
    text = (MODULE_DIR / "main.tf").read_text(encoding="utf-8")
    seeded = text.replace("dataset_type      = each.key", "dataset_type      = upper(each.key)")
    assert seeded != text
    (tmp_path / "main.tf").write_text(seeded, encoding="utf-8")
    assert "not each.key" in " ".join(dataset_type_problems(tf.load_module(tmp_path)))


def test_schemas_are_keyed_by_the_dataset_types_given(work: Path) -> None:
    datasets = {"Interactions": str(INTERACTIONS), "Items": str(INTERACTIONS)}
    schemas = _locals(work, ["schemas"], datasets=datasets)["schemas"]
    assert isinstance(schemas, dict) and sorted(schemas) == ["Interactions", "Items"]


@pytest.mark.parametrize("key", ["interactions", "ITEMS", "Actions"])
def test_datasets_keys_other_than_the_three_types_are_refused(work: Path, key: str) -> None:
    datasets = {"Interactions": str(INTERACTIONS), key: str(INTERACTIONS)}
    if key == "interactions":
        datasets = {key: str(INTERACTIONS)}
    with pytest.raises(HarnessError, match="datasets keys must include"):
        _locals(work, ["schemas"], datasets=datasets)
