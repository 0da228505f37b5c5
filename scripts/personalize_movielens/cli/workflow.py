"""Workflow commands (merged at the top level; `recommenders ...` is its own sub-app): upload,
import, train, deploy, recommend, similar, status, clean-cloud. Each parses options, calls one
function of `personalize_movielens.workflow` and prints its result: `--json` through
`output.print_result` (stdout holds only the JSON), otherwise tables on stdout and summary lines
on stderr.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ..console import console, info
from ..workflow.naming import DEFAULT_RECIPE
from .options import (
    DataDirOption,
    DryRunOption,
    JsonOption,
    OutputsOption,
    TerraformDirOption,
    YesOption,
)
from .output import print_result

if TYPE_CHECKING:
    from ..results import JsonResult
    from ..workflow.context import WorkflowContext
    from ..workflow.recommend import Recommendations

# The workflow modules are imported inside each command, so that `data prepare` and the other
# commands start without loading them (start-up time is part of the prepare benchmark).
app = typer.Typer(no_args_is_help=True)

RecipeOption = Annotated[
    str,
    typer.Option("--recipe", help="Recipe name (aws-...) or ARN.", show_default=True),
]
NumResultsOption = Annotated[int, typer.Option("-n", "--num-results", help="How many results.")]
FilterOption = Annotated[
    str | None,
    typer.Option("--filter", help="A filter of the stack (a key of the filter_arns output)."),
]
FilterValueOption = Annotated[
    list[str] | None,
    typer.Option(
        "--filter-value",
        help="KEY=VALUE for the filter's $KEY placeholder; repeat for several values.",
    ),
]


def _context(
    outputs: Path | None, terraform_dir: Path | None, dry_run: bool = False
) -> WorkflowContext:
    from ..workflow.context import open_context

    return open_context(outputs, terraform_dir, dry_run=dry_run)


def _show(result: JsonResult, json_: bool, lines: list[str]) -> None:
    """The result as JSON on stdout, or its summary lines on stderr."""
    if json_:
        print_result(result)
    else:
        for line in lines:
            info(line)


@app.command()
def upload(
    data_dir: DataDirOption = Path("data"),
    json_: JsonOption = False,
    outputs: OutputsOption = None,
    terraform_dir: TerraformDirOption = None,
    dry_run: DryRunOption = False,
) -> None:
    """Upload the prepared CSVs to the stack's bucket (content-addressed keys, verified checksums).

    Example: personalize-movielens upload --data-dir data --outputs outputs.json
    """
    from ..workflow import render
    from ..workflow import upload as upload_mod

    report = upload_mod.upload(_context(outputs, terraform_dir, dry_run), data_dir)
    _show(report, json_, render.upload_lines(report))


@app.command("import")
def import_(
    data_dir: DataDirOption = Path("data"),
    incremental: Annotated[
        bool, typer.Option("--incremental", help="INCREMENTAL import (append) instead of FULL.")
    ] = False,
    json_: JsonOption = False,
    outputs: OutputsOption = None,
    terraform_dir: TerraformDirOption = None,
    dry_run: DryRunOption = False,
) -> None:
    """Import the uploaded files into their datasets; a rerun reuses the job for the same data.

    Example: personalize-movielens import --data-dir data
    """
    from ..workflow import imports, render

    ctx = _context(outputs, terraform_dir, dry_run)
    report = imports.import_data(ctx, data_dir, incremental=incremental)
    _show(report, json_, render.import_lines(report))


@app.command()
def train(
    recipe: RecipeOption = DEFAULT_RECIPE,
    auto_training: Annotated[
        bool,
        typer.Option("--auto-training", help="Let Personalize retrain (and bill) every 7 days."),
    ] = False,
    update: Annotated[
        bool, typer.Option("--update", help="trainingMode UPDATE instead of FULL.")
    ] = False,
    baseline: Annotated[
        bool, typer.Option("--baseline", help="Also train aws-popularity-count and compare.")
    ] = False,
    wait: Annotated[
        bool,
        typer.Option(
            "--wait/--no-wait", help="Wait for training (resume a running one with --wait)."
        ),
    ] = True,
    event_value_threshold: Annotated[
        str | None,
        typer.Option(help="Ignore interactions below this EVENT_VALUE (when the schema has one)."),
    ] = None,
    json_: JsonOption = False,
    outputs: OutputsOption = None,
    terraform_dir: TerraformDirOption = None,
    dry_run: DryRunOption = False,
) -> None:
    """Create the solution and a solution version, wait, and show the offline metrics.

    Example: personalize-movielens train --baseline
    """
    from ..workflow import render, training

    report = training.train(
        _context(outputs, terraform_dir, dry_run),
        recipe=recipe,
        auto_training=auto_training,
        update=update,
        baseline=baseline,
        wait=wait,
        event_value_threshold=event_value_threshold,
    )
    if json_:
        print_result(report)
    elif any(r.metrics for r in report.solutions):
        console.print(render.metrics_table(report.solutions))


@app.command()
def deploy(
    recipe: RecipeOption = DEFAULT_RECIPE,
    min_tps: Annotated[
        int, typer.Option("--min-tps", help="minProvisionedTPS: the billed minimum.")
    ] = 1,
    json_: JsonOption = False,
    outputs: OutputsOption = None,
    terraform_dir: TerraformDirOption = None,
    dry_run: DryRunOption = False,
) -> None:
    """Create the campaign on the latest ACTIVE version, or move the campaign to it.

    Example: personalize-movielens deploy --min-tps 1
    """
    from ..workflow import deploy as deploy_mod
    from ..workflow import render
    from ..workflow.costs import PRICING_URL

    ctx = _context(outputs, terraform_dir, dry_run)
    result = deploy_mod.deploy(ctx, recipe=recipe, min_tps=min_tps)
    _show(result, json_, [*render.deploy_lines(result), f"Prices: {PRICING_URL}"])


def _show_recommendations(result: Recommendations, json_: bool) -> None:
    """recommend and similar show their answer the same way: JSON, or the titles table."""
    from ..workflow import render

    if json_:
        print_result(result)
    else:
        console.print(render.recommendations_table(result))


@app.command()
def recommend(
    user_id: Annotated[
        str | None,
        typer.Argument(help="USER_ID as in interactions.csv (optional for trending-now)."),
    ] = None,
    num_results: NumResultsOption = 10,
    recipe: RecipeOption = DEFAULT_RECIPE,
    use_case: Annotated[
        str | None,
        typer.Option(
            "--use-case",
            help="Ask this use case's recommender (top-picks, because-you-watched-x, "
            "more-like-x, most-popular, trending-now) instead of the recipe's campaign.",
        ),
    ] = None,
    item_id: Annotated[
        str | None,
        typer.Option(
            "--item-id", help="ITEM_ID for because-you-watched-x and more-like-x (required there)."
        ),
    ] = None,
    filter_: FilterOption = None,
    filter_value: FilterValueOption = None,
    data_dir: DataDirOption = Path("data"),
    json_: JsonOption = False,
    outputs: OutputsOption = None,
    terraform_dir: TerraformDirOption = None,
    dry_run: DryRunOption = False,
) -> None:
    """Recommendations for a user, with titles and genres from the prepared data: from the
    recipe's campaign, or with --use-case from a VIDEO_ON_DEMAND recommender.

    Example: personalize-movielens recommend 42 --use-case top-picks --filter genre
    --filter-value GENRE=Comedy
    """
    from ..workflow import recommend as rec_mod

    ctx = _context(outputs, terraform_dir, dry_run)
    result = rec_mod.recommend(
        ctx,
        user_id,
        num_results,
        recipe=recipe,
        data_dir=data_dir,
        use_case_name=use_case,
        item_id=item_id,
        filter_name=filter_,
        filter_values=filter_value or [],
    )
    _show_recommendations(result, json_)


@app.command()
def similar(
    item_id: Annotated[str, typer.Argument(help="ITEM_ID (movieId).")],
    num_results: NumResultsOption = 10,
    filter_: FilterOption = None,
    filter_value: FilterValueOption = None,
    data_dir: DataDirOption = Path("data"),
    json_: JsonOption = False,
    outputs: OutputsOption = None,
    terraform_dir: TerraformDirOption = None,
    dry_run: DryRunOption = False,
) -> None:
    """Movies like a movie, from a related-items campaign (aws-similar-items).

    Example: personalize-movielens similar 1 -n 5
    """
    from ..workflow import recommend as rec_mod

    ctx = _context(outputs, terraform_dir, dry_run)
    result = rec_mod.similar(
        ctx,
        item_id,
        num_results,
        data_dir=data_dir,
        filter_name=filter_,
        filter_values=filter_value or [],
    )
    _show_recommendations(result, json_)


@app.command()
def status(
    json_: JsonOption = False,
    outputs: OutputsOption = None,
    terraform_dir: TerraformDirOption = None,
) -> None:
    """The whole stack in one table (datasets, imports, solutions, metrics, campaigns) and billing.

    Read-only, so there is no --dry-run. Example: personalize-movielens status --json
    """
    from ..workflow import render
    from ..workflow import status as status_mod

    report = status_mod.fetch_status(_context(outputs, terraform_dir))
    if json_:
        print_result(report)
    else:
        console.print(render.status_table(report))
        for line in render.billing_summary(report):
            console.print(line, markup=False)


def _confirmed(question: str) -> bool:
    """The user's yes or no. No answer at all (stdin closed, as in CI) is a no; a "no" is not
    an interruption, Ctrl-C at the prompt still is (click turns both into Abort)."""
    try:
        return typer.confirm(question, err=True)
    except typer.Abort as exc:
        if isinstance(exc.__context__, EOFError):
            return False
        raise


@app.command("clean-cloud")
def clean_cloud(
    yes: YesOption = False,
    all_: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Also delete solutions and recommenders this tool did not create (with "
            "--data, also other jobs' folders under the batch output prefix).",
        ),
    ] = False,
    data: Annotated[
        bool,
        typer.Option(
            "--data",
            help="Also delete every version of the uploaded objects under the data prefix (batch "
            "input included) and of this tool's batch jobs' output, and unfinished uploads there "
            "(needed before terraform destroy: the bucket is versioned).",
        ),
    ] = False,
    json_: JsonOption = False,
    outputs: OutputsOption = None,
    terraform_dir: TerraformDirOption = None,
    dry_run: DryRunOption = False,
) -> None:
    """Delete the recommenders, campaigns and solutions the tool created (and with --data the
    uploaded data and the batch jobs' output), so terraform destroy succeeds and nothing keeps
    billing.

    Example: personalize-movielens clean-cloud --yes --data
    """
    from ..workflow import cleanup, render

    ctx = _context(outputs, terraform_dir, dry_run)
    plan = cleanup.plan_cleanup(ctx, include_foreign=all_, include_data=data)
    if plan.empty:
        info("Nothing to delete: no recommenders, campaigns, solutions or data made by this tool.")
    else:
        info("Would delete:" if dry_run else "Will delete:")
        for line in plan.describe():
            info(f"  {line}")
        if not yes and not dry_run and not _confirmed("Delete these?"):
            info("Aborted: nothing deleted (--yes deletes without asking).")
            raise typer.Exit(1)
    report = cleanup.clean_cloud(ctx, plan)
    _show(report, json_, render.cleanup_lines(report))
