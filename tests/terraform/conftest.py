"""Stacks evaluated once per session by Terraform itself (tf_tree), shared by the checks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import tf_static as tf
import tf_tree

KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"

#: name -> (stack directory under terraform/, variables): the inputs the checks evaluate.
SCENARIOS: dict[str, tuple[str, dict[str, Any]]] = {
    "root-defaults": (".", {}),
    "root-everything": (
        ".",
        {
            "name_prefix": "recs-dev",
            "kms_key_arn": KEY_ARN,
            "interactions_schema": "interactions_event_value",
            "enable_batch_output": True,
            "tags": {"Team": "data", "Environment": "dev"},
            "role_name": "recs-dev-personalize",
            "filters": {"comedies": 'INCLUDE ItemID WHERE Items.GENRES IN ("Comedy")'},
            "enable_users_dataset": True,
        },
    ),
    "root-interactions-only": (".", {"enable_items_dataset": False}),
    "root-event-value": (".", {"interactions_schema": "interactions_event_value"}),
    "root-video-on-demand": (".", {"domain": "VIDEO_ON_DEMAND"}),
    "root-video-on-demand-users": (
        ".",
        {"domain": "VIDEO_ON_DEMAND", "enable_users_dataset": True},
    ),
    "root-video-on-demand-interactions-only": (
        ".",
        {"domain": "VIDEO_ON_DEMAND", "enable_items_dataset": False},
    ),
    "root-features-off": (
        ".",
        {"filters": {}, "enable_event_tracker": False, "enable_batch_output": False},
    ),
    "root-second-region": (".", {"region": "eu-west-1"}),
    "minimal": ("examples/minimal", {}),
    "minimal-second-region": ("examples/minimal", {"region": "eu-west-1"}),
    "complete": ("examples/complete", {}),
    "complete-second-region": ("examples/complete", {"region": "eu-west-1"}),
    "deployer-policy": (
        "modules/deployer-policy",
        {"name_prefix": "movielens", "enable_kms_key": True, "enable_force_destroy_bucket": True},
    ),
}

Evaluated = Callable[[str], list[tf_tree.Instance]]


@pytest.fixture(scope="session")
def evaluated(tmp_path_factory: pytest.TempPathFactory) -> Evaluated:
    """Instances of a scenario's stack, evaluated on first use and kept for the session."""
    cache: dict[str, list[tf_tree.Instance]] = {}

    def get(name: str) -> list[tf_tree.Instance]:
        if name not in cache:
            directory, variables = SCENARIOS[name]
            work = tmp_path_factory.mktemp(f"tree-{name}")
            cache[name] = tf_tree.evaluate(tf.TF_DIR / directory, variables, work)
        return cache[name]

    return get


def instances_of(instances: list[tf_tree.Instance], type_name: str) -> list[tf_tree.Instance]:
    return [i for i in instances if i.type == type_name]


def evaluate_copy(tree: Path, directory: str, variables: dict[str, Any], work: Path) -> list[Any]:
    """Evaluate a stack of a (mutated) copy of the tree."""
    return tf_tree.evaluate(tree / directory, variables, work)
