"""Tunable timings: defaults suited to AWS, overridable by environment for tests and the demo.

Long waits on AWS take minutes to hours; on the local stand-in they take fractions of a second.
Only the polling cadence and windows change, never the code path.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..errors import ConfigError

ENV_PREFIX = "PERSONALIZE_MOVIELENS_"


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(ENV_PREFIX + name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{ENV_PREFIX}{name}={raw!r}: must be a number of seconds.") from None
    if value < 0:
        raise ConfigError(f"{ENV_PREFIX}{name}={raw!r}: must not be negative.")
    return value


@dataclass(frozen=True)
class Settings:
    """Seconds: first poll interval, its cap, overall wait limit, and the retry windows."""

    poll_initial: float = 5.0
    poll_max: float = 60.0
    wait_timeout: float = 24 * 3600.0
    #: How long after the role's creation an "Insufficient privileges" import failure is retried
    #: (IAM changes take a while to reach Personalize).
    iam_propagation_window: float = 300.0
    #: How long a create is retried while a quota (e.g. 5 running import jobs) is reached.
    limit_retry_window: float = 3600.0

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            poll_initial=_env_float("POLL_INITIAL", cls.poll_initial),
            poll_max=_env_float("POLL_MAX", cls.poll_max),
            wait_timeout=_env_float("WAIT_TIMEOUT", cls.wait_timeout),
            iam_propagation_window=_env_float("IAM_WINDOW", cls.iam_propagation_window),
            limit_retry_window=_env_float("LIMIT_WINDOW", cls.limit_retry_window),
        )

    def backoff(self, interval: float) -> float:
        """The interval after `interval` between polls or retries: half as long again, up to
        `poll_max` (and never zero, so that a wait always moves on)."""
        return min(self.poll_max, max(interval * 1.5, 0.01))
