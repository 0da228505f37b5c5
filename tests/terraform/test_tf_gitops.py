"""GitOps scripts: `make plan` writes a saved plan + JSON + summary; `make apply` applies only it.

Terraform itself is replaced by a stub on PATH (no providers can be downloaded here), so these
tests check the scripts' own behaviour: the commands they run, the files they write, and that
they fail fast with one clear line when Terraform, credentials or the saved plan are missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from personalize_movielens.paths import project_root

TOOLS = project_root() / "tools"
STUB = """#!/usr/bin/env bash
if [[ "$1" == "version" ]]; then echo "Terraform v${FAKE_TF_VERSION:-1.9.8}"; exit 0; fi
echo "$*" >> "$FAKE_TF_LOG"
dir="${1#-chdir=}"
lock="$dir/.terraform.lock.hcl"
case "$2" in
  init)
    if [[ -n "${FAKE_TF_INIT_FAIL:-}" ]]; then echo "Error: $FAKE_TF_INIT_FAIL" >&2; exit 1; fi
    # Like Terraform: a read-only lock file must exist; otherwise init writes one if missing.
    if [[ " $* " == *" -lockfile=readonly "* ]]; then
      [[ -f "$lock" ]] || { echo "Error: Provider dependency changes detected" >&2; exit 1; }
    elif [[ -z "${FAKE_TF_NO_LOCK:-}" && ! -f "$lock" ]]; then
      echo "${FAKE_TF_LOCK:-provider aws 6.69.1}" > "$lock"
    fi ;;
  plan)
    if [[ -n "${FAKE_TF_FAIL:-}" ]]; then echo "Error: $FAKE_TF_FAIL" >&2; exit 1; fi
    echo plan > "$dir/plan/tfplan" ;;
  show)
    if [[ -n "${FAKE_TF_SHOW_FAIL:-}" ]]; then echo '{"format_version":'; exit 1; fi
    cat "$FAKE_TF_PLAN_JSON" ;;
  apply) cp "$lock" "$FAKE_TF_LOG.applied-with" ;;
esac
"""


def change(address: str, actions: list[str]) -> dict:
    """A resource_changes entry in `terraform show -json`'s layout (guard tests use full ones)."""
    parts = address.split("[")[0].split(".")
    entry = {"address": address, "mode": "data" if "data" in parts else "managed"}
    if parts[0] == "module":
        entry["module_address"] = ".".join(parts[:2])
    entry.update(type=parts[-2], name=parts[-1], change={"actions": actions})
    return entry


PLAN = {
    "format_version": "1.2",
    "resource_changes": [
        change("module.data_bucket.aws_s3_bucket.this", ["create"]),
        change("module.personalize_role.aws_iam_role.this", ["update"]),
        change('module.dataset_group.awscc_personalize_schema.this["Items"]', ["delete", "create"]),
        change("aws_kms_alias.old", ["delete"]),
        change("data.aws_caller_identity.current", ["read"]),
        change("aws_s3_bucket_versioning.this", ["no-op"]),
    ],
}
# The same without data loss: the replace is of a policy, which holds none.
SAFE_PLAN = {
    **PLAN,
    "resource_changes": [
        change("module.personalize_role.aws_iam_role_policy.this", ["delete", "create"])
        if "schema" in c["address"]
        else c
        for c in PLAN["resource_changes"]
    ],
}


@dataclass
class Workspace:
    """A stack folder, a terraform stub on PATH, and the environment to run the scripts in."""

    env: dict[str, str]
    stack: Path
    log: Path
    plan_json: Path

    def run(self, script: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["/bin/bash", str(TOOLS / script), str(self.stack)],
            env=self.env if env is None else env,
            capture_output=True,
            text=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
            check=False,
        )

    def calls(self) -> list[str]:
        """The terraform commands the stub received, one line each."""
        return self.log.read_text().splitlines() if self.log.exists() else []

    def env_without_aws(self) -> dict[str, str]:
        return {k: v for k, v in self.env.items() if not k.startswith("AWS_")}

    def plan_with(self, plan: dict) -> None:
        """What `terraform show -json` answers from now on."""
        self.plan_json.write_text(json.dumps(plan))

    @property
    def plan_dir(self) -> Path:
        return self.stack / "plan"


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub = bin_dir / "terraform"
    stub.write_text(STUB)
    stub.chmod(0o755)
    plan_json = tmp_path / "plan.json"
    plan_json.write_text(json.dumps(SAFE_PLAN))
    stack = tmp_path / "stack"
    stack.mkdir()
    (stack / "main.tf").write_text("")
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "FAKE_TF_LOG": str(tmp_path / "calls.log"),
        "FAKE_TF_PLAN_JSON": str(plan_json),
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "secret",
    }
    return Workspace(env=env, stack=stack, log=tmp_path / "calls.log", plan_json=plan_json)


