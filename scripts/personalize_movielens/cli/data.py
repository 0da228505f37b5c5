"""Placeholder: the `data` commands are being built (see the issues)."""

from __future__ import annotations

import typer

app = typer.Typer(help="data commands.", no_args_is_help=True)
