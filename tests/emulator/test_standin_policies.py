"""The stand-in's policies are the Terraform modules' policies, rendered from the HCL.

`local up` cannot run Terraform, so `local/policies.py` holds copies of the documents that
terraform/modules/data-bucket and personalize-role declare. Here the HCL is rendered by the
Terraform checks' own renderer (tests/terraform/tf_eval.py) with the stand-in's bucket, prefix,
account and region, and compared statement for statement. The one documented difference, the
bucket's TLS-only Deny (docs/local-emulator.md), is taken out of the rendered side by name
(data.aws_iam_policy_document.tls_only), so any other drift fails, in either direction.
"""

from __future__ import annotations

import copy
import fnmatch
import shutil
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from personalize_movielens.local import DEFAULT_REGION, policies, provision
from personalize_movielens.local.emulator.service import DEFAULT_ACCOUNT_ID

TF_TESTS = Path(__file__).resolve().parents[1] / "terraform"
if str(TF_TESTS) not in sys.path:
    sys.path.insert(0, str(TF_TESTS))

import tf_static  # noqa: E402  (a test helper folder, not a package)
from tf_eval import PolicyRenderer, Statement  # noqa: E402

MODULES = tf_static.TF_DIR / "modules"
BUCKET_ARN = f"arn:aws:s3:::{provision.BUCKET}"
#: What only an account knows, as the stand-in has it (moto's account, the stand-in's region).
REGIONS = (DEFAULT_REGION, "eu-west-1")
#: Batch output off (None) and on, at the root stack's default prefix.
BATCH_OUTPUT_PREFIXES = (None, "personalize/output/")

Normal = tuple[str, str, tuple[str, ...], tuple[str, ...], tuple[Any, ...], tuple[Any, ...]]


def _known(region: str) -> dict[str, str]:
    return {
        "data.aws_caller_identity.current.account_id": DEFAULT_ACCOUNT_ID,
        "data.aws_partition.current.partition": "aws",
        "data.aws_region.current.region": region,
    }


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def from_document(document: dict[str, Any]) -> list[Statement]:
    """A JSON policy document as the renderer's statements (Principal "*" as type "*")."""
    found = []
    for raw in document["Statement"]:
        principal = raw.get("Principal", {})
        principal = {"*": "*"} if principal == "*" else principal
        found.append(
            Statement(
                sid=raw.get("Sid", ""),
                effect=raw["Effect"],
                actions=tuple(_listed(raw["Action"])),
                resources=tuple(_listed(raw.get("Resource", []))),
                principals=tuple((kind, tuple(_listed(ids))) for kind, ids in principal.items()),
                conditions=tuple(
                    (test, variable, tuple(map(str, _listed(values))))
                    for test, entries in raw.get("Condition", {}).items()
                    for variable, values in entries.items()
                ),
            )
        )
    return found


def _normal(statement: Statement) -> Normal:
    """Order-free: IAM reads actions, resources, principals and conditions as sets."""
    return (
        statement.sid,
        statement.effect,
        tuple(sorted(statement.actions)),
        tuple(sorted(statement.resources)),
        tuple(sorted((kind, tuple(sorted(ids))) for kind, ids in statement.principals)),
        tuple(sorted((t, v, tuple(sorted(vals))) for t, v, vals in statement.conditions)),
    )


def differences(stand_in: list[Statement], terraform: list[Statement]) -> list[str]:
    """Statements one side has and the other lacks (empty when the policies are equal)."""
    ours = sorted(_normal(s) for s in stand_in)
    theirs = sorted(_normal(s) for s in terraform)
    return [f"only in the stand-in: {s}" for s in ours if s not in theirs] + [
        f"only in Terraform: {s}" for s in theirs if s not in ours
    ]


def rendered_bucket_policy(
    module_dir: Path, region: str, batch_output_prefix: str | None = None
) -> list[Statement]:
    """data-bucket's policy for the stand-in's bucket, without the TLS-only Deny."""
    variables: dict[str, Any] = {
        "bucket_name": provision.BUCKET,
        "data_prefix": provision.DATA_PREFIX,
        "enable_batch_output": batch_output_prefix is not None,
    }
    if batch_output_prefix is not None:
        variables["batch_output_prefix"] = batch_output_prefix
    renderer = PolicyRenderer(tf_static.load_module(module_dir), variables, known=_known(region))
    tls_only = {_normal(s) for s in renderer.render("tls_only")}
    return [s for s in renderer.render("this") if _normal(s) not in tls_only]


def role_renderer(
    module_dir: Path, region: str, batch_output_prefix: str | None = None
) -> PolicyRenderer:
    variables = {
        "name": provision.ROLE,
        "region": region,
        "bucket_arn": BUCKET_ARN,
        "data_prefix": provision.DATA_PREFIX,
        "batch_output_prefix": batch_output_prefix,
    }
    return PolicyRenderer(tf_static.load_module(module_dir), variables, known=_known(region))


def stand_in_documents(
    region: str, batch_output_prefix: str | None = None
) -> dict[str, dict[str, Any]]:
    return {
        "bucket": policies.bucket_policy(
            provision.BUCKET, provision.DATA_PREFIX, DEFAULT_ACCOUNT_ID, batch_output_prefix
        ),
        "trust": policies.trust_policy(DEFAULT_ACCOUNT_ID, region),
        "role": policies.role_policy(provision.BUCKET, provision.DATA_PREFIX, batch_output_prefix),
    }


def all_differences(
    documents: dict[str, dict[str, Any]],
    region: str,
    modules: Path = MODULES,
    batch_output_prefix: str | None = None,
) -> list[str]:
    role = role_renderer(modules / "personalize-role", region, batch_output_prefix)
    rendered = {
        "bucket": rendered_bucket_policy(modules / "data-bucket", region, batch_output_prefix),
        "trust": role.render("trust"),
        "role": role.render("this"),
    }
    return [
        f"{name} policy: {problem}"
        for name, document in documents.items()
        for problem in differences(from_document(document), rendered[name])
    ]


