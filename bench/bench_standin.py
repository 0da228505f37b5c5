"""Benchmark the local stand-in at MovieLens size: import, training, memory, runtime load.

Run with `make bench-standin` (not part of `make test`). For each size (25M ratings, and 5M to
see how memory grows), on a synthetic MovieLens-shaped set cached under bench/.work/:

  1. `data prepare`, then `data validate interactions.csv` (the yardstick for the import);
  2. a fresh stand-in (`local up` as a library call, its state in bench/.work/standin-N);
  3. the workflow's own CLI, as a user runs it: upload, import, train each recipe, deploy;
  4. the emulator's and moto's resident memory, sampled every 50 ms from /proc, per step, and
     again after 10 s idle;
  5. GetRecommendations under load: 1 sequential client, then 4 concurrent clients (processes,
     keep-alive HTTP on loopback), each a bounded loop of requests, each request for a user
     not asked before where the data has enough users (an answer cache, which the emulator
     has, would otherwise measure itself rather than the recommending).

The figures, the targets of issue 11, the machine and its load go into the stand-in section of
bench/results.md (the rest of that file is bench_prepare.py's).

    python bench/bench_standin.py                          # 25M, and 5M for the growth
    python bench/bench_standin.py --ratings 1000000 --small 0 --out /tmp/r.md   # quick check
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import statistics
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench_prepare import CLI, HERE, LOAD, STANDIN_MARKER, WORK, dataset, machine, verdict

#: Issue 11 wants every recipe trained within the target; personalized-ranking trains as
#: user-personalization does (the same model), but it is a recipe of its own.
RECIPES = (
    "aws-user-personalization-v2",
    "aws-popularity-count",
    "aws-similar-items",
    "aws-personalized-ranking-v2",
)
SERVED_RECIPE = "aws-user-personalization-v2"
#: Targets from issue 11.
IMPORT_VS_VALIDATE = 2.0
TRAIN_SECONDS = 60.0
PEAK_MB, IDLE_MB = 2048.0, 1024.0
TARGET_RPS, TARGET_P99_MS, CLIENTS = 1000.0, 10.0, 4
IDLE_SECONDS = 10.0
SAMPLE_SECONDS = 0.05
FAST_POLLING = {
    "PERSONALIZE_MOVIELENS_POLL_INITIAL": "0.1",
    "PERSONALIZE_MOVIELENS_POLL_MAX": "0.5",
    "PERSONALIZE_MOVIELENS_IAM_WINDOW": "0",
}
#: The region comes from the SigV4 credential scope; the emulator checks no signature.
AUTHORIZATION = (
    "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/personalize-runtime/aws4_request"
)


# --- memory of the stand-in's processes -------------------------------------------------------


def rss_mb(pid: int) -> float:
    """Resident memory of a process (VmRSS), 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


