"""Where the project's files are: the repository root, the Terraform stack, the schema files."""

from __future__ import annotations

import os
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
