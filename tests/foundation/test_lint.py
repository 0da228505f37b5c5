"""ruff lint and format, and mypy --strict on the package, hold in `make test` too, so CI catches
what `make lint` would."""

import subprocess
import sys
from pathlib import Path

import pytest

from personalize_movielens.paths import project_root

RUFF = Path(sys.executable).with_name("ruff")


@pytest.mark.parametrize(
    "args", [("check",), ("format", "--check")], ids=["ruff-check", "ruff-format"]
)
def test_ruff(args: tuple[str, ...]) -> None:
    result = subprocess.run(
        [str(RUFF), *args, "scripts", "tests", "bench", "tools"],
        cwd=project_root(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


MYPY = Path(sys.executable).with_name("mypy")


def _mypy(*args: str) -> subprocess.CompletedProcess[str]:
    """mypy with pyproject's configuration (strict, the package, boto3 clients typed)."""
    return subprocess.run(
        [str(MYPY), *args],
        cwd=project_root(),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_mypy_strict_on_the_package() -> None:
    result = _mypy()
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_catches_a_wrong_call_to_a_typed_client(tmp_path: Path) -> None:
    """The boto3 stubs make every client call checked: a misspelt parameter fails."""
    module = tmp_path / "wrong_call.py"
    module.write_text(
        "from personalize_movielens.workflow.context import WorkflowContext\n\n\n"
        "def describe(ctx: WorkflowContext) -> None:\n"
        "    ctx.clients.personalize.describe_solution(solutionArm='x')\n"
    )
    # Its own cache: mypy's shared one replays the message of an earlier run's copy (another path).
    result = _mypy("--cache-dir", str(tmp_path / "mypy-cache"), str(module))
    assert result.returncode == 1
    assert f"{module}:5: error: Unexpected keyword argument" in result.stdout, result.stdout
