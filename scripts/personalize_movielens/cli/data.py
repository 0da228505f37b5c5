"""`personalize-movielens data ...`: download, synth, prepare and validate the CSVs.

Each command parses its options and calls one library function in `personalize_movielens.data`;
errors are `PersonalizeMovielensError`s, printed on one line by `cli.main`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..console import console, info
from .options import JsonOption
from .output import print_result

app = typer.Typer(
    help="Get MovieLens (or generate a synthetic twin), prepare and validate Personalize CSVs.",
    no_args_is_help=True,
)

DestOption = Annotated[
    Path | None,
    typer.Option(
        "--dest", help="Where to put the verified zip (default: data/<zip name>).", dir_okay=False
    ),
]
DomainOption = Annotated[
    str | None,
    typer.Option(
        "--domain",
        help="video-on-demand: the VIDEO_ON_DEMAND domain's schemas (default: none, a custom "
        "dataset group's).",
    ),
]


@app.command()
def download(
    release: Annotated[
        str | None,
        typer.Option(
            "--release",
            help="100k, 1m, 10m, 20m, 25m, 32m, latest-small or latest (GroupLens' zip names). "
            "Default: the release whose zip --url names, else 25m.",
            show_default=False,
        ),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option("--url", help="A mirror's zip URL; the release's pinned MD5 still applies."),
    ] = None,
    dest: DestOption = None,
) -> None:
    """Download a MovieLens release, resuming a partial file, and verify it before keeping it.

    Example: personalize-movielens data download --release 32m --dest data/ml-32m.zip
    """
    from ..data.download import download as run
    from ..data.releases import release_for

    chosen = release_for(release, url)
    result = run(url, dest, release=chosen)
    state = "downloaded" if result.fetched else "already present"
    against = {
        "pinned": f"MD5 {result.md5} verified (pinned)",
        "published": f"MD5 {result.md5} verified against the published .md5",
        "recorded": f"MD5 {result.md5} verified (as when downloaded)",
        "size": f"only its size checked (Content-Length; no .md5 published), MD5 {result.md5}",
    }[result.check]
    info(f"{result.path}: {state}, {result.size:,} bytes, {against}.")
    if result.changes_over_time:
        info(
            f"{chosen.folder} changes over time: not verified against a fixed checksum, and "
            "another download may differ."
        )


@app.command()
def synth(
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="PATH.zip (the release's folder and files) or a directory of its files."
        ),
    ],
    release: Annotated[
        str,
        typer.Option(
            "--release",
            help="Whose layout and encoding: 100k, 1m, 10m, 20m, 25m, 32m, latest-small, latest.",
        ),
    ] = "25m",
    ratings: Annotated[int, typer.Option("--ratings", help="Number of ratings.", min=20)] = 200_000,
    users: Annotated[
        int | None, typer.Option("--users", help="Number of users (default: ratings/154).", min=1)
    ] = None,
    movies: Annotated[
        int | None,
        typer.Option("--movies", help="Number of movies (default: ratings/400).", min=40),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same files).")] = 0,
) -> None:
    """Write a synthetic set (never MovieLens data) in a MovieLens release's own layout and
    encoding, for tests and demos.

    Example: personalize-movielens data synth --release 1m --ratings 200000
    --out data/synthetic-ml-1m.zip
    """
    from ..data.synth import write_synthetic_movielens

    path = write_synthetic_movielens(
        out, ratings=ratings, seed=seed, users=users, movies=movies, release=release
    )
    info(f"{path}: synthetic ML-{release} layout, {ratings:,} ratings (seed {seed}).")


@app.command()
def prepare(
    source: Annotated[
        Path,
        typer.Option(
            "--source",
            help="A MovieLens zip or directory of any release (csv, .dat or ML-100K layout).",
        ),
    ] = Path("data/ml-25m.zip"),
    out_dir: Annotated[
        Path,
        typer.Option("--out-dir", help="Where to write the CSVs and the report.", file_okay=False),
    ] = Path("data"),
    min_rating: Annotated[
        float | None,
        typer.Option("--min-rating", help="Keep only ratings >= this (implicit feedback)."),
    ] = None,
    with_event_value: Annotated[
        bool,
        typer.Option(
            "--with-event-value",
            help="Add EVENT_TYPE ('rating') and EVENT_VALUE (the rating). Not with --domain.",
        ),
    ] = False,
    domain: DomainOption = None,
    watch_threshold: Annotated[
        float | None,
        typer.Option(
            "--watch-threshold",
            help="With --domain: ratings at or above it are Watch events, the others Click "
            "(default 3.5, AWS's VOD sample's cut).",
        ),
    ] = None,
    hold_out: Annotated[
        int,
        typer.Option(
            "--hold-out",
            help="Write the N newest interactions (by TIMESTAMP) to held-out-events.csv "
            "instead of interactions.csv, for `events replay` (default 0: none).",
            min=0,
        ),
    ] = 0,
    users: Annotated[
        bool,
        typer.Option(
            "--users",
            help="Require users.csv (1m and 100k have demographics; it is written for them "
            "anyway): an error on a release without.",
        ),
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Write interactions.csv, items.csv, titles.csv and validation-report.json, all checked,
    or nothing; and users.csv (USER_ID, GENDER, AGE, OCCUPATION) for 1m and 100k.

    The release is recognised from the files: ratings.csv/movies.csv (20m, 25m, 32m, latest,
    latest-small), ratings.dat/movies.dat (1m, 10m), u.data/u.item (100k).

    With --domain video-on-demand: one interaction per rating, EVENT_TYPE Watch (rating >=
    --watch-threshold) or Click; each movie's CREATION_TIMESTAMP is its first rating's time
    (unrated movies: the last rating's time); a movie without genres gets "(no genres listed)".
    --min-rating drops ratings before that. The report records the domain; `upload` and
    `import` refuse files prepared for another domain than the stack's.

    Example: personalize-movielens data prepare --source data/ml-25m.zip --domain
    video-on-demand --hold-out 1000
    """
    from ..data.domains import domain_from_option
    from ..data.prepare import prepare as run
    from ..data.report import held_out_line, reports_table

    result = run(
        source,
        out_dir,
        min_rating=min_rating,
        with_event_value=with_event_value,
        domain=domain_from_option(domain),
        watch_threshold=watch_threshold,
        hold_out=hold_out,
        users=users,
    )
    for warning in result.warnings:
        info(f"Warning: {warning}")
    if as_json:
        print_result(result)
        return
    console.print(reports_table(result.reports))
    held = held_out_line(result.report)
    if held is not None:
        info(held)
    written = [result.interactions, result.items, result.titles]
    written += [result.users] if result.users else []
    info(f"Wrote {', '.join(map(str, written))} and {result.report_file}.")


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="CSV files to check.", dir_okay=False)],
    dataset_type: Annotated[
        str | None,
        typer.Option(
            "--type", help="Interactions, Items or Users (default: from the header or name)."
        ),
    ] = None,
    domain: DomainOption = None,
    as_json: JsonOption = False,
) -> None:
    """Check CSVs against their schema and Personalize's import rules; exit 1 on any violation.
    With --domain, against the domain's schemas and its minimums too.

    Example: personalize-movielens data validate data/interactions.csv data/items.csv
    """
    from ..data.domains import domain_from_option
    from ..data.report import reports_table
    from ..data.validate_files import validate_files

    run = validate_files(files, dataset_type, domain_from_option(domain))
    if as_json:
        print_result(run)
    else:
        console.print(reports_table(run.reports()))
        for result in run.results:
            for v in result.violations:
                console.print(str(v), markup=False, soft_wrap=True)
    error = run.error()
    if error is not None:
        raise error
