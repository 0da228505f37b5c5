"""Deterministic names, so a rerun finds what an earlier (maybe interrupted) run created.

Personalize names are unique per account and region, not per dataset group, so every name
carries the dataset group's name or a short hash of the dataset it belongs to.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from ..arns import arn_name

NAME_MAX = 63
#: The recipe `train`, `deploy` and `recommend` use unless told otherwise.
DEFAULT_RECIPE = "aws-user-personalization-v2"
_CHUNK = 8 * 1024 * 1024
#: Prefix of the recipe ARNs Personalize publishes.
RECIPE_ARN_PREFIX = "arn:aws:personalize:::recipe/"


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks (the prepared CSVs can be gigabytes)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def short_hash(text: str, length: int = 8) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def s3_key(data_prefix: str, path: Path, sha256: str) -> str:
    """`<prefix><stem>-<sha256[:16]>.csv`: new content gets a new key, same content the same."""
    return f"{data_prefix}{path.stem}-{sha256[:16]}{path.suffix}"


def is_s3_key_of(data_prefix: str, key: str, file_name: str) -> bool:
    """Whether `key` is one `s3_key` gives the file `file_name`, whatever its content."""
    path = Path(file_name)
    pattern = rf"{re.escape(data_prefix + path.stem)}-[0-9a-f]{{16}}{re.escape(path.suffix)}"
    return re.fullmatch(pattern, key) is not None


def _clean(name: str) -> str:
    name = re.sub(r"[^a-zA-Z0-9\-_]", "-", name)
    return name[:NAME_MAX].rstrip("-_")


def import_job_base(dataset_type: str, dataset_arn: str, sha256: str, mode: str) -> str:
    """Job name for one content hash, dataset and mode (before any retry suffix)."""
    return _clean(f"{dataset_type.lower()}-{mode.lower()}-{sha256[:16]}-{short_hash(dataset_arn)}")


def with_attempt(base: str, attempt: int) -> str:
    """Attempt 1 is the base name; later attempts (after a failed job) get `-r<N>`."""
    return base if attempt <= 1 else f"{base}-r{attempt}"


def attempt_of(base: str, name: str) -> int | None:
    """The attempt number of `name` if it belongs to `base`, else None."""
    if name == base:
        return 1
    match = re.fullmatch(re.escape(base) + r"-r(\d+)", name)
    return int(match.group(1)) if match else None


def recipe_arn(recipe: str) -> str:
    """Accept a short recipe name (`aws-user-personalization-v2`) or a full ARN."""
    return recipe if recipe.startswith("arn:") else RECIPE_ARN_PREFIX + recipe


def recipe_name(recipe: str) -> str:
    return arn_name(recipe)


def solution_name(dataset_group_arn: str, recipe: str) -> str:
    """`<dataset group>-<recipe without aws->`: one solution per recipe and dataset group."""
    short = recipe_name(recipe).removeprefix("aws-")
    return _clean(f"{arn_name(dataset_group_arn)}-{short}")


def campaign_name(solution: str) -> str:
    """One campaign per solution, named after it."""
    return _clean(solution)


def tool_prefix(dataset_group_arn: str) -> str:
    """What every solution and campaign the tool creates starts with (used by clean-cloud)."""
    return f"{arn_name(dataset_group_arn)}-"


def recommender_name(dataset_group_arn: str, recipe: str) -> str:
    """`<dataset group>-<recipe without aws->` (`movielens-vod-top-picks`): one recommender per
    use case and dataset group, starting with `tool_prefix` like the solutions."""
    return solution_name(dataset_group_arn, recipe)
