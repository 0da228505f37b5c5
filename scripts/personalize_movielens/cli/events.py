"""`events put` and `events replay`: real-time interactions through the stack's event tracker.

Each command parses options and calls `personalize_movielens.workflow.events`; the result is
printed as JSON (`--json`) or as lines and a table.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..console import console, info
from .options import DataDirOption, DryRunOption, JsonOption, OutputsOption, TerraformDirOption
from .output import print_result

if TYPE_CHECKING:
    from rich.table import Table

    from ..workflow.events import ReplayResult

app = typer.Typer(no_args_is_help=True, help="Real-time events (PutEvents) to the event tracker.")


@app.command()
def put(
    user_id: Annotated[str, typer.Argument(help="USER_ID of the interaction.")],
    item_id: Annotated[str, typer.Argument(help="ITEM_ID (movieId) the user interacted with.")],
    event_type: Annotated[
        str | None,
        typer.Option(
            "--event-type",
            help="EVENT_TYPE, as in the interactions (default: watch; Watch in a "
            "VIDEO_ON_DEMAND dataset group).",
        ),
    ] = None,
    session_id: Annotated[
        str | None,
        typer.Option("--session-id", help="Session of the event (default: one per user)."),
    ] = None,
    json_: JsonOption = False,
    outputs: OutputsOption = None,
    terraform_dir: TerraformDirOption = None,
    dry_run: DryRunOption = False,
) -> None:
    """Record one interaction now; the user's next recommendations take it into account.

    Example: personalize-movielens events put 42 1 --event-type watch
    """
    from ..workflow import events
    from ..workflow.context import open_context

    ctx = open_context(outputs, terraform_dir, dry_run=dry_run)
    result = events.put_event(ctx, user_id, item_id, event_type, session_id)
    if json_:
        print_result(result)
    else:
        verb = "Planned" if dry_run else "Sent"
        info(f"{verb} {result.event_type} of item {result.item_id} by user {result.user_id}.")


def replay_table(result: ReplayResult) -> Table:
    from rich.table import Table

    table = Table(title=f"Replayed {result.file}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    rate = f"{result.rate_requested:g}/s" if result.rate_requested else "unlimited"
    achieved = f"{result.rate_achieved:g}/s" if result.rate_achieved is not None else "-"
    for name, value in (
        ("events", f"{result.events:,}"),
        ("sent", f"{result.sent:,}"),
        ("PutEvents calls", f"{result.batches:,}"),
        ("failed", f"{result.failed:,}"),
        ("rate asked", rate),
        ("rate achieved", achieved),
        ("seconds", f"{result.elapsed_seconds:g}"),
        ("bytes sent", f"{result.payload_bytes:,}"),
    ):
        table.add_row(name, value)
    return table


@app.command()
def replay(
    rate: Annotated[
        float | None,
        typer.Option("--rate", help="At most this many events a second (default: no limit)."),
    ] = None,
    limit: Annotated[
        int | None, typer.Option("--limit", help="Send only the first N held-out events.")
    ] = None,
    data_dir: DataDirOption = Path("data"),
    json_: JsonOption = False,
    outputs: OutputsOption = None,
    terraform_dir: TerraformDirOption = None,
    dry_run: DryRunOption = False,
) -> None:
    """Send the held-out events (`data prepare --hold-out N`) as PutEvents calls.

    In time order, up to 10 events of one user per call, at most --rate events a second;
    throttled calls are retried. Memory stays flat: the file is streamed.

    Example: personalize-movielens events replay --rate 50 --limit 1000
    """
    from ..workflow import events
    from ..workflow.context import open_context

    ctx = open_context(outputs, terraform_dir, dry_run=dry_run)
    result = events.replay(ctx, data_dir, rate=rate, limit=limit)
    if json_:
        print_result(result)
        return
    console.print(replay_table(result))
    if result.first_failure:
        info(f"{result.failed:,} events failed; the first: {result.first_failure}")
