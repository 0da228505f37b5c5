"""Personalize Events: PutEvents, and the events it records for the runtime and for exports.

The service is REST-JSON (`POST /events`, signing name `personalize`, botocore's
`personalize-events` model); the server routes it by path beside the runtime's routes. What the
API reference (API_UBS_PutEvents.html) and the developer guide (recording-events.html,
limits.html) say, and the emulator does:

- "If the action is successful, the service sends back an HTTP 200 response with an empty HTTP
  body"; its only modelled error is InvalidInputException (HTTP 400), so an unknown tracking ID
  is one too, as is a tracker that is not ACTIVE ("The event tracker must be in the ACTIVE
  state before using the tracking ID");
- "Maximum number of events in a PutEvents call: 10" (the model's eventList max), "Maximum size
  of an event: 10 KB"; `properties` is a JSON object whose keys can't be userId, sessionId,
  eventType, timestamp, recommendationId or impression (case insensitive: the model's words);
- "Amazon Personalize appends the new event data to the Interactions dataset of the dataset
  group you specify in your event tracker": the rows go to the group's Interactions dataset,
  in Parquet files of their own (`Recorded.files`), apart from the imported (bulk) rows, so an
  export job can tell PUT from BULK;
- "Amazon Personalize adds the new recorded event data to the user's history. Amazon
  Personalize then uses the modified data when generating recommendations for the user (and
  this user only)": `recorded_events` gives the runtime a user's latest events (runtime.py
  decides which recipes use them);
- anonymous users: "Amazon Personalize uses the sessionId you pass in the PutEvents operation to
  associate events with the user before they log in": events without a userId are kept under
  their sessionId, and become the user's when an event of the same session names the user.

Memory stays bounded: per user the latest `PER_USER` events (the filters' quota, "Maximum
number of interactions per user per event type considered by a filter", is 100), at most
`MAX_USERS` users (least recently recorded forgotten first), and rows are flushed to Parquet
every `FLUSH_ROWS`.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from ...data import rules
from ...schemas import parse_schema
from .errors import InvalidInput
from .service import Emulator

SERVICE = "personalize-events"
ACTIVE = "ACTIVE"
#: limits.html: "Maximum size of an event. 10 KB".
MAX_EVENT_BYTES = 10 * 1024
#: The model's Event.properties: "The following can't be included as a keyword for properties
#: (case insensitive)".
RESERVED_PROPERTIES = frozenset(
    {"userid", "sessionid", "eventtype", "timestamp", "recommendationid", "impression"}
)
PER_USER = 100
MAX_USERS = 100_000
FLUSH_ROWS = 10_000
#: Event members -> the Interactions schema's reserved fields they fill.
EVENT_FIELDS = {
    "itemId": "ITEM_ID",
    "eventType": "EVENT_TYPE",
    "eventValue": "EVENT_VALUE",
    "recommendationId": "RECOMMENDATION_ID",
}


@dataclass(frozen=True)
class RecordedEvent:
    """One event as the runtime (and filters) use it."""

    item_id: str
    event_type: str
    sent_at: float
    event_value: float | None = None


class Recorded:
    """The events PutEvents recorded into one Interactions dataset: each user's latest ones, and
    every row as Parquet files (flushed `FLUSH_ROWS` at a time)."""

    def __init__(self, columns: dict[str, pl.DataType]) -> None:
        self._lock = threading.Lock()
        self._columns = columns
        self._users: OrderedDict[str, deque[RecordedEvent]] = OrderedDict()
        self._rows: list[dict[str, Any]] = []
        self.files: tuple[Path, ...] = ()

    def add(self, key: str, session: str, events: list[RecordedEvent], rows: list[Any]) -> None:
        with self._lock:
            history = self._users.pop(key, None) or deque(maxlen=PER_USER)
            if key != session and session in self._users:  # the session's anonymous events
                history.extendleft(reversed(self._users.pop(session)))
            history.extend(events)
            self._users[key] = history
            while len(self._users) > MAX_USERS:
                self._users.popitem(last=False)
            self._rows.extend(rows)

    def of(self, key: str) -> list[RecordedEvent]:
        with self._lock:
            return list(self._users.get(key, ()))

    def pending(self) -> int:
        with self._lock:
            return len(self._rows)

    def take_rows(self) -> pl.DataFrame | None:
        """The rows not yet in a file, typed by the dataset's schema (None when there are none)."""
        with self._lock:
            rows, self._rows = self._rows, []
        if not rows:
            return None
        return pl.DataFrame(rows, schema=self._columns, orient="row", strict=False)


def tracker_by_id(emu: Emulator, tracking_id: str) -> dict[str, Any] | None:
    """The event tracker (controlplane/event_trackers.py) with this tracking ID, or None."""
    return next((t for t in emu.store.all("event_tracker") if t["trackingId"] == tracking_id), None)