class MemorySampler:
    """Samples the resident memory of named processes on a thread; the peak per step."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.step = "start"
        self.peaks: dict[str, dict[str, float]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            peaks = self.peaks.setdefault(self.step, {})
            for name, pid in self.pids.items():
                peaks[name] = max(peaks.get(name, 0.0), rss_mb(pid))
            time.sleep(SAMPLE_SECONDS)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def now(self) -> dict[str, float]:
        return {name: rss_mb(pid) for name, pid in self.pids.items()}


# --- the steps ----------------------------------------------------------------------------------


@dataclass
class Step:
    name: str
    seconds: float
    peak_mb: dict[str, float] = field(default_factory=dict)


@dataclass
class Load:
    clients: int
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass
class SizeResult:
    ratings: int
    validate_seconds: float
    steps: list[Step]
    idle_mb: dict[str, float]
    loads: list[Load]

    def step(self, name: str) -> Step:
        return next(s for s in self.steps if s.name == name)

    def peak(self, process: str) -> float:
        return max((s.peak_mb.get(process, 0.0) for s in self.steps), default=0.0)


def run_cli(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run([str(CLI), *args], env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"personalize-movielens {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


@contextmanager
def timed_step(sampler: MemorySampler, name: str, steps: list[Step]) -> Iterator[None]:
    print(f"  {name} ...", flush=True)
    sampler.step = name
    start = time.perf_counter()
    yield
    seconds = time.perf_counter() - start
    time.sleep(2 * SAMPLE_SECONDS)  # the sampler's last look at this step
    steps.append(Step(name, seconds, dict(sampler.peaks.get(name, {}))))
    print(f"    {seconds:.1f} s, peak {sampler.peaks.get(name, {})}", flush=True)


def prepared(src: Path, ratings: int) -> Path:
    out = WORK / f"prepared-{ratings}"
    if not (out / "interactions.csv").exists():
        subprocess.run([str(CLI), "data", "prepare", "--source", str(src), "--out-dir", str(out)],
                       check=True, capture_output=True)  # fmt: skip
    return out


def validate_seconds(data: Path) -> float:
    start = time.perf_counter()
    subprocess.run([str(CLI), "data", "validate", str(data / "interactions.csv")],
                   check=True, capture_output=True)  # fmt: skip
    return time.perf_counter() - start


def user_ids(data: Path, count: int) -> list[str]:
    """`count` distinct users of the prepared interactions (the first ones in the file)."""
    seen: dict[str, None] = {}
    with (data / "interactions.csv").open() as fh:
        next(fh)
        for line in fh:
            seen[line.split(",", 1)[0].strip('"')] = None
            if len(seen) >= count:
                break
    return list(seen)


def run_size(ratings: int, requests: int) -> SizeResult:
    from personalize_movielens.local import standin

    _, src = dataset(ratings, with_zip=False)
    data = prepared(src, ratings)
    print(f"{ratings:,} ratings: validate ...", flush=True)
    validate = validate_seconds(data)
    print(f"  {validate:.1f} s", flush=True)
    # A stand-in of this run's own: two runs at once must not stop each other's.
    state_dir = WORK / f"standin-{ratings}-{os.getpid()}"
    state = standin.up(state_dir, speed=1000)
    env = {**os.environ, **state.env(), **FAST_POLLING}
    common = ["--outputs", str(state.outputs_path)]
    pids = {"emulator": state.personalize.pid, "moto": state.moto.pid}
    steps: list[Step] = []
    try:
        with MemorySampler(pids) as sampler:
            with timed_step(sampler, "upload", steps):
                run_cli(["upload", "--data-dir", str(data), *common], env)
            with timed_step(sampler, "import", steps):
                run_cli(["import", "--data-dir", str(data), *common], env)
            for recipe in RECIPES:
                with timed_step(sampler, f"train {recipe}", steps):
                    run_cli(["train", "--recipe", recipe, *common], env)
            with timed_step(sampler, "deploy", steps):
                deployed = json.loads(
                    run_cli(["deploy", "--recipe", SERVED_RECIPE, "--json", *common], env)
                )
            sampler.step = "idle"
            time.sleep(IDLE_SECONDS)
            idle = sampler.now()
            print(f"  idle after {IDLE_SECONDS:.0f} s: {idle}", flush=True)
            users = user_ids(data, 2 * requests)  # the two runs ask for different users
            host_port = ("127.0.0.1", state.personalize.port)
            loads = [
                load(host_port, deployed["campaign_arn"], users[::2], 1, requests),
                load(host_port, deployed["campaign_arn"], users[1::2], CLIENTS, requests),
            ]
            idle = {k: min(v, sampler.now()[k]) for k, v in idle.items()}
    finally:
        standin.down(state_dir, purge=True)
    return SizeResult(ratings, validate, steps, idle, loads)


# --- GetRecommendations under load ----------------------------------------------------------


def _client_loop(
    host_port: tuple[str, int], campaign: str, users: list[str], count: int, start_at: float
) -> tuple[float, float, list[float]]:
    """One client: `count` GetRecommendations over one keep-alive connection; when it began
    and ended (epoch s) and each request's latency (s)."""
    connection = http.client.HTTPConnection(*host_port, timeout=30)
    headers = {
        "Content-Type": "application/json",
        "Authorization": AUTHORIZATION,
    }
    while time.time() < start_at:  # all clients start together
        time.sleep(0.001)
    latencies = []
    began_at = time.time()
    for i in range(count):
        body = json.dumps({"campaignArn": campaign, "userId": users[i % len(users)],
                           "numResults": 25})  # fmt: skip
        began = time.perf_counter()
        connection.request("POST", "/recommendations", body, headers)
        response = connection.getresponse()
        response.read()
        latencies.append(time.perf_counter() - began)
        if response.status != 200:
            raise SystemExit(f"GetRecommendations answered {response.status}")
    ended_at = time.time()
    connection.close()
    return began_at, ended_at, latencies


def load(
    host_port: tuple[str, int], campaign: str, users: list[str], clients: int, requests: int
) -> Load:
    """`clients` processes, `requests` requests in all, started together."""
    per_client = requests // clients
    start_at = time.time() + 3.0  # time for the clients' processes to start
    args = [(host_port, campaign, users[c::clients], per_client, start_at) for c in range(clients)]
    with multiprocessing.get_context("spawn").Pool(clients) as pool:
        results = pool.starmap(_client_loop, args)
    seconds = max(r[1] for r in results) - min(r[0] for r in results)
    latencies = sorted(t for r in results for t in r[2])
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
    result = Load(clients, len(latencies), seconds, statistics.median(latencies) * 1000, p99 * 1000)
    print(f"  {clients} client(s): {result.rps:.0f} req/s, p50 {result.p50_ms:.1f} ms, "
          f"p99 {result.p99_ms:.1f} ms", flush=True)  # fmt: skip
    return result


# --- report ---------------------------------------------------------------------------------


