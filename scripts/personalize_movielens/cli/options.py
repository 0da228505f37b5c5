"""Options shared by several commands, defined once so that flags stay identical everywhere."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

OutputsOption = Annotated[
    Path | None,
    typer.Option(
        "--outputs",
        help="JSON file shaped like `terraform output -json` (instead of reading terraform/).",
        exists=False,
        dir_okay=False,
    ),
]
TerraformDirOption = Annotated[
    Path | None,
    typer.Option(
        "--terraform-dir", help="Root Terraform stack to read outputs from.", file_okay=False
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Show the calls that would be made, without making them.")
]
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
DataDirOption = Annotated[
    Path, typer.Option("--data-dir", help="Directory of prepared CSVs.", file_okay=False)
]
