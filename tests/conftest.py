"""Root conftest: the local stand-in's fixtures (`local_stand_in`, `fresh_stand_in`, ...).

The tests check the checkout they are in: the package finds the repository from where it was
installed, which for a venv shared between clones (or a worktree) is another checkout.
"""

import os
from pathlib import Path

from personalize_movielens.paths import ROOT_ENV_VAR

os.environ.setdefault(ROOT_ENV_VAR, str(Path(__file__).resolve().parents[1]))

pytest_plugins = ["personalize_movielens.local.pytest_plugin"]
