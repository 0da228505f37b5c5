"""`events put` and `events replay`: real-time interactions sent to the stack's event tracker.

PutEvents (personalize-events) records interactions as they happen; the guide's real-time
personalization uses them for the user's next recommendations without retraining. Its request
takes the tracking ID of an event tracker (the stack's output `event_tracking_id`), a session,
and 1 to 10 events (botocore's model: `eventList` max 10) of one user. `replay` streams the
held-out tail that `data prepare --hold-out N` kept out of the import, in time order, as such
calls at a chosen rate. Throttled calls are retried by botocore's adaptive retry mode (see
`clients.py`: it backs off and slows the client down); a call that still fails is counted, not
fatal, except an unknown tracker, which no later call can fix.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from ..console import info, progress
from ..data.layout import HELD_OUT_EVENTS_FILE
from ..errors import ConfigError, DataError
from ..timefmt import iso_time
from .clients import AwsCallError
from .context import WorkflowContext
from .costs import events_cost
from .plan import PlannedCall, planned_json

#: PutEvents' limit on events per call (botocore's model: PutEventsRequest.eventList max 10).
EVENTS_PER_CALL = 10
#: The event type when none is given and the held-out file has no EVENT_TYPE column (PutEvents
#: requires one): "watch" in a custom dataset group; in a VIDEO_ON_DEMAND one "Watch", the
#: event type its use cases count (and `data prepare --domain video-on-demand` writes).
DEFAULT_EVENT_TYPE = "watch"
DOMAIN_EVENT_TYPES = {"VIDEO_ON_DEMAND": "Watch"}
REQUIRED_COLUMNS = ("USER_ID", "ITEM_ID", "TIMESTAMP")
NO_TRACKER_HINT = (
    "The stack has no event tracker: set enable_event_tracker = true in terraform/ and run "
    "`terraform apply` (the local stand-in: `personalize-movielens local up`)."
)


@dataclass(frozen=True)
class Event:
    """One interaction to send: who, what, which kind, when (epoch seconds) and its value."""

    user_id: str
    item_id: str
    event_type: str
    sent_at: float
    event_value: float | None = None

    def to_api(self) -> dict[str, Any]:
        """The PutEvents `Event` shape."""
        event: dict[str, Any] = {
            "eventType": self.event_type,
            "itemId": self.item_id,
            "sentAt": dt.datetime.fromtimestamp(self.sent_at, tz=dt.UTC),
        }
        if self.event_value is not None:
            event["eventValue"] = self.event_value
        return event

    def payload_bytes(self) -> int:
        """About how many bytes this event adds to a request (what ingestion bills)."""
        return len(json.dumps({**self.to_api(), "sentAt": self.sent_at}))


@dataclass(frozen=True)
class PutEventResult:
    user_id: str
    item_id: str
    event_type: str
    session_id: str
    sent_at: str
    tracking_id: str
    planned: list[PlannedCall] | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("planned")
        return {**data, **planned_json(self.planned)}


@dataclass(frozen=True)
class ReplayResult:
    """What a replay sent: events, calls, failures and the pace it reached."""

    file: str
    events: int
    sent: int
    batches: int
    failed: int
    first_failure: str | None
    elapsed_seconds: float
    rate_requested: float | None
    rate_achieved: float | None
    payload_bytes: int
    planned: list[PlannedCall] | None = None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("planned")
        return {**data, **planned_json(self.planned)}


def default_event_type(ctx: WorkflowContext) -> str:
    return DOMAIN_EVENT_TYPES.get(ctx.outputs.domain or "", DEFAULT_EVENT_TYPE)


def tracking_id(ctx: WorkflowContext) -> str:
    """The stack's tracking ID, or one line saying how to get an event tracker."""
    if not ctx.outputs.event_tracking_id:
        raise ConfigError(
            "No event tracker: the output event_tracking_id is null.", NO_TRACKER_HINT
        )
    return ctx.outputs.event_tracking_id


def _is_unknown_tracker(exc: AwsCallError) -> bool:
    """PutEvents refused the tracking ID itself (not one event): no later call can succeed."""
    if exc.code == "ResourceNotFoundException":
        return True
    return exc.code == "InvalidInputException" and "track" in exc.service_message.lower()


