"""Every command that has --dry-run, run with --dry-run --json on the stand-in: stdout is one JSON
document whose "planned" lists the calls, and nothing on the stand-in changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from e2e_helpers import inventory, objects

from personalize_movielens.cli import app

pytestmark = pytest.mark.e2e

SIMILAR, POPULAR = "aws-similar-items", "aws-popularity-count"


def commands_with_dry_run() -> set[str]:
    command = typer.main.get_command(app)
    found = set()

    def walk(cmd, path: str) -> None:
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, f"{path} {name}".strip())
        if any("--dry-run" in getattr(p, "opts", []) for p in cmd.params):
            found.add(path)

    walk(command, "")
    return found


def first_row(data_dir: Path) -> list[str]:
    return (data_dir / "interactions.csv").read_text().splitlines()[1].replace('"', "").split(",")


def test_every_dry_run_prints_one_json_document_and_changes_nothing(
    cli, fresh_stand_in, data_dir
) -> None:
    user, item = first_row(data_dir)[:2]
    data = ("--data-dir", str(data_dir))
    # Each command's dry run, at the point of the flow where it has something to do; then the
    # step itself, so that the next one has something to plan.
    flow: list[tuple[tuple[str, ...], list[tuple[str, ...]]]] = [
        (("upload", *data), [("upload", *data)]),
        (("import", *data), [("import", *data)]),
        (
            ("train", "--recipe", SIMILAR, "--baseline"),
            [("train", "--recipe", SIMILAR, "--baseline")],
        ),
        (("deploy", "--recipe", POPULAR), [("deploy", "--recipe", POPULAR)]),
        (("recommend", user, "--recipe", POPULAR, *data), [("deploy", "--recipe", SIMILAR)]),
        (("similar", item, *data), []),
        (("clean-cloud", "--data"), []),
    ]
    assert {args[0] for args, _ in flow} == commands_with_dry_run()
    for args, then in flow:
        before = inventory(fresh_stand_in)
        result = cli(*args, "--dry-run", "--json")
        doc = json.loads(result.stdout)  # one document: nothing else on stdout
        assert doc["planned"], (args, doc)
        assert all(set(c) == {"service", "operation", "params"} for c in doc["planned"])
        assert "DRY RUN would call" in result.stderr
        assert inventory(fresh_stand_in) == before, args
        for step in then:
            cli(*step)
    assert len(objects(fresh_stand_in)) == 2
