"""The pre-commit hooks run, at commit time, the checks `make test` runs in CI.

Every hook in .pre-commit-config.yaml is `repo: local`, `language: system`, and runs a program
from the repository or .venv. SAME_CHECKS names, for each hook, the test in `make test` that runs
the same program: the tests check that the test exists, that its code calls that program with
the hook's arguments, and that the hook looks at the files that test checks. Then the hooks run,
through pre-commit, in a scratch repository: clean files pass, a broken file fails each hook.
"""

from __future__ import annotations

import ast
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from identify.identify import tags_from_path

from personalize_movielens.paths import project_root

ROOT = project_root()
CONFIG = ROOT / ".pre-commit-config.yaml"
VENV_BIN = Path(sys.executable).parent
PRE_COMMIT = VENV_BIN / "pre-commit"


@dataclass(frozen=True)
class SameCheck:
    """The test in `make test` that runs a hook's check, the code that runs the program, and
    what it checks (folders or files, relative to the repository)."""

    test: str
    sources: tuple[str, ...]
    scope: tuple[str, ...]


LINTED = ("scripts", "tests", "bench", "tools")
SAME_CHECKS = {
    "ruff-check": SameCheck(
        "tests/foundation/test_lint.py::test_ruff[ruff-check]",
        ("tests/foundation/test_lint.py",),
        LINTED,
    ),
    "ruff-format": SameCheck(
        "tests/foundation/test_lint.py::test_ruff[ruff-format]",
        ("tests/foundation/test_lint.py",),
        LINTED,
    ),
    "mypy": SameCheck(
        "tests/foundation/test_lint.py::test_mypy_strict_on_the_package",
        ("tests/foundation/test_lint.py",),
        ("scripts",),
    ),
    "terraform-fmt": SameCheck(
        "tests/terraform/test_tf_format_and_docs.py::test_terraform_tree_is_fmt_clean",
        ("tests/terraform/tf_static.py",),
        ("terraform",),
    ),
    "actionlint": SameCheck(
        "tests/terraform/test_tf_gitops_ci.py::test_workflow_passes_actionlint",
        ("tests/terraform/test_tf_gitops_ci.py",),
        ("docs/ci/terraform.yml",),
    ),
    "shellcheck": SameCheck(
        "tests/terraform/test_tf_gitops_ci.py::test_scripts_pass_shellcheck",
        ("tests/terraform/test_tf_gitops_ci.py",),
        ("tools",),
    ),
    # pytest itself: `make test` runs all of testpaths, which holds tests/terraform.
    "terraform-offline-checks": SameCheck(
        "tests/terraform",
        (),
        ("terraform", "tests/terraform", "tools", "docs", "Makefile"),
    ),
}


def load_config(path: Path = CONFIG) -> dict:
    return yaml.safe_load(path.read_text())


def hooks(config: dict) -> list[dict]:
    return [hook for repo in config["repos"] for hook in repo["hooks"]]


