"""ruff lint and format hold in `make test` too, so CI catches what `make lint` would."""

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
