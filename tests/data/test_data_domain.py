"""data prepare --domain video-on-demand: the domain's schemas filled from MovieLens as
docs/operations.md says (Watch or Click by rating, CREATION_TIMESTAMP from the first rating,
GENRES never empty), refused where an option means nothing, and checked by the domain's rules."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from personalize_movielens.cli import app
from personalize_movielens.data import domains, first_seen, rules
from personalize_movielens.data import prepare as prepare_module
from personalize_movielens.data.layout import INTERACTIONS_FILE, ITEMS_FILE, REPORT_FILE
from personalize_movielens.data.prepare import prepare
from personalize_movielens.data.validate_files import validate_files
from personalize_movielens.errors import DataError
from personalize_movielens.schemas import load_schema

VOD = "VIDEO_ON_DEMAND"
IDS = {"USER_ID": pl.String, "ITEM_ID": pl.String}


def _interactions(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, schema_overrides=IDS)


def test_interactions_have_the_domains_columns_and_one_event_per_rating(
    synth_dir: Path, tmp_path: Path
) -> None:
    result = prepare(synth_dir, tmp_path, domain=VOD)
    out = _interactions(result.interactions)
    assert out.columns == load_schema("Interactions", domain=VOD).field_names
    ratings = pl.read_csv(synth_dir / "ratings.csv")
    expected = ratings.select(
        pl.col("userId").cast(pl.String).alias("USER_ID"),
        pl.col("movieId").cast(pl.String).alias("ITEM_ID"),
        pl.col("timestamp").alias("TIMESTAMP"),
        pl.when(pl.col("rating") >= 3.5)
        .then(pl.lit("Watch"))
        .otherwise(pl.lit("Click"))
        .alias("EVENT_TYPE"),
    )
    assert out.equals(expected)
    assert set(out["EVENT_TYPE"]) == {"Watch", "Click"}  # the guide's spelling, both used
    assert result.settings.watch_threshold == domains.DEFAULT_WATCH_THRESHOLD == 3.5


def test_the_watch_threshold_decides_watch_or_click(synth_dir: Path, tmp_path: Path) -> None:
    out = _interactions(prepare(synth_dir, tmp_path, domain=VOD, watch_threshold=4.0).interactions)
    ratings = pl.read_csv(synth_dir / "ratings.csv")
    watched = (out["EVENT_TYPE"] == "Watch").to_list()
    assert watched == (ratings["rating"] >= 4.0).to_list()


def test_min_rating_drops_ratings_before_the_event_type_is_decided(
    synth_dir: Path, tmp_path: Path
) -> None:
    result = prepare(synth_dir, tmp_path, min_rating=2.0, domain=VOD)
    out = _interactions(result.interactions)
    ratings = pl.read_csv(synth_dir / "ratings.csv").filter(pl.col("rating") >= 2.0)
    assert out.height == ratings.height
    assert (out["EVENT_TYPE"] == "Click").sum() == (ratings["rating"] < 3.5).sum()


@pytest.fixture
def vod_source(tmp_path: Path) -> Path:
    """40 users x 41 movies rated, movie 41 without genres, 42 and 43 never rated; with
    --watch-threshold 2, 1312 Watch events."""
    source = tmp_path / "vod-src"
    source.mkdir()
    rows = "".join(
        f"{u},{m},{(u + m) % 5 + 1.0},{1_200_000_000 + u * 1000 + m}\n"
        for u in range(1, 41)
        for m in range(1, 42)
    )
    (source / "ratings.csv").write_text("userId,movieId,rating,timestamp\n" + rows)
    movies = "".join(f"{m},Movie {m} ({1950 + m}),Drama|Comedy\n" for m in range(1, 41))
    movies += "41,Nameless (1999),(no genres listed)\n42,Unseen (2019),\n43,Later (2020),Horror\n"
    (source / "movies.csv").write_text("movieId,title,genres\n" + movies)
    return source


def test_creation_timestamp_is_the_first_rating_and_genres_are_never_empty(
    vod_source: Path, tmp_path: Path
) -> None:
    result = prepare(vod_source, tmp_path / "out", domain=VOD, watch_threshold=2.0)
    items = pl.read_csv(result.items, schema_overrides={"ITEM_ID": pl.String})
    assert items.columns == load_schema("Items", domain=VOD).field_names
    ratings = pl.read_csv(vod_source / "ratings.csv")
    first = dict(ratings.group_by("movieId").agg(pl.col("timestamp").min()).iter_rows())
    created = dict(zip(items["ITEM_ID"].cast(pl.Int64), items["CREATION_TIMESTAMP"], strict=True))
    for movie in range(1, 42):
        assert created[movie] == first[movie]
    last = ratings["timestamp"].max()
    assert created[42] == created[43] == last  # nobody rated them: new when the data ends
    genres = dict(zip(items["ITEM_ID"], items["GENRES"], strict=True))
    assert genres["41"] == genres["42"] == "(no genres listed)" == domains.GENRES_WHEN_NONE
    assert genres["43"] == "Horror"
    assert items["GENRES"].null_count() == 0


def test_creation_timestamps_merge_across_batches(
    vod_source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one = prepare(vod_source, tmp_path / "one", domain=VOD, watch_threshold=2.0)
    monkeypatch.setattr(prepare_module, "BATCH_ROWS", 50)
    monkeypatch.setattr(first_seen, "MERGE_EVERY", 3)
    many = prepare(vod_source, tmp_path / "many", domain=VOD, watch_threshold=2.0)
    assert one.items.read_bytes() == many.items.read_bytes()
    assert one.interactions.read_bytes() == many.interactions.read_bytes()


def test_the_custom_output_is_unchanged_by_the_domain_work(synth_dir: Path, tmp_path: Path) -> None:
    result = prepare(synth_dir, tmp_path)
    assert result.interactions.read_text().split("\n", 1)[0] == "USER_ID,ITEM_ID,TIMESTAMP"
    assert result.items.read_text().split("\n", 1)[0] == "ITEM_ID,GENRES,YEAR"
    assert result.settings.domain is None and result.settings.watch_threshold is None


def test_too_few_watch_events_stop_prepare_with_the_rule_and_its_hint(
    synth_dir: Path, tmp_path: Path
) -> None:
    """The synthetic set has 444 ratings of 5.0: fewer than the 1000 Watch events needed."""
    out = tmp_path / "out"
    with pytest.raises(DataError) as info:
        prepare(synth_dir, out, domain=VOD, watch_threshold=5.0)
    rule = rules.RULES["vod-watch-events"]
    assert f"breaks rule {rule.name}" in info.value.message
    assert "444 Watch events" in info.value.message
    assert info.value.hint == rule.hint and "--watch-threshold" in rule.hint
    assert not out.exists() or list(out.iterdir()) == []


def test_the_watch_rule_is_the_domains_alone(tmp_path: Path) -> None:
    """A custom dataset group's event-value file with no Watch events breaks no rule."""
    schema = load_schema("Interactions", with_event_value=True)
    rows = "".join(
        f"u{u},i{m},{1_500_000_000 + m},rating,4.0\n" for u in range(30) for m in range(40)
    )
    path = tmp_path / "interactions.csv"
    path.write_text(",".join(schema.field_names) + "\n" + rows)
    (custom,) = validate_files([path]).results
    assert custom.ok and "vod-watch-events" not in {c.rule for c in custom.checks}


