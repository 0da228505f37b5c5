"""bench/bench_prepare.py end to end on a tiny set: every table of results.md is written, and
--report-only renders the same from runs.json. A full run takes ~15 minutes; a crash while
saving its figures at the end (a Run nested in the zip section was not JSON) lost one, so
the bookkeeping is run here on 200,000 ratings instead (fewer would not hold out (d)'s 100,000)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_prepare.py"


@pytest.mark.timeout(300)
def test_a_tiny_full_run_writes_every_section_and_its_figures(tmp_path: Path) -> None:
    out = tmp_path / "results.md"
    env = os.environ | {"BENCH_WORK": str(tmp_path / "work")}
    args = ["--ratings", "200000", "--big", "250000", "--zip-sizes", "210000", "--repeat", "1"]
    run = [sys.executable, str(BENCH), *args, "--out", str(out)]
    proc = subprocess.run(run, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = out.read_text(encoding="utf-8")
    for heading in (
        "## Targets",
        "## Memory as the input grows: 200,000 vs 250,000 ratings",
        "## From the zip vs from the extracted directory",
        "## Notes",
    ):
        assert heading in text, heading
    assert "| 210,000 |" in text and "| yes |" in text  # the zip row, its outputs compared
    saved = json.loads((tmp_path / "work" / "runs.json").read_text(encoding="utf-8"))
    assert saved["zipruns"]["210000"]["prepare-zip"]["rows"] == 210_000

    again = tmp_path / "again.md"
    render = [sys.executable, str(BENCH), "--report-only", "--out", str(again)]
    proc = subprocess.run(render, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert again.read_text(encoding="utf-8") == text