def literals(sources: tuple[str, ...]) -> set[str]:
    """The string constants in some Python files, f-strings' constant parts included."""
    found = set()
    for source in sources:
        for node in ast.walk(ast.parse((ROOT / source).read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                found.add(node.value)
    return found


def tracked_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    ).stdout
    return [f for f in out.splitlines() if (ROOT / f).is_file()]


def selected(hook: dict, files: list[str]) -> list[str]:
    """The files pre-commit hands (or would hand) to a hook: `files`, then `types_or`."""
    chosen = [f for f in files if re.search(hook.get("files", ""), f)]
    if "types_or" in hook:
        chosen = [f for f in chosen if tags_from_path(str(ROOT / f)) & set(hook["types_or"])]
    return chosen


def within(path: str, scope: tuple[str, ...]) -> bool:
    return any(path == s or path.startswith(s.rstrip("/") + "/") for s in scope)


def pytest_runs_everything() -> list[str]:
    """Problems if `make test` deselects anything: it must run all of pyproject's testpaths."""
    recipe = re.search(r"^test:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.M)
    problems = []
    if not recipe or recipe.group(1).strip() != "$(BIN)/pytest -q":
        problems.append("`make test` is not `$(BIN)/pytest -q`")
    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    if re.search(r"(^|\s)(-k|-m|--deselect|--ignore)", options.get("addopts", "")):
        problems.append("pytest addopts deselect tests")
    return problems


def hook_problems(config: dict, checks: dict[str, SameCheck], files: list[str]) -> list[str]:
    """Where a hook is not one of `make test`'s checks (an empty list when all are)."""
    problems = []
    for repo in config["repos"]:
        if repo.get("repo") != "local":
            problems.append(f"repo {repo.get('repo')}: hooks must be repo: local")
    testpaths = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"][
        "ini_options"
    ]["testpaths"]
    for hook in hooks(config):
        name = hook["id"]
        if hook.get("language") != "system":
            problems.append(f"{name}: language is {hook.get('language')}, not system")
        program, *args = shlex.split(hook["entry"])
        if not os.access(ROOT / program, os.X_OK):
            problems.append(f"{name}: entry program {program} is not in the repository or .venv")
        check = checks.get(name)
        if check is None:
            problems.append(f"{name}: no test in `make test` runs this check")
            continue
        if Path(program).name == "pytest":
            paths = [a for a in args if not a.startswith("-")]
            if not all(within(p, tuple(testpaths)) for p in paths) or paths != [check.test]:
                problems.append(f"{name}: pytest on {paths}, not {check.test} within {testpaths}")
            problems += [f"{name}: {p}" for p in pytest_runs_everything()]
        else:
            known = literals(check.sources)
            if Path(program).name not in known:
                problems.append(f"{name}: {check.sources} do not run {Path(program).name}")
            for arg in args:
                flag, _, value = arg.partition("=")
                if arg in known:
                    ok = True
                elif arg.startswith("-") and value:  # -flag=VALUE, the value built by the test
                    ok = flag + "=" in known and (Path(value).name in known or value in known)
                else:
                    ok = arg in known or arg in check.scope
                if not ok:
                    problems.append(f"{name}: argument {arg} is not what {check.test} runs")
        chosen = selected(hook, files)
        outside = [f for f in chosen if not within(f, check.scope)]
        if outside:
            problems.append(f"{name}: runs on {outside[:3]}, which {check.test} does not check")
        for part in check.scope:
            if not any(within(f, (part,)) for f in chosen):
                problems.append(f"{name}: never runs on {part}, which {check.test} checks")
    return problems


def test_config_is_valid() -> None:
    result = subprocess.run(
        [str(PRE_COMMIT), "validate-config", str(CONFIG)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout + result.stderr == ""  # no warning either (unknown keys, ...)


def test_a_bad_config_fails_validation(tmp_path: Path) -> None:
    config = load_config()
    del hooks(config)[0]["entry"]
    bad = tmp_path / ".pre-commit-config.yaml"
    bad.write_text(yaml.safe_dump(config))
    result = subprocess.run(
        [str(PRE_COMMIT), "validate-config", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert f"File {bad}" in result.stdout and "Missing required key: entry" in result.stdout


def test_every_hook_is_a_check_that_make_test_runs() -> None:
    assert hook_problems(load_config(), SAME_CHECKS, tracked_files()) == []
    assert {hook["id"] for hook in hooks(load_config())} == set(SAME_CHECKS)


def test_the_tests_the_hooks_mirror_exist() -> None:
    """`make test` runs them: pytest collects each one."""
    ids = [check.test for check in SAME_CHECKS.values()]
    result = subprocess.run(
        [str(VENV_BIN / "pytest"), "--collect-only", "-q", "-p", "no:cacheprovider", *ids],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    collected = result.stdout.splitlines()
    for test in ids:
        assert any(line.startswith(test) for line in collected), test


def _edit(config: dict, hook_id: str, **changes) -> dict:
    for hook in hooks(config):
        if hook["id"] == hook_id:
            hook.update(changes)
    return config


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda c: c["repos"][0]["hooks"].append(
                {
                    "id": "bandit",
                    "name": "bandit",
                    "entry": ".venv/bin/bandit",
                    "language": "system",
                }
            ),
            "bandit: no test in `make test` runs this check",
        ),
        (
            lambda c: _edit(c, "ruff-check", entry=".venv/bin/ruff check --select ALL"),
            "ruff-check: argument --select",
        ),
        (
            lambda c: _edit(c, "shellcheck", entry=".venv/bin/shellcheck-x"),
            "shellcheck: entry program .venv/bin/shellcheck-x is not",
        ),
        (
            lambda c: _edit(c, "ruff-format", files="^(scripts|tests|bench|terraform)/"),
            "ruff-format: never runs on tools, which",
        ),
        (
            lambda c: _edit(c, "actionlint", files="^docs/ci/terraform\\.yaml$"),
            "actionlint: never runs on docs/ci/terraform.yml",
        ),
        (
            lambda c: _edit(c, "terraform-fmt", language="python"),
            "terraform-fmt: language is python",
        ),
        (
            lambda c: _edit(c, "terraform-offline-checks", entry=".venv/bin/pytest -q tests/e2e"),
            "terraform-offline-checks: pytest on ['tests/e2e']",
        ),
    ],
    ids=[
        "unmatched-hook",
        "extra-argument",
        "missing-program",
        "wider-files",
        "no-files",
        "not-system",
        "other-tests",
    ],
)
def test_the_hook_checks_catch_a_seeded_mismatch(change, problem: str) -> None:
    config = load_config()
    change(config)
    problems = hook_problems(config, SAME_CHECKS, tracked_files())
    assert any(p.startswith(problem) for p in problems), problems


# The hooks themselves, run by pre-commit in a scratch repository.

CLEAN = {
    "scripts/ok.py": '"""Fine."""\n\nVALUE = 1\n',
    # mypy checks the package pyproject names: a typed one-module stand-in for it.
    "scripts/personalize_movielens/__init__.py": (
        '"""Typed."""\n\n\ndef f(x: int) -> int:\n    return x\n'
    ),
    "terraform/main.tf": 'variable "a" {\n  type = string\n}\n',
    "tests/terraform/test_ok.py": "def test_ok() -> None:\n    assert True\n",
}
BROKEN = {
    "ruff-check": ("scripts/bad.py", "import os\n"),
    "ruff-format": ("tests/ugly.py", "x = {  'a':1 }\n"),
    "terraform-fmt": ("terraform/bad.tf", 'variable "b" {\ntype=string\n}\n'),
    "actionlint": ("docs/ci/terraform.yml", None),
    "shellcheck": ("tools/bad.sh", "#!/usr/bin/env bash\nrm -rf $1/plan\n"),
    "mypy": ("scripts/personalize_movielens/untyped.py", "def f(x):\n    return x\n"),
    "terraform-offline-checks": (
        "tests/terraform/test_broken.py",
        "def test_broken() -> None:\n    assert False\n",
    ),
}


def scratch_repo(tmp_path: Path, extra: dict[str, str]) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / ".venv").symlink_to(VENV_BIN.parent)
    shutil.copy(CONFIG, repo / ".pre-commit-config.yaml")
    shutil.copy(ROOT / "pyproject.toml", repo / "pyproject.toml")
    files = {
        **CLEAN,
        "docs/ci/terraform.yml": (ROOT / "docs/ci/terraform.yml").read_text(),
        "tools/tf-plan.sh": (ROOT / "tools/tf-plan.sh").read_text(),
        **extra,
    }
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    git = ["git", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True, timeout=60)
    subprocess.run([*git, "add", "-A"], cwd=repo, check=True, timeout=60)
    return repo


def run_hooks(repo: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PRE_COMMIT_COLOR": "never",
    }
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run(
        [str(PRE_COMMIT), "run", "--all-files"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def hook_results(output: str) -> dict[str, str]:
    """'ruff check....Passed' lines, by hook name."""
    return {
        m.group(1): m.group(2)
        for m in re.finditer(
            r"^(.+?)\.{3,}(Passed|Failed|\(no files to check\)Skipped)$", output, re.M
        )
    }


def test_the_hooks_pass_on_clean_files(tmp_path: Path) -> None:
    result = run_hooks(scratch_repo(tmp_path, {}), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    names = {hook["name"] for hook in hooks(load_config())}
    assert hook_results(result.stdout) == dict.fromkeys(names, "Passed")


@pytest.mark.parametrize("hook_id", sorted(BROKEN))
def test_each_hook_fails_on_a_broken_file(tmp_path: Path, hook_id: str) -> None:
    name, text = BROKEN[hook_id]
    if text is None:  # the workflow with a typo in a job's keys
        text = (ROOT / name).read_text().replace("    runs-on:", "    runs_on:", 1)
    result = run_hooks(scratch_repo(tmp_path, {name: text}), tmp_path)
    assert result.returncode == 1
    hook = next(h for h in hooks(load_config()) if h["id"] == hook_id)
    results = hook_results(result.stdout)
    assert results[hook["name"]] == "Failed", result.stdout
    assert Path(name).name in result.stdout  # the failure names the file
