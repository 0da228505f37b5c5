"""Check 4: the IAM policies, rendered from the HCL, say what issue 3 says.

Each aws_iam_policy_document is evaluated by tf_eval with chosen module inputs; data sources
that only exist in an account render as account 111122223333, partition aws, region us-east-1.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import tf_static as tf
from tf_eval import EvalError, PolicyRenderer, Statement, as_json

ACCOUNT = "111122223333"
PRINCIPAL = ("Service", ("personalize.amazonaws.com",))
BUCKET = "my-data-bucket"
BUCKET_ARN = f"arn:aws:s3:::{BUCKET}"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"

DATA_BUCKET = tf.load_module(tf.TF_DIR / "modules" / "data-bucket")
ROLE = tf.load_module(tf.TF_DIR / "modules" / "personalize-role")


def policy_problems(statements: list[Statement]) -> list[str]:
    """Rules for every policy in the project: no wildcard in an Allow, sids unique."""
    problems = []
    sids = [s.sid for s in statements]
    if len(set(sids)) != len(sids):
        problems.append(f"duplicate sids {sids}")
    for s in statements:
        if s.effect not in ("Allow", "Deny"):
            problems.append(f"{s.sid}: effect {s.effect!r}")
        if not s.actions:
            problems.append(f"{s.sid}: no actions")
        if s.effect == "Allow":
            wild = [a for a in s.actions if "*" in a]
            if wild:
                problems.append(f"{s.sid}: wildcard action(s) {wild} in an Allow statement")
    return problems


def by_sid(statements: list[Statement]) -> dict[str, Statement]:
    return {s.sid: s for s in statements}


def bucket_policy(**variables: object) -> list[Statement]:
    return PolicyRenderer(DATA_BUCKET, {"bucket_name": BUCKET, **variables}).render("this")


def role_policy(name: str, **variables: object) -> list[Statement]:
    return PolicyRenderer(ROLE, {"name": "r", "bucket_arn": BUCKET_ARN, **variables}).render(name)


# --- Bucket policy ---------------------------------------------------------------------------


def test_bucket_policy_denies_insecure_transport() -> None:
    deny = by_sid(bucket_policy())["DenyInsecureTransport"]
    assert deny.effect == "Deny"
    assert deny.actions == ("s3:*",)
    assert set(deny.resources) == {BUCKET_ARN, f"{BUCKET_ARN}/*"}
    assert deny.principals == (("*", ("*",)),)
    assert deny.condition("aws:SecureTransport") == ("Bool", ("false",))


def test_bucket_policy_lets_personalize_read_the_input_prefix_only() -> None:
    statements = bucket_policy(data_prefix="ml/in/")
    allows = [s for s in statements if s.effect == "Allow"]
    assert {(a, r) for s in allows for a in s.actions for r in s.resources} == {
        ("s3:ListBucket", BUCKET_ARN),
        ("s3:GetObject", f"{BUCKET_ARN}/ml/in/*"),
    }
    for s in allows:
        assert s.principals == (PRINCIPAL,), as_json([s])
        assert s.condition("aws:SourceAccount") == ("StringEquals", (ACCOUNT,)), as_json([s])
    assert policy_problems(statements) == []


def test_bucket_policy_allows_batch_output_writes_only_when_enabled() -> None:
    assert not any("s3:PutObject" in s.actions for s in bucket_policy())
    statements = bucket_policy(enable_batch_output=True, batch_output_prefix="out/")
    (put,) = [s for s in statements if "s3:PutObject" in s.actions]
    assert put.effect == "Allow" and put.actions == ("s3:PutObject",)
    assert put.resources == (f"{BUCKET_ARN}/out/*",)
    assert put.principals == (PRINCIPAL,)
    assert put.condition("aws:SourceAccount") == ("StringEquals", (ACCOUNT,))
    assert policy_problems(statements) == []


# --- Role -------------------------------------------------------------------------------------


def test_role_trust_is_personalize_with_confused_deputy_conditions() -> None:
    (trust,) = role_policy("trust")
    assert trust.effect == "Allow" and trust.actions == ("sts:AssumeRole",)
    assert trust.principals == (PRINCIPAL,)
    assert trust.condition("aws:SourceAccount") == ("StringEquals", (ACCOUNT,))
    assert trust.condition("aws:SourceArn") == (
        "ArnLike",
        (f"arn:aws:personalize:us-east-1:{ACCOUNT}:*",),
    )


def test_role_permissions_are_scoped_to_the_bucket_and_prefix() -> None:
    statements = role_policy("this", data_prefix="ml/in/")
    grants = {(a, r) for s in statements for a in s.actions for r in s.resources}
    assert grants == {("s3:ListBucket", BUCKET_ARN), ("s3:GetObject", f"{BUCKET_ARN}/ml/in/*")}
    assert all(s.effect == "Allow" for s in statements)
    assert policy_problems(statements) == []


def test_role_gets_write_and_kms_only_when_asked() -> None:
    statements = role_policy("this", batch_output_prefix="out/", kms_key_arn=KEY_ARN)
    grants = {(a, r) for s in statements for a in s.actions for r in s.resources}
    assert ("s3:PutObject", f"{BUCKET_ARN}/out/*") in grants
    kms = {a for a, r in grants if a.startswith("kms:")}
    assert kms == {"kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:ListGrants"}
    assert {r for a, r in grants if a.startswith("kms:")} == {KEY_ARN}
    assert policy_problems(statements) == []


# --- Every policy document in the tree --------------------------------------------------------


@pytest.mark.parametrize("directory", tf.module_dirs(), ids=lambda p: p.name)
def test_every_policy_document_has_no_wildcard_allow(directory: Path) -> None:
    module = tf.load_module(directory)
    required = {n: "x" for n, body in module.variables.items() if "default" not in body}
    inputs = {
        "bucket_name": BUCKET,
        "bucket_arn": BUCKET_ARN,
        "name": "n",
        "kms_key_arn": KEY_ARN,
        "batch_output_prefix": "out/",
    }
    variables = {
        **{k: v for k, v in inputs.items() if k in module.variables},
        **{k: v for k, v in required.items() if k not in inputs},
    }
    renderer = PolicyRenderer(module, variables)
    for type_name, name in module.data:
        if type_name == "aws_iam_policy_document":
            for statements in renderer.instances(name):
                assert policy_problems(statements) == [], (directory, name)


# --- The checks catch seeded defects ----------------------------------------------------------


def _renderer(tmp_path: Path, hcl: str) -> PolicyRenderer:
    (tmp_path / "main.tf").write_text(hcl)
    return PolicyRenderer(tf.load_module(tmp_path))


def test_wildcard_allow_is_caught(tmp_path: Path) -> None:
    renderer = _renderer(
        tmp_path,
        'data "aws_iam_policy_document" "x" {\n  statement {\n    sid = "All"\n'
        '    actions = ["s3:*"]\n    resources = ["*"]\n  }\n}\n',
    )
    assert "wildcard action" in " ".join(policy_problems(renderer.render("x")))


def test_renderer_follows_counts_conditionals_and_sources(tmp_path: Path) -> None:
    renderer = _renderer(
        tmp_path,
        'variable "on" {\n  type = bool\n  default = false\n}\n'
        'locals {\n  arn = "arn:${data.aws_partition.current.partition}:s3:::b"\n}\n'
        'data "aws_iam_policy_document" "a" {\n  statement {\n    sid = "A"\n'
        '    actions = ["s3:GetObject"]\n    resources = ["${local.arn}/in/*"]\n  }\n}\n'
        'data "aws_iam_policy_document" "b" {\n  count = var.on ? 1 : 0\n  statement {\n'
        '    sid = "B"\n    actions = ["s3:PutObject"]\n    resources = [local.arn]\n  }\n}\n'
        'data "aws_iam_policy_document" "all" {\n  source_policy_documents = concat(\n'
        "    [data.aws_iam_policy_document.a.json],\n"
        "    data.aws_iam_policy_document.b[*].json,\n  )\n}\n",
    )
    statements = renderer.render("all")
    assert [s.sid for s in statements] == ["A"]
    assert statements[0].resources == ("arn:aws:s3:::b/in/*",)


def test_renderer_refuses_what_it_cannot_evaluate(tmp_path: Path) -> None:
    renderer = _renderer(
        tmp_path,
        'data "aws_iam_policy_document" "x" {\n  statement {\n'
        '    actions = formatlist("s3:%s", ["GetObject"])\n  }\n}\n',
    )
    with pytest.raises(EvalError, match="formatlist"):
        renderer.render("x")


# --- aws:SourceAccount on the bucket policy (issue 9, defect 8) ------------------------------


def test_the_source_account_condition_can_be_dropped() -> None:
    """The guide's confused-deputy advice is kept by default; its bucket-policy example has no
    such condition, so a team whose imports are refused for it can turn it off, and then no
    Personalize statement keeps it (the TLS-only deny stays)."""
    default = [s for s in bucket_policy(enable_batch_output=True) if s.effect == "Allow"]
    assert all(s.condition("aws:SourceAccount") for s in default)
    dropped = bucket_policy(enable_batch_output=True, enable_source_account_condition=False)
    allows = [s for s in dropped if s.effect == "Allow"]
    assert len(allows) == 3 and all(s.conditions == () for s in allows), as_json(allows)
    assert by_sid(dropped)["DenyInsecureTransport"].condition("aws:SecureTransport")


def test_operations_doc_gives_the_diagnosis_and_the_variable() -> None:
    text = (tf.ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    (line,) = [x for x in text.splitlines() if "enable_source_account_condition" in x]
    assert "Insufficient privileges for accessing data in S3" in line
    root = tf.load_module(tf.TF_DIR)
    assert "enable_source_account_condition" in root.variables
    assert tf.attr(root.variables["enable_source_account_condition"], "default") is True
