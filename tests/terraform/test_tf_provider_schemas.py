"""Check 3: every resource, data source, argument and block exists in the pinned providers.

The schemas come from tests/terraform/provider_schemas.json, extracted from the cdktn provider
bindings by tools/extract_provider_schemas.py (see its docstring to regenerate).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import tf_static as tf

SCHEMAS = tf.load_provider_schemas()


def _module_from(text: str) -> tf.Module:
    module = tf.Module(path=Path("snippet"))
    tf.add_parsed(module, tf.parse_text(text))
    return module


def test_schemas_are_from_the_pinned_provider_versions() -> None:
    providers = SCHEMAS["providers"]
    assert providers["aws"]["version"] == "6.69.1"
    assert providers["aws"]["source"] == "registry.terraform.io/hashicorp/aws"
    assert providers["awscc"]["version"] == "1.106.0"
    assert providers["awscc"]["source"] == "registry.terraform.io/hashicorp/awscc"
    assert providers["aws"]["missing"] == [] and providers["awscc"]["missing"] == []


def test_schema_file_covers_every_type_the_code_declares() -> None:
    declared: set[tuple[str, str]] = set()
    for directory in tf.module_dirs():
        module = tf.load_module(directory)
        declared |= {("resource", t) for t, _ in module.resources}
        declared |= {("data", t) for t, _ in module.data}
    for kind, type_name in sorted(declared):
        section = "resources" if kind == "resource" else "data_sources"
        provider = SCHEMAS["providers"][type_name.split("_", 1)[0]]
        assert type_name in provider[section], (
            f"{kind} {type_name} is not in provider_schemas.json: "
            "run tools/extract_provider_schemas.py (see its docstring)"
        )


@pytest.mark.parametrize("directory", tf.module_dirs(), ids=lambda p: p.name)
def test_resources_conform_to_provider_schemas(directory: Path) -> None:
    module = tf.load_module(directory)
    assert tf.check_conformance(module, SCHEMAS) == []


SEEDED = {
    "unknown type": ('resource "aws_s3_bukket" "x" {\n  bucket = "b"\n}\n', "not in the pinned"),
    "unknown argument": (
        'resource "aws_s3_bucket" "x" {\n  bucket = "b"\n  acl_mode = "private"\n}\n',
        "unsupported argument or block 'acl_mode'",
    ),
    "missing required argument": (
        'resource "awscc_personalize_dataset" "x" {\n  name = "n"\n  dataset_type = "Items"\n'
        '  schema_arn = "arn"\n}\n',
        "required argument 'dataset_group_arn' is not set",
    ),
    "read-only argument": (
        'resource "awscc_personalize_dataset_group" "x" {\n  name = "n"\n'
        '  dataset_group_arn = "arn"\n}\n',
        "'dataset_group_arn' is read-only",
    ),
    "block written as attribute": (
        'resource "aws_s3_bucket_versioning" "x" {\n  bucket = "b"\n'
        '  versioning_configuration = { status = "Enabled" }\n}\n',
        "'versioning_configuration' is a block",
    ),
    "nested attribute written as block": (
        'resource "awscc_personalize_dataset" "x" {\n  name = "n"\n  dataset_type = "Items"\n'
        '  schema_arn = "a"\n  dataset_group_arn = "g"\n'
        '  dataset_import_job {\n    job_name = "j"\n  }\n}\n',
        "'dataset_import_job' is an attribute",
    ),
    "unknown argument in nested block": (
        'data "aws_iam_policy_document" "x" {\n  statement {\n    actions = ["s3:GetObject"]\n'
        '    principal {\n      type = "Service"\n      identifiers = ["x"]\n    }\n  }\n}\n',
        "statement[0]: unsupported argument or block 'principal'",
    ),
    "missing required argument in nested block": (
        'data "aws_iam_policy_document" "x" {\n  statement {\n    condition {\n'
        '      test = "Bool"\n      values = ["false"]\n    }\n  }\n}\n',
        "condition[0]: required argument 'variable' is not set",
    ),
    "unknown key in nested object": (
        'resource "awscc_personalize_dataset" "x" {\n  name = "n"\n  dataset_type = "Items"\n'
        '  schema_arn = "a"\n  dataset_group_arn = "g"\n'
        '  dataset_import_job = { job = "j" }\n}\n',
        "dataset_import_job: unsupported attribute 'job'",
    ),
    "unknown argument in dynamic block": (
        'resource "aws_s3_bucket_lifecycle_configuration" "x" {\n  bucket = "b"\n'
        '  dynamic "rule" {\n    for_each = [1]\n    content {\n      id = "r"\n'
        '      status = "Enabled"\n      expire = 3\n    }\n  }\n}\n',
        "rule[0]: unsupported argument or block 'expire'",
    ),
}


@pytest.mark.parametrize("case", sorted(SEEDED))
def test_conformance_check_catches_seeded_defect(case: str) -> None:
    text, expected = SEEDED[case]
    problems = tf.check_conformance(_module_from(text), SCHEMAS)
    assert any(expected in p for p in problems), problems


def test_conformance_accepts_dynamic_block_as_its_block() -> None:
    text = (
        'resource "aws_s3_bucket_lifecycle_configuration" "x" {\n  bucket = "b"\n'
        '  dynamic "rule" {\n    for_each = [1]\n    content {\n      id = "r"\n'
        '      status = "Enabled"\n    }\n  }\n}\n'
    )
    assert tf.check_conformance(_module_from(text), SCHEMAS) == []