def _unknown_tracker(tracking: str, exc: AwsCallError) -> ConfigError:
    return ConfigError(
        f"The service does not know the tracking ID {tracking} (output event_tracking_id): "
        f"{exc.code}: {exc.service_message}",
        hint="The event tracker was deleted or belongs to another stack or region: run "
        "`terraform apply` (or `personalize-movielens local up`) and use its outputs.",
    )


def send(ctx: WorkflowContext, tracking: str, session_id: str, events: list[Event]) -> None:
    """One PutEvents call for one user's events (1 to EVENTS_PER_CALL)."""
    try:
        ctx.clients.events.put_events(
            trackingId=tracking,
            userId=events[0].user_id,
            sessionId=session_id,
            eventList=[event.to_api() for event in events],
        )
    except AwsCallError as exc:
        if _is_unknown_tracker(exc):
            raise _unknown_tracker(tracking, exc) from None
        raise


def session_for(user_id: str) -> str:
    """The session a user's events go to when none is given: one per user, stable across runs."""
    return f"session-{user_id}"


def put_event(
    ctx: WorkflowContext,
    user_id: str,
    item_id: str,
    event_type: str | None = None,
    session_id: str | None = None,
) -> PutEventResult:
    """Record that `user_id` interacted with `item_id` now."""
    tracking = tracking_id(ctx)
    event_type = event_type if event_type is not None else default_event_type(ctx)
    for name, value in (("USER_ID", user_id), ("ITEM_ID", item_id), ("--event-type", event_type)):
        if not value.strip():
            raise ConfigError(f"{name} is empty: PutEvents needs one.")
    event = Event(user_id, item_id, event_type, ctx.clock())
    session = session_id or session_for(user_id)
    verb = "Would send" if ctx.plan is not None else "Sending"
    info(f"{verb} 1 {event_type} event of user {user_id}: {events_cost(event.payload_bytes())}.")
    send(ctx, tracking, session, [event])
    return PutEventResult(
        user_id,
        item_id,
        event_type,
        session,
        iso_time(int(event.sent_at)) or "",
        tracking,
        ctx.planned(),
    )


# --- replay ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeldOut:
    """What a check of the held-out file found, before anything is sent."""

    path: Path
    events: int
    payload_bytes: int


def held_out_path(data_dir: Path) -> Path:
    path = data_dir / HELD_OUT_EVENTS_FILE
    if not path.is_file():
        raise ConfigError(
            f"{path}: no held-out events.",
            hint="Run `personalize-movielens data prepare --hold-out N` to keep the newest N "
            "interactions out of the import for replaying.",
        )
    return path


