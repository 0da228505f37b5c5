"""What every resource family shares: the operation registry, statuses and their moves, listings.

A family module registers its handlers with `@operation("CreateX")`. A handler checks the
request against the store and answers; statuses then move on background threads (`advance`,
`advance_update`, `delete`), so a client sees CREATE PENDING first where the service takes time
(not for a solution: the service answers it ACTIVE at once, and so does the emulator).
"""

from __future__ import annotations

import base64
import time
import traceback
from collections.abc import Callable
from typing import Any

from botocore.model import ListShape, StructureShape

from .. import imports, training
from ..errors import InUse, InvalidNextToken, already_exists
from ..service import Emulator
from ..validation import service_model

Resource = dict[str, Any]
Handler = Callable[[Emulator, dict[str, Any], str], dict[str, Any]]
#: Operation name -> handler, filled by the family modules as they are imported.
HANDLERS: dict[str, Handler] = {}

PENDING, IN_PROGRESS, ACTIVE, FAILED = (
    "CREATE PENDING",
    "CREATE IN_PROGRESS",
    "ACTIVE",
    "CREATE FAILED",
)
DELETE_PENDING, DELETE_IN_PROGRESS = "DELETE PENDING", "DELETE IN_PROGRESS"
STOPPING, STOPPED = "CREATE STOPPING", "CREATE STOPPED"
BUSY = {PENDING, IN_PROGRESS}
SETTLED = {ACTIVE, FAILED}
#: Failures a job raises on purpose: their message is the failureReason as it stands.
JOB_FAILURES = (imports.ImportFailure, training.TrainingFailure)


def operation(name: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as the handler of the control-plane operation `name`."""

    def register(func: Handler) -> Handler:
        HANDLERS[name] = func
        return func

    return register


def unique_name(emu: Emulator, kind: str, arn: str) -> None:
    """ARNs derive from names, so a taken ARN is a taken name."""
    if emu.store.find(kind, arn) is not None:
        raise already_exists(arn)


def require_status(resource: Resource, arn: str, allowed: set[str], what: str) -> None:
    status = resource.get("status")
    if status not in allowed:
        wanted = " or ".join(sorted(allowed))
        raise InUse(f"The {what} {arn} is in status {status}; it must be {wanted}.")


def listing(
    operation: str, items: list[Resource], params: dict[str, Any], by_name: bool = False
) -> dict[str, Any]:
    """A List* answer: one page of `items`, each cut to the summary shape that botocore's model
    gives the operation's list (so the fields follow the API, not a hand-kept copy). Newest
    first, or by name (recipes, as the service lists them), before the pages are cut."""
    output = service_model("personalize").operation_model(operation).output_shape
    assert isinstance(output, StructureShape), operation
    key = next(name for name, shape in output.members.items() if shape.type_name == "list")
    member_list = output.members[key]
    assert isinstance(member_list, ListShape) and isinstance(member_list.member, StructureShape)
    if by_name:
        items = sorted(items, key=lambda r: str(r["name"]))
    else:
        items = sorted(items, key=lambda r: r["creationDateTime"], reverse=True)
    summaries, token = _page(items, params, tuple(member_list.member.members))
    result: dict[str, Any] = {key: summaries}
    if token:
        result["nextToken"] = token
    return result


def _page(
    items: list[Resource], params: dict[str, Any], fields: tuple[str, ...]
) -> tuple[list[Resource], str | None]:
    """`maxResults` per page (default 100) of `items` in their order, opaque offset tokens."""
    start = 0
    if params.get("nextToken"):
        try:
            start = int(base64.b64decode(params["nextToken"]).decode())
        except ValueError:
            raise InvalidNextToken("The next token is not valid.") from None
    size: int = params.get("maxResults") or 100
    chunk = items[start : start + size]
    token = None
    if start + size < len(items):
        token = base64.b64encode(str(start + size).encode()).decode()
    summaries = [{k: r[k] for k in fields if r.get(k) is not None} for r in chunk]
    return summaries, token


def advance(
    emu: Emulator,
    kind: str,
    arn: str,
    work: Callable[[Resource], str | None] | None = None,
    hours_field: str | None = None,
) -> None:
    """CREATE PENDING -> CREATE IN_PROGRESS -> (work) -> ACTIVE, or CREATE FAILED with a reason.

    `work(resource)` returns a failure reason or None; exceptions it raises become the reason.
    `hours_field` records the work's duration in hours (a solution version's trainingHours).
    """

    store = emu.store
    me = store.get(kind, arn)

    def run() -> None:
        emu.lifecycle.sleep()
        if not store.transition(kind, arn, {PENDING}, IN_PROGRESS, me):
            return
        started = time.monotonic()
        emu.lifecycle.sleep()
        reason: str | None = None
        if work is not None:
            try:
                reason = work(me)
            except JOB_FAILURES as exc:
                reason = str(exc)
            except Exception as exc:  # report, do not kill the server
                traceback.print_exc()
                reason = f"Internal error in the local emulator: {exc}"
        extra: dict[str, Any] = {}
        if hours_field:
            extra[hours_field] = round((time.monotonic() - started) / 3600, 6)
        if reason:
            store.transition(kind, arn, {IN_PROGRESS}, FAILED, me, failureReason=reason, **extra)
        else:
            store.transition(kind, arn, {IN_PROGRESS}, ACTIVE, me, **extra)

    emu.lifecycle.spawn(run)


def advance_update(
    emu: Emulator,
    kind: str,
    arn: str,
    key: str,
    update: Resource,
    apply: Callable[[Resource, Resource], None],
) -> None:
    """An update kept under `resource[key]` (a campaign's latestCampaignUpdate, a solution's
    latestSolutionUpdate): CREATE PENDING -> CREATE IN_PROGRESS -> ACTIVE, then
    `apply(resource, update)`; a newer update or a delete meanwhile ends it."""

    def run() -> None:
        for status in (IN_PROGRESS, ACTIVE):
            emu.lifecycle.sleep()
            with emu.store.lock:
                current = emu.store.find(kind, arn)
                if current is None or current.get(key) is not update:
                    return
                update["status"] = status
                update["lastUpdatedDateTime"] = time.time()
                if status == ACTIVE:
                    apply(current, update)

    emu.lifecycle.spawn(run)


def delete(emu: Emulator, kind: str, arn: str, also: Callable[[], None] | None = None) -> None:
    """DELETE PENDING -> DELETE IN_PROGRESS -> gone; `also` removes what goes with it."""
    me = emu.store.get(kind, arn)
    emu.store.transition(kind, arn, None, DELETE_PENDING, me)

    def run() -> None:
        emu.lifecycle.sleep()
        if emu.store.transition(kind, arn, {DELETE_PENDING}, DELETE_IN_PROGRESS, me):
            emu.lifecycle.sleep()
            with emu.store.lock:
                if emu.store.find(kind, arn) is not me:
                    return
                if also is not None:
                    also()
                emu.store.remove(kind, arn, me)

    emu.lifecycle.spawn(run)
