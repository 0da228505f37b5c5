"""Benchmark `data prepare` against the seed guide's pandas script and a bare polars floor.

Run with `make bench` (not part of `make test`). It generates a 25M-rating synthetic
MovieLens set once (cached under bench/.work/, gitignored), then measures, in one run, the
wall time and peak RSS of each contender in its own subprocess (peak RSS of that child from
os.wait4, so contenders never share a high-water mark):

  (a) pandas baseline: what the seed guide's script does (read_csv, select the three columns,
      rename, cast IDs to str, to_csv);
  (b) bare polars: streaming scan, select, sink of the same columns (the floor);
  (c) the project's full `personalize-movielens data prepare` (interactions, items, figures,
      rules, report), from the extracted directory (same input as a and b) and from the zip;
  (d) the same with `--domain video-on-demand --hold-out 100000` (EVENT_TYPE from the rating,
      CREATION_TIMESTAMP folded in the pass, the hold-out's top-k pre-pass and split).

Then it repeats (b) and (c) on a larger set (100M ratings by default) to show that memory stays
flat as the input grows, and writes everything with the machine into bench/results.md.

    python bench/bench_prepare.py                 # 25M vs 100M
    python bench/bench_prepare.py --big 50000000  # 25M vs 50M (less disk and time)
    python bench/bench_prepare.py --ratings 2000000 --big 0 --out /tmp/r.md   # quick check
    python bench/bench_prepare.py --zip-only       # only zip vs directory at 25M and 32M

Besides, at each of --zip-sizes (ML-32M's 32M ratings by default), `data prepare` from the zip
and from the extracted directory in interleaved rounds: the zip's is at most 1.5x (issue 13).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
import zipfile
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: Generated data, outputs and runs.json (gitignored); BENCH_WORK moves them (the smoke test).
WORK = Path(os.environ.get("BENCH_WORK") or HERE / ".work")
ROOT = HERE.parent
CLI = Path(sys.executable).with_name("personalize-movielens")
#: Targets from issue 2: (c) vs (a) speed and memory, (c) vs (b) speed.
#: 1-minute load average at the start and end of the measured run (other jobs share the box).
LOAD: dict[str, float] = {"start": os.getloadavg()[0], "started_at": time.time()}
#: Where bench_standin.py's section of results.md begins; this script keeps it when it writes.
STANDIN_MARKER = "<!-- bench_standin: the stand-in section, written by bench/bench_standin.py -->"
#: (d)'s options: the domain path with held-out events (what `make demo`'s domain path runs).
VOD = ["--domain", "video-on-demand", "--hold-out", "100000", "--source"]
SPEEDUP_TARGET = 10.0
MEMORY_FRACTION_TARGET = 1 / 5
FLOOR_RATIO_TARGET = 1.5
#: Issue 13: `data prepare` from the zip (streamed, nothing extracted) vs the extracted directory.
ZIP_RATIO_TARGET = 1.5


# --- contenders, run in a child process -----------------------------------------------------


def child_pandas(src: Path, out: Path) -> None:
    """The seed guide's script: read_csv, select, rename, IDs to str, to_csv."""
    import pandas as pd

    df = pd.read_csv(src / "ratings.csv")
    df = df[["userId", "movieId", "timestamp"]]
    df = df.rename(columns={"userId": "USER_ID", "movieId": "ITEM_ID", "timestamp": "TIMESTAMP"})
    df["USER_ID"] = df["USER_ID"].astype(str)
    df["ITEM_ID"] = df["ITEM_ID"].astype(str)
    df.to_csv(out / "interactions.csv", index=False)


def child_polars(src: Path, out: Path) -> None:
    """The floor: a streaming scan-select-sink of the same columns, schema pinned."""
    import polars as pl

    schema = {"userId": pl.Int64, "movieId": pl.Int64, "rating": pl.Float64, "timestamp": pl.Int64}
    pl.scan_csv(src / "ratings.csv", schema=schema).select(
        pl.col("userId").alias("USER_ID"),
        pl.col("movieId").alias("ITEM_ID"),
        pl.col("timestamp").alias("TIMESTAMP"),
    ).sink_csv(out / "interactions.csv", engine="streaming")


