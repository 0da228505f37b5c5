"""Check 6: with a customer KMS key, things are created in an order AWS accepts.

- KMS rejects a key policy naming a principal that does not exist yet
  (MalformedPolicyDocumentException), so a key's creation-time policy may name the account
  (`:root`) and service principals only; roles are added by `aws_kms_key_policy` afterwards.
- Personalize checks the role's permissions and the key policy when the dataset group is
  created, so the dataset group waits for both.
- The Personalize statement is the one the developer guide documents ("Giving Amazon
  Personalize permission to use your AWS KMS key").
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import tf_static as tf
from tf_eval import Evaluator, PolicyRenderer

COMPLETE = tf.load_module(tf.TF_DIR / "examples" / "complete")
ROLE = tf.load_module(tf.TF_DIR / "modules" / "personalize-role")
DATASET_GROUP = tf.load_module(tf.TF_DIR / "modules" / "dataset-group")
DOCUMENTED_ACTIONS = {
    "kms:Decrypt",
    "kms:GenerateDataKey",
    "kms:DescribeKey",
    "kms:CreateGrant",
    "kms:ListGrants",
}
KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE_ARN = "arn:aws:iam::111122223333:role/r"


def refs(value: Any) -> list[str]:
    """Flattened references of a depends_on/ignore_changes value, without ${...}."""
    if isinstance(value, list):
        return [r for item in value for r in refs(item)]
    return [str(value).removeprefix("${").removesuffix("}")]


def _document(module: tf.Module, raw: Any) -> str:
    match = re.fullmatch(r"\$\{data\.aws_iam_policy_document\.(\w+)\.json\}", str(raw))
    assert match, f"policy {raw!r} is not an aws_iam_policy_document"
    return match.group(1)


def key_policy_problems(module: tf.Module) -> list[str]:
    """Creation-time key policies name no principal the same apply creates."""
    problems = []
    renderer = PolicyRenderer(module)
    for (type_name, name), body in module.resources.items():
        if type_name != "aws_kms_key" or "policy" not in body:
            continue
        document = _document(module, tf.attr(body, "policy"))
        for statement in renderer.render(document):
            for kind, identifiers in statement.principals:
                for identifier in identifiers:
                    if kind == "AWS" and not re.fullmatch(
                        r"arn:aws[a-z-]*:iam::\d{12}:root", identifier
                    ):
                        problems.append(
                            f"aws_kms_key.{name}: statement {statement.sid} names {identifier} "
                            "at key creation; add it with aws_kms_key_policy once it exists"
                        )
        policies = [
            b
            for (t, _), b in module.resources.items()
            if t == "aws_kms_key_policy" and f"aws_kms_key.{name}." in str(tf.attr(b, "key_id"))
        ]
        ignored = [r for lc in body.get("lifecycle", []) for r in refs(lc.get("ignore_changes"))]
        if policies and "policy" not in ignored:
            problems.append(
                f"aws_kms_key.{name}: aws_kms_key_policy also sets the policy; "
                "ignore_changes = [policy] or the two undo each other"
            )
    return problems


def test_complete_example_key_policy_names_no_principal_created_later() -> None:
    assert key_policy_problems(COMPLETE) == []


def test_key_policy_check_catches_a_role_named_at_key_creation(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'locals {\n  role_arn = "arn:aws:iam::111122223333:role/made-here"\n}\n'
        'data "aws_iam_policy_document" "key" {\n  statement {\n    sid = "Role"\n'
        '    actions = ["kms:Decrypt"]\n    resources = ["*"]\n    principals {\n'
        '      type = "AWS"\n      identifiers = [local.role_arn]\n    }\n  }\n}\n'
        'resource "aws_kms_key" "this" {\n  policy = data.aws_iam_policy_document.key.json\n}\n'
        'resource "aws_kms_key_policy" "this" {\n  key_id = aws_kms_key.this.id\n'
        '  policy = "{}"\n}\n'
    )
    problems = " ".join(key_policy_problems(tf.load_module(tmp_path)))
    assert "names arn:aws:iam::111122223333:role/made-here at key creation" in problems
    assert "ignore_changes = [policy]" in problems


def test_role_is_added_to_the_key_policy_after_it_exists() -> None:
    body = COMPLETE.resources[("aws_kms_key_policy", "this")]
    assert tf.attr(body, "key_id") == "${aws_kms_key.this.id}"
    renderer = PolicyRenderer(COMPLETE)
    full = renderer.render(_document(COMPLETE, tf.attr(body, "policy")))
    initial = renderer.render(
        _document(COMPLETE, tf.attr(COMPLETE.resources[("aws_kms_key", "this")], "policy"))
    )
    assert full[: len(initial)] == initial
    (role,) = [s for s in full if s not in initial]
    assert role.principals == (("AWS", ("${module.personalize_role.role_arn}",)),)
    assert set(role.actions) == DOCUMENTED_ACTIONS


def test_dataset_group_waits_for_the_key_policy_and_the_role_permissions() -> None:
    assert "aws_kms_key_policy.this" in refs(COMPLETE.modules["dataset_group"].get("depends_on"))
    output = ROLE.outputs["role_arn"]
    assert "aws_iam_role_policy.this" in refs(output.get("depends_on"))


def test_personalize_statement_is_the_documented_one() -> None:
    statements = PolicyRenderer(COMPLETE).render("key")
    (service,) = [
        s for s in statements if ("Service", ("personalize.amazonaws.com",)) in s.principals
    ]
    assert set(service.actions) == DOCUMENTED_ACTIONS
    assert service.resources == ("*",)
    assert service.conditions == ()


def _precondition(**variables: object) -> bool:
    (lifecycle,) = DATASET_GROUP.resources[("awscc_personalize_dataset_group", "this")]["lifecycle"]
    (check,) = lifecycle["precondition"]
    inputs = {"name": "n", "datasets": {"Interactions": "i.json"}, **variables}
    return bool(Evaluator(DATASET_GROUP, inputs).value(tf.attr(check, "condition")))


def test_dataset_group_refuses_a_key_without_a_role() -> None:
    assert _precondition(kms_key_arn=KEY_ARN, role_arn=None) is False
    assert _precondition(kms_key_arn=KEY_ARN, role_arn=ROLE_ARN) is True
    assert _precondition() is True
