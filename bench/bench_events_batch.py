"""Benchmark batch recommendations and real-time events on the local stand-in.

Run with `python bench/bench_events_batch.py` (not part of `make test`). For each size (25M
ratings, and 5M to see what grows with the number of users), on a synthetic MovieLens-shaped
set cached under bench/.work/:

  1. `data prepare --hold-out N` (the newest N interactions kept out of the import);
  2. a fresh stand-in, then the tool's own CLI as a user runs it: upload, import, train
     aws-user-personalization-v2;
  3. `batch recommend` for every user of the prepared interactions: wall time, and the peak
     resident memory of the CLI process (which streams the users and the job's output, so it
     should not grow with the number of users) and of the emulator (which runs the job);
  4. `events replay` of the held-out events: as fast as the stand-in takes them (throughput),
     then at `--rate` (how closely the pace is kept).

The figures and the machine (`lscpu`) go into this benchmark's section of bench/results.md,
between its own markers (the rest of the file is the other benchmarks').

    python bench/bench_events_batch.py                                   # 25M and 5M
    python bench/bench_events_batch.py --ratings 1000000 --small 0 --out /tmp/r.md
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from bench_prepare import CLI, HERE, WORK, dataset
from bench_standin import FAST_POLLING, rss_mb

BEGIN = "<!-- bench_events_batch: begin (written by bench/bench_events_batch.py) -->"
END = "<!-- bench_events_batch: end -->"
RECIPE = "aws-user-personalization-v2"
HOLD_OUT = 20_000
PACED_RATE, PACED_EVENTS = 200.0, 2_000
SAMPLE_SECONDS = 0.05


@dataclass
class Run:
    """One CLI command: wall time, its own peak memory and the emulator's, its JSON answer."""

    seconds: float
    cli_peak_mb: float
    emulator_peak_mb: float
    result: dict[str, object]


@dataclass
class SizeResult:
    ratings: int
    users: int
    batch: Run
    replay: Run
    paced: Run
    parts: dict[str, float]


#: Measured in a child: what the CLI's memory is made of (MB of RSS each part adds).
PARTS_CODE = """
import json, sys, tempfile
from pathlib import Path
def rss():
    return int(open('/proc/self/status').read().split('VmRSS:')[1].split()[0]) / 1024
from personalize_movielens.workflow import batch
from personalize_movielens.workflow.catalog import load_catalog
data = Path(sys.argv[1])
start = rss()
catalog = load_catalog(data)
after_catalog = rss()
with tempfile.TemporaryDirectory() as tmp:
    made = batch.build_input(Path(tmp), data, None, {})
    after_input = rss()
print(json.dumps({"movies": len(catalog), "catalog_mb": after_catalog - start,
                  "users": made.users, "input_mb": after_input - after_catalog}))
"""