def child_prepare_lib(src: Path, out: Path) -> None:
    """(c) without the CLI's start-up (Typer, rich and the other command groups' imports)."""
    from personalize_movielens.data.prepare import prepare

    prepare(src, out)


CHILDREN = {"pandas": child_pandas, "polars": child_polars, "prepare-lib": child_prepare_lib}


# --- measuring ------------------------------------------------------------------------------


@dataclass
class Run:
    """One contender on one input: its fastest run, the median, and the highest peak memory."""

    name: str
    rows: int
    seconds: float
    peak_mb: float
    median_seconds: float = 0.0
    #: user + system CPU time of the fastest run (both cores count).
    cpu_seconds: float = 0.0
    runs: int = 1


def measure(name: str, rows: int, argv: list[str], out: Path) -> Run:
    """Wall time, CPU time and the child's own peak RSS (ru_maxrss from wait4, KiB on Linux)."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    shutil.rmtree(out, ignore_errors=True)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed with exit code {proc.returncode}: {argv}")
    cpu = usage.ru_utime + usage.ru_stime
    run = Run(name, rows, seconds, usage.ru_maxrss / 1024, seconds, cpu)
    print(
        f"  {name:<28} {rows:>12,} rows {seconds:8.2f} s {cpu:8.2f} s CPU {run.peak_mb:9.0f} MB",
        flush=True,
    )
    return run


def _md5(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, lambda: hashlib.md5(usedforsecurity=False)).hexdigest()


def same_outputs(commands: list[list[str]], out: Path) -> bool:
    """Whether `data prepare` commands (their last two arguments --source PATH) write the same
    interactions, items and titles, byte for byte (MD5 of each)."""
    digests = []
    for argv in commands:
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)
        names = ("interactions.csv", "items.csv", "titles.csv")
        digests.append([_md5(out / n) for n in names])
    shutil.rmtree(out, ignore_errors=True)
    return all(d == digests[0] for d in digests)


def summarise(runs: list[Run]) -> Run:
    """The fastest run (the least disturbed by other load), the median, the highest peak RSS."""
    best = min(runs, key=lambda r: r.seconds)
    return Run(
        best.name,
        best.rows,
        best.seconds,
        max(r.peak_mb for r in runs),
        statistics.median(r.seconds for r in runs),
        best.cpu_seconds,
        len(runs),
    )


def interleaved(
    contenders: dict[str, tuple[str, list[str]]], rows: int, repeat: int, out: Path
) -> dict[str, Run]:
    """`repeat` rounds, each running every contender once in turn: a slow spell of the shared
    machine then slows all contenders alike instead of the one that happened to run in it."""
    samples: dict[str, list[Run]] = {key: [] for key in contenders}
    for round_ in range(1, repeat + 1):
        print(f" round {round_}/{repeat}", flush=True)
        for key, (name, argv) in contenders.items():
            samples[key].append(measure(name, rows, argv, out))
    return {key: summarise(runs) for key, runs in samples.items()}


# --- data -----------------------------------------------------------------------------------


SYNTH_SOURCE = ROOT / "scripts" / "personalize_movielens" / "data" / "synth.py"


def _synth_version() -> str:
    """Cache key: the generator's source, so a changed generator makes new data."""
    return hashlib.md5(SYNTH_SOURCE.read_bytes(), usedforsecurity=False).hexdigest()[:8]


