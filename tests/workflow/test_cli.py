"""The workflow CLI: every command documented with an example, one-line errors, --dry-run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner
from wf_helpers import (
    BASE_SOL,
    INTERACTIONS,
    ITEMS,
    expect_campaigns,
    expect_solutions,
    expect_versions,
    make_outputs,
    solution_summary,
)

from personalize_movielens.cli import app
from personalize_movielens.cli import workflow as cli_workflow
from personalize_movielens.errors import ConfigError, PersonalizeMovielensError

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


def test_clean_cloud_asks_first_and_aborts_on_no(stubbed, monkeypatch) -> None:
    ctx, stub, _ = stubbed
    monkeypatch.setattr(cli_workflow, "_context", lambda *a, **k: ctx)
    expect_solutions(stub, [solution_summary("movielens-popularity-count", BASE_SOL)])
    expect_campaigns(stub, BASE_SOL, [])
    expect_versions(stub, BASE_SOL, [])
    result = CliRunner().invoke(app, ["clean-cloud"], input="n\n")
    assert result.exit_code == 1  # aborted, and no delete call was stubbed or made


def test_train_dry_run_prints_the_calls_and_makes_none(stubbed, monkeypatch) -> None:
    ctx, stub, _ = stubbed
    monkeypatch.setattr(
        cli_workflow,
        "_context",
        lambda outputs, tf, dry_run=False: (setattr(ctx, "dry_run", dry_run), ctx)[1],
    )
    expect_solutions(stub, [])
    stub.add_response(
        "describe_schema",
        {
            "schema": {
                "schema": json.dumps(
                    {
                        "type": "record",
                        "name": "I",
                        "fields": [{"name": "USER_ID", "type": "string"}],
                    }
                )
            }
        },
        {"schemaArn": make_outputs().schema_arns["Interactions"]},
    )
    for dataset_arn in (INTERACTIONS, ITEMS):
        stub.add_response(
            "list_dataset_import_jobs",
            {
                "datasetImportJobs": [
                    {"jobName": "j", "datasetImportJobArn": "arn:j", "status": "ACTIVE"}
                ]
            },
            {"datasetArn": dataset_arn},
        )
    result = CliRunner().invoke(app, ["train", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "DRY RUN would call personalize.CreateSolution" in result.stdout
    assert "DRY RUN would call personalize.CreateSolutionVersion" in result.stdout
    assert len(ctx.planned) == 2


def test_domain_errors_are_one_line_from_the_console_script(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = Path(sys.executable).parent / "personalize-movielens"
    proc = subprocess.run(
        [str(script), "deploy", "--outputs", str(tmp_path / "missing.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert "Traceback" not in proc.stderr
    assert issubclass(ConfigError, PersonalizeMovielensError)
