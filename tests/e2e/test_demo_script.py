"""tools/demo.sh: which data it runs on, and it picks three users under `set -euo pipefail`,
however big the data is."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from personalize_movielens.paths import project_root


def users_line() -> str:
    script = (project_root() / "tools" / "demo.sh").read_text()
    [line] = [m for m in script.splitlines() if re.match(r'USERS="\$\(', m)]
    return line


def test_user_pick_survives_pipefail_on_large_data(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    rows = [f'"{u}",{u % 97},{1_500_000_000 + u}' for u in range(60_000, 0, -1)]
    (data / "interactions.csv").write_text("USER_ID,ITEM_ID,TIMESTAMP\n" + "\n".join(rows) + "\n")
    script = f'set -euo pipefail\nDATA="{data}"\n{users_line()}\nprintf "%s\\n" "$USERS"\n'
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr  # a `| head` here exited 141 (SIGPIPE)
    assert done.stdout.split() == ["60000", "59999", "59998"]  # the first three, unquoted


def run_demo(tmp_path: Path, **env: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """tools/demo.sh with a stand-in for the CLI that only records its arguments."""
    calls = tmp_path / "calls"
    fake = tmp_path / "fake-cli"
    fake.write_text(f'#!/usr/bin/env bash\necho "$*" >> "{calls}"\n')
    fake.chmod(0o755)
    script = project_root() / "tools" / "demo.sh"
    # The users are read from interactions.csv, which the fake prepare never writes.
    done = subprocess.run(
        ["bash", str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": os.environ["PATH"], "TMPDIR": str(tmp_path), "CLI": str(fake), **env},
    )
    return done, calls.read_text().splitlines() if calls.exists() else []


def test_the_movielens_demo_prepares_the_zip_it_is_given(tmp_path: Path) -> None:
    movielens = tmp_path / "ml-25m.zip"
    movielens.write_bytes(b"")
    _, calls = run_demo(tmp_path, DEMO_DATASET="movielens", MOVIELENS_ZIP=str(movielens))
    assert not any(c.startswith("data download") for c in calls)  # it is there: no download
    assert calls[0].startswith(f"data prepare --source {movielens} --out-dir ")


def test_the_movielens_demo_downloads_a_missing_zip_first(tmp_path: Path) -> None:
    movielens = tmp_path / "data" / "ml-25m.zip"
    _, calls = run_demo(tmp_path, DEMO_DATASET="movielens", MOVIELENS_ZIP=str(movielens))
    assert calls[0] == f"data download --release 25m --dest {movielens}"
    assert calls[1].startswith(f"data prepare --source {movielens} --out-dir ")


def test_the_default_demo_is_synthetic(tmp_path: Path) -> None:
    _, calls = run_demo(tmp_path)
    assert calls[0].startswith("data synth --release 25m --ratings 30000 --out ")


def test_the_demo_runs_on_the_release_it_is_given(tmp_path: Path) -> None:
    """`make demo RELEASE=100k` (DEMO_RELEASE): synthetic data in that release's layout."""
    _, calls = run_demo(tmp_path, DEMO_RELEASE="100k")
    assert calls[0].startswith("data synth --release 100k --ratings 30000 --out ")
    assert calls[0].endswith("/ml-100k.zip")
    assert calls[1].startswith("data prepare --source ") and "ml-100k.zip" in calls[1]


def test_an_unknown_demo_dataset_is_refused_in_one_line(tmp_path: Path) -> None:
    done, calls = run_demo(tmp_path, DEMO_DATASET="ml-100k")
    assert done.returncode == 2
    assert "DATASET=ml-100k: the demo runs on synthetic or movielens" in done.stderr
    assert [c for c in calls if not c.startswith("local down")] == []  # nothing ran
