"""The data-loss guard and the plan summary (tools/plan_summary.py) on `terraform show -json` plans.

The fixtures in fixtures/plans/ are plans of this stack in Terraform's JSON layout
(format_version, resource_changes with address, module_address, mode, type, name, index,
change.actions, change.replace_paths, action_reason), one per case. A plan that deletes or
replaces a dataset group, schema, dataset or S3 bucket is refused unless --allow-data-loss
(ALLOW_DATA_LOSS=1); a forget, a read or a no-op is not data loss. The mutation tests run the
guard with one type taken off its list, or on a fixture with one field changed, to show that
each refusal comes from the rule and not from something else in the plan.
"""

from __future__ import annotations

import ast
import copy
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import cfn_schemas as cfn
import pytest

from personalize_movielens.paths import project_root

SCRIPT = project_root() / "tools" / "plan_summary.py"
PLANS = Path(__file__).parent / "fixtures" / "plans"
DATA_TYPES = (
    "awscc_personalize_dataset_group",
    "awscc_personalize_schema",
    "awscc_personalize_dataset",
    "aws_s3_bucket",
    "aws_kms_key",
)
# fixture -> (the address refused, the attribute that forces the replacement)
REPLACES = {
    "replace_dataset_group": ("module.dataset_group.awscc_personalize_dataset_group.this", "name"),
    "replace_schema": ('module.dataset_group.awscc_personalize_schema.this["Items"]', "schema"),
    "replace_dataset": (
        'module.dataset_group.awscc_personalize_dataset.this["Interactions"]',
        "name",
    ),
    "replace_bucket": ("module.data_bucket.aws_s3_bucket.this", "bucket"),
    "replace_kms_key": ("aws_kms_key.this", "customer_master_key_spec"),
}
DELETES = {
    "delete_dataset_group": "module.dataset_group.awscc_personalize_dataset_group.this",
    "delete_schema": 'module.dataset_group.awscc_personalize_schema.this["Items"]',
    "delete_dataset": 'module.dataset_group.awscc_personalize_dataset.this["Items"]',
    "delete_bucket": "module.data_bucket.aws_s3_bucket.this",
    "delete_kms_key": "aws_kms_key.this",
}
FIXTURE_OF_TYPE = {
    "awscc_personalize_dataset_group": "replace_dataset_group",
    "awscc_personalize_schema": "replace_schema",
    "awscc_personalize_dataset": "replace_dataset",
    "aws_s3_bucket": "replace_bucket",
    "aws_kms_key": "replace_kms_key",
}