def test_plan_writes_saved_plan_json_and_summary(ws: Workspace) -> None:
    ws.plan_with(PLAN)
    result = ws.run("tf-plan.sh", {**ws.env, "ALLOW_DATA_LOSS": "1"})
    assert result.returncode == 0, result.stderr
    assert (ws.stack / "plan" / "tfplan").is_file()
    assert json.loads((ws.stack / "plan" / "tfplan.json").read_text()) == PLAN
    summary = (ws.stack / "plan" / "summary.md").read_text()
    assert "| create | update | replace | delete |" in summary
    assert "| 1 | 1 | 1 | 1 |" in summary
    assert '- `module.dataset_group.awscc_personalize_schema.this["Items"]`' in summary
    assert "data.aws_caller_identity" not in summary and "versioning" not in summary
    made = ws.calls()
    assert made[0].split()[1] == "init"
    assert made[1].split()[1:] == ["plan", "-input=false", "-no-color", "-out=plan/tfplan"]
    assert made[2].split()[1:] == ["show", "-no-color", "-json", "plan/tfplan"]


def test_plan_passes_the_partial_backend_configuration(ws: Workspace, tmp_path: Path) -> None:
    backend = tmp_path / "backend.hcl"
    backend.write_text('bucket = "state"\n')
    assert ws.run("tf-plan.sh", {**ws.env, "TF_BACKEND_CONFIG": str(backend)}).returncode == 0
    assert ws.calls()[0].split()[1:] == [
        "init",
        "-input=false",
        "-no-color",
        f"-backend-config={backend}",
    ]
    missing = ws.run("tf-plan.sh", {**ws.env, "TF_BACKEND_CONFIG": str(tmp_path / "nope.hcl")})
    assert missing.returncode == 1
    assert missing.stderr.strip().startswith("Error: TF_BACKEND_CONFIG: no file")


def test_plan_can_skip_the_state_lock_for_a_read_only_plan_role(ws: Workspace) -> None:
    assert ws.run("tf-plan.sh", {**ws.env, "TF_PLAN_LOCK": "false"}).returncode == 0
    assert ws.calls()[1].split()[1:] == [
        "plan",
        "-input=false",
        "-no-color",
        "-out=plan/tfplan",
        "-lock=false",
    ]
    wrong = ws.run("tf-plan.sh", {**ws.env, "TF_PLAN_LOCK": "no"})
    assert wrong.returncode == 1
    assert wrong.stderr.strip().startswith("Error: TF_PLAN_LOCK must be true or false")


def test_apply_applies_only_the_saved_plan(ws: Workspace) -> None:
    assert ws.run("tf-plan.sh").returncode == 0
    result = ws.run("tf-apply.sh")
    assert result.returncode == 0, result.stderr
    assert ws.calls()[-1].split()[1:] == ["apply", "-input=false", "-no-color", "plan/tfplan"]
    # Applied once: the plan file is gone, the review files stay.
    assert not (ws.stack / "plan" / "tfplan").exists()
    assert (ws.stack / "plan" / "summary.md").exists()
    again = ws.run("tf-apply.sh")
    assert again.returncode == 1
    assert again.stderr.strip().startswith("Error: no saved plan at")


@pytest.mark.parametrize("script", ["tf-plan.sh", "tf-apply.sh"])
def test_fails_fast_without_terraform(ws: Workspace, script: str) -> None:
    result = ws.run(script, {**ws.env, "PATH": "/usr/bin:/bin"})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Error: terraform not found on PATH: install Terraform >= 1.3.0."
    ]
    assert ws.calls() == []


@pytest.mark.parametrize("script", ["tf-plan.sh", "tf-apply.sh"])
def test_fails_fast_with_a_terraform_older_than_the_stacks_require(
    ws: Workspace, script: str
) -> None:
    result = ws.run(script, {**ws.env, "FAKE_TF_VERSION": "1.0.3"})
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error: terraform 1.0.3 on PATH is older than 1.3.0")
    assert ws.calls() == []
    assert ws.run("tf-plan.sh", {**ws.env, "FAKE_TF_VERSION": "1.3.0"}).returncode == 0


@pytest.mark.parametrize("script", ["tf-plan.sh", "tf-apply.sh"])
def test_fails_fast_without_credentials(ws: Workspace, script: str) -> None:
    (ws.stack / "plan").mkdir()
    (ws.stack / "plan" / "tfplan").write_text("plan")
    result = ws.run(script, ws.env_without_aws())
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: no AWS credentials")
    assert ws.calls() == []


