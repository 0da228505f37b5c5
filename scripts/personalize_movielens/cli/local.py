"""Placeholder: the `local` commands are being built (see the issues)."""

from __future__ import annotations

import typer

app = typer.Typer(help="local commands.", no_args_is_help=True)
