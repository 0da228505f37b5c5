"""The recommenders sub-app and recommend's new options: help with examples, the runbook, and
one-line refusals through the CLI (before any call to the service)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner
from wf_helpers import make_outputs

from personalize_movielens.cli import app
from personalize_movielens.errors import ConfigError

SUBCOMMANDS = ["create", "stop", "start", "list"]


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_recommenders_command_has_help_with_an_example(command: str) -> None:
    result = CliRunner().invoke(app, ["recommenders", command, "--help"])
    assert result.exit_code == 0
    assert "Example: personalize-movielens recommenders" in result.stdout


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_recommenders_command_documented_in_the_runbook(command: str) -> None:
    runbook = (Path(__file__).parents[2] / "docs" / "operations.md").read_text()
    assert f"personalize-movielens recommenders {command}" in runbook


def outputs_file(tmp_path: Path, domain: str | None) -> Path:
    path = tmp_path / "outputs.json"
    outputs = replace(make_outputs(), domain=domain, filter_arns={})
    path.write_text(json.dumps(outputs.to_json()))
    return path


def test_create_on_a_custom_stack_says_what_to_set_in_terraform(tmp_path, aws_env) -> None:
    result = CliRunner().invoke(
        app, ["recommenders", "create", "--outputs", str(outputs_file(tmp_path, None))]
    )
    assert result.exit_code == 1 and isinstance(result.exception, ConfigError)
    assert 'domain = "VIDEO_ON_DEMAND"' in result.exception.one_line()


@pytest.mark.parametrize("command", ["create", "stop", "start"])
def test_create_stop_and_start_all_take_use_case_as_an_option(
    tmp_path, aws_env, command: str
) -> None:
    """The same flag on the three: `stop --use-case X` reaches the library (here refused for
    the custom stack) instead of Click's "No such option" (exit code 2)."""
    args = ["recommenders", command, "--use-case", "top-picks", "--outputs"]
    result = CliRunner().invoke(app, [*args, str(outputs_file(tmp_path, None))])
    assert result.exit_code == 1 and isinstance(result.exception, ConfigError), result.output
    assert 'domain = "VIDEO_ON_DEMAND"' in result.exception.one_line()


def test_recommend_with_an_unknown_use_case_names_the_choices(tmp_path, aws_env) -> None:
    args = ["recommend", "42", "--use-case", "top", "--outputs"]
    result = CliRunner().invoke(app, [*args, str(outputs_file(tmp_path, "VIDEO_ON_DEMAND"))])
    assert result.exit_code == 1 and isinstance(result.exception, ConfigError)
    assert "top-picks, because-you-watched-x, more-like-x" in result.exception.one_line()


def test_recommend_item_id_without_use_case_points_to_similar(tmp_path, aws_env) -> None:
    args = ["recommend", "42", "--item-id", "1", "--outputs", str(outputs_file(tmp_path, None))]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1 and "similar ITEM" in result.exception.one_line()