def test_profile_file_counts_as_credentials(ws: Workspace) -> None:
    env = ws.env_without_aws()
    aws_dir = Path(env["HOME"]) / ".aws"
    aws_dir.mkdir(parents=True)
    (aws_dir / "credentials").write_text("[default]\naws_access_key_id = x\n")
    assert ws.run("tf-plan.sh", env).returncode == 0


def test_terraform_credential_errors_become_one_line(ws: Workspace) -> None:
    result = ws.run("tf-plan.sh", {**ws.env, "FAKE_TF_FAIL": "No valid credential sources found"})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Error: AWS rejected or could not find credentials")
    assert "plan.log" in lines[0]


def test_other_terraform_errors_name_the_first_error(ws: Workspace) -> None:
    result = ws.run("tf-plan.sh", {**ws.env, "FAKE_TF_FAIL": "Unsupported argument"})
    assert result.returncode == 1
    assert result.stderr.strip().startswith("Error: 'terraform plan' failed: Unsupported argument")


def test_scripts_are_executable() -> None:
    for script in ("tf-plan.sh", "tf-apply.sh"):
        assert os.access(TOOLS / script, os.X_OK), script


# The provider lock file travels with the plan, so that `make apply` works on another runner.

LOCK = ".terraform.lock.hcl"


def test_plan_keeps_the_lock_file_beside_the_saved_plan(ws: Workspace) -> None:
    first = ws.run("tf-plan.sh")
    assert first.returncode == 0, first.stderr
    written = (ws.stack / LOCK).read_text()
    assert (ws.plan_dir / LOCK).read_text() == written
    assert f"terraform init wrote {ws.stack / LOCK}: commit it" in first.stdout
    # With a lock file in the stack, init may not change it: the plan uses those providers.
    second = ws.run("tf-plan.sh")
    assert second.returncode == 0, second.stderr
    assert "commit it" not in second.stdout
    init = [c.split()[1:] for c in ws.calls() if c.split()[1] == "init"]
    assert init == [
        ["init", "-input=false", "-no-color"],
        ["init", "-input=false", "-no-color", "-lockfile=readonly"],
    ]


@pytest.mark.parametrize(
    "failing",
    [
        "Provider dependency changes detected",
        "Failed to query available provider packages: locked provider registry.terraform.io/"
        "hashicorp/aws 5.0.0 does not match configured version constraint >= 6.69.1, < 7.0.0",
    ],
    ids=["provider-added", "constraint-changed"],
)
def test_plan_says_when_the_lock_file_no_longer_fits(ws: Workspace, failing: str) -> None:
    (ws.stack / LOCK).write_text("provider aws 5.0.0\n")
    result = ws.run("tf-plan.sh", {**ws.env, "FAKE_TF_INIT_FAIL": failing})
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(
        f"Error: the providers the configuration requires differ from {ws.stack / LOCK}: run "
        f"'terraform -chdir={ws.stack} init -upgrade'"
    )
    assert not (ws.plan_dir / "tfplan").exists() and not (ws.plan_dir / LOCK).exists()


def test_plan_refuses_when_init_writes_no_lock_file(ws: Workspace) -> None:
    result = ws.run("tf-plan.sh", {**ws.env, "FAKE_TF_NO_LOCK": "1"})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: 'terraform init' wrote no {ws.stack / LOCK}: tools/tf-apply.sh needs the "
        "provider lock file the plan was made with."
    ]
    assert [c.split()[1] for c in ws.calls()] == ["init"]


def fresh_checkout(ws: Workspace, tmp_path: Path, *, lock: str | None) -> Workspace:
    """The apply runner: the same stack, the plan artifact downloaded, no .terraform."""
    other = tmp_path / "runner" / "stack"
    other.mkdir(parents=True)
    (other / "main.tf").write_text("")
    if lock is not None:
        (other / LOCK).write_text(lock)
    (other / "plan").mkdir()
    for name in ("tfplan", LOCK, "tfplan.json", "summary.md"):
        (other / "plan" / name).write_bytes((ws.plan_dir / name).read_bytes())
    return Workspace(env=ws.env, stack=other, log=ws.log, plan_json=ws.plan_json)