def _generate(out: Path, ratings: int) -> None:
    """Generate in a child process: this process stays small, because a child's ru_maxrss
    starts from its parent's resident size at fork and would hide the contenders' own peak."""
    print(f"generating {out} ...", flush=True)
    start = time.perf_counter()
    code = (
        "import sys; from pathlib import Path; "
        "from personalize_movielens.data.synth import write_synthetic_movielens as w; "
        "w(Path(sys.argv[1]), ratings=int(sys.argv[2]), seed=0)"
    )
    subprocess.run([sys.executable, "-c", code, str(out), str(ratings)], check=True)
    print(f"  took {time.perf_counter() - start:.0f} s", flush=True)


def dataset(ratings: int, with_zip: bool) -> tuple[Path | None, Path]:
    """(zip or None, extracted directory with ratings.csv and movies.csv), generated once."""
    stem = f"synth-{ratings}-{_synth_version()}"
    directory = WORK / stem
    zip_path = WORK / f"{stem}.zip"
    if with_zip and not zip_path.exists():
        _generate(zip_path, ratings)
    if not (directory / "ratings.csv").exists():
        if with_zip:
            print(f"extracting to {directory} ...", flush=True)
            tmp = directory.with_name(directory.name + ".tmp")
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir(parents=True)
            with zipfile.ZipFile(zip_path) as zf:
                for name in ("ratings.csv", "movies.csv"):
                    with zf.open(f"ml-25m/{name}") as s, (tmp / name).open("wb") as d:
                        shutil.copyfileobj(s, d, 8 << 20)
            tmp.rename(directory)
        else:
            _generate(directory, ratings)
    return (zip_path if with_zip else None), directory


# --- machine and report ---------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = "unknown"
    with Path("/proc/cpuinfo").open() as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with Path("/proc/meminfo").open() as fh:
        for line in fh:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "RAM": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "polars": version("polars"),
        "pandas": version("pandas"),
        "numpy": version("numpy"),
    }


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


NOTES = """## Notes

- What (c) does beyond (b): one streaming read of ratings.csv, projected to the columns the
  Interactions schema's fields come from (userId, movieId, timestamp: the same three (b)
  reads; rating as well with --with-event-value or --min-rating), taken in batches of 1M
  rows (`collect_batches`). A writer thread appends each batch to the interactions file
  (`write_csv` into one open file, header once; polars releases the GIL while it serialises)
  while the main thread folds the batch into the figures the rules need: rows, distinct
  users and items and users with two or more interactions (np.bincount into arrays indexed
  by ID, whose size follows the largest ID, not the rows; IDs outside [0, 4M) go to a hashed
  polars frame), time span and empty values. Then movies.csv -> items.csv, the rules and the
  JSON report. The CSVs are the same, byte for byte, as the earlier one-thread version's
  (checksums on the 25M set: plain, --with-event-value and --min-rating 4; the report differs
  only in the required rule's detail, which now says rating was not read), and tests compare
  many small batches with one and count negative and huge IDs. The figures come from the
  rows being written, so a broken rule is found after the write, and the temporary file is
  then discarded (nothing appears in the output directory).
- How it got here (25M rows, the ratio to (b) of the CLI run): three streaming passes
  (figures, sink, distinct items) 2.5x; one cached scan shared by the sink and a group-by
  was faster, but its memory grew to 690-1,690 MB at 100M (polars' cache buffers rows when
  its consumers run at different speeds); one read in 1M-row batches, written and folded on
  one thread, 1.65x (1.46x as a library call); then, on 2026-11-30: the CLI imports the
  workflow, stand-in and progress-bar modules only inside the commands that use them
  (importing the CLI: 0.32 s -> 0.14 s), the writer thread, and rating left unparsed when
  it is not written (a batch read of three columns took 1.4-1.8 s, of all four 2.2-2.6 s).
  Batches of polars' default size (324 at 25M) were ~45% slower than 1M-row batches. A
  side-effecting `LazyFrame.map_batches` before a native sink was as fast, but polars
  documents that UDFs must be pure (it calls them from several threads at once).
- The CLI's start-up (Python, Typer with its pydantic adapters, rich) is part of (c):
  compare the library-call row, which runs `prepare()` in a bare interpreter.
- From the zip, (c') extracts nothing: a thread inflates ratings.csv (ISA-L, ~3 MB per MiB read,
  via `isal` on the member's raw deflate stream, CRC-32 checked at the end; it releases the
  GIL, so it runs on the second core), joins the pieces into blocks of at least 16 MiB cut at
  a line end, each led by the header line so polars counts fields as in the file (one copy
  per byte) and queues three; the main thread parses each with polars and
  hands the frame straight to the pass (data/zip_stream.py, `member_csv_frames`). With zlib,
  inflating alone took ~2.3 s at 25M and bounded (c'): 1.90x the directory at 25M and 2.08x
  at 32M (2026-12-03 01:38, load 1.35); ISA-L inflates 200 MB of ratings in 0.27 s of CPU
  against zlib's 0.82 s: 1.52x and 1.55x, still above the target. The blocks then went
  through a polars IO source (`register_io_source`) and `collect_batches`: reading the 25M
  ratings that way took 2.2 s against 1.6 s for the same parses in a plain loop, and the
  line cut copied every byte twice on the main thread. Parsing in a plain loop, the cut done
  once on the inflating thread: 1.2-1.3x (library calls, 2026-12-03 06:05, medians of six:
  directory 2.01 s; 8 MiB parses 2.58 s, 16 MiB 2.54 s, 24 MiB 2.48 s, peak RSS 263, 352 and
  410 MB). Measured before choosing the stream: extracting to a temporary file first (the
  old way) 5.5-6.0 s against 2.8-3.0 s from the directory; polars on the zip member as a file
  object reads it whole (1.6 GB peak); on a named pipe polars sees an empty file. (a) and (b)
  start from the already extracted CSV, like the seed guide.
- The machine is shared with other jobs, so timings are noisy: the same floor (b) took
  1.63 s at 25M on 2026-11-28 and 2.8-4.0 s on 2026-11-30 on a machine of the same kind.
  Hence the interleaved rounds, the median beside the fastest run, and the CPU column,
  which shows the work done whatever the wall clock.
"""


