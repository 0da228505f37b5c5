"""The dry run: every call that would change something is recorded and answered from a plan.

Under `--dry-run` the workflow's clients (`clients.py`) offer each call to `Plan.answer` before
it is sent. A call that would create, change, delete or bill something is recorded and answered
here, the way the service would answer it: a create returns the ARN the service would give, a
delete returns nothing. Read-only calls (Describe, List, Get, Head) still go to the service, like
`terraform plan`: what would change depends on what exists. The service cannot answer a read
about what only the plan made, changed or deleted, so the plan answers it: such a resource has
the status PLANNED, it has no children yet, and a deleted one is not found. (A dry run waits for
nothing: `waiting.wait_until` looks once.) So the workflow code reads the same with and without
`--dry-run`.

The planned calls are said on stderr as they are planned, and listed in `Plan.calls` for the
results' JSON ("planned"). The plan does not merge what it made into the service's List answers:
no workflow step lists what an earlier step of the same command created.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..arns import arn_prefix
from ..console import info

if TYPE_CHECKING:  # botocore is imported when first used: it costs ~0.1 s of every CLI start
    from botocore.model import OperationModel, Shape

#: The status the plan gives what it created or changed: the service has not seen it; it counts
#: as a success (see `waiting.SUCCEEDED`).
PLANNED = "PLANNED"
#: The ID the plan gives a resource the service would name itself (a solution version).
PLANNED_ID = "planned"
READ_ONLY_PREFIXES = ("Describe", "List", "Get", "Head")
#: Reads that the campaign bills (its TPS): planned like the calls that change something.
BILLED_READS = frozenset({"GetRecommendations", "GetPersonalizedRanking"})
#: Creates whose resource the service names under its parent's ARN (`solution/NAME/ID`).
_NAMED_UNDER_PARENT = {"CreateSolutionVersion": "solutionArn"}
#: What a create is named by, first match.
_NAME_PARAMS = ("name", "jobName")

#: A planned answer: the HTTP status and the parsed response (or error) the service would give.
PlannedAnswer = tuple[int, dict[str, Any]]


def is_planned_call(operation: str) -> bool:
    """Whether a dry run plans `operation` rather than sending it."""
    return operation in BILLED_READS or not operation.startswith(READ_ONLY_PREFIXES)


@dataclass(frozen=True)
class PlannedCall:
    """One call a dry run would make: `service.Operation {params}`."""

    service: str
    operation: str
    params: dict[str, Any]

    def line(self) -> str:
        params = json.dumps(self.params, sort_keys=True, default=str)
        return f"{self.service}.{self.operation} {params}"

    def to_json(self) -> dict[str, Any]:
        params = json.loads(json.dumps(self.params, default=str))
        return {"service": self.service, "operation": self.operation, "params": params}


def planned_json(planned: list[PlannedCall] | None) -> dict[str, Any]:
    """The "planned" member of a result's JSON: present only for a dry run."""
    return {} if planned is None else {"planned": [call.to_json() for call in planned]}


@dataclass
class Plan:
    """The calls a dry run would make, and what they would have made or deleted."""

    calls: list[PlannedCall] = field(default_factory=list)
    #: ARN -> the resource as the plan knows it (created or changed by a planned call).
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)

    def record(self, service: str, operation: str, params: Mapping[str, Any]) -> None:
        """Add a call to the plan (and say so on stderr)."""
        call = PlannedCall(service, operation, dict(params))
        self.calls.append(call)
        info(f"DRY RUN would call {call.line()}")

    def answer(
        self, service: str, model: OperationModel, params: Mapping[str, Any]
    ) -> PlannedAnswer | None:
        """The plan's answer to a call, or None to send it to the service."""
        if is_planned_call(model.name):
            self.record(service, model.name, params)
            return 200, self._apply(service, model, params)
        about = next((v for v in params.values() if self._knows(v)), None)
        if about is None:
            return None
        if about in self.deleted:
            message = f"{about} does not exist: this dry run deletes it."
            error = {"Code": "ResourceNotFoundException", "Message": message}
            return 400, {"Error": error, "ResponseMetadata": {"HTTPStatusCode": 400}}
        return 200, _fill(model.output_shape, params, self.resources[about])

    def _knows(self, value: object) -> bool:
        return isinstance(value, str) and (value in self.resources or value in self.deleted)

    def _apply(
        self, service: str, model: OperationModel, params: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The answer to a planned call; remember what it creates, changes or deletes."""
        operation = model.name
        response = _fill(model.output_shape, params, {})
        target = _target(model, params)
        if operation.startswith("Create") and model.output_shape is not None:
            arn = _created_arn(service, operation, params)
            for name in model.output_shape.members:
                if name.endswith("Arn") and name not in params:
                    response[name] = arn
                    self.resources[arn] = {**params, name: arn, "status": PLANNED}
        elif operation.startswith("Delete") and target is not None:
            self.deleted.add(target)
            self.resources.pop(target, None)
        elif operation.startswith(("Update", "Stop", "Start")) and target is not None:
            self.resources[target] = {**self.resources.get(target, {}), **params}
            self.resources[target]["status"] = PLANNED
        return response


def _is_arn(value: object) -> bool:
    return isinstance(value, str) and value.startswith("arn:")


def _is_parent(value: str, service: str) -> bool:
    """Whether `value` is an ARN of `service` that names a region and an account
    (`arn:partition:service:region:account:...`)."""
    parts = value.split(":", 5)
    return len(parts) == 6 and parts[0] == "arn" and parts[2] == service and all(parts[3:5])


def _target(model: OperationModel, params: Mapping[str, Any]) -> str | None:
    """The resource a call acts on: its first ARN parameter in the model's order."""
    if model.input_shape is None:
        return None
    return next((params[n] for n in model.input_shape.members if _is_arn(params.get(n))), None)


def _created_arn(service: str, operation: str, params: Mapping[str, Any]) -> str:
    """The ARN the service would give what `operation` creates (`<prefix>:<type>/<name>`)."""
    parent_param = _NAMED_UNDER_PARENT.get(operation)
    if parent_param is not None:
        return f"{params[parent_param]}/{PLANNED_ID}"
    # A parent of the same service in an account and region (a dataset group): not a shared
    # one (a recipe's ARN, `arn:aws:personalize:::recipe/...`, has neither), nor a role's.
    parent = next((str(v) for v in params.values() if _is_parent(str(v), service)), None)
    prefix = arn_prefix(parent) if parent else f"arn:aws:{service}::"
    kind = re.sub(r"(?<!^)(?=[A-Z])", "-", operation.removeprefix("Create")).lower()
    name = next((str(params[p]) for p in _NAME_PARAMS if p in params), PLANNED_ID)
    return f"{prefix}:{kind}/{name}"


def _fill(
    shape: Shape | None, params: Mapping[str, Any], resource: dict[str, Any]
) -> dict[str, Any]:
    """An answer of the operation's output shape: parameters echoed, the resource in its
    structure member (Describe), empty lists and maps (List, metrics)."""
    answer: dict[str, Any] = {}
    members: dict[str, Shape] = getattr(shape, "members", {})
    for name, member in members.items():
        if name in params:
            answer[name] = params[name]
        elif member.type_name == "structure" and resource:
            answer[name] = dict(resource)
        elif member.type_name == "list":
            answer[name] = []
        elif member.type_name == "map":
            answer[name] = {}
    return answer
