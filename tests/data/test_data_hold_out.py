"""data prepare --hold-out N: the N newest interactions, by TIMESTAMP, go to
held-out-events.csv (same columns, oldest first) and nowhere else; too many is refused."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from personalize_movielens.cli import app
from personalize_movielens.data import prepare as prepare_module
from personalize_movielens.data.layout import HELD_OUT_EVENTS_FILE
from personalize_movielens.data.prepare import prepare
from personalize_movielens.data.validate_files import validate_files
from personalize_movielens.errors import DataError

IDS = {"USER_ID": pl.String, "ITEM_ID": pl.String}


def _read(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, schema_overrides=IDS)


@pytest.mark.parametrize("domain", [None, "VIDEO_ON_DEMAND"], ids=["custom", "vod"])
def test_the_newest_go_to_the_held_out_file_and_nowhere_else(
    synth_dir: Path, tmp_path: Path, domain: str | None
) -> None:
    whole = _read(prepare(synth_dir, tmp_path / "whole", domain=domain).interactions)
    result = prepare(synth_dir, tmp_path / "cut", domain=domain, hold_out=250)
    kept, held = _read(result.interactions), _read(tmp_path / "cut" / HELD_OUT_EVENTS_FILE)
    assert result.held_out == tmp_path / "cut" / HELD_OUT_EVENTS_FILE
    assert held.columns == kept.columns == whole.columns
    assert held.height == 250 and kept.height == whole.height - 250
    assert held["TIMESTAMP"].min() >= kept["TIMESTAMP"].max()  # the newest, by TIMESTAMP
    assert held["TIMESTAMP"].is_sorted()  # oldest first, as replay sends them
    both = pl.concat([kept, held]).sort(pl.all())
    assert both.equals(whole.sort(pl.all()))  # every interaction in exactly one file
    assert kept.equals(whole.join(held, on=whole.columns, how="anti"))  # file order kept
    report = result.report.to_json()
    assert report["held_out"]["rows"] == 250 and report["settings"]["hold_out"] == 250
    # The report's figures are those of interactions.csv as written: validate agrees.
    validated = validate_files([result.interactions, result.items], domain=domain)
    assert validated.ok and result.reports == validated.reports()


def test_ties_at_the_cut_are_held_out_in_file_order_up_to_n(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """1,500 ratings at one time after 1,200 older ones: exactly N are held out, across batches."""
    source = tmp_path / "src"
    source.mkdir()
    older = "".join(f"{u},{m},3.0,{1_200_000_000 + m}\n" for u in range(30) for m in range(40))
    same = "".join(f"{u},{m},3.0,1300000000\n" for u in range(30, 60) for m in range(50))
    (source / "ratings.csv").write_text("userId,movieId,rating,timestamp\n" + same + older)
    movies = "".join(f"{m},Movie {m} (2000),Drama\n" for m in range(50))
    (source / "movies.csv").write_text("movieId,title,genres\n" + movies)
    monkeypatch.setattr(prepare_module, "BATCH_ROWS", 100)
    result = prepare(source, tmp_path / "out", hold_out=700)
    held = _read(tmp_path / "out" / HELD_OUT_EVENTS_FILE)
    assert held.height == 700 and set(held["TIMESTAMP"]) == {1_300_000_000}
    first_700 = pl.read_csv(source / "ratings.csv").head(700)
    assert held["USER_ID"].cast(pl.Int64).to_list() == first_700["userId"].to_list()
    assert _read(result.interactions).height == 2700 - 700


def test_min_rating_applies_before_the_hold_out(synth_dir: Path, tmp_path: Path) -> None:
    result = prepare(synth_dir, tmp_path, min_rating=3.0, hold_out=100)
    ratings = pl.read_csv(synth_dir / "ratings.csv").filter(pl.col("rating") >= 3.0)
    held = _read(tmp_path / HELD_OUT_EVENTS_FILE)
    assert held.height == 100 and _read(result.interactions).height == ratings.height - 100
    assert held["TIMESTAMP"].min() >= ratings["timestamp"].sort(descending=True)[99]


def test_holding_out_more_than_there_is_is_refused_and_writes_nothing(
    synth_zip: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "data",
            "prepare",
            "--source",
            str(synth_zip),
            "--out-dir",
            str(out),
            "--hold-out",
            "3001",
        ],
    )
    assert result.exit_code != 0 and isinstance(result.exception, DataError)
    line = result.exception.one_line()
    assert "--hold-out 3,001 is more than the 3,000 interactions" in line and "\n" not in line
    assert not out.exists()  # nothing written, not even the folder made for the outputs


def test_without_hold_out_no_file_and_an_earlier_one_is_removed(
    synth_dir: Path, tmp_path: Path
) -> None:
    prepare(synth_dir, tmp_path, hold_out=10)
    assert (tmp_path / HELD_OUT_EVENTS_FILE).is_file()
    result = prepare(synth_dir, tmp_path)
    assert result.held_out is None and not (tmp_path / HELD_OUT_EVENTS_FILE).exists()
    assert "held_out" not in result.report.to_json()
