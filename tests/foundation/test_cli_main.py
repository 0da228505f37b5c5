"""The console script: one line for domain errors, click's codes for usage errors, full docs."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from personalize_movielens.cli import app
from personalize_movielens.paths import project_root, same_package_env


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("personalize-movielens")
    env = same_package_env(os.environ)  # this checkout's package, not another installed one
    return subprocess.run([str(script), *args], capture_output=True, text=True, timeout=60, env=env)


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


def prepare_raising(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], error: BaseException
) -> tuple[object, str]:
    """`data prepare` through main(), the library's prepare raising `error`: exit code, stderr."""
    from personalize_movielens.cli import main
    from personalize_movielens.data import prepare as prepare_module

    def failing(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(prepare_module, "prepare", failing)
    monkeypatch.setattr(sys, "argv", ["personalize-movielens", "data", "prepare"])
    with pytest.raises(SystemExit) as exited:
        main()
    return exited.value.code, capsys.readouterr().err.strip()


def test_ctrl_c_exits_130_and_says_what_to_do(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Typer turns KeyboardInterrupt into a returned exit code 130; main() still says so."""
    code, err = prepare_raising(monkeypatch, capsys, KeyboardInterrupt())
    assert (code, err) == (130, "Interrupted: run the command again to resume.")


def test_ctrl_c_while_the_cli_is_still_importing_is_one_line(tmp_path: Path) -> None:
    """SIGINT in the first tenth of a second lands in the imports (Typer, rich, the sub-apps);
    `-X importtime` tells when they have begun, so the signal lands there every time."""
    import os
    import signal

    script = Path(sys.executable).with_name("personalize-movielens")
    proc = subprocess.Popen(
        [sys.executable, "-X", "importtime", str(script), "--help"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=same_package_env(os.environ),
    )
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:  # one line per module as each import completes
        seen.append(line)
        if "typer" in line:  # Typer is being imported: the CLI is not assembled yet
            os.kill(proc.pid, signal.SIGINT)
            break
    _, rest = proc.communicate(timeout=60)
    stderr = [line for line in [*seen, *rest.splitlines(True)] if "import time:" not in line]
    assert proc.returncode == 130, stderr
    assert "".join(stderr).strip() == "Interrupted: run the command again to resume."


def test_a_path_the_os_refuses_is_one_line_naming_it(tmp_path: Path) -> None:
    """The boundary turns OSError (here: a file where a directory should be) into the project's
    one line, for every command."""
    blocker = tmp_path / "outputs.json"
    blocker.write_text("{}")
    result = run_cli("status", "--outputs", str(blocker / "outputs.json"))
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"Error: {blocker / 'outputs.json'}: ")
    assert "Not a directory" in lines[0] and "Traceback" not in result.stderr


def test_an_os_error_without_a_path_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = prepare_raising(monkeypatch, capsys, OSError(28, "No space left on device"))
    assert (code, err) == (1, "Error: No space left on device.")
