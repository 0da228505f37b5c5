"""pyproject.toml's metadata in the current form (setuptools warned on every install before)."""

from __future__ import annotations

import tomllib

from packaging.licenses import canonicalize_license_expression

from personalize_movielens.paths import project_root


def test_license_is_an_spdx_expression() -> None:
    """PEP 639: `project.license` is an SPDX expression string; the table form is deprecated."""
    project = tomllib.loads((project_root() / "pyproject.toml").read_text())["project"]
    assert isinstance(project["license"], str)
    assert canonicalize_license_expression(project["license"]) == "Apache-2.0"
