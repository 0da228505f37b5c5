"""events put / replay, offline: PutEvents requests checked by botocore's Stubber (which
validates them against the personalize-events model), pacing on a fake clock, bad input."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import botocore.session
import pytest
from botocore.stub import ANY, Stubber
from wf_helpers import FakeClock, offline_context

from personalize_movielens.errors import ConfigError, DataError
from personalize_movielens.workflow import events
from personalize_movielens.workflow.context import WorkflowContext
from personalize_movielens.workflow.plan import Plan

TRACKING = "0123abcd-tracking"


@pytest.fixture
def ctx(clock: FakeClock) -> WorkflowContext:
    base = offline_context(clock)
    return replace(base, outputs=replace(base.outputs, event_tracking_id=TRACKING))


@pytest.fixture
def stub(ctx: WorkflowContext):
    with Stubber(ctx.clients.events) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def held_out(tmp_path: Path, rows: list[tuple[str, str, int]], header: str = "") -> Path:
    header = header or "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE"
    lines = [header] + [f"{u},{i},{t},watch" for u, i, t in rows]
    (tmp_path / "held-out-events.csv").write_text("\n".join(lines) + "\n")
    return tmp_path


def expect_put(stub: Stubber, user: str, items: list[tuple[str, int]]) -> None:
    stub.add_response(
        "put_events",
        {},
        {
            "trackingId": TRACKING,
            "userId": user,
            "sessionId": f"session-{user}",
            "eventList": [
                {
                    "eventType": "watch",
                    "itemId": item,
                    "sentAt": dt.datetime.fromtimestamp(ts, tz=dt.UTC),
                }
                for item, ts in items
            ],
        },
    )


def test_events_per_call_is_the_models_limit() -> None:
    """botocore's model of PutEvents: eventList has at most 10 members."""
    model = botocore.session.get_session().get_service_model("personalize-events")
    event_list = model.operation_model("PutEvents").input_shape.members["eventList"]
    assert event_list.metadata["max"] == events.EVENTS_PER_CALL


def test_put_sends_one_event_now_to_the_tracker(ctx, stub, clock) -> None:
    expect_put(stub, "42", [("7", int(clock.now))])
    result = events.put_event(ctx, "42", "7")
    assert result.to_json()["tracking_id"] == TRACKING
    assert result.sent_at == dt.datetime.fromtimestamp(clock.now, dt.UTC).isoformat()[:19] + "Z"


def test_put_with_a_session_and_type(ctx, stub) -> None:
    stub.add_response(
        "put_events",
        {},
        {
            "trackingId": TRACKING,
            "userId": "42",
            "sessionId": "s-1",
            "eventList": [{"eventType": "click", "itemId": "7", "sentAt": ANY}],
        },
    )
    assert events.put_event(ctx, "42", "7", "click", "s-1").session_id == "s-1"


def test_no_tracker_in_the_stack_says_how_to_get_one(clock) -> None:
    with pytest.raises(ConfigError) as info:
        events.put_event(offline_context(clock), "42", "7")
    assert "enable_event_tracker" in info.value.one_line()


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("ResourceNotFoundException", "Event tracker not found"),
        ("InvalidInputException", "Invalid tracking id"),
    ],
)
def test_a_tracking_id_the_service_does_not_know_is_one_line(ctx, stub, code, message) -> None:
    stub.add_client_error("put_events", code, message)
    with pytest.raises(ConfigError) as info:
        events.put_event(ctx, "42", "7")
    line = info.value.one_line()
    assert f"does not know the tracking ID {TRACKING}" in line and "\n" not in line


def test_replay_batches_one_users_consecutive_events_up_to_ten(ctx, stub, tmp_path) -> None:
    rows = [("1", str(i), 100 + i) for i in range(12)] + [("2", "50", 200), ("1", "51", 201)]
    data = held_out(tmp_path, rows)
    expect_put(stub, "1", [(str(i), 100 + i) for i in range(10)])
    expect_put(stub, "1", [("10", 110), ("11", 111)])
    expect_put(stub, "2", [("50", 200)])
    expect_put(stub, "1", [("51", 201)])
    result = events.replay(ctx, data)
    assert (result.events, result.sent, result.batches, result.failed) == (14, 14, 4, 0)


def test_replay_keeps_the_asked_rate(ctx, stub, tmp_path, clock) -> None:
    """At 5 events a second, 20 one-event calls take 19/5 s of waiting (the first goes now)."""
    rows = [(str(u), "7", 100 + u) for u in range(20)]
    data = held_out(tmp_path, rows)
    for user, _, ts in rows:
        expect_put(stub, user, [("7", ts)])
    result = events.replay(ctx, data, rate=5)
    assert sum(clock.sleeps) == pytest.approx(19 / 5)
    assert result.rate_achieved is not None and result.rate_achieved <= 5.3