@pytest.mark.parametrize("batch_output_prefix", BATCH_OUTPUT_PREFIXES)
@pytest.mark.parametrize("region", REGIONS)
def test_the_stand_in_policies_are_the_modules_policies(
    region: str, batch_output_prefix: str | None
) -> None:
    documents = stand_in_documents(region, batch_output_prefix)
    assert all_differences(documents, region, batch_output_prefix=batch_output_prefix) == []


def test_batch_jobs_read_their_input_and_write_only_their_output_prefix() -> None:
    """https://docs.aws.amazon.com/personalize/latest/dg/granting-personalize-s3-access.html:
    "If you are using a batch workflow or creating a dataset export job, Amazon Personalize
    needs additional permissions. See Service role policy for batch workflows". The tool writes
    batch input under `<data_prefix>batch/` (read with the input grant) and points the job's
    output at batch_output_prefix: the role and the bucket allow exactly that write."""
    prefix = "personalize/output/"
    documents = stand_in_documents(DEFAULT_REGION, prefix)
    batch_input = f"{BUCKET_ARN}/{provision.DATA_PREFIX}batch/users.json"
    batch_output = f"{BUCKET_ARN}/{prefix}job-1/users.json.out"
    for name in ("bucket", "role"):
        statements = from_document(documents[name])
        reads = [r for s in statements if "s3:GetObject" in s.actions for r in s.resources]
        writes = [r for s in statements if "s3:PutObject" in s.actions for r in s.resources]
        assert any(fnmatch.fnmatchcase(batch_input, r) for r in reads), name
        assert writes == [f"{BUCKET_ARN}/{prefix}*"], name
        assert fnmatch.fnmatchcase(batch_output, writes[0]), name
        assert not fnmatch.fnmatchcase(batch_input, writes[0]), name
    # Off: no write at all.
    for document in stand_in_documents(DEFAULT_REGION).values():
        assert not any("s3:PutObject" in s.actions for s in from_document(document))


def test_a_missing_batch_output_grant_in_the_stand_in_fails() -> None:
    prefix = "personalize/output/"
    documents = stand_in_documents(DEFAULT_REGION, None)
    found = all_differences(documents, DEFAULT_REGION, batch_output_prefix=prefix)
    assert any("only in Terraform" in p and "PutObject" in p for p in found), found


def test_the_only_difference_left_out_is_the_documented_tls_only_deny() -> None:
    renderer = PolicyRenderer(
        tf_static.load_module(MODULES / "data-bucket"),
        {"bucket_name": provision.BUCKET},
        known=_known(DEFAULT_REGION),
    )
    (deny,) = renderer.render("tls_only")
    assert deny.effect == "Deny" and deny.actions == ("s3:*",)
    assert deny.condition("aws:SecureTransport") == ("Bool", ("false",))
    assert replace(deny, origin="") in [replace(s, origin="") for s in renderer.render("this")]


def test_the_role_policy_has_the_modules_name() -> None:
    body = tf_static.load_module(MODULES / "personalize-role").resources[
        ("aws_iam_role_policy", "this")
    ]
    assert tf_static.attr(body, "name") == policies.ROLE_POLICY_NAME


def _widen_action(docs: dict[str, Any]) -> None:
    docs["bucket"]["Statement"][1]["Action"] = ["s3:GetObject", "s3:GetObjectVersion"]


def _whole_bucket(docs: dict[str, Any]) -> None:
    docs["role"]["Statement"][1]["Resource"] = f"{BUCKET_ARN}/*"


def _drop_source_arn(docs: dict[str, Any]) -> None:
    del docs["trust"]["Statement"][0]["Condition"]["ArnLike"]


def _other_sid(docs: dict[str, Any]) -> None:
    docs["bucket"]["Statement"][0]["Sid"] = "PersonalizeList"


def _tls_deny_too(docs: dict[str, Any]) -> None:
    docs["bucket"]["Statement"].append(
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [BUCKET_ARN, f"{BUCKET_ARN}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    )


def _extra_statement(docs: dict[str, Any]) -> None:
    docs["role"]["Statement"].append(
        {"Sid": "Write", "Effect": "Allow", "Action": "s3:PutObject", "Resource": f"{BUCKET_ARN}/*"}
    )


@pytest.mark.parametrize(
    "seed",
    [_widen_action, _whole_bucket, _drop_source_arn, _other_sid, _tls_deny_too, _extra_statement],
)
def test_a_seeded_difference_in_the_stand_in_copy_fails(seed: Any) -> None:
    documents = copy.deepcopy(stand_in_documents(DEFAULT_REGION))
    seed(documents)
    assert all_differences(documents, DEFAULT_REGION) != []


def test_a_seeded_difference_in_the_hcl_fails(tmp_path: Path) -> None:
    modules = tmp_path / "modules"
    for name in ("data-bucket", "personalize-role"):
        shutil.copytree(MODULES / name, modules / name)
    main = modules / "data-bucket" / "main.tf"
    text = main.read_text(encoding="utf-8")
    assert text.count('actions   = ["s3:GetObject"]') == 1
    main.write_text(
        text.replace(
            'actions   = ["s3:GetObject"]', 'actions   = ["s3:GetObject", "s3:GetObjectTagging"]'
        ),
        encoding="utf-8",
    )
    found = all_differences(stand_in_documents(DEFAULT_REGION), DEFAULT_REGION, modules)
    assert any(
        "only in Terraform" in problem and "GetObjectTagging" in problem for problem in found
    )
