"""`personalize-movielens recommenders ...`: the VIDEO_ON_DEMAND recommenders (create, stop,
start, list). Each command forwards to `workflow.recommenders` and prints its one result: a
table, or with --json the result's JSON."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..console import console, info
from .options import DryRunOption, JsonOption, OutputsOption, TerraformDirOption
from .output import print_result

if TYPE_CHECKING:
    from ..workflow.context import WorkflowContext
    from ..workflow.recommenders import RecommendersResult

app = typer.Typer(
    help="VIDEO_ON_DEMAND recommenders: create (billed hourly while ACTIVE), stop, start, list.",
    no_args_is_help=True,
)

NamesArgument = Annotated[
    list[str] | None,
    typer.Argument(help="Recommender names or use cases (top-picks, more-like-x, ...)."),
]
AllOption = Annotated[bool, typer.Option("--all", help="Every recommender of the dataset group.")]
#: The same option on create, stop and start (stop and start also take names as arguments).
UseCaseOption = Annotated[
    list[str] | None,
    typer.Option(
        "--use-case",
        help="top-picks, because-you-watched-x, more-like-x, most-popular or trending-now; "
        "repeat for several.",
    ),
]


def _context(outputs: Path | None, terraform_dir: Path | None, dry_run: bool) -> WorkflowContext:
    from ..workflow.context import open_context

    return open_context(outputs, terraform_dir, dry_run=dry_run)


def _show(result: RecommendersResult, json_: bool) -> None:
    from ..workflow import render

    if json_:
        print_result(result)
        return
    if result.recommenders:
        console.print(render.recommenders_table(result))
    for line in render.recommenders_lines(result):
        info(line)


@app.command()
def create(
    use_case: UseCaseOption = None,
    min_rps: Annotated[
        int | None,
        typer.Option(
            "--min-rps",
            help="minRecommendationRequestsPerSecond: the billed minimum. New recommenders get "
            "1 (the API's default) unless given; existing ones change only when given.",
        ),
    ] = None,
    json_: JsonOption = False,
    outputs: OutputsOption = None,
    terraform_dir: TerraformDirOption = None,
    dry_run: DryRunOption = False,
) -> None:
    """Create the use cases' recommenders (default: top-picks and more-like-x) and wait for
    ACTIVE; each create states its cost basis first. A rerun finds the recommenders it made and
    changes them only to a --min-rps given.

    Example: personalize-movielens recommenders create --use-case top-picks --min-rps 1
    """
    from ..workflow import recommenders

    ctx = _context(outputs, terraform_dir, dry_run)
    cases = use_case or list(recommenders.DEFAULT_USE_CASES)
    _show(recommenders.create_recommenders(ctx, cases, min_rps=min_rps), json_)


@app.command()
def stop(
    names: NamesArgument = None,
    use_case: UseCaseOption = None,
    all_: AllOption = False,
    json_: JsonOption = False,
    outputs: OutputsOption = None,
    terraform_dir: TerraformDirOption = None,
    dry_run: DryRunOption = False,
) -> None:
    """Stop recommenders (by name, use case argument, or --use-case): their hourly billing
    stops, their models stay (`start` resumes).

    Example: personalize-movielens recommenders stop --use-case top-picks
    """
    from ..workflow import recommenders

    ctx = _context(outputs, terraform_dir, dry_run)
    chosen = recommenders.stop_recommenders(ctx, names or [], all_, use_case or [])
    _show(chosen, json_)


@app.command()
def start(
    names: NamesArgument = None,
    use_case: UseCaseOption = None,
    all_: AllOption = False,
    json_: JsonOption = False,
    outputs: OutputsOption = None,
    terraform_dir: TerraformDirOption = None,
    dry_run: DryRunOption = False,
) -> None:
    """Start stopped recommenders (by name, use case argument, or --use-case; billing resumes)
    and wait for ACTIVE.

    Example: personalize-movielens recommenders start --use-case top-picks
    """
    from ..workflow import recommenders

    ctx = _context(outputs, terraform_dir, dry_run)
    chosen = recommenders.start_recommenders(ctx, names or [], all_, use_case or [])
    _show(chosen, json_)


@app.command("list")
def list_(
    json_: JsonOption = False,
    outputs: OutputsOption = None,
    terraform_dir: TerraformDirOption = None,
) -> None:
    """The dataset group's recommenders: status, minimum RPS, what each bills per hour.

    Read-only, so there is no --dry-run.

    Example: personalize-movielens recommenders list --json
    """
    from ..workflow import recommenders

    _show(recommenders.list_all(_context(outputs, terraform_dir, False)), json_)
