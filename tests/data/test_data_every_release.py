"""Every release, end to end through the CLI: `data synth --release R` writes the release's own
layout and encoding (test_data_synth_releases.py checks it against the READMEs), and `data
prepare` reads it back into the same files with the same columns, UTF-8, whatever the release;
users.csv only where the release has demographics. The two sides were written apart, so this
is where a writer and a reader that disagree on a format meet."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from personalize_movielens.cli import app
from personalize_movielens.data.layout import (
    INTERACTIONS_FILE,
    ITEMS_FILE,
    REPORT_FILE,
    TITLES_FILE,
    USERS_FILE,
)
from personalize_movielens.data.releases import RELEASES
from personalize_movielens.schemas import load_schema

RATINGS = 4000


def run(*args: str) -> None:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output


def header(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as f:
        return next(csv.reader(f))


@pytest.mark.parametrize("name", sorted(RELEASES))
def test_each_release_prepares_from_its_synthetic_zip(tmp_path: Path, name: str) -> None:
    release = RELEASES[name]
    source = tmp_path / release.zip_name
    run("data", "synth", "--release", name, "--ratings", str(RATINGS), "--out", str(source))
    out = tmp_path / "prepared"
    run("data", "prepare", "--source", str(source), "--out-dir", str(out))

    assert header(out / INTERACTIONS_FILE) == load_schema("Interactions").field_names
    assert header(out / ITEMS_FILE) == load_schema("Items").field_names
    with (out / INTERACTIONS_FILE).open(encoding="utf-8") as f:
        assert sum(1 for _ in f) - 1 == RATINGS  # every rating, none lost to a separator
    titles = (out / TITLES_FILE).read_text(encoding="utf-8")  # always UTF-8
    if release.encoding == "latin-1":  # the synthetic Latin-1 titles, decoded, not mangled
        assert any(ch in titles for ch in "éñü")
    report = json.loads((out / REPORT_FILE).read_text(encoding="utf-8"))
    assert report["settings"]["release"] == name
    assert report["settings"]["layout"] == release.layout
    assert (out / USERS_FILE).exists() is release.has_users
    if release.has_users:
        assert header(out / USERS_FILE) == load_schema("Users").field_names
        with (out / USERS_FILE).open(encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        assert rows and all(
            r["GENDER"] in {"M", "F"} and r["AGE"] and r["OCCUPATION"] for r in rows
        )
        assert not any(r["OCCUPATION"].isdigit() for r in rows)  # by name, not code