def test_replay_limit_sends_only_the_first_events(ctx, stub, tmp_path) -> None:
    data = held_out(tmp_path, [("1", "7", 100), ("2", "8", 101), ("3", "9", 102)])
    expect_put(stub, "1", [("7", 100)])
    expect_put(stub, "2", [("8", 101)])
    assert events.replay(ctx, data, limit=2).sent == 2


def test_a_failed_call_is_counted_and_the_replay_goes_on(ctx, stub, tmp_path) -> None:
    data = held_out(tmp_path, [("1", "7", 100), ("2", "8", 101)])
    stub.add_client_error("put_events", "InvalidInputException", "itemId too long")
    expect_put(stub, "2", [("8", 101)])
    result = events.replay(ctx, data)
    assert (result.sent, result.failed) == (1, 1)
    assert result.first_failure == "InvalidInputException: itemId too long"


def test_replay_without_the_file_says_to_hold_out(ctx, tmp_path) -> None:
    with pytest.raises(ConfigError) as info:
        events.replay(ctx, tmp_path)
    assert "data prepare --hold-out N" in info.value.one_line()


def test_events_out_of_time_order_are_refused_before_any_call(ctx, stub, tmp_path) -> None:
    data = held_out(tmp_path, [("1", "7", 100), ("2", "8", 99)])
    with pytest.raises(DataError) as info:
        events.replay(ctx, data)  # the stubber has no response: a call would fail otherwise
    assert "held-out-events.csv: line 3: TIMESTAMP 99" in info.value.one_line()


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ("USER_ID,ITEM_ID\n1,7\n", "line 1: no TIMESTAMP column"),
        ("USER_ID,ITEM_ID,TIMESTAMP\n1,7,soon\n", "line 2: TIMESTAMP 'soon'"),
        ("USER_ID,ITEM_ID,TIMESTAMP\n1,,5\n", "line 2: USER_ID and ITEM_ID"),
        ("USER_ID,ITEM_ID,TIMESTAMP\n", "line 2: no events"),
        # A short row: csv fills the missing fields with None; name them, not the None.
        (
            "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE\n1,7,5,Watch\n2,8\n",
            "line 3: 2 fields, expected 4 (USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE): no TIMESTAMP, "
            "EVENT_TYPE.",
        ),
        ("USER_ID,ITEM_ID,TIMESTAMP\n1,7,5,x,y\n", "line 2: 5 fields, expected 3"),
    ],
)
def test_malformed_held_out_files_are_one_line(ctx, tmp_path, content, where) -> None:
    (tmp_path / "held-out-events.csv").write_text(content)
    with pytest.raises(DataError) as info:
        events.replay(ctx, tmp_path)
    assert where in info.value.one_line() and "None" not in info.value.one_line()


def test_replay_without_event_type_column_sends_watch(ctx, stub, tmp_path) -> None:
    (tmp_path / "held-out-events.csv").write_text("USER_ID,ITEM_ID,TIMESTAMP\n1,7,100\n")
    expect_put(stub, "1", [("7", 100)])
    assert events.replay(ctx, tmp_path).sent == 1


def test_dry_run_plans_the_calls_and_waits_for_nothing(clock, tmp_path) -> None:
    base = offline_context(clock)
    ctx = replace(
        base,
        outputs=replace(base.outputs, event_tracking_id=TRACKING),
        clients=replace(base.clients, plan=Plan(), _cache={}),
    )
    data = held_out(tmp_path, [("1", "7", 100), ("2", "8", 101)])
    result = events.replay(ctx, data, rate=1)
    assert [c.operation for c in result.planned or []] == ["PutEvents", "PutEvents"]
    assert clock.sleeps == [] and result.rate_achieved is None


def test_the_cost_line_is_ingestion_of_the_bytes_sent() -> None:
    from personalize_movielens.workflow.costs import events_cost

    assert events_cost(2_000_000_000).startswith("~$0.1000 data ingestion for 2,000,000,000 bytes")


def test_a_video_on_demand_stack_sends_watch_as_its_use_cases_count(ctx, stub) -> None:
    vod = replace(ctx, outputs=replace(ctx.outputs, domain="VIDEO_ON_DEMAND"))
    stub.add_response(
        "put_events",
        {},
        {
            "trackingId": TRACKING,
            "userId": "42",
            "sessionId": "session-42",
            "eventList": [{"eventType": "Watch", "itemId": "7", "sentAt": ANY}],
        },
    )
    assert events.put_event(vod, "42", "7").event_type == "Watch"
