"""The `personalize-movielens` command: sub-apps assembled in one place, and the error boundary.

Each command only parses options and forwards to a library function; `main` turns what a user
can act on into one line on stderr: the one domain exception (`PersonalizeMovielensError`,
"Error: ..." and exit code 1), a path the operating system refuses (`OSError`, the same line
naming the path), a usage error (click's exit code 2) and Ctrl-C (exit code 130), including a
Ctrl-C while the command is still importing: this module imports nothing heavy itself, `app`
is assembled on first use (by `main`, or by `from personalize_movielens.cli import app`).
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    import typer

#: Exit code of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
INTERRUPTED = 130
INTERRUPTED_LINE = "Interrupted: run the command again to resume."

_APP: list[typer.Typer] = []


def build_app() -> typer.Typer:
    """One sub-app per noun, and the workflow commands at the top level."""
    import typer

    from . import batch, data, events, local, recommenders, workflow

    app = typer.Typer(
        name="personalize-movielens",
        help="MovieLens 25M on Amazon Personalize: prepare data, import, train, deploy, recommend.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    app.add_typer(data.app, name="data")
    app.add_typer(local.app, name="local")
    app.add_typer(recommenders.app, name="recommenders")
    app.add_typer(events.app, name="events")
    app.add_typer(batch.app, name="batch")
    app.add_typer(workflow.app)
    return app


def __getattr__(name: str) -> Any:
    """`app`, built once when first asked for (PEP 562)."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if not _APP:
        _APP.append(build_app())
    return _APP[0]


def _is_usage_error(exc: BaseException) -> bool:
    """Click's ClickException (vendored inside newer Typer, so matched by its interface)."""
    return hasattr(exc, "format_message") and isinstance(getattr(exc, "exit_code", None), int)


def os_error_line(exc: OSError) -> str:
    """An operating-system error as the project's one line, naming the path it concerns."""
    reason = exc.strerror or str(exc)
    if exc.filename is None:
        return f"Error: {reason}."
    where = str(exc.filename)
    if exc.filename2 is not None:
        where += f" -> {exc.filename2}"
    return f"Error: {where}: {reason}. Hint: choose another path, or make this one usable."


def main() -> None:
    """Console-script entry point: every failure a user can fix is reported on one line.

    Domain errors and refused paths exit 1; usage errors (unknown command, bad option value)
    keep click's exit code 2; `typer.Exit` keeps its code; Ctrl-C exits 130. No traceback
    reaches the user.
    """
    try:
        _run()
    except KeyboardInterrupt:
        _interrupted()
    except BrokenPipeError:  # the reader of stdout went away (`| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    except OSError as exc:
        _error(os_error_line(exc), 1)


def _run() -> None:
    import typer

    from ..errors import PersonalizeMovielensError

    app = __getattr__("app")
    try:
        # Without standalone mode click returns (not raises) the code of typer.Exit.
        exit_code = app(standalone_mode=False)
    except PersonalizeMovielensError as exc:
        _error(f"Error: {exc.one_line()}", 1)
    except typer.Abort:
        _interrupted()
    except Exception as exc:
        if not _is_usage_error(exc):
            raise
        _usage_error(exc)
    if exit_code == INTERRUPTED:  # Typer turns Ctrl-C into Exit(130) and returns it
        _interrupted()
    if isinstance(exit_code, int) and exit_code:
        sys.exit(exit_code)


def _usage_error(exc: Any) -> NoReturn:
    ctx = getattr(exc, "ctx", None)
    command = ctx.command_path if ctx is not None else "personalize-movielens"
    message = " ".join(exc.format_message().split())
    if not message.endswith((".", "!", "?")):
        message += "."
    _error(f"Error: {message} Run `{command} --help` for usage.", exc.exit_code)


def _error(line: str, code: int) -> NoReturn:
    from ..console import err_console

    err_console.print(line, markup=False, soft_wrap=True)
    sys.exit(code)


def _interrupted() -> NoReturn:
    # Plain stderr: Ctrl-C may come before the console (rich) was ever imported.
    sys.stderr.write(INTERRUPTED_LINE + "\n")
    sys.stderr.flush()
    sys.exit(INTERRUPTED)