# --- options: refused in one line, before anything is written ---------------------------------


runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--domain", "retail"], "--domain 'retail' is not a domain"),
        (["--domain", "video-on-demand", "--with-event-value"], "no EVENT_VALUE"),
        (["--watch-threshold", "4"], "--watch-threshold decides Watch or Click"),
    ],
    ids=["unknown-domain", "domain-with-event-value", "threshold-without-domain"],
)
def test_meaningless_options_are_refused_in_one_line(
    synth_zip: Path, tmp_path: Path, args: list[str], words: str
) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["data", "prepare", "--source", str(synth_zip), "--out-dir", str(out), *args]
    )
    assert result.exit_code != 0
    assert isinstance(result.exception, DataError)
    assert words in result.exception.one_line() and "\n" not in result.exception.one_line()
    assert not out.exists()


def test_both_spellings_of_the_domain_are_taken() -> None:
    assert domains.domain_from_option("video-on-demand") == VOD
    assert domains.domain_from_option("VIDEO_ON_DEMAND") == VOD
    assert domains.domain_from_option(None) is None


def test_the_cli_records_the_domain_and_validate_checks_its_rules(
    synth_zip: Path, tmp_path: Path
) -> None:
    args = ["--source", str(synth_zip), "--out-dir", str(tmp_path), "--domain", "video-on-demand"]
    result = runner.invoke(app, ["data", "prepare", *args, "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc == json.loads((tmp_path / REPORT_FILE).read_text())
    assert doc["settings"]["domain"] == VOD and doc["settings"]["watch_threshold"] == 3.5
    files = [str(tmp_path / INTERACTIONS_FILE), str(tmp_path / ITEMS_FILE)]
    checked = runner.invoke(app, ["data", "validate", "--domain", "video-on-demand", *files])
    assert checked.exit_code == 0, checked.output
    run = validate_files([tmp_path / INTERACTIONS_FILE], domain=VOD)
    assert "vod-watch-events" in {c.rule for c in run.results[0].checks}
    # Without --domain the VOD files match no custom schema's header: refused by the header rule.
    assert runner.invoke(app, ["data", "validate", *files]).exit_code != 0
