"""Everything a workflow step needs: the stack's outputs, the clients, settings, and the plan.

AWS calls go through `ctx.clients` (see `clients.py`): typed boto3 clients whose failures are the
tool's one-line errors. A dry run is a property of that call layer, not of the workflow code:
with `plan` set, the calls that would change or bill something are recorded and answered from
the plan, and the read-only ones still run (see `plan.py`). The few local effects of a step
(the upload manifest) and what it says it is about to do go through the context for the same
reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import write_text_atomic
from ..console import info
from ..outputs import StackOutputs, read_outputs
from .clients import Clients, make_clients
from .plan import Plan, PlannedCall
from .settings import Settings

#: What a step is doing, said before it does it ("create" -> "Creating ...").
_DOING = {
    "create": "Creating",
    "delete": "Deleting",
    "stop": "Stopping",
    "update": "Updating",
    "start": "Starting",
}


@dataclass
class WorkflowContext:
    outputs: StackOutputs
    clients: Clients
    settings: Settings = field(default_factory=Settings.from_env)
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep

    @property
    def plan(self) -> Plan | None:
        """The dry run's plan; None when calls are really made."""
        return self.clients.plan

    def planned(self) -> list[PlannedCall] | None:
        """The calls a dry run planned so far (for a result's JSON); None when not a dry run."""
        return None if self.plan is None else list(self.plan.calls)

    def announce(self, verb: str, what: str) -> None:
        """Say what is about to change ("Creating X." or, in a dry run, "Would create X.")."""
        info(f"Would {verb} {what}." if self.plan is not None else f"{_DOING[verb]} {what}.")

    def billable(self, what: str, cost: str, verb: str = "create") -> None:
        """Say what is about to be created (or changed) and roughly what it costs."""
        self.announce(verb, f"{what}: {cost}")

    def write_text(self, path: Path, text: str) -> None:
        """Write a local file atomically; a dry run plans it as `local.WriteFile` instead."""
        if self.plan is not None:
            self.plan.record("local", "WriteFile", {"path": str(path)})
            return
        write_text_atomic(path, text)


def open_context(
    outputs_file: Path | None,
    terraform_dir: Path | None,
    dry_run: bool = False,
    settings: Settings | None = None,
) -> WorkflowContext:
    """Read the outputs, build the clients; every missing prerequisite is one clear error."""
    outputs = read_outputs(outputs_file, terraform_dir)
    clients = make_clients(outputs.region, plan=Plan() if dry_run else None)
    return WorkflowContext(
        outputs=outputs, clients=clients, settings=settings or Settings.from_env()
    )
