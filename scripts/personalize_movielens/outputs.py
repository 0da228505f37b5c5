"""The contract between Terraform and the tool: the root stack's outputs, read and checked.

The outputs of `terraform/` are the tool's only input about the infrastructure. They come from
python-terraform (`Terraform(working_dir).output()`, the whole map: a named `output(NAME)` breaks
in that package with Terraform 1.x) or from a JSON file shaped like `terraform output -json`.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ConfigError

#: Every output the root stack must expose, and nothing else: tests hold Terraform to this list.
CONTRACT_OUTPUTS: dict[str, str] = {
    "region": "AWS region of the stack",
    "bucket_name": "data bucket",
    "data_prefix": "key prefix for input data, e.g. personalize/input/",
    "personalize_role_arn": "role passed to import jobs",
    "dataset_group_arn": "the dataset group",
    "dataset_arns": "map: dataset type -> dataset ARN",
    "schema_arns": "map: dataset type -> schema ARN",
    "kms_key_arn": "customer key or null",
    "domain": "null (custom dataset group) or VIDEO_ON_DEMAND",
    "batch_output_prefix": "key prefix batch jobs write to, or null when batch output is off",
    "filter_arns": "map: filter name -> filter ARN (empty when none)",
    "event_tracker_arn": "event tracker, or null",
    "event_tracking_id": "the tracking ID PutEvents needs, or null",
}
#: Outputs that may be null (all others must have a value).
NULLABLE_OUTPUTS = frozenset(
    {"kms_key_arn", "domain", "batch_output_prefix", "event_tracker_arn", "event_tracking_id"}
)
MAP_OUTPUTS = frozenset({"dataset_arns", "schema_arns", "filter_arns"})
#: Outputs that arrived with the domain, filter, event and batch work: a stack applied before
#: them lacks them, and the tool reads them as absent (null, or an empty map).
LATER_OUTPUTS: dict[str, Any] = {
    "domain": None,
    "batch_output_prefix": None,
    "filter_arns": {},
    "event_tracker_arn": None,
    "event_tracking_id": None,
}
#: The domains of a Domain dataset group the tool supports (the domain output's values), by
#: the spelling its commands take (`--domain video-on-demand`).
DOMAIN_NAMES: dict[str, str] = {"video-on-demand": "VIDEO_ON_DEMAND"}
DOMAINS = frozenset(DOMAIN_NAMES.values())


@dataclass(frozen=True)
class StackOutputs:
    """The root stack's outputs, typed."""

    region: str
    bucket_name: str
    data_prefix: str
    personalize_role_arn: str
    dataset_group_arn: str
    dataset_arns: dict[str, str]
    schema_arns: dict[str, str]
    kms_key_arn: str | None
    domain: str | None = None
    batch_output_prefix: str | None = None
    filter_arns: dict[str, str] = field(default_factory=dict)
    event_tracker_arn: str | None = None
    event_tracking_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The `terraform output -json` shape: name -> {value, type, sensitive}."""
        result: dict[str, Any] = {}
        for name in CONTRACT_OUTPUTS:
            value = getattr(self, name)
            result[name] = {"sensitive": False, "type": _terraform_type(value), "value": value}
        return result


def _terraform_type(value: Any) -> Any:
    if value is None:
        return "string"
    if isinstance(value, dict):
        return ["map", "string"]
    return "string"


def parse_outputs(raw: dict[str, Any], source: str) -> StackOutputs:
    """Check a `terraform output -json` map against the contract and type it.

    Accepts both the wrapped form ({name: {"value": ...}}) and a plain {name: value} map.
    """
    values: dict[str, Any] = {}
    for name, entry in raw.items():
        values[name] = entry["value"] if isinstance(entry, dict) and "value" in entry else entry
    # Terraform leaves null outputs out of `terraform output -json`: absent means null there.
    for name in NULLABLE_OUTPUTS:
        values.setdefault(name, None)
    for name, absent in LATER_OUTPUTS.items():
        if values.get(name) is None:
            values[name] = absent
    missing = [name for name in CONTRACT_OUTPUTS if name not in values]
    if missing:
        raise ConfigError(
            f"{source}: missing Terraform output(s) {', '.join(missing)}.",
            hint="Run `terraform apply` in terraform/ (or `personalize-movielens local up`) first.",
        )
    for name in CONTRACT_OUTPUTS:
        value = values[name]
        if value is None and name in NULLABLE_OUTPUTS:
            continue
        if name in MAP_OUTPUTS:
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise ConfigError(f"{source}: output {name} must be a map of strings.")
        elif not isinstance(value, str) or not value:
            raise ConfigError(f"{source}: output {name} must be a non-empty string.")
    if "Interactions" not in values["dataset_arns"]:
        raise ConfigError(f"{source}: output dataset_arns has no Interactions dataset.")
    if values["domain"] is not None and values["domain"] not in DOMAINS:
        raise ConfigError(
            f"{source}: output domain is {values['domain']!r}; the tool supports null "
            f"(a custom dataset group) or {', '.join(sorted(DOMAINS))}."
        )
    return StackOutputs(**{name: values[name] for name in CONTRACT_OUTPUTS})


def read_outputs_file(path: Path) -> StackOutputs:
    """Outputs from a JSON file of the `terraform output -json` shape (`--outputs FILE`)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: outputs file not found.",
            hint="Write it with `terraform output -json > FILE` "
            "or `personalize-movielens local up`.",
        ) from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}).") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a JSON object of Terraform outputs.")
    return parse_outputs(raw, source=str(path))


def read_terraform_outputs(working_dir: Path) -> StackOutputs:
    """Outputs of the stack in `working_dir`, through python-terraform (the whole map)."""
    if shutil.which("terraform") is None:
        raise ConfigError(
            "terraform is not on PATH.",
            hint="Install Terraform, or pass --outputs FILE (from `terraform output -json`).",
        )
    if not working_dir.is_dir():
        raise ConfigError(f"{working_dir}: Terraform directory not found.")
    from python_terraform import Terraform  # imported late: only this path needs it

    raw = Terraform(working_dir=str(working_dir)).output()
    if not raw:
        raise ConfigError(
            f"{working_dir}: the Terraform stack has no outputs.",
            hint="Run `terraform init && terraform apply` there first, or pass --outputs FILE.",
        )
    return parse_outputs(raw, source=f"terraform output in {working_dir}")


def read_outputs(outputs_file: Path | None, terraform_dir: Path | None) -> StackOutputs:
    """The outputs from `--outputs FILE` when given, else from the Terraform stack."""
    if outputs_file is not None:
        return read_outputs_file(outputs_file)
    from .paths import terraform_dir as default_terraform_dir

    return read_terraform_outputs(terraform_dir or default_terraform_dir())
