"""`batch recommend`: a batch inference job for many users, written as a CSV with titles.

The command parses options and calls `personalize_movielens.workflow.batch`; the result is
printed as JSON (`--json`) or as summary lines.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..console import info
from ..workflow.naming import DEFAULT_RECIPE
from .options import DataDirOption, DryRunOption, JsonOption, OutputsOption, TerraformDirOption
from .output import print_result

if TYPE_CHECKING:
    from ..workflow.batch import BatchResult

app = typer.Typer(no_args_is_help=True, help="Batch recommendations (batch inference jobs).")


def summary_lines(result: BatchResult) -> list[str]:
    lines = [
        f"Batch job {result.job_name} ({result.action}): {result.status}, "
        f"{result.users:,} users x {result.num_results} items.",
        f"Input {result.input_uri}; output {result.output_uri}.",
    ]
    if result.csv_path is not None:
        lines.append(f"Wrote {result.rows:,} rows (user, rank, item, title) to {result.csv_path}.")
    if result.users_failed:
        lines.append(f"{result.users_failed:,} users got no list; the first: {result.first_error}")
    return lines


@app.command()
def recommend(
    users: Annotated[
        Path | None,
        typer.Option(
            "--users",
            help="File of USER_IDs, one a line (default: every user of interactions.csv).",
            dir_okay=False,
        ),
    ] = None,
    num_results: Annotated[
        int, typer.Option("-n", "--num-results", help="Items per user (numResults).")
    ] = 25,
    recipe: Annotated[
        str, typer.Option("--recipe", help="Recipe of the custom solution to use.")
    ] = DEFAULT_RECIPE,
    filter_name: Annotated[
        str | None, typer.Option("--filter", help="A filter of the stack (output filter_arns).")
    ] = None,
    filter_value: Annotated[
        list[str] | None,
        typer.Option("--filter-value", help="NAME=VALUE for a $NAME placeholder (repeatable)."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="CSV to write (default: DATA_DIR/batch-recommendations.csv).",
            dir_okay=False,
        ),
    ] = None,
    data_dir: DataDirOption = Path("data"),
    json_: JsonOption = False,
    outputs: OutputsOption = None,
    terraform_dir: TerraformDirOption = None,
    dry_run: DryRunOption = False,
) -> None:
    """Lists for many users from the latest ACTIVE version of a custom solution, with no
    campaign: writes the input to S3, runs the job, waits, and writes a CSV with titles.

    Example: personalize-movielens batch recommend --users users.txt -n 10
    """
    from ..workflow import batch
    from ..workflow.context import open_context

    ctx = open_context(outputs, terraform_dir, dry_run=dry_run)
    result = batch.recommend_batch(
        ctx,
        data_dir,
        output or data_dir / batch.OUTPUT_FILE,
        users_file=users,
        num_results=num_results,
        recipe=recipe,
        filter_name=filter_name,
        filter_values=filter_value or [],
    )
    if json_:
        print_result(result)
    else:
        for line in summary_lines(result):
            info(line)
