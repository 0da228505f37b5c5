"""pyproject.toml's metadata in the current form (setuptools warned on every install before),
and which copy of the package the tests and the stand-in run."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path
from unittest.mock import patch

from packaging.licenses import canonicalize_license_expression

import personalize_movielens
from personalize_movielens.local import standin
from personalize_movielens.paths import project_root


def test_license_is_an_spdx_expression() -> None:
    """PEP 639: `project.license` is an SPDX expression string; the table form is deprecated."""
    project = tomllib.loads((project_root() / "pyproject.toml").read_text())["project"]
    assert isinstance(project["license"], str)
    assert canonicalize_license_expression(project["license"]) == "Apache-2.0"


def test_the_tests_import_this_checkouts_package() -> None:
    """pytest puts scripts/ first: a venv installed from another clone does not decide what runs."""
    assert Path(personalize_movielens.__file__).resolve().is_relative_to(project_root() / "scripts")


def test_the_stand_in_runs_the_same_copy_of_the_package(tmp_path: Path) -> None:
    """The emulator's processes import the package this process imported, not the installed one."""
    probe = "import personalize_movielens; print(personalize_movielens.__file__)"
    with patch.dict(os.environ, {"PYTHONPATH": str(tmp_path)}):  # a path set before is kept
        env = standin._child_env()
    assert env["PYTHONPATH"].split(os.pathsep)[1:] == [str(tmp_path)]
    found = subprocess.run(
        [sys.executable, "-c", probe], env=env, cwd=tmp_path, capture_output=True, text=True
    )
    assert found.stdout.strip() == personalize_movielens.__file__, found.stderr
