"""timefmt.iso_time: the one ISO 8601 conversion, as the report's time span and the workflow's
answers (status, unfinished uploads) each use it."""

from __future__ import annotations

import datetime as dt

import pytest

from personalize_movielens import timefmt
from personalize_movielens.data.figures import Figures
from personalize_movielens.workflow import s3data, status


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "1970-01-01T00:00:00Z"),
        (1_574_327_703, "2019-11-21T09:15:03Z"),  # ML-25M's last rating
        (timefmt.MAX_EPOCH_SECONDS - 1, "2286-11-20T17:46:39Z"),
        (timefmt.MAX_EPOCH_SECONDS, None),  # milliseconds, not seconds
        (1_574_327_703_000, None),
        (-1, None),
        (None, None),
        (True, None),
        ("1574327703", None),
    ],
)
def test_epoch_seconds_are_utc_with_a_z(value: object, text: str | None) -> None:
    assert timefmt.iso_time(value) == text


def test_a_datetime_keeps_its_offset() -> None:
    """As the service's answers were shown before: boto3's datetimes, isoformat()."""
    utc = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)
    paris = dt.datetime(2024, 5, 1, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert timefmt.iso_time(utc) == "2024-05-01T12:00:00+00:00"
    assert timefmt.iso_time(paris) == "2024-05-01T14:00:00+02:00"
    assert timefmt.iso_time(dt.datetime(2024, 5, 1, 12, 0)) == "2024-05-01T12:00:00"


def test_both_packages_use_the_one_definition() -> None:
    assert status.iso_time is s3data.iso_time is timefmt.iso_time
    figures = Figures(
        rows=2, lines=3, breaks={}, items=1, users=1, users_with_two=1,
        first_timestamp=0, last_timestamp=1_574_327_703,
    )  # fmt: skip
    assert figures.to_json()["time_span"] == "1970-01-01T00:00:00Z .. 2019-11-21T09:15:03Z"


def test_a_time_span_shows_a_value_that_is_no_date_as_it_is() -> None:
    figures = Figures(
        rows=2, lines=3, breaks={}, items=1, users=1, users_with_two=1,
        first_timestamp=-1, last_timestamp=1_574_327_703,
    )  # fmt: skip
    assert figures.to_json()["time_span"] == "-1 .. 2019-11-21T09:15:03Z"
