"""The console script: one line for domain errors, click's codes for usage errors, full docs."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from personalize_movielens.cli import app
from personalize_movielens.paths import project_root


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("personalize-movielens")
    return subprocess.run([str(script), *args], capture_output=True, text=True, timeout=60)


def test_domain_error_is_one_line_without_traceback(tmp_path: Path) -> None:
    result = run_cli("data", "validate", str(tmp_path / "missing.csv"))
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert "missing.csv" in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("no-such-command",), "no-such-command"),
        (("status", "--outputs", "."), "--outputs"),
        (("data", "prepare", "--min-rating", "high"), "--min-rating"),
    ],
)
def test_usage_error_is_one_line_with_exit_code_2(args: tuple[str, ...], named: str) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: ")
    assert named in lines[0] and "--help" in lines[0]


def _command_paths(group: typer.Typer, prefix: str = "") -> list[str]:
    command = typer.main.get_command(group)
    paths: list[str] = []

    def walk(cmd, path: str) -> None:
        subcommands = getattr(cmd, "commands", None)
        if subcommands:
            for name, sub in subcommands.items():
                walk(sub, f"{path} {name}".strip())
        else:
            paths.append(path)

    walk(command, prefix)
    return paths


def test_every_command_is_in_the_readme_and_has_an_example() -> None:
    readme = (project_root() / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"personalize-movielens ([a-z-]+(?: [a-z-]+)?)", readme))
    commands = _command_paths(app)
    assert len(commands) >= 10
    missing = [c for c in commands if c not in documented]
    assert not missing, f"commands missing from README.md: {missing}"
    command = typer.main.get_command(app)
    for path in commands:
        ctx_cmd = command
        for part in path.split():
            ctx_cmd = ctx_cmd.commands[part]
        help_text = ctx_cmd.help or ""
        assert "Example" in help_text or "example" in help_text, f"{path}: help has no example"


def test_ctrl_c_exits_130_and_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Typer turns KeyboardInterrupt into a returned exit code 130; main() still says so."""
    from personalize_movielens.cli import main
    from personalize_movielens.data import prepare as prepare_module

    def pressed_ctrl_c(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(prepare_module, "prepare", pressed_ctrl_c)
    monkeypatch.setattr(sys, "argv", ["personalize-movielens", "data", "prepare"])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 130
    assert capsys.readouterr().err.strip() == "Interrupted: run the command again to resume."
