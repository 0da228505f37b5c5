"""The `personalize-movielens` command: sub-apps assembled in one place.

Each command only parses options and forwards to a library function; the one domain exception,
`PersonalizeMovielensError`, is turned into a single "Error: ..." line and exit code 1 here.
"""

from __future__ import annotations

import sys

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


def main() -> None:
    """Console-script entry point: run the app, report domain errors on one line.

    Click's standalone mode handles usage errors, `typer.Exit` and Ctrl-C with their own exit
    codes; what reaches here is the domain exception, printed without a traceback.
    """
    try:
        app()
    except PersonalizeMovielensError as exc:
        err_console.print(f"Error: {exc.one_line()}", markup=False, soft_wrap=True)
        sys.exit(1)