def same_bytes(runs: dict[str, Run]) -> str:
    """The same-CSVs cell: yes, **no**, or not checked (a run recorded before the check)."""
    if "same-bytes" not in runs:
        return "not checked"
    return "yes" if runs["same-bytes"].seconds else "**no**"


def zip_section(sizes: dict[str, dict[str, Run]]) -> list[str]:
    """From the zip vs from the extracted directory, at each size (issue 13's target)."""
    lines = [
        "",
        "## From the zip vs from the extracted directory",
        "",
        "ratings.csv streamed out of the zip into the parse (data/zip_stream.py), nothing",
        "extracted. Fastest of the rounds; load is the 1-minute load average when the size's",
        "rounds started (2 cores, shared); same CSVs: the MD5 of interactions.csv, items.csv",
        "and titles.csv from the zip equal those from the directory.",
        "",
        "| ratings | load | directory (s) | zip (s) | zip / directory | target <= "
        f"{ZIP_RATIO_TARGET}x | directory peak RSS (MB) | zip peak RSS (MB) | same CSVs |",
        "| ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |",
    ]
    for runs in sizes.values():
        d, z = runs["prepare"], runs["prepare-zip"]
        ratio = z.seconds / d.seconds
        load = runs["load"].seconds if "load" in runs else float("nan")
        lines.append(
            f"| {d.rows:,} | {load:.2f} | {d.seconds:.2f} (median {d.median_seconds:.2f}) "
            f"| {z.seconds:.2f} (median {z.median_seconds:.2f}) | {ratio:.2f}x "
            f"| {verdict(ratio <= ZIP_RATIO_TARGET)} | {d.peak_mb:,.0f} | {z.peak_mb:,.0f} "
            f"| {same_bytes(runs)} |"
        )
    return lines


