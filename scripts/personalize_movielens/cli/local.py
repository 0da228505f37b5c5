"""`personalize-movielens local ...`: the local stand-in of AWS (moto + Personalize emulator)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..console import console, info
from ..local import DEFAULT_REGION, DEFAULT_STATE_DIR
from .options import JsonOption
from .output import print_result

app = typer.Typer(
    help="The local stand-in of AWS: moto server (S3, IAM, STS) and the Personalize emulator.",
    no_args_is_help=True,
)

StateDirOption = Annotated[
    Path,
    typer.Option(
        "--state-dir",
        help="Where pids, ports, logs and outputs.json are kept.",
        file_okay=False,
    ),
]


@app.command()
def up(
    state_dir: StateDirOption = DEFAULT_STATE_DIR,
    moto_port: Annotated[
        int | None, typer.Option("--moto-port", help="Port for moto server (default: a free one).")
    ] = None,
    personalize_port: Annotated[
        int | None,
        typer.Option(
            "--personalize-port", help="Port for the Personalize emulator (default: free)."
        ),
    ] = None,
    speed: Annotated[
        float,
        typer.Option(
            "--speed",
            help="Pace of status changes: a status step takes 1/SPEED seconds (tests use 200).",
        ),
    ] = 1.0,
    region: Annotated[str, typer.Option("--region", help="Region of the stand-in.")] = (
        DEFAULT_REGION
    ),
    with_event_value: Annotated[
        bool,
        typer.Option(
            "--with-event-value",
            help="Interactions schema with EVENT_TYPE and EVENT_VALUE (for eventValueThreshold).",
        ),
    ] = False,
    domain: Annotated[
        str | None,
        typer.Option(
            "--domain",
            help="A Domain dataset group (video-on-demand), like the root stack's domain "
            "variable; default: a custom one.",
        ),
    ] = None,
    users: Annotated[
        bool,
        typer.Option(
            "--users",
            help="Also the Users dataset (USER_ID, GENDER, AGE, OCCUPATION), like the root "
            "stack's enable_users_dataset: for data prepared from MovieLens 1m or 100k.",
        ),
    ] = False,
) -> None:
    """Start the stand-in on 127.0.0.1, provision the stack, print the variables to export.

    Starts moto server and the Personalize emulator, creates what the root Terraform stack
    declares (bucket, role, dataset group, schemas, datasets; Users with --users) and writes
    STATE_DIR/outputs.json
    for the workflow commands' --outputs.

    Example: eval "$(personalize-movielens local up --speed 50)"
    """
    from ..local import standin
    from ..outputs import DOMAIN_NAMES

    if domain is not None and domain not in DOMAIN_NAMES:
        raise typer.BadParameter(
            f"{domain!r} is not a supported domain (choose from {', '.join(DOMAIN_NAMES)}).",
            param_hint="--domain",
        )
    state = standin.up(
        state_dir,
        moto_port,
        personalize_port,
        speed,
        region,
        with_event_value,
        None if domain is None else DOMAIN_NAMES[domain],
        users,
    )
    info(f"moto server (S3, IAM, STS): {state.moto.url}")
    info(f"Personalize emulator (control plane and runtime): {state.personalize.url}")
    info(f"Outputs: {state.outputs_path}  (pass it with --outputs)")
    console.print(standin.export_lines(state.env()), markup=False, soft_wrap=True)


@app.command()
def env(state_dir: StateDirOption = DEFAULT_STATE_DIR) -> None:
    """Print the `export AWS_ENDPOINT_URL_...` lines of the running stand-in.

    Example: eval "$(personalize-movielens local env)"
    """
    from ..local import standin

    console.print(standin.export_lines(standin.env_for(state_dir)), markup=False, soft_wrap=True)


@app.command()
def status(state_dir: StateDirOption = DEFAULT_STATE_DIR, json_: JsonOption = False) -> None:
    """Say what runs where; exits 1 when the stand-in is not (fully) running.

    Example: personalize-movielens local status --json
    """
    from ..local.status import read_status

    report = read_status(state_dir)
    if json_:
        print_result(report)
    else:
        for server in report.servers:
            state = "running" if server.running else "stopped"
            health = "" if server.healthy or not server.running else " (not answering)"
            console.print(f"{server.name}: {state}{health} at {server.url} (pid {server.pid})")
        if report.emulator:
            console.print(f"emulator speed: {report.emulator['speed']}")
        if report.outputs_file:
            console.print(f"outputs: {report.outputs_file}")
    report.require_running()


@app.command()
def down(
    state_dir: StateDirOption = DEFAULT_STATE_DIR,
    purge: Annotated[
        bool, typer.Option("--purge", help="Also delete the state dir (logs, outputs.json).")
    ] = False,
) -> None:
    """Stop moto server and the Personalize emulator (the state dir stays unless --purge).

    Example: personalize-movielens local down --purge
    """
    from ..local import standin

    stopped = standin.down(state_dir, purge=purge)
    info(f"Stopped: {', '.join(stopped)}.")