def memory_parts(data: Path) -> dict[str, float]:
    """The titles catalog's and the streamed users input's share of the CLI's memory."""
    out = subprocess.run(
        [str(CLI.with_name("python")), "-c", PARTS_CODE, str(data)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    parts: dict[str, float] = json.loads(out)
    return parts


def run_measured(args: list[str], env: dict[str, str], emulator_pid: int) -> Run:
    """The CLI as a child, its and the emulator's resident memory sampled until it exits."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [str(CLI), *args, "--json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    cli_peak = emulator_peak = 0.0
    while proc.poll() is None:
        cli_peak = max(cli_peak, rss_mb(proc.pid))
        emulator_peak = max(emulator_peak, rss_mb(emulator_pid))
        time.sleep(SAMPLE_SECONDS)
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"personalize-movielens {' '.join(args)} failed:\n{err}")
    return Run(seconds, cli_peak, emulator_peak, json.loads(out))


def run_cli(args: list[str], env: dict[str, str]) -> None:
    result = subprocess.run([str(CLI), *args], env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"personalize-movielens {' '.join(args)} failed:\n{result.stderr}")


def prepared(src: Path, ratings: int) -> Path:
    out = WORK / f"prepared-{ratings}-holdout-{HOLD_OUT}"
    if not (out / "held-out-events.csv").exists():
        subprocess.run(
            [str(CLI), "data", "prepare", "--source", str(src), "--out-dir", str(out),
             "--hold-out", str(HOLD_OUT)],
            check=True, capture_output=True,
        )  # fmt: skip
    return out


def run_size(ratings: int) -> SizeResult:
    from personalize_movielens.local import standin

    _, src = dataset(ratings, with_zip=False)
    data = prepared(src, ratings)
    state_dir = WORK / f"standin-events-batch-{ratings}-{os.getpid()}"
    state = standin.up(state_dir, speed=1000)
    env = {**os.environ, **state.env(), **FAST_POLLING}
    # local up provisions the event tracker and batch output, as the root stack does by default.
    common = ["--outputs", str(state.outputs_path)]
    pid = state.personalize.pid
    try:
        print(f"{ratings:,} ratings: upload, import, train ...", flush=True)
        run_cli(["upload", "--data-dir", str(data), *common], env)
        run_cli(["import", "--data-dir", str(data), *common], env)
        run_cli(["train", "--recipe", RECIPE, *common], env)
        print("  batch recommend (every user) ...", flush=True)
        out_csv = WORK / f"batch-{ratings}.csv"
        batch = run_measured(
            ["batch", "recommend", "--recipe", RECIPE, "--data-dir", str(data),
             "--output", str(out_csv), *common],
            env, pid,
        )  # fmt: skip
        print(f"    {batch.seconds:.1f} s, CLI peak {batch.cli_peak_mb:.0f} MB", flush=True)
        print("  events replay ...", flush=True)
        replay = run_measured(["events", "replay", "--data-dir", str(data), *common], env, pid)
        paced = run_measured(
            ["events", "replay", "--data-dir", str(data), "--rate", str(PACED_RATE),
             "--limit", str(PACED_EVENTS), *common],
            env, pid,
        )  # fmt: skip
    finally:
        standin.down(state_dir, purge=True)
    parts = memory_parts(data)
    return SizeResult(ratings, int(str(batch.result["users"])), batch, replay, paced, parts)


def lscpu() -> str:
    try:
        text = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return "lscpu unavailable"
    keep = ("Architecture", "Model name", "CPU(s)", "Thread(s) per core", "Core(s) per socket",
            "L3 cache", "Hypervisor vendor")  # fmt: skip
    return "\n".join(line for line in text.splitlines() if line.startswith(keep))


def report(results: list[SizeResult], load: tuple[float, float]) -> str:
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = [
        BEGIN,
        "# Benchmark: batch recommendations and real-time events on the stand-in",
        "",
        f"Generated by bench/bench_events_batch.py on {stamp}. Stand-in at speed 1000, polling",
        "every 0.1-0.5 s; resident memory sampled every 50 ms from /proc. Load average (1 min)",
        f"at the start: {load[0]:.2f}, at the end: {load[1]:.2f}.",
        "",
        "Machine (`lscpu`):",
        "",
        "```",
        lscpu(),
        "```",
        "",
        "| ratings | users | batch job, all users (s) | users/s | CLI peak MB | emulator peak MB"
        " | CSV rows | replay events | replay events/s | PutEvents calls | failed"
        f" | paced at {PACED_RATE:g}/s: achieved |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        b, e, p = r.batch, r.replay.result, r.paced.result
        lines.append(
            f"| {r.ratings:,} | {r.users:,} | {b.seconds:.1f} | {r.users / b.seconds:,.0f} "
            f"| {b.cli_peak_mb:.0f} | {b.emulator_peak_mb:.0f} | {b.result['rows']:,} "
            f"| {e['sent']:,} | {e['rate_achieved']} | {e['batches']:,} | {e['failed']} "
            f"| {p['rate_achieved']}/s |"
        )
    if len(results) > 1:
        big, small = results[0], results[-1]
        growth = big.batch.cli_peak_mb - small.batch.cli_peak_mb
        lines += [
            "",
            f"Memory of the CLI as the users grow {big.users / small.users:.1f}x "
            f"({small.users:,} -> {big.users:,}): {growth:+.0f} MB. Measured apart, in a child:",
            "",
            "| ratings | users | users' input built (MB) | movies | titles catalog (MB) |",
            "| ---: | ---: | ---: | ---: | ---: |",
            *(
                f"| {r.ratings:,} | {r.parts['users']:,} | {r.parts['input_mb']:.1f} "
                f"| {r.parts['movies']:,} | {r.parts['catalog_mb']:.1f} |"
                for r in results
            ),
            "",
            "The users are streamed (their input adds nothing measurable); what grows is the "
            "titles catalog, which follows the number of movies (the synthetic sets scale it "
            "with the ratings), not the number of users.",
        ]
    lines += [
        "",
        "Replay sends the held-out tail in time order, and the newest MovieLens-shaped events",
        "interleave users: a call carries up to 10 events only of one user in a row, so here",
        "nearly every call carries one event and the events/s are PutEvents calls/s (one client,",
        "sequential, with adaptive retries on).",
    ]
    return "\n".join([*lines, END]) + "\n"


def write_section(out: Path, section: str) -> None:
    """Replace this benchmark's section of `out` (between its markers) or append it."""
    text = out.read_text(encoding="utf-8") if out.exists() else ""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section.rstrip("\n") + rest.split(END, 1)[1]
    else:
        text = (text.rstrip("\n") + "\n\n" if text else "") + section
    out.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--ratings", type=int, default=25_000_000)
    parser.add_argument("--small", type=int, default=5_000_000, help="0 to skip")
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    load_start = os.getloadavg()[0]
    results = [run_size(args.ratings)]
    if args.small:
        results.append(run_size(args.small))
    (WORK / "events-batch-runs.json").write_text(
        json.dumps([asdict(r) for r in results], indent=2), encoding="utf-8"
    )
    write_section(args.out, report(results, (load_start, os.getloadavg()[0])))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
