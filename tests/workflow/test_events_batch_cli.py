"""`events` and `batch` from the command line: help with an example, in the runbook, and each
bad input as one line with exit code 1 through the console script, before any AWS call."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner
from wf_helpers import make_outputs

from personalize_movielens.cli import app
from personalize_movielens.paths import same_package_env

COMMANDS = [["events", "put"], ["events", "replay"], ["batch", "recommend"]]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_has_an_example_and_the_runbook_names_it(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert f"Example: personalize-movielens {' '.join(command)}" in result.stdout
    runbook = (Path(__file__).parents[2] / "docs" / "operations.md").read_text()
    assert f"personalize-movielens {' '.join(command)}" in runbook


def run(tmp_path: Path, *args: str, **outputs: object) -> subprocess.CompletedProcess[str]:
    """The console script against an outputs file; no endpoint answers (none is needed)."""
    values = {**make_outputs().to_json()}
    for name, value in outputs.items():
        values[name] = {"value": value}
    outputs_file = tmp_path / "outputs.json"
    outputs_file.write_text(json.dumps(values))
    env = same_package_env(os.environ)
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    script = Path(sys.executable).parent / "personalize-movielens"
    return subprocess.run(
        [str(script), *args, "--outputs", str(outputs_file)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=60,
    )


def one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 1, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), proc.stderr
    return lines[0]


def test_put_without_a_tracker(tmp_path) -> None:
    line = one_error_line(run(tmp_path, "events", "put", "42", "7"))
    assert "enable_event_tracker" in line


def test_replay_without_held_out_events(tmp_path) -> None:
    proc = run(tmp_path, "events", "replay", "--data-dir", str(tmp_path), event_tracking_id="t")
    assert "data prepare --hold-out N" in one_error_line(proc)


def test_batch_with_an_empty_users_file(tmp_path) -> None:
    users = tmp_path / "users.txt"
    users.write_text("")
    proc = run(tmp_path, "batch", "recommend", "--users", str(users), batch_output_prefix="out/")
    assert f"{users}: line 1: no users" in one_error_line(proc)


def test_batch_with_an_unknown_filter(tmp_path) -> None:
    proc = run(tmp_path, "batch", "recommend", "--filter", "nope", batch_output_prefix="out/")
    assert "--filter nope: unknown filter" in one_error_line(proc)


def test_batch_without_output_prefix(tmp_path) -> None:
    assert "enable_batch_output" in one_error_line(run(tmp_path, "batch", "recommend"))
