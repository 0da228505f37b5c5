"""Wait for a long job: poll with backoff, report each status change, survive transient errors.

A wait holds no state of its own: the job's name or ARN is found again from the service, so a
wait that is interrupted (Ctrl-C, a dropped laptop lid) is resumed by running the command again.
A dry run waits for nothing, like `terraform plan`: it looks once and reports what it sees (what
it only planned is PLANNED), so callers judge an observation with `failed`, which lets a status
still in progress pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..console import is_interactive, progress
from ..errors import CloudError
from .clients import AwsCallError, EndpointUnreachable
from .context import WorkflowContext
from .plan import PLANNED

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
        # A recommender's stop and start (DescribeRecommender: STOP PENDING > STOP IN_PROGRESS >
        # INACTIVE > START PENDING > START IN_PROGRESS > ACTIVE).
        "STOP PENDING",
        "STOP IN_PROGRESS",
        "START PENDING",
        "START IN_PROGRESS",
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
#: How a create or change ends well: ACTIVE, or in a dry run PLANNED (the plan's own status).
SUCCEEDED = frozenset({"ACTIVE", PLANNED})
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
    return isinstance(exc, EndpointUnreachable)


def settled(obs: Observation) -> bool:
    """The default end of a wait: gone, or no longer changing."""
    return obs.gone or obs.status not in IN_PROGRESS


def failed(obs: Observation) -> bool:
    """Whether what a create or change was waited for ended badly (gone, or a status that is
    neither success nor still in progress, e.g. CREATE FAILED)."""
    return obs.gone or (obs.status not in SUCCEEDED and obs.status not in IN_PROGRESS)


def wait_until(
    ctx: WorkflowContext,
    label: str,
    observe: Callable[[], Observation],
    done: Callable[[Observation], bool] | None = None,
) -> Observation:
    """Poll `observe` until `done` (default: the status is no longer in progress); in a dry run,
    the first observation.

    The interval starts at `settings.poll_initial` and grows by half each poll up to
    `poll_max` (`Settings.backoff`); transient errors are polled through; `wait_timeout` bounds
    the whole wait.
    """
    done = done or settled
    if ctx.plan is not None:
        return observe()
    settings = ctx.settings
    start = ctx.clock()
    interval = settings.poll_initial
    transient_in_a_row = 0
    last_status: str | None = None
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
            interval = settings.backoff(interval)
