"""Where the project's files are: the repository root, the Terraform stack, the schema files."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

ROOT_ENV_VAR = "PERSONALIZE_MOVIELENS_ROOT"


def project_root() -> Path:
    """The repository root: `$PERSONALIZE_MOVIELENS_ROOT`, else found from this package's location.

    The package is installed in editable mode from `scripts/`, so its source sits two levels
    below the root. The schema files live in `terraform/schemas/` there, shared with Terraform.
    """
    if env := os.environ.get(ROOT_ENV_VAR):
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "terraform" / "schemas").is_dir():
            return parent
    return Path.cwd()


def terraform_dir() -> Path:
    """The root Terraform stack, whose outputs are the tool's input about the infrastructure."""
    return project_root() / "terraform"


def schemas_dir() -> Path:
    """The Avro schema files: the single source of the datasets' columns."""
    return terraform_dir() / "schemas"


def same_package_env(env: Mapping[str, str]) -> dict[str, str]:
    """`env` for a child Python process that must run this copy of the package: PYTHONPATH
    starts at the directory it was imported from (a checkout's scripts/, say), before any
    installed copy, and keeps what it held."""
    package_parent = str(Path(__file__).resolve().parent.parent)
    child = dict(env)
    child["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
    return child