def report(main: dict[str, Run], big: dict[str, Run], n: int, big_n: int) -> str:
    a, b, c, cz = main["pandas"], main["polars"], main["prepare"], main.get("prepare-zip")
    speedup = a.seconds / c.seconds
    mem_fraction = c.peak_mb / a.peak_mb
    floor_ratio = c.seconds / b.seconds
    started = LOAD.get("started_at")
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started)) if started else "(unknown)"
    lines = [
        "# Benchmark: `data prepare` on synthetic MovieLens",
        "",
        f"Generated by `make bench` (bench/bench_prepare.py) on {when}.",
        "Each contender runs in its own subprocess; time is wall clock, memory the child's peak",
        "RSS (ru_maxrss from wait4, the highest of its runs), CPU the child's user + system time.",
        "(b) and (c) run in interleaved rounds (b, c, c library, c' in turn, each round), so a",
        "slow spell of the shared machine slows them alike; the targets use the fastest run of",
        "each, the median is shown beside it. (a) runs once.",
        f"Load average (1 min) when the run started: {LOAD['start']:.2f}, when it ended: "
        f"{LOAD.get('end', 0.0):.2f} (2 cores; the start reflects what ran just before, such as",
        "generating the data, the end mostly the benchmark's own children).",
        "",
        "## Machine",
        "",
        *[f"- {k}: {v}" for k, v in machine().items()],
        "",
        f"## {n:,} ratings",
        "",
        "| contender | runs | fastest (s) | median (s) | CPU of the fastest (s) | peak RSS (MB) |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    labels = {
        "pandas": "(a) pandas baseline (seed guide's script)",
        "polars": "(b) bare polars scan-select-sink (floor)",
        "prepare": "(c) `data prepare` from the extracted directory",
        "prepare-lib": "(c) the same, as a library call (`prepare()`, no CLI start-up)",
        "prepare-zip": "(c') `data prepare` from ml-25m.zip (includes unzipping ratings.csv)",
        "prepare-vod": "(d) `data prepare --domain video-on-demand --hold-out 100000` (directory)",
    }
    for key, run in main.items():
        lines.append(
            f"| {labels[key]} | {run.runs} | {run.seconds:.2f} | {run.median_seconds:.2f} "
            f"| {run.cpu_seconds:.2f} | {run.peak_mb:,.0f} |"
        )
    lines += [
        "",
        "## Targets",
        "",
        "| target | measured | |",
        "| --- | --- | --- |",
        f"| (c) at least {SPEEDUP_TARGET:.0f}x faster than (a) | {speedup:.1f}x "
        f"| {verdict(speedup >= SPEEDUP_TARGET)} |",
        f"| (c) peak memory at most 1/5 of (a) | {mem_fraction:.2f} of (a) "
        f"(1/{1 / mem_fraction:.1f}) | {verdict(mem_fraction <= MEMORY_FRACTION_TARGET)} |",
        f"| (c) within {FLOOR_RATIO_TARGET}x of (b) | {floor_ratio:.2f}x "
        f"| {verdict(floor_ratio <= FLOOR_RATIO_TARGET)} |",
    ]
    if b.median_seconds:
        lines.append(
            f"| the same, median against median | {c.median_seconds / b.median_seconds:.2f}x "
            "of (b) | for reference |"
        )
    lib = main.get("prepare-lib")
    if lib:
        lines.append(
            f"| the same without the CLI start-up (library call) | {lib.seconds / b.seconds:.2f}x "
            f"of (b) | for reference |"
        )
    if big:
        lines.append(
            f"| (c) within {FLOOR_RATIO_TARGET}x of (b) at {big_n:,} ratings "
            f"| {big['prepare'].seconds / big['polars'].seconds:.2f}x | for reference |"
        )
    if cz:
        lines.append(
            f"| (c') from the zip, vs (a) | {a.seconds / cz.seconds:.1f}x faster, "
            f"{cz.peak_mb / a.peak_mb:.2f} of its memory | (a) reads the already extracted CSV |"
        )
    if big:
        lines += [
            "",
            f"## Memory as the input grows: {n:,} vs {big_n:,} ratings",
            "",
            "| contender | rows | time (s) | peak RSS (MB) |",
            "| --- | ---: | ---: | ---: |",
        ]
        for key in ("polars", "prepare", "prepare-lib", "prepare-vod"):
            if key not in main or key not in big:  # a run from before (d) existed
                continue
            for run in (main[key], big[key]):
                lines.append(
                    f"| {labels[key]} | {run.rows:,} | {run.seconds:.2f} | {run.peak_mb:,.0f} |"
                )
        growth = big["prepare"].peak_mb / main["prepare"].peak_mb
        lines += [
            "",
            f"`data prepare` peak memory grows {growth:.2f}x for {big_n / n:.0f}x the rows "
            f"({'flat' if growth < 1.25 else 'NOT flat'}). (a) is not run on the larger set: "
            "its memory grows with the rows and would not fit.",
        ]
    lines += ["", NOTES]
    return "\n".join(lines)


