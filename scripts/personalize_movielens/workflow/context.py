"""Everything a workflow step needs: the stack's outputs, the clients, settings, dry-run.

All AWS calls go through `WorkflowContext.call`, the one gateway that turns botocore errors
into the tool's errors and, under `--dry-run`, prints the calls that would change or bill
something instead of making them. Read-only calls (Describe/List/Get/Head) still run under
dry-run, like `terraform plan`: the plan depends on what exists.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..console import console, info
from ..outputs import StackOutputs, read_outputs
from .clients import Clients, aws_errors, make_clients
from .settings import Settings

_READ_ONLY_PREFIXES = ("Describe", "List", "Get", "Head")


class Placeholder(dict):
    """The response of a call skipped under dry-run: any field reads as a placeholder string."""

    def __init__(self, operation: str) -> None:
        super().__init__()
        self.operation = operation

    def __missing__(self, key: str) -> str:
        return f"<{key} from {self.operation}>"


@dataclass
class PlannedCall:
    service: str
    operation: str
    params: dict[str, Any]

    def line(self) -> str:
        params = json.dumps(self.params, sort_keys=True, default=str)
        return f"{self.service}.{self.operation} {params}"


def is_placeholder(value: str) -> bool:
    """True for an ARN that a dry-run create only pretended to return."""
    return value.startswith("<")


def is_read_only(operation: str) -> bool:
    return operation.startswith(_READ_ONLY_PREFIXES)


def _operation_name(method: str) -> str:
    return "".join(part.capitalize() for part in method.split("_"))


@dataclass
class WorkflowContext:
    outputs: StackOutputs
    clients: Clients
    settings: Settings = field(default_factory=Settings.from_env)
    dry_run: bool = False
    planned: list[PlannedCall] = field(default_factory=list)
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep

    def call(self, service: str, method: str, **params: Any) -> dict[str, Any]:
        """Call `client.method(**params)`; under dry-run, record and skip anything that writes."""
        operation = _operation_name(method)
        if not is_read_only(operation) and self.would(service, operation, **params):
            return Placeholder(operation)
        client = self.clients.get(service)
        with aws_errors(f"{service} {operation}"):
            return getattr(client, method)(**params)

    def would(self, service: str, operation: str, **params: Any) -> bool:
        """Under dry-run, record and print a call made outside `call` (e.g. a managed upload)."""
        if not self.dry_run:
            return False
        planned = PlannedCall(service, operation, params)
        self.planned.append(planned)
        console.print(f"DRY RUN would call {planned.line()}", markup=False, soft_wrap=True)
        return True

    def paginate(self, service: str, method: str, key: str, **params: Any) -> Iterator[dict]:
        """Every item of a paginated List call."""
        client = self.clients.get(service)
        operation = _operation_name(method)
        with aws_errors(f"{service} {operation}"):
            for page in client.get_paginator(method).paginate(**params):
                yield from page.get(key, [])

    def billable(self, what: str, cost: str) -> None:
        """Say what is about to be created and roughly what it costs (also under dry-run)."""
        prefix = "Would create" if self.dry_run else "Creating"
        info(f"{prefix} {what}: {cost}.")


def open_context(
    outputs_file: Path | None,
    terraform_dir: Path | None,
    dry_run: bool = False,
    settings: Settings | None = None,
) -> WorkflowContext:
    """Read the outputs, build the clients; every missing prerequisite is one clear error."""
    outputs = read_outputs(outputs_file, terraform_dir)
    clients = make_clients(outputs.region)
    return WorkflowContext(
        outputs=outputs,
        clients=clients,
        settings=settings or Settings.from_env(),
        dry_run=dry_run,
    )
