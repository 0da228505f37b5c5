"""The `data` commands through the CLI app; results checked through the files they write."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from personalize_movielens.cli import app
from personalize_movielens.data.layout import (
    INTERACTIONS_FILE,
    ITEMS_FILE,
    REPORT_FILE,
    TITLES_FILE,
)
from personalize_movielens.data.validate_files import validate_files
from personalize_movielens.errors import DataError, PersonalizeMovielensError
from personalize_movielens.paths import same_package_env
from personalize_movielens.schemas import load_schema
from personalize_movielens.workflow.catalog import load_catalog

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, ["data", *args])


def test_synth_then_prepare_then_validate(tmp_path: Path) -> None:
    zip_path = tmp_path / "ml-25m.zip"
    result = _run("synth", "--ratings", "2500", "--seed", "5", "--out", str(zip_path))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(zip_path) as zf:
        ratings = pl.read_csv(zf.read("ml-25m/ratings.csv"))
    assert ratings.height == 2500

    out = tmp_path / "data"
    result = _run("prepare", "--source", str(zip_path), "--out-dir", str(out), "--min-rating", "3")
    assert result.exit_code == 0, result.output
    interactions = pl.read_csv(out / INTERACTIONS_FILE)
    assert interactions.columns == load_schema("Interactions").field_names
    assert interactions.height == ratings.filter(pl.col("rating") >= 3).height
    assert pl.read_csv(out / ITEMS_FILE).columns == load_schema("Items").field_names
    report = json.loads((out / REPORT_FILE).read_text())
    assert report["ok"] and report["files"][0]["stats"]["rows"] == interactions.height

    result = _run("validate", str(out / INTERACTIONS_FILE), str(out / ITEMS_FILE))
    assert result.exit_code == 0, result.output
    assert load_catalog(out)["1"].title  # the titles recommend shows are there


def test_validate_json_is_the_library_result(synth_zip: Path, tmp_path: Path) -> None:
    assert _run("prepare", "--source", str(synth_zip), "--out-dir", str(tmp_path)).exit_code == 0
    files = [tmp_path / INTERACTIONS_FILE, tmp_path / ITEMS_FILE]
    result = _run("validate", *map(str, files), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == validate_files(files).to_json()


def test_prepare_with_event_value(synth_zip: Path, tmp_path: Path) -> None:
    result = _run(
        "prepare", "--source", str(synth_zip), "--out-dir", str(tmp_path), "--with-event-value"
    )
    assert result.exit_code == 0, result.output
    header = (tmp_path / INTERACTIONS_FILE).read_text().split("\n", 1)[0]
    assert header.split(",") == load_schema("Interactions", with_event_value=True).field_names


def test_prepare_json_is_the_report_and_the_settings(synth_zip: Path, tmp_path: Path) -> None:
    args = ("--source", str(synth_zip), "--out-dir", str(tmp_path), "--min-rating", "3.5")
    result = _run("prepare", *args, "--json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout)
    assert doc == json.loads((tmp_path / REPORT_FILE).read_text())  # the file has them too
    assert doc["settings"] == {
        "min_rating": 3.5,
        "with_event_value": False,
        "domain": None,
        "watch_threshold": None,
        "hold_out": 0,
        "release": "25m",  # recognised from the zip's ml-25m/ folder
        "layout": "csv",
    }
    assert "held_out" not in doc


def test_validate_fails_with_exit_code_and_named_row(tmp_path: Path) -> None:
    bad = tmp_path / "interactions.csv"
    rows = "".join(f"u{u},i{m},1500000000\n" for u in range(30) for m in range(40))
    bad.write_text("USER_ID,ITEM_ID,TIMESTAMP\n" + rows + "u1,i1,1500000000000\n")
    result = _run("validate", str(bad), "--json")
    assert result.exit_code != 0
    assert isinstance(result.exception, DataError)
    assert "row 1201" in str(result.exception) and "timestamp-seconds" in str(result.exception)
    (doc,) = json.loads(result.stdout)
    assert doc["violations"][0]["row"] == 1201


def test_validate_with_explicit_type(tmp_path: Path) -> None:
    path = tmp_path / "whatever.csv"
    path.write_text("ITEM_ID,GENRES,YEAR\n1,Comedy,1995\n")
    assert _run("validate", "--type", "Items", str(path)).exit_code == 0
    assert _run("validate", "--type", "Interactions", str(path)).exit_code != 0


def test_prepare_bad_source_fails_without_output(tmp_path: Path) -> None:
    bad = tmp_path / "ml-25m.zip"
    bad.write_bytes(b"PK\x03\x04 not really a zip")
    out = tmp_path / "out"
    result = _run("prepare", "--source", str(bad), "--out-dir", str(out))
    assert result.exit_code != 0
    assert isinstance(result.exception, DataError)
    assert not out.exists() or list(out.iterdir()) == []


def test_download_offline_fails(tmp_path: Path) -> None:
    result = _run(
        "download", "--url", "http://127.0.0.1:9/ml-25m.zip", "--dest", str(tmp_path / "z.zip")
    )
    assert result.exit_code != 0
    assert "DATASET=synthetic" in result.exception.one_line()
    assert list(tmp_path.iterdir()) == []


def test_prepare_writes_the_titles(synth_zip: Path, tmp_path: Path) -> None:
    assert _run("prepare", "--source", str(synth_zip), "--out-dir", str(tmp_path)).exit_code == 0
    assert (tmp_path / TITLES_FILE).is_file()
    assert all(movie.title for movie in load_catalog(tmp_path).values())


def test_every_data_command_has_an_example() -> None:
    for command in ("download", "synth", "prepare", "validate"):
        result = _run(command, "--help")
        assert result.exit_code == 0
        assert "Example: personalize-movielens data " + command in result.output


def _console_script(*args: str) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).with_name("personalize-movielens")
    env = same_package_env(os.environ)  # this checkout's package, not another installed one
    return subprocess.run(
        [str(script), *args], capture_output=True, text=True, timeout=120, env=env
    )


@pytest.mark.parametrize(
    ("command", "option", "target"),
    [
        ("prepare", "--out-dir", "out"),
        ("synth", "--out", "ml.zip"),
        ("synth", "--out", "csv-dir"),
    ],
    ids=["prepare", "synth-zip", "synth-directory"],
)
def test_an_output_path_under_a_file_is_one_line(
    synth_zip: Path, tmp_path: Path, command: str, option: str, target: str
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a directory")
    args = [command, option, str(blocker / target)]
    if command == "prepare":
        args += ["--source", str(synth_zip)]
    else:
        args += ["--ratings", "2000"]
    result = _run(*args)
    assert result.exit_code == 1
    assert isinstance(result.exception, PersonalizeMovielensError)
    assert f"{blocker} is a file, not a directory" in result.exception.one_line()
    printed = _console_script("data", *args)
    lines = [line for line in printed.stderr.splitlines() if line.strip()]
    assert printed.returncode == 1 and len(lines) == 1, printed.stderr
    assert lines[0].startswith("Error: ") and str(blocker / target) in lines[0]


def test_synth_into_a_directory_named_like_the_zip_is_one_line(tmp_path: Path) -> None:
    taken = tmp_path / "ml-25m.zip"
    taken.mkdir()
    result = _run("synth", "--ratings", "2000", "--out", str(taken))
    assert isinstance(result.exception, PersonalizeMovielensError)
    assert f"Cannot write the output file {taken}" in result.exception.one_line()
    assert list(tmp_path.iterdir()) == [taken] and list(taken.iterdir()) == []


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux's /proc")
def test_an_input_the_system_cannot_read_is_named() -> None:
    """Reading /proc/self/mem fails with EIO, and polars' OSError names no file."""
    result = _run("validate", "--type", "Items", "/proc/self/mem")
    assert result.exit_code == 1
    assert isinstance(result.exception, PersonalizeMovielensError)
    assert result.exception.one_line().startswith("/proc/self/mem: cannot read it: ")
