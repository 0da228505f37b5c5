"""The workflow CLI: every command documented with an example, one-line errors, --dry-run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from personalize_movielens.cli import app
from personalize_movielens.errors import ConfigError, PersonalizeMovielensError
from personalize_movielens.paths import same_package_env
from personalize_movielens.workflow.naming import solution_name
from personalize_movielens.workflow.resources import list_solutions

COMMANDS = ["upload", "import", "train", "deploy", "recommend", "similar", "status", "clean-cloud"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Example: personalize-movielens" in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_documented_in_the_runbook(command: str) -> None:
    runbook = (Path(__file__).parents[2] / "docs" / "operations.md").read_text()
    assert f"personalize-movielens {command}" in runbook


def test_missing_outputs_file_is_one_error_naming_what_to_run(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["status", "--outputs", str(tmp_path / "none.json")])
    assert result.exit_code == 1
    assert isinstance(result.exception, ConfigError)
    assert "local up" in result.exception.one_line()


@pytest.mark.parametrize("answer", ["n\n", ""], ids=["no", "no answer (stdin closed)"])
def test_clean_cloud_asks_first_and_aborts_on_no(ctx, fresh_stand_in, answer: str) -> None:
    ctx.clients.personalize.create_solution(
        name=solution_name(ctx.outputs.dataset_group_arn, "aws-popularity-count"),
        datasetGroupArn=ctx.outputs.dataset_group_arn,
        recipeArn="arn:aws:personalize:::recipe/aws-popularity-count",
    )
    # The console script, as a user or a CI job without --yes runs it.
    script = Path(sys.executable).parent / "personalize-movielens"
    proc = subprocess.run(
        [str(script), "clean-cloud", "--json", "--outputs", str(fresh_stand_in.outputs_file)],
        input=answer,
        capture_output=True,
        text=True,
        check=False,
        env=same_package_env(os.environ),
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr  # aborted, nothing deleted
    assert "Delete these?" in proc.stderr and "{" not in proc.stdout  # stdout is for JSON
    assert "Aborted: nothing deleted" in proc.stderr and "Interrupted" not in proc.stderr
    assert len(list_solutions(ctx)) == 1


def test_domain_errors_are_one_line_from_the_console_script(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "personalize-movielens"
    proc = subprocess.run(
        [str(script), "deploy", "--outputs", str(tmp_path / "missing.json")],
        capture_output=True,
        text=True,
        check=False,
        env=same_package_env(os.environ),  # this checkout's package, not another installed one
    )
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert "Traceback" not in proc.stderr
    assert issubclass(ConfigError, PersonalizeMovielensError)