def report(results: list[SizeResult]) -> str:
    main = results[0]
    now = time.gmtime()
    lines = [
        STANDIN_MARKER,
        "",
        "# Benchmark: the local stand-in at MovieLens size (`make bench-standin`)",
        "",
        f"Generated by bench/bench_standin.py on {time.strftime('%Y-%m-%d %H:%M UTC', now)}.",
        "Wall time of the project's own CLI for each step (polling every 0.1-0.5 s, stand-in at",
        "speed 1000, so status steps take 1 ms); resident memory of the emulator and of moto",
        f"sampled every {SAMPLE_SECONDS * 1000:.0f} ms from /proc; idle is {IDLE_SECONDS:.0f} s"
        " after the last step.",
        "GetRecommendations: keep-alive clients, each request for a user not asked before (where",
        "the data has that many users), so no answer comes from the emulator's answer cache.",
        f"Load average (1 min) at the start: {LOAD['start']:.2f}, "
        f"at the end: {LOAD.get('end', 0):.2f} (2 cores: the stand-in, the CLI and the load "
        "clients share them).",
        "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in machine().items()),
        "",
    ]
    for result in results:
        lines += [f"## {result.ratings:,} ratings", "",
                  "| step | time (s) | emulator peak (MB) | moto peak (MB) |",
                  "| --- | ---: | ---: | ---: |",
                  f"| `data validate` | {result.validate_seconds:.1f} | | |"]  # fmt: skip
        for step in result.steps:
            lines.append(
                f"| {step.name} | {step.seconds:.1f} | {step.peak_mb.get('emulator', 0):,.0f} "
                f"| {step.peak_mb.get('moto', 0):,.0f} |"
            )
        lines.append(
            f"| idle | | {result.idle_mb.get('emulator', 0):,.0f} "
            f"| {result.idle_mb.get('moto', 0):,.0f} |"
        )
        lines += ["", "| GetRecommendations | requests | req/s | p50 (ms) | p99 (ms) |",
                  "| --- | ---: | ---: | ---: | ---: |"]  # fmt: skip
        for run in result.loads:
            lines.append(f"| {run.clients} client(s) | {run.requests:,} | {run.rps:,.0f} "
                         f"| {run.p50_ms:.1f} | {run.p99_ms:.1f} |")  # fmt: skip
        lines.append("")
    imp = main.step("import").seconds
    trains = [s for s in main.steps if s.name.startswith("train ")]
    concurrent = main.loads[-1]
    targets = [
        (f"import within {IMPORT_VS_VALIDATE:g}x `data validate`",
         f"{imp / main.validate_seconds:.2f}x", imp <= IMPORT_VS_VALIDATE * main.validate_seconds),
        *((f"{s.name} within {TRAIN_SECONDS:.0f} s", f"{s.seconds:.1f} s",
           s.seconds <= TRAIN_SECONDS) for s in trains),
        (f"emulator peak at most {PEAK_MB:,.0f} MB", f"{main.peak('emulator'):,.0f} MB",
         main.peak("emulator") <= PEAK_MB),
        (f"emulator idle at most {IDLE_MB:,.0f} MB", f"{main.idle_mb['emulator']:,.0f} MB",
         main.idle_mb["emulator"] <= IDLE_MB),
        (f"{CLIENTS} clients: at least {TARGET_RPS:,.0f} req/s", f"{concurrent.rps:,.0f} req/s",
         concurrent.rps >= TARGET_RPS),
        (f"{CLIENTS} clients: p99 under {TARGET_P99_MS:g} ms", f"{concurrent.p99_ms:.1f} ms",
         concurrent.p99_ms < TARGET_P99_MS),
    ]  # fmt: skip
    if len(results) > 1:
        small = results[1]
        growth = main.peak("emulator") / max(small.peak("emulator"), 1.0)
        rows = main.ratings / small.ratings
        targets.append((f"emulator peak grows less than linearly ({small.ratings:,} -> "
                        f"{main.ratings:,}: {rows:g}x the rows)", f"{growth:.2f}x",
                        growth < rows))  # fmt: skip
    lines += [f"## Targets ({main.ratings:,} ratings)", "", "| target | measured | |",
              "| --- | --- | --- |"]  # fmt: skip
    lines += [f"| {name} | {measured} | {verdict(ok)} |" for name, measured, ok in targets]
    return "\n".join(lines) + "\n"


#: How every benchmark's section of results.md begins: the stand-in section ends at the next one.
SECTION_MARKER = "<!-- bench_"


def write_section(out: Path, section: str) -> None:
    """Replace the stand-in section of `out` (from STANDIN_MARKER to the next benchmark's
    marker, or the end), keep the rest."""
    text = out.read_text(encoding="utf-8") if out.exists() else ""
    head, _, rest = text.partition(STANDIN_MARKER)
    after = rest.find(SECTION_MARKER)
    tail = "\n" + rest[after:] if after >= 0 else ""
    head = head.rstrip("\n")
    out.write_text((head + "\n\n" if head else "") + section + tail, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--ratings", type=int, default=25_000_000)
    parser.add_argument("--small", type=int, default=5_000_000, help="0 to skip")
    parser.add_argument("--requests", type=int, default=20_000, help="per load run")
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    results = [run_size(args.ratings, args.requests)]
    if args.small:
        results.append(run_size(args.small, args.requests))
    LOAD["end"] = os.getloadavg()[0]
    (WORK / "standin-runs.json").write_text(
        json.dumps([asdict(r) for r in results], indent=2), encoding="utf-8"
    )
    write_section(args.out, report(results))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
