"""Wait for a long job: poll with backoff, report each status change, survive transient errors.

A wait holds no state of its own: the job's name or ARN is found again from the service, so a
wait that is interrupted (Ctrl-C, a dropped laptop lid) is resumed by running the command again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..console import is_interactive, progress
from ..errors import CloudError
from .clients import AwsCallError
from .context import WorkflowContext

#: Status strings Personalize uses while something is still changing.
IN_PROGRESS = frozenset(
    {
        "CREATE PENDING",
        "CREATE IN_PROGRESS",
        "DELETE PENDING",
        "DELETE IN_PROGRESS",
        "UPDATE PENDING",
        "UPDATE IN_PROGRESS",
        "CREATE STOPPING",
    }
)
#: Error codes worth polling through (on top of botocore's own retries).
TRANSIENT_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalServerError",
        "InternalFailure",
        "InternalServerException",
    }
)
MAX_TRANSIENT_IN_A_ROW = 10


@dataclass(frozen=True)
class Observation:
    """What one poll saw: the status and, for failures, the service's reason."""

    status: str
    failure_reason: str | None = None
    gone: bool = False


def is_transient(exc: Exception) -> bool:
    if isinstance(exc, AwsCallError):
        return exc.code in TRANSIENT_CODES or exc.code.startswith("5")
    return isinstance(exc, CloudError) and "cannot reach" in exc.message


def wait_until(
    ctx: WorkflowContext,
    label: str,
    observe: Callable[[], Observation],
    done: Callable[[Observation], bool] | None = None,
) -> Observation:
    """Poll `observe` until `done` (default: the status is no longer in progress).

    The interval starts at `settings.poll_initial` and grows by half each poll up to
    `poll_max`; transient errors are polled through; `wait_timeout` bounds the whole wait.
    """
    done = done or (lambda obs: obs.gone or obs.status not in IN_PROGRESS)
    settings = ctx.settings
    start = ctx.clock()
    interval = settings.poll_initial
    transient_in_a_row = 0
    last_status = None
    with progress(label) as reporter:
        while True:
            try:
                obs = observe()
                transient_in_a_row = 0
            except CloudError as exc:
                if not is_transient(exc) or transient_in_a_row >= MAX_TRANSIENT_IN_A_ROW:
                    raise
                transient_in_a_row += 1
                obs = None
            if obs is not None:
                if obs.status != last_status:
                    elapsed = int(ctx.clock() - start)
                    text = f"{obs.status or 'gone'} ({elapsed}s)"
                    reporter.update_description(f"{label}: {text}" if is_interactive() else text)
                    last_status = obs.status
                if done(obs):
                    return obs
            if ctx.clock() - start > settings.wait_timeout:
                raise CloudError(
                    f"{label}: still {last_status} after {int(settings.wait_timeout)}s.",
                    hint="Nothing was cancelled; run the same command again to keep waiting.",
                )
            ctx.sleep(interval)
            interval = min(settings.poll_max, max(interval * 1.5, 0.01))