def recorded_events(emu: Emulator, dataset_group_arn: str, user_id: str) -> list[RecordedEvent]:
    """The user's (or anonymous session's) events recorded with PutEvents into the dataset
    group, oldest first: at most `PER_USER`."""
    dataset = emu.store.dataset_of(dataset_group_arn, "Interactions")
    if dataset is None:
        return []
    recorded = emu.store.recorded.get(dataset["datasetArn"])
    return recorded.of(user_id) if isinstance(recorded, Recorded) else []


def flush(emu: Emulator, dataset_arn: str) -> tuple[Path, ...]:
    """The dataset's recorded rows as Parquet files (what is still in memory written first)."""
    with emu.store.lock:
        found = emu.store.recorded.get(dataset_arn)
    if not isinstance(found, Recorded):
        return ()
    recorded: Recorded = found
    frame = recorded.take_rows()
    if frame is not None:
        path = emu.store.sink(frame.lazy())
        with emu.store.lock:
            if emu.store.recorded.get(dataset_arn) is recorded:
                recorded.files = (*recorded.files, path)
            else:
                emu.store.discard([path])
    return recorded.files


def _snake(name: str) -> str:
    """numberOfRatings -> NUMBER_OF_RATINGS: the guide's mapping of properties to fields."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()


def _properties(event: dict[str, Any], where: str) -> dict[str, Any]:
    raw = event.get("properties")
    if raw is None:
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        raise InvalidInput(f"{where}.properties is not valid JSON: {raw!r}.") from None
    if not isinstance(value, dict):
        raise InvalidInput(f"{where}.properties must be a JSON object (a string map).")
    reserved = sorted(k for k in value if k.lower() in RESERVED_PROPERTIES)
    if reserved:
        raise InvalidInput(
            f"{where}.properties can't include {', '.join(reserved)}: userId, sessionId, "
            "eventType, timestamp, recommendationId and impression are reserved."
        )
    return {_snake(k): v for k, v in value.items()}


def _check_event(event: dict[str, Any], where: str) -> None:
    sent_at = event.get("sentAt")
    if isinstance(sent_at, bool) or not isinstance(sent_at, int | float):
        raise InvalidInput(f"{where}.sentAt must be a timestamp in Unix time (seconds).")
    size = len(json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode())
    if size > MAX_EVENT_BYTES:
        raise InvalidInput(f"{where} is {size} bytes; the maximum size of an event is 10 KB.")
    if not event.get("itemId"):
        raise InvalidInput(
            f"{where}.itemId is required: it fills the ITEM_ID field of the Interactions schema."
        )


def put_events(emu: Emulator, p: dict[str, Any]) -> None:
    """Record the events into the tracker's dataset group (answer: 200, empty body)."""
    tracker = tracker_by_id(emu, p["trackingId"])
    if tracker is None:
        raise InvalidInput(
            f"The tracking ID {p['trackingId']} does not belong to an event tracker."
        )
    if tracker["status"] != ACTIVE:
        raise InvalidInput(
            f"The event tracker {tracker['eventTrackerArn']} is in status {tracker['status']}; "
            "it must be ACTIVE before its tracking ID is used."
        )
    events = p["eventList"]
    extras = []
    for index, event in enumerate(events):
        where = f"eventList.{index + 1}.member"
        _check_event(event, where)
        extras.append(_properties(event, where))
    with emu.store.lock:
        dataset = emu.store.dataset_of(tracker["datasetGroupArn"], "Interactions")
        if dataset is None:
            raise InvalidInput(
                f"The dataset group {tracker['datasetGroupArn']} has no Interactions dataset to "
                "record events into."
            )
        schema = parse_schema(
            emu.store.get("schema", dataset["schemaArn"])["schema"], source=dataset["schemaArn"]
        )
        recorded = emu.store.recorded.get(dataset["datasetArn"])
        if not isinstance(recorded, Recorded):
            recorded = emu.store.recorded[dataset["datasetArn"]] = Recorded(
                rules.polars_schema(schema)
            )
    user, session = p.get("userId"), p["sessionId"]
    rows = [
        _row(schema.field_names, user, session, e, x) for e, x in zip(events, extras, strict=True)
    ]
    recorded.add(
        user or session,
        session,
        [
            RecordedEvent(e["itemId"], e["eventType"], float(e["sentAt"]), e.get("eventValue"))
            for e in events
        ],
        rows,
    )
    if recorded.pending() >= FLUSH_ROWS:
        flush(emu, dataset["datasetArn"])


def _row(
    fields: list[str], user: str | None, session: str, event: dict[str, Any], extra: dict[str, Any]
) -> list[Any]:
    """The event as a row of the Interactions schema's fields (None where it has no value)."""
    values: dict[str, Any] = {**extra, "USER_ID": user, "TIMESTAMP": int(event["sentAt"])}
    values.update({field: event.get(member) for member, field in EVENT_FIELDS.items()})
    if event.get("impression"):
        values["IMPRESSION"] = "|".join(event["impression"])
    values.setdefault("SESSION_ID", session)
    return [values.get(name) for name in fields]


#: Events operation -> its handler; server.py routes each by the URI in botocore's model.
HANDLERS: dict[str, Callable[[Emulator, dict[str, Any]], None]] = {"PutEvents": put_events}