def read_events(
    path: Path, limit: int | None = None, event_type: str = DEFAULT_EVENT_TYPE
) -> Iterator[tuple[int, Event]]:
    """(line number, event) of the held-out file, streamed; a malformed row or one earlier than
    the row before it (the file is in time order) is a DataError naming its line."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, restkey=_EXTRA_FIELDS)
        columns = reader.fieldnames or []
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if missing:
            raise DataError(
                f"{path}: line 1: no {', '.join(missing)} column; expected the columns of "
                "interactions.csv (USER_ID,ITEM_ID,TIMESTAMP[,EVENT_TYPE...]).",
                hint="Write it with `personalize-movielens data prepare --hold-out N`.",
            )
        last = float("-inf")
        for count, row in enumerate(reader):
            if limit is not None and count >= limit:
                return
            line = reader.line_num
            _check_fields(path, line, columns, row)
            event = _event(path, line, row, event_type)
            if event.sent_at < last:
                raise DataError(
                    f"{path}: line {line}: TIMESTAMP {row['TIMESTAMP']} is earlier than the "
                    "line before; held-out events must be in time order.",
                    hint="Write it with `personalize-movielens data prepare --hold-out N`.",
                )
            last = event.sent_at
            yield line, event


#: Where csv.DictReader puts the fields past the header's (its restkey).
_EXTRA_FIELDS = "\0extra fields"


def _check_fields(path: Path, line: int, columns: Sequence[str], row: dict[str, Any]) -> None:
    """A row with fewer or more fields than the header is one line naming what is missing (or
    that there are too many), not a complaint about the value csv filled in for them."""
    missing = [column for column in columns if row.get(column) is None]
    if missing:
        raise DataError(
            f"{path}: line {line}: {len(columns) - len(missing)} fields, expected "
            f"{len(columns)} ({','.join(columns)}): no {', '.join(missing)}."
        )
    if extra := row.get(_EXTRA_FIELDS):
        raise DataError(
            f"{path}: line {line}: {len(columns) + len(extra)} fields, expected "
            f"{len(columns)} ({','.join(columns)})."
        )


def _event(path: Path, line: int, row: dict[str, str], default_type: str) -> Event:
    user, item = (row.get("USER_ID") or "").strip(), (row.get("ITEM_ID") or "").strip()
    if not user or not item:
        raise DataError(f"{path}: line {line}: USER_ID and ITEM_ID must not be empty.")
    try:
        timestamp = float(row.get("TIMESTAMP") or "")
    except ValueError:
        raise DataError(
            f"{path}: line {line}: TIMESTAMP {row.get('TIMESTAMP')!r} is not epoch seconds."
        ) from None
    value_text = (row.get("EVENT_VALUE") or "").strip()
    try:
        value = float(value_text) if value_text else None
    except ValueError:
        raise DataError(
            f"{path}: line {line}: EVENT_VALUE {value_text!r} is not a number."
        ) from None
    event_type = (row.get("EVENT_TYPE") or "").strip() or default_type
    return Event(user, item, event_type, timestamp, value)


def check_held_out(data_dir: Path, limit: int | None = None, event_type: str = "") -> HeldOut:
    """One streamed pass over the file before any call: its rows, order and size."""
    path = held_out_path(data_dir)
    events = payload = 0
    for _, event in read_events(path, limit, event_type or DEFAULT_EVENT_TYPE):
        events += 1
        payload += event.payload_bytes()
    if events == 0:
        raise DataError(f"{path}: line 2: no events after the header.")
    return HeldOut(path, events, payload)


def batches(events: Iterator[tuple[int, Event]]) -> Iterator[list[Event]]:
    """Consecutive events of one user, up to EVENTS_PER_CALL at a time (time order is kept)."""
    batch: list[Event] = []
    for _, event in events:
        if batch and (event.user_id != batch[0].user_id or len(batch) == EVENTS_PER_CALL):
            yield batch
            batch = []
        batch.append(event)
    if batch:
        yield batch


def replay(
    ctx: WorkflowContext,
    data_dir: Path,
    rate: float | None = None,
    limit: int | None = None,
) -> ReplayResult:
    """Send the held-out events as PutEvents calls, at most `rate` events a second."""
    if rate is not None and rate <= 0:
        raise ConfigError(f"--rate {rate}: must be more than 0 events a second.")
    if limit is not None and limit < 1:
        raise ConfigError(f"--limit {limit}: must be at least 1.")
    tracking = tracking_id(ctx)
    event_type = default_event_type(ctx)
    held = check_held_out(data_dir, limit, event_type)
    verb = "Would send" if ctx.plan is not None else "Sending"
    pace = f"at most {rate:g} events/s" if rate else "as fast as the service takes them"
    info(
        f"{verb} {held.events:,} events from {held.path} {pace}: {events_cost(held.payload_bytes)}."
    )
    sent = failed = calls = 0
    first_failure: str | None = None
    start = ctx.clock()
    with progress(f"Replaying {held.path.name}", total=held.events) as reporter:
        for batch in batches(read_events(held.path, limit, event_type)):
            if rate and ctx.plan is None:
                due = start + (sent + failed) / rate
                if (wait := due - ctx.clock()) > 0:
                    ctx.sleep(wait)
            calls += 1
            try:
                send(ctx, tracking, session_for(batch[0].user_id), batch)
                sent += len(batch)
            except AwsCallError as exc:  # throttling already retried by botocore
                failed += len(batch)
                first_failure = first_failure or f"{exc.code}: {exc.service_message}"
            reporter.advance(len(batch))
    elapsed = ctx.clock() - start
    achieved = round(sent / elapsed, 1) if elapsed > 0 and ctx.plan is None else None
    return ReplayResult(
        str(held.path),
        held.events,
        sent,
        calls,
        failed,
        first_failure,
        round(elapsed, 3),
        rate,
        achieved,
        held.payload_bytes,
        ctx.planned(),
    )