def test_apply_on_another_runner_inits_with_the_plans_lock_file_and_backend(
    ws: Workspace, tmp_path: Path
) -> None:
    backend = tmp_path / "backend.hcl"
    backend.write_text('bucket = "state"\n')
    env = {**ws.env, "TF_BACKEND_CONFIG": str(backend)}
    assert ws.run("tf-plan.sh", env).returncode == 0
    runner = fresh_checkout(ws, tmp_path, lock=None)
    ws.log.unlink()
    result = runner.run("tf-apply.sh", env)
    assert result.returncode == 0, result.stderr
    assert [c.split()[1:] for c in runner.calls()] == [
        ["init", "-input=false", "-no-color", "-lockfile=readonly", f"-backend-config={backend}"],
        ["show", "-no-color", "-json", "plan/tfplan"],  # the data-loss guard, once more
        ["apply", "-input=false", "-no-color", "plan/tfplan"],
    ]
    # No lock file was committed: the plan's is used, and the user is told to commit it.
    assert (runner.stack / LOCK).read_text() == (ws.stack / LOCK).read_text()
    assert Path(f"{ws.log}.applied-with").read_text() == (ws.stack / LOCK).read_text()
    assert f"Using the plan's provider lock file as {runner.stack / LOCK}" in result.stdout
    assert not (runner.plan_dir / "tfplan").exists()


def test_apply_checks_the_saved_plan_for_data_loss_again(ws: Workspace, tmp_path: Path) -> None:
    """A saved plan that loses data and reached the apply another way (copied by hand, an older
    artifact) is refused there too, unless ALLOW_DATA_LOSS=1."""
    assert ws.run("tf-plan.sh").returncode == 0
    runner = fresh_checkout(ws, tmp_path, lock=(ws.stack / LOCK).read_text())
    losing = str(Path(__file__).with_name("fixtures") / "plans" / "replace_dataset.json")
    env = {**runner.env, "FAKE_TF_PLAN_JSON": losing}
    result = runner.run("tf-apply.sh", env)
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("Error: ") and "awscc_personalize_dataset" in line, line
    assert "apply" not in [c.split()[1] for c in runner.calls()]
    assert (runner.plan_dir / "tfplan").exists()  # still there, for review
    allowed = runner.run("tf-apply.sh", {**env, "ALLOW_DATA_LOSS": "1"})
    assert allowed.returncode == 0, allowed.stderr
    assert runner.calls()[-1].split()[1] == "apply"


def test_apply_with_the_same_committed_lock_file(ws: Workspace, tmp_path: Path) -> None:
    assert ws.run("tf-plan.sh").returncode == 0
    runner = fresh_checkout(ws, tmp_path, lock=(ws.stack / LOCK).read_text())
    result = runner.run("tf-apply.sh")
    assert result.returncode == 0, result.stderr
    assert "Using the plan's" not in result.stdout


def test_apply_refuses_a_plan_made_with_other_providers(ws: Workspace, tmp_path: Path) -> None:
    assert ws.run("tf-plan.sh").returncode == 0
    runner = fresh_checkout(ws, tmp_path, lock="provider aws 6.70.0\n")
    ws.log.unlink()
    result = runner.run("tf-apply.sh")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: {runner.plan_dir / LOCK} (the providers the plan was made with) differs from "
        f"{runner.stack / LOCK}: plan again from this commit."
    ]
    assert runner.calls() == []
    assert (runner.stack / LOCK).read_text() == "provider aws 6.70.0\n"  # left as committed
    assert (runner.plan_dir / "tfplan").exists()


def test_apply_refuses_a_plan_without_its_lock_file(ws: Workspace, tmp_path: Path) -> None:
    assert ws.run("tf-plan.sh").returncode == 0
    runner = fresh_checkout(ws, tmp_path, lock=(ws.stack / LOCK).read_text())
    (runner.plan_dir / LOCK).unlink()
    ws.log.unlink()
    result = runner.run("tf-apply.sh")
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(
        f"Error: no provider lock file beside the saved plan ({runner.plan_dir / LOCK})"
    )
    assert runner.calls() == []


def test_apply_fails_on_a_missing_backend_configuration(ws: Workspace, tmp_path: Path) -> None:
    assert ws.run("tf-plan.sh").returncode == 0
    result = ws.run("tf-apply.sh", {**ws.env, "TF_BACKEND_CONFIG": str(tmp_path / "nope.hcl")})
    assert result.returncode == 1
    assert result.stderr.strip().startswith("Error: TF_BACKEND_CONFIG: no file")
    assert (ws.plan_dir / "tfplan").exists()


# A plan that destroys data is refused unless ALLOW_DATA_LOSS=1.


