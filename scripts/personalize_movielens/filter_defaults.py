"""The stack's default filters: terraform/filters/<domain>.json, read here and by Terraform.

One file per kind of dataset group (`custom.json`, `video_on_demand.json`), each an object of
short filter name -> filter expression. The root Terraform stack declares them (with
jsondecode(file(...))) when its `filters` variable is null, and `local up` creates the same ones
on the stand-in, so both sides agree on every name and expression. A filter whose expression
reads the Items dataset (`Items.`) is left out when the stack has no Items dataset: Personalize
refuses a filter on a dataset the group does not have. One that reads the interactions' event
type (`Interactions.EVENT_TYPE`) is left out when the Interactions schema has no EVENT_TYPE (the
custom stack's default schema): a filter may only name fields of the group's schemas ("dataset
and field identifiers in dataset.field format"), and the guide says nothing of EVENT_TYPE
without the column, so the stack never declares a filter an apply could fail on. Terraform
applies the same rules.
"""

from __future__ import annotations

import json
from pathlib import Path

from .errors import ConfigError
from .paths import terraform_dir

#: The file of defaults for a custom dataset group (domain null) and per domain.
FILES: dict[str | None, str] = {
    None: "custom.json",
    "VIDEO_ON_DEMAND": "video_on_demand.json",
}
#: How an expression names the Items dataset (the guide's `dataset.field` format).
ITEMS_REFERENCE = "Items."
#: How an expression names the interactions' event type.
EVENT_TYPE_REFERENCE = "Interactions.EVENT_TYPE"


def filters_dir() -> Path:
    """terraform/filters: the default filter expressions, shared with Terraform."""
    return terraform_dir() / "filters"


def default_filters(
    domain: str | None, with_items: bool, with_event_type: bool = True
) -> dict[str, str]:
    """Short filter name -> expression for a dataset group of this domain (None: custom),
    with or without an Items dataset and EVENT_TYPE in the Interactions schema."""
    if domain not in FILES:
        known = ", ".join(sorted(d for d in FILES if d is not None))
        raise ConfigError(f"domain {domain!r} has no default filters; use null or {known}.")
    path = filters_dir() / FILES[domain]
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ConfigError(f"{path}: cannot read the default filters: {error}") from error
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise ConfigError(f"{path}: must be an object of filter name -> expression strings.")
    return {
        name: expression
        for name, expression in raw.items()
        if (with_items or ITEMS_REFERENCE not in expression)
        and (with_event_type or EVENT_TYPE_REFERENCE not in expression)
    }
