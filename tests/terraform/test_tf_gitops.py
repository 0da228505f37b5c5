"""GitOps scripts: `make plan` writes a saved plan + JSON + summary; `make apply` applies only it.

Terraform itself is replaced by a stub on PATH (no providers can be downloaded here), so these
tests check the scripts' own behaviour: the commands they run, the files they write, and that
they fail fast with one clear line when Terraform, credentials or the saved plan are missing.
"""

from __future__ import annotations

import json
import os
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
case "$2" in
  init) exit 0 ;;
  plan)
    if [[ -n "${FAKE_TF_FAIL:-}" ]]; then echo "Error: $FAKE_TF_FAIL" >&2; exit 1; fi
    echo plan > "$dir/plan/tfplan" ;;
  show) cat "$FAKE_TF_PLAN_JSON" ;;
  apply) exit 0 ;;
esac
"""
PLAN = {
    "format_version": "0.2",
    "resource_changes": [
        {"address": "module.data_bucket.aws_s3_bucket.this", "change": {"actions": ["create"]}},
        {"address": "module.personalize_role.aws_iam_role.this", "change": {"actions": ["update"]}},
        {
            "address": 'module.dataset_group.awscc_personalize_schema.this["Items"]',
            "change": {"actions": ["delete", "create"]},
        },
        {"address": "aws_kms_alias.old", "change": {"actions": ["delete"]}},
        {"address": "data.aws_caller_identity.current", "change": {"actions": ["read"]}},
        {"address": "aws_s3_bucket_versioning.this", "change": {"actions": ["no-op"]}},
    ],
}


@dataclass
class Workspace:
    """A stack folder, a terraform stub on PATH, and the environment to run the scripts in."""

    env: dict[str, str]
    stack: Path
    log: Path

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


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub = bin_dir / "terraform"
    stub.write_text(STUB)
    stub.chmod(0o755)
    plan_json = tmp_path / "plan.json"
    plan_json.write_text(json.dumps(PLAN))
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
    return Workspace(env=env, stack=stack, log=tmp_path / "calls.log")


def test_plan_writes_saved_plan_json_and_summary(ws: Workspace) -> None:
    result = ws.run("tf-plan.sh")
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