def test_a_plan_that_destroys_data_is_refused_and_not_left_for_apply(ws: Workspace) -> None:
    ws.plan_with(PLAN)
    result = ws.run("tf-plan.sh")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        'Error: module.dataset_group.awscc_personalize_schema.this["Items"]: the plan replaces '
        "this schema, which destroys its data; refused: review "
        f"{ws.plan_dir / 'summary.md'}, and plan with ALLOW_DATA_LOSS=1 if intended."
    ]
    # Kept for review, but nothing `make apply` would apply.
    assert sorted(p.name for p in ws.plan_dir.iterdir() if not p.name.endswith(".log")) == [
        "summary.md",
        "tfplan.json",
    ]
    assert "**DATA LOSS**" in (ws.plan_dir / "summary.md").read_text()
    refused = ws.run("tf-apply.sh")
    assert refused.returncode == 1
    assert refused.stderr.startswith("Error: no saved plan at")


def test_allow_data_loss_saves_the_plan_and_marks_the_summary(ws: Workspace) -> None:
    ws.plan_with(PLAN)
    result = ws.run("tf-plan.sh", {**ws.env, "ALLOW_DATA_LOSS": "1"})
    assert result.returncode == 0, result.stderr
    assert (ws.plan_dir / "tfplan").exists()
    assert result.stderr.startswith(
        'Warning: module.dataset_group.awscc_personalize_schema.this["Items"]: data loss allowed'
    )
    assert "`ALLOW_DATA_LOSS=1` was set" in (ws.plan_dir / "summary.md").read_text()


@pytest.mark.parametrize("value", ["0", ""])
def test_allow_data_loss_off(ws: Workspace, value: str) -> None:
    ws.plan_with(PLAN)
    assert ws.run("tf-plan.sh", {**ws.env, "ALLOW_DATA_LOSS": value}).returncode == 1


def test_allow_data_loss_takes_only_1(ws: Workspace) -> None:
    result = ws.run("tf-plan.sh", {**ws.env, "ALLOW_DATA_LOSS": "yes"})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Error: ALLOW_DATA_LOSS must be 1 (or unset), not 'yes'."
    ]
    assert ws.calls() == []


@pytest.mark.parametrize("how", ["make-argument", "environment", "unset"])
def test_make_plan_passes_allow_data_loss_through(ws: Workspace, how: str) -> None:
    """`make plan ALLOW_DATA_LOSS=1`: make exports command-line variables to the recipe."""
    ws.plan_with(PLAN)
    env = {**ws.env, "ALLOW_DATA_LOSS": "1"} if how == "environment" else ws.env
    args = ["ALLOW_DATA_LOSS=1"] if how == "make-argument" else []
    make = ["make", "--no-print-directory", "-C", str(project_root()), "plan"]
    result = subprocess.run(
        [*make, f"TF_DIR={ws.stack}", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if how == "unset":
        assert result.returncode != 0
        assert "which destroys its data; refused" in result.stderr
        assert not (ws.plan_dir / "tfplan").exists()
    else:
        assert result.returncode == 0, result.stderr
        assert (ws.plan_dir / "tfplan").exists()


# Nothing half-written: a failed run leaves no saved plan, not even one from an earlier run.


def test_a_failed_plan_removes_the_earlier_saved_plan(ws: Workspace) -> None:
    assert ws.run("tf-plan.sh").returncode == 0
    failed = ws.run("tf-plan.sh", {**ws.env, "FAKE_TF_FAIL": "Unsupported argument"})
    assert failed.returncode == 1
    assert not (ws.plan_dir / "tfplan").exists()
    assert not (ws.plan_dir / "summary.md").exists()
    assert ws.run("tf-apply.sh").stderr.startswith("Error: no saved plan at")


def test_a_failed_show_leaves_no_plan_and_no_partial_json(ws: Workspace) -> None:
    result = ws.run("tf-plan.sh", {**ws.env, "FAKE_TF_SHOW_FAIL": "1"})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: 'terraform show -json' failed for {ws.plan_dir / 'tfplan'}."
    ]
    assert sorted(p.name for p in ws.plan_dir.iterdir()) == ["init.log", "plan.log"]


def test_plan_needs_python3(ws: Workspace, tmp_path: Path) -> None:
    """A PATH with the tools the script uses, but no python3."""
    bare = tmp_path / "bare"
    bare.mkdir()
    for tool in ("bash", "env", "head", "sed", "sort", "grep", "mkdir", "rm", "cp", "dirname"):
        found = shutil.which(tool, path="/usr/bin:/bin")
        assert found, tool
        (bare / tool).symlink_to(found)
    path = f"{ws.env['PATH'].split(':')[0]}:{bare}"
    result = ws.run("tf-plan.sh", {**ws.env, "PATH": path})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Error: python3 not found on PATH: the plan is summarised and checked by "
        "tools/plan_summary.py."
    ]
    assert ws.calls() == []