def load_module():
    spec = importlib.util.spec_from_file_location("plan_summary", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["plan_summary"] = module
    spec.loader.exec_module(module)
    return module


ps = load_module()


def fixture(name: str) -> dict:
    return json.loads((PLANS / f"{name}.json").read_text())


@pytest.fixture
def guard(tmp_path: Path):
    """Run a guard script (the real one by default) on a plan; returns (result, summary text)."""

    def run(plan: dict | str, *flags: str, script: Path = SCRIPT):
        plan_json = tmp_path / "tfplan.json"
        plan_json.write_text(plan if isinstance(plan, str) else json.dumps(plan))
        summary = tmp_path / "summary.md"
        summary.unlink(missing_ok=True)
        result = subprocess.run(
            ["python3", str(script), str(plan_json), str(summary), *flags],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        return result, summary.read_text() if summary.exists() else None

    return run


def error_lines(result: subprocess.CompletedProcess) -> list[str]:
    lines = result.stderr.strip().splitlines()
    assert all(line.startswith("Error: ") for line in lines), result.stderr
    return lines


def test_the_guarded_types_are_the_ones_that_hold_data() -> None:
    assert set(ps.DATA_TYPES) == set(DATA_TYPES)


def test_the_script_uses_the_standard_library_only() -> None:
    """tf-plan.sh runs it with the system python3: no package from the venv may be needed."""
    tree = ast.parse(SCRIPT.read_text())
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported - set(sys.stdlib_module_names) == set()


@pytest.mark.parametrize("name", sorted(REPLACES))
@pytest.mark.parametrize("order", [["delete", "create"], ["create", "delete"]])
def test_a_replace_of_a_data_resource_is_refused(guard, name: str, order: list[str]) -> None:
    plan = fixture(name)
    plan["resource_changes"][0]["change"]["actions"] = order  # create_before_destroy too
    address, forcing = REPLACES[name]
    result, summary = guard(plan)
    assert result.returncode == 1
    (line,) = error_lines(result)
    assert line.startswith(f"Error: {address}: the plan replaces this ")
    assert f"(forced by {forcing})" in line
    assert "ALLOW_DATA_LOSS=1" in line and "summary.md" in line
    # The summary is written for review, with the loss marked at the top.
    assert summary is not None
    assert summary.index("## Data loss (1)") < summary.index("| create |")
    assert f"`{address}` **DATA LOSS**, forced by `{forcing}`" in summary


@pytest.mark.parametrize("name", sorted(DELETES))
def test_a_delete_of_a_data_resource_is_refused(guard, name: str) -> None:
    result, summary = guard(fixture(name))
    assert result.returncode == 1
    (line,) = error_lines(result)
    assert line.startswith(f"Error: {DELETES[name]}: the plan deletes this ")
    assert "forced by" not in line
    assert "**DATA LOSS**" in summary and "| 0 | 0 | 0 | 1 | 0 |" in summary


def test_a_destroy_plan_names_every_data_resource_and_only_those(guard) -> None:
    result, summary = guard(fixture("destroy"))
    assert result.returncode == 1
    refused = sorted(line.split(": ")[1] for line in error_lines(result))
    assert refused == sorted(
        [
            "module.data_bucket.aws_s3_bucket.this",
            'module.dataset_group.awscc_personalize_dataset.this["Interactions"]',
            'module.dataset_group.awscc_personalize_dataset.this["Items"]',
            "module.dataset_group.awscc_personalize_dataset_group.this",
            'module.dataset_group.awscc_personalize_schema.this["Interactions"]',
            'module.dataset_group.awscc_personalize_schema.this["Items"]',
        ]
    )
    assert "## Data loss (6)" in summary and "| 0 | 0 | 0 | 9 | 0 |" in summary
    # The role and the bucket policy are deleted too, but hold no data.
    assert "- `module.personalize_role.aws_iam_role.this`\n" in summary


def test_a_safe_plan_passes(guard) -> None:
    """Creates, and updates in place (tags on the bucket and on the dataset group)."""
    result, summary = guard(fixture("safe"))
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert (
        result.stdout.strip() == "3 to create, 2 to update, 0 to replace, 0 to delete, 0 to forget"
    )
    assert "DATA LOSS" not in summary and "CAUTION" not in summary
    assert "| 3 | 2 | 0 | 0 | 0 |" in summary
    assert "## update (2)\n\n- `module.data_bucket.aws_s3_bucket.this`\n" in summary


def test_reads_and_no_ops_are_not_changes(guard) -> None:
    result, summary = guard(fixture("reads_and_noops"))
    assert result.returncode == 0, result.stderr
    assert "| 0 | 0 | 0 | 0 | 0 |" in summary and summary.endswith("No changes.\n")
    assert "data.aws_caller_identity" not in summary


def test_forget_is_not_data_loss(guard) -> None:
    """`removed { lifecycle { destroy = false } }` leaves the remote objects in place."""
    result, summary = guard(fixture("forget"))
    assert result.returncode == 0, result.stderr
    assert "DATA LOSS" not in summary
    assert "| 0 | 0 | 1 | 0 | 3 |" in summary
    assert "(old object forgotten, not destroyed)" in summary


def test_allow_data_loss_passes_the_plan_and_still_marks_it(guard) -> None:
    result, summary = guard(fixture("destroy"), "--allow-data-loss")
    assert result.returncode == 0
    warnings = result.stderr.strip().splitlines()
    assert len(warnings) == 6
    assert all(w.startswith("Warning: ") and "ALLOW_DATA_LOSS=1" in w for w in warnings)
    assert summary.startswith("# Terraform plan\n\n> [!CAUTION]\n> **DATA LOSS**")
    assert "`ALLOW_DATA_LOSS=1` was set" in summary and "## Data loss (6)" in summary


def test_a_deposed_object_of_a_data_resource_counts(guard) -> None:
    plan = fixture("delete_dataset")
    plan["resource_changes"][0]["deposed"] = "6f1ac4e2"
    result, summary = guard(plan)
    assert result.returncode == 1
    (line,) = error_lines(result)
    assert "(deposed object 6f1ac4e2)" in line
    assert "(deposed object 6f1ac4e2)" in summary


def test_replace_paths_are_rendered_as_attribute_paths() -> None:
    assert ps.render_path(["tags", 0, "value"]) == "tags[0].value"
    assert ps.render_path(["schema"]) == "schema"
    with pytest.raises(ps.PlanError):
        ps.render_path([1.5])


# Mutations: the refusal depends on the rule, not on anything else in the plan or the script.


@pytest.mark.parametrize("removed", DATA_TYPES)
def test_mutation_a_type_off_the_list_is_no_longer_refused(
    guard, tmp_path: Path, removed: str
) -> None:
    source = SCRIPT.read_text()
    entry = f'    "{removed}": ('
    assert source.count(entry) == 1
    start = source.index(entry)
    end = source.index("    ),\n", start) + len("    ),\n")
    mutant = tmp_path / "plan_summary_mutant.py"
    mutant.write_text(source[:start] + source[end:])
    for data_type, name in FIXTURE_OF_TYPE.items():
        result, _ = guard(fixture(name), script=mutant)
        expected = 0 if data_type == removed else 1
        assert result.returncode == expected, (data_type, result.stderr)


@pytest.mark.parametrize("name", sorted(REPLACES))
def test_mutation_same_plan_with_a_type_that_holds_no_data_passes(guard, name: str) -> None:
    plan = fixture(name)
    change = plan["resource_changes"][0]
    change["type"] = "aws_iam_role"
    change["address"] = change["address"].replace(change["address"].split(".")[-2], "aws_iam_role")
    result, summary = guard(plan)
    assert result.returncode == 0, result.stderr
    assert "DATA LOSS" not in summary


@pytest.mark.parametrize(
    "actions", [["update"], ["no-op"], ["forget"], ["create", "forget"]], ids="/".join
)
def test_mutation_same_resource_without_a_destroying_action_passes(guard, actions) -> None:
    plan = fixture("replace_schema")
    plan["resource_changes"][0]["change"]["actions"] = actions
    result, _ = guard(plan)
    assert result.returncode == 0, result.stderr


# A guard that cannot read the plan must not pass it.


def _first(plan: dict) -> dict:
    return plan["resource_changes"][0]


BROKEN_PLANS = {
    "format-2": (lambda p: p.update(format_version="2.0"), "format_version '2.0' is not one"),
    "no-format": (lambda p: p.pop("format_version"), "format_version None is not one"),
    "no-type": (lambda p: _first(p).pop("type"), "resource_changes[0] has no 'type'"),
    "no-change": (lambda p: _first(p).pop("change"), "has no change.actions"),
    "unknown-action": (
        lambda p: _first(p)["change"].update(actions=["delete", "explode"]),
        "unknown change.actions ['delete', 'explode']",
    ),
}


@pytest.mark.parametrize("case", [*BROKEN_PLANS, "not-json"])
def test_an_unreadable_plan_is_one_error_line(guard, case: str) -> None:
    if case == "not-json":
        plan, message = "{ not json", "not JSON"
    else:
        plan = copy.deepcopy(fixture("safe"))
        mutate, message = BROKEN_PLANS[case]
        mutate(plan)
    result, summary = guard(plan)
    assert result.returncode == 1
    (line,) = error_lines(result)
    assert "tfplan.json: " in line and message in line
    assert summary is None  # nothing half-written


def test_a_plan_without_resource_changes_has_no_changes(guard) -> None:
    """Terraform leaves resource_changes out of a plan that changes nothing."""
    result, summary = guard({"format_version": "1.2", "terraform_version": "1.9.8"})
    assert result.returncode == 0 and summary.endswith("No changes.\n")


# The fixtures' layout, and the guard, against what a real Terraform writes.

REAL_CONFIG = """
variable "v" {
  type    = string
  default = "a"
}
resource "terraform_data" "keep" {
  input = var.v
}
resource "terraform_data" "replaced" {
  triggers_replace = [var.v]
}
resource "terraform_data" "replaced_first" {
  triggers_replace = var.v
  lifecycle {
    create_before_destroy = true
  }
}
resource "terraform_data" "gone" {
  count = var.v == "a" ? 1 : 0
}
"""
REAL_FORGET = """
removed {
  from = terraform_data.forgotten
  lifecycle {
    destroy = false
  }
}
"""


def real_terraform() -> Path | None:
    """A Terraform >= 1.7 on PATH (not the venv's 1.0.3): it can plan terraform_data offline."""
    venv = Path(sys.executable).parent.resolve()
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        candidate = Path(directory) / "terraform"
        if not directory or Path(directory).resolve() == venv or not candidate.is_file():
            continue
        out = subprocess.run(
            [str(candidate), "version", "-json"], capture_output=True, text=True, check=False
        )
        try:
            version = json.loads(out.stdout)["terraform_version"]
        except (ValueError, KeyError):
            continue
        if tuple(int(x) for x in version.split(".")[:2]) >= (1, 7):
            return candidate
    return None


@pytest.fixture(scope="module")
def real_plan(tmp_path_factory) -> dict:
    terraform = real_terraform()
    if terraform is None:
        pytest.skip("no Terraform >= 1.7 on PATH to write a real plan")
    work = tmp_path_factory.mktemp("real")
    env = {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"}

    def tf(*args: str) -> str:
        result = subprocess.run(
            [str(terraform), f"-chdir={work}", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    (work / "main.tf").write_text(
        REAL_CONFIG + 'resource "terraform_data" "forgotten" {\n  input = var.v\n}\n'
    )
    tf("init", "-input=false", "-no-color")
    tf("apply", "-input=false", "-no-color", "-auto-approve")
    (work / "main.tf").write_text(REAL_CONFIG + REAL_FORGET)
    tf("plan", "-input=false", "-no-color", "-var", "v=b", "-out=tfplan")
    return json.loads(tf("show", "-no-color", "-json", "tfplan"))


def test_fixtures_have_the_layout_terraform_writes(real_plan: dict) -> None:
    real = real_plan["resource_changes"]
    entry_keys = set().union(*(c.keys() for c in real)) | {"module_address", "index", "deposed"}
    change_keys = set().union(*(c["change"].keys() for c in real))
    assert {"replace_paths", "actions", "before", "after"} <= change_keys
    for path in sorted(PLANS.glob("*.json")):
        plan = json.loads(path.read_text())
        assert set(plan) <= set(real_plan) | {"timestamp"}, path.name
        for entry in plan["resource_changes"]:
            assert set(entry) <= entry_keys, (path.name, set(entry) - entry_keys)
            assert set(entry["change"]) <= change_keys, (path.name, entry["address"])


def test_the_guard_reads_a_real_plan(guard, tmp_path: Path, real_plan: dict) -> None:
    """With terraform_data on the list, exactly the replaced and deleted objects are refused."""
    source = SCRIPT.read_text()
    mutant = tmp_path / "plan_summary_terraform_data.py"
    mutant.write_text(
        source.replace(
            "DATA_TYPES = {\n",
            'DATA_TYPES = {\n    "terraform_data": ("test object", "gone"),\n',
            1,
        )
    )
    result, summary = guard(real_plan, script=mutant)
    assert result.returncode == 1
    refused = sorted(line.split(": ")[1] for line in error_lines(result))
    assert refused == [
        "terraform_data.gone[0]",
        "terraform_data.replaced",
        "terraform_data.replaced_first",
    ]
    assert sum("(forced by triggers_replace)" in line for line in error_lines(result)) == 2
    assert "| 0 | 1 | 2 | 1 | 1 |" in summary
    # The real script, which does not guard terraform_data, passes the same plan.
    assert guard(real_plan)[0].returncode == 0


def _domain_change_plan() -> dict:
    """A plan of `domain = "VIDEO_ON_DEMAND"` on a custom stack, as Terraform writes one:
    Domain is create-only on the dataset group (and the schemas), so it is replaced; the
    filters hang from the group and are replaced with it."""
    plan = fixture("replace_dataset_group")
    group = plan["resource_changes"][0]
    group["change"]["after"]["name"] = group["change"]["before"]["name"]
    group["change"]["after"]["domain"] = "VIDEO_ON_DEMAND"
    group["change"]["replace_paths"] = [["domain"]]
    flt = copy.deepcopy(group)
    flt.update(
        address='module.dataset_group.awscc_personalize_filter.this["unwatched"]',
        type="awscc_personalize_filter",
        index="unwatched",
    )
    flt["change"]["before"] = {"name": "movielens-unwatched", "filter_expression": "old"}
    flt["change"]["after"] = {"name": "movielens-unwatched", "filter_expression": "new"}
    flt["change"]["replace_paths"] = [["filter_expression"]]
    plan["resource_changes"].append(flt)
    return plan


def test_a_domain_change_is_refused_as_data_loss(guard) -> None:
    """DatasetGroup and Schema Domain are create-only in cfn-lint's CloudFormation schemas: a
    new domain replaces the dataset group, and the guard refuses it unless allowed."""
    for cfn_type in ("AWS::Personalize::DatasetGroup", "AWS::Personalize::Schema"):
        assert "Domain" in cfn.create_only(cfn.schema(cfn_type)), cfn_type
    plan = _domain_change_plan()
    result, _ = guard(plan)
    assert result.returncode == 1
    (line,) = error_lines(result)
    assert line.startswith("Error: module.dataset_group.awscc_personalize_dataset_group.this: ")
    assert "(forced by domain)" in line
    allowed, _ = guard(plan, "--allow-data-loss")
    assert allowed.returncode == 0, allowed.stderr


def test_a_replaced_filter_is_not_data_loss(guard) -> None:
    """A filter holds no data: a new expression replaces it (create-only FilterExpression)."""
    assert "FilterExpression" in cfn.create_only(cfn.schema("AWS::Personalize::Filter"))
    plan = _domain_change_plan()
    plan["resource_changes"] = plan["resource_changes"][1:]
    result, summary = guard(plan)
    assert result.returncode == 0, result.stderr
    assert "DATA LOSS" not in summary