def with_zip_section(text: str, sizes: dict[str, dict[str, Run]]) -> str:
    """The report with the zip section before its notes."""
    if not sizes:
        return text
    head, sep, notes = text.partition("\n## Notes")
    return head.rstrip("\n") + "\n" + "\n".join(zip_section(sizes)) + "\n" + sep + notes


def _plain(value: object) -> object:
    """`value` with every Run, at any depth (zipruns nests them by size), as a dict for JSON."""
    if isinstance(value, Run):
        return asdict(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def write_keeping_standin(out: Path, text: str) -> None:
    """Write `out`, keeping the stand-in benchmark's section if it has one."""
    old = out.read_text(encoding="utf-8") if out.exists() else ""
    kept = old[old.index(STANDIN_MARKER) :] if STANDIN_MARKER in old else ""
    out.write_text(text + ("\n" + kept if kept else ""), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--ratings", type=int, default=25_000_000)
    parser.add_argument("--big", type=int, default=100_000_000, help="0 to skip")
    parser.add_argument("--repeat", type=int, default=5, help="rounds of (b) and (c)")
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    parser.add_argument("--report-only", action="store_true", help="rewrite results.md only")
    parser.add_argument(
        "--zip-sizes", default="32000000", help="comma-separated sizes for zip vs directory"
    )
    parser.add_argument(
        "--zip-only", action="store_true", help="only zip vs directory (--ratings and --zip-sizes)"
    )
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--src", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--dest", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        CHILDREN[args.child](args.src, args.dest)
        return

    if args.report_only:  # re-render results.md from the last run's figures
        raw = json.loads((WORK / "runs.json").read_text(encoding="utf-8"))
        runs = {k: {n: Run(**r) for n, r in raw[k].items()} for k in ("main", "bigruns")}
        LOAD.update(raw["load"])
        text = report(runs["main"], runs["bigruns"], raw["ratings"], raw["big"])
        zips = {k: {n: Run(**r) for n, r in v.items()} for k, v in raw.get("zipruns", {}).items()}
        write_keeping_standin(args.out, with_zip_section(text, zips))
        return
    WORK.mkdir(parents=True, exist_ok=True)
    out = WORK / "out"
    me = [sys.executable, str(Path(__file__).resolve())]
    #: `data prepare` through the CLI, less the source's path.
    prepare = [str(CLI), "data", "prepare", "--out-dir", str(out), "--json", "--source"]

    def contenders(
        zip_path: Path | None, src: Path, rows: int, with_pandas: bool
    ) -> dict[str, Run]:
        def child(kind: str) -> list[str]:
            return [*me, "--child", kind, "--src", str(src), "--dest", str(out)]

        runs: dict[str, Run] = {}
        if with_pandas:  # once: it takes ten times as long as the others
            runs["pandas"] = summarise([measure("(a) pandas", rows, child("pandas"), out)])
        rounds = {
            "polars": ("(b) polars", child("polars")),
            "prepare": ("(c) data prepare (dir)", [*prepare, str(src)]),
            "prepare-lib": ("(c) prepare() library", child("prepare-lib")),
            "prepare-vod": ("(d) prepare --domain --hold-out", [*prepare[:-1], *VOD, str(src)]),
        }
        if zip_path:
            rounds["prepare-zip"] = ("(c') data prepare (zip)", [*prepare, str(zip_path)])
        runs.update(interleaved(rounds, rows, args.repeat, out))
        return runs

    def zip_vs_dir(rows: int) -> dict[str, Run]:
        zip_path, src = dataset(rows, with_zip=True)
        assert zip_path is not None
        load = os.getloadavg()[0]
        print(f"{rows:,} ratings, zip vs directory (load {load:.2f}):", flush=True)
        rounds = {
            "prepare": ("(c) data prepare (dir)", [*prepare, str(src)]),
            "prepare-zip": ("(c') data prepare (zip)", [*prepare, str(zip_path)]),
        }
        runs = interleaved(rounds, rows, args.repeat, out)
        runs["load"] = Run("load", rows, load, 0.0)
        same = same_outputs([argv for _, argv in rounds.values()], out)
        runs["same-bytes"] = Run("same-bytes", rows, float(same), 0.0)
        return runs

    zip_runs = {
        str(rows): zip_vs_dir(rows)
        for rows in ([args.ratings] if args.zip_only else [])
        + [int(x) for x in args.zip_sizes.split(",") if x]
    }
    if args.zip_only:
        # The rest of results.md stays as the last full run wrote it; its notes are renewed.
        kept = args.out.read_text(encoding="utf-8").split(STANDIN_MARKER)[0]
        head = kept.partition("\n## Notes")[0].partition("\n## From the zip vs")[0]
        stale = (
            "\n\nOnly this section was rerun (`--zip-only`, "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}); the tables above, "
            "(c') included, are from the last full run."
        )
        section = "\n".join(zip_section(zip_runs)) + stale
        write_keeping_standin(args.out, head.rstrip("\n") + "\n" + section + "\n\n" + NOTES)
        print(f"wrote {args.out}")
        return

    zip_path, src = dataset(args.ratings, with_zip=True)
    print(f"{args.ratings:,} ratings:", flush=True)
    main_runs = contenders(zip_path, src, args.ratings, with_pandas=True)
    # The zip section's first row: (c) and (c') of these same rounds, their outputs compared.
    same = same_outputs([[*prepare, str(src)], [*prepare, str(zip_path)]], out)
    zip_runs = {
        str(args.ratings): {
            "prepare": main_runs["prepare"],
            "prepare-zip": main_runs["prepare-zip"],
            "load": Run("load", args.ratings, LOAD["start"], 0.0),
            "same-bytes": Run("same-bytes", args.ratings, float(same), 0.0),
        }
    } | zip_runs
    big_runs: dict[str, Run] = {}
    if args.big:
        _, big_src = dataset(args.big, with_zip=False)
        print(f"{args.big:,} ratings:", flush=True)
        big_runs = contenders(None, big_src, args.big, with_pandas=False)
    LOAD["end"] = os.getloadavg()[0]
    raw = {
        "load": LOAD,
        "ratings": args.ratings,
        "big": args.big,
        "main": main_runs,
        "bigruns": big_runs,
        "zipruns": zip_runs,
    }
    (WORK / "runs.json").write_text(
        json.dumps({k: _plain(v) for k, v in raw.items()}, indent=2), encoding="utf-8"
    )
    text = report(main_runs, big_runs, args.ratings, args.big)
    write_keeping_standin(args.out, with_zip_section(text, zip_runs))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
