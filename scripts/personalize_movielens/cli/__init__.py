"""The `personalize-movielens` command: sub-apps assembled in one place.

Each command only parses options and forwards to a library function; the one domain exception,
`PersonalizeMovielensError`, is turned into a single "Error: ..." line and exit code 1 here.
"""

from __future__ import annotations

import sys
from typing import NoReturn

import typer

from ..console import err_console
from ..errors import PersonalizeMovielensError
from . import data, local, workflow

app = typer.Typer(
    name="personalize-movielens",
    help="MovieLens 25M on Amazon Personalize: prepare data, import, train, deploy, recommend.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(data.app, name="data")
app.add_typer(local.app, name="local")
app.add_typer(workflow.app)


#: Exit code of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
INTERRUPTED = 130


def _is_usage_error(exc: BaseException) -> bool:
    """Click's ClickException (vendored inside newer Typer, so matched by its interface)."""
    return hasattr(exc, "format_message") and isinstance(getattr(exc, "exit_code", None), int)


def main() -> None:
    """Console-script entry point: every failure a user can fix is reported on one line.

    Domain errors exit 1; usage errors (unknown command, bad option value) keep click's exit
    code 2; `typer.Exit` keeps its code; Ctrl-C exits 130. No traceback reaches the user.
    """
    try:
        # Without standalone mode click returns (not raises) the code of typer.Exit.
        exit_code = app(standalone_mode=False)
    except PersonalizeMovielensError as exc:
        err_console.print(f"Error: {exc.one_line()}", markup=False, soft_wrap=True)
        sys.exit(1)
    except (typer.Abort, KeyboardInterrupt):
        _interrupted()
    except Exception as exc:
        if not _is_usage_error(exc):
            raise
        ctx = getattr(exc, "ctx", None)
        command = ctx.command_path if ctx is not None else "personalize-movielens"
        message = " ".join(exc.format_message().split())
        if not message.endswith((".", "!", "?")):
            message += "."
        err_console.print(
            f"Error: {message} Run `{command} --help` for usage.", markup=False, soft_wrap=True
        )
        sys.exit(exc.exit_code)
    if exit_code == INTERRUPTED:  # Typer turns Ctrl-C into Exit(130) and returns it
        _interrupted()
    if isinstance(exit_code, int) and exit_code:
        sys.exit(exit_code)


def _interrupted() -> NoReturn:
    err_console.print("Interrupted: run the command again to resume.", markup=False)
    sys.exit(INTERRUPTED)
