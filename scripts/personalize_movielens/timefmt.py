"""Times as ISO 8601 text, for reports and JSON output.

The one conversion that the data package (a dataset's TIMESTAMP range) and the workflow (the
times in the service's answers) both use. It imports neither package, so both can import it.
"""

from __future__ import annotations

from datetime import UTC, datetime

#: Epoch seconds stay below 10^10 until the year 2286; a millisecond timestamp of any date
#: after 1970-04-26 is above it. Anything larger is not seconds.
MAX_EPOCH_SECONDS = 10**10


def looks_like_milliseconds(timestamp: int) -> bool:
    """A timestamp too large for epoch seconds (10^10 is the year 2286)."""
    return timestamp >= MAX_EPOCH_SECONDS


def iso_time(value: object) -> str | None:
    """`value` as ISO 8601 text; None when it holds no plausible time.

    A datetime (as boto3 returns them) keeps its own offset: `2024-05-01T12:00:00+00:00`. An
    integer is read as UNIX epoch seconds (a dataset's TIMESTAMP) and written in UTC with a Z:
    `2024-05-01T12:00:00Z`; a negative one, or one too large for seconds (milliseconds), gives
    None. Anything else (None, a missing key's value) gives None.
    """
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    if value < 0 or looks_like_milliseconds(value):
        return None
    return datetime.fromtimestamp(value, UTC).isoformat().replace("+00:00", "Z")
