"""prepare(): CSVs that match the schema files, figures that match the input, all or nothing."""

from __future__ import annotations

import io
import json
import os
import signal
import threading
import zipfile
from pathlib import Path

import polars as pl
import pytest
from data_helpers import zip_with

from personalize_movielens.data import fold as fold_module
from personalize_movielens.data import prepare as prepare_module
from personalize_movielens.data.csv_writer import CsvWriterThread
from personalize_movielens.data.layout import (
    INTERACTIONS_FILE,
    ITEMS_FILE,
    REPORT_FILE,
    TITLES_COLUMNS,
    TITLES_FILE,
)
from personalize_movielens.data.prepare import EVENT_TYPE, prepare
from personalize_movielens.data.rules import polars_schema
from personalize_movielens.data.validate import validate_file
from personalize_movielens.errors import DataError, PersonalizeMovielensError
from personalize_movielens.schemas import load_schema
from personalize_movielens.workflow.manifest import DATA_FILES

OUTPUTS = sorted([INTERACTIONS_FILE, ITEMS_FILE, TITLES_FILE, REPORT_FILE])


def _input_ratings(source_dir: Path) -> pl.DataFrame:
    return pl.read_csv(source_dir / "ratings.csv")


def _assert_matches_schema(path: Path, dataset_type: str, with_event_value: bool = False) -> None:
    """The CSV and the schema file agree: header, order, and every value parses as its type."""
    schema = load_schema(dataset_type, with_event_value=with_event_value)
    assert path.read_text(encoding="utf-8").split("\n", 1)[0] == ",".join(schema.field_names)
    pl.read_csv(path, schema=polars_schema(schema))  # raises if a value does not parse
    result = validate_file(path, schema, dataset_type)
    assert result.ok, result.violations


def test_from_zip_writes_schema_conformant_csvs(
    synth_zip: Path, synth_dir: Path, tmp_path: Path
) -> None:
    result = prepare(synth_zip, tmp_path)
    _assert_matches_schema(result.interactions, "Interactions")
    _assert_matches_schema(result.items, "Items")
    ratings = _input_ratings(synth_dir)
    out = pl.read_csv(
        result.interactions, schema_overrides={"USER_ID": pl.String, "ITEM_ID": pl.String}
    )
    assert out.height == ratings.height
    expected = ratings.select(
        pl.col("userId").cast(pl.String).alias("USER_ID"),
        pl.col("movieId").cast(pl.String).alias("ITEM_ID"),
        pl.col("timestamp").alias("TIMESTAMP"),
    )
    assert out.equals(expected)
    # Nothing left behind but the outputs (the extracted ratings.csv is gone).
    assert sorted(p.name for p in tmp_path.iterdir()) == OUTPUTS


def test_zip_and_directory_give_the_same_files(
    synth_zip: Path, synth_dir: Path, tmp_path: Path
) -> None:
    a = prepare(synth_zip, tmp_path / "a")
    b = prepare(synth_dir, tmp_path / "b")
    assert a.interactions.read_bytes() == b.interactions.read_bytes()
    assert a.items.read_bytes() == b.items.read_bytes()


def test_items_from_movies(synth_dir: Path, tmp_path: Path) -> None:
    result = prepare(synth_dir, tmp_path)
    movies = pl.read_csv(synth_dir / "movies.csv")
    items = pl.read_csv(result.items, schema=polars_schema(load_schema("Items")))
    assert items["ITEM_ID"].to_list() == [str(m) for m in movies["movieId"]]
    no_genres = movies.filter(pl.col("genres") == "(no genres listed)")["movieId"].cast(pl.String)
    assert no_genres.len() > 0
    assert items.filter(pl.col("ITEM_ID").is_in(no_genres.implode()))["GENRES"].null_count() == (
        no_genres.len()
    )
    assert items["YEAR"].null_count() > 0  # some titles have no year
    assert items["YEAR"].drop_nulls().is_between(1870, 2100).all()


def test_titles_are_written_beside_the_items_as_movielens_gives_them(
    synth_dir: Path, tmp_path: Path
) -> None:
    result = prepare(synth_dir, tmp_path)
    assert result.titles == tmp_path / TITLES_FILE
    text = result.titles.read_text(encoding="utf-8")  # UTF-8: non-ASCII titles survive
    titles = pl.read_csv(io.StringIO(text), infer_schema=False)
    movies = pl.read_csv(synth_dir / "movies.csv", infer_schema=False)
    assert tuple(titles.columns) == TITLES_COLUMNS
    assert titles.rows() == movies.rows()  # movieId, title, genres: unchanged
    items = pl.read_csv(result.items, infer_schema=False)
    assert titles["ITEM_ID"].to_list() == items["ITEM_ID"].to_list()
    assert TITLES_FILE not in DATA_FILES  # upload sends the datasets only


def test_the_report_on_the_items_comes_from_the_same_rules(synth_dir: Path, tmp_path: Path) -> None:
    items = prepare(synth_dir, tmp_path).reports[1]
    assert items.file == ITEMS_FILE and items.ok
    assert items.figures is not None and items.figures.rows == items.figures.items
    rules = [c.rule for c in items.checks]
    assert "categorical-length" in rules and "min-interactions" not in rules


def test_the_report_counts_movies_without_genres_or_year(synth_dir: Path, tmp_path: Path) -> None:
    stats = json.loads(prepare(synth_dir, tmp_path).report_file.read_text())["files"][1]["stats"]
    movies = pl.read_csv(synth_dir / "movies.csv", infer_schema=False)
    # MovieLens' README: "titles include the year of release in parentheses"; some series end
    # in a range, "(2007-)" or "(2007-2013)".
    year = pl.col("title").str.extract(r"\((\d{4})(?:-(?:\d{4})?)?\)\s*$").cast(pl.Int32)
    without_year = movies.filter(year.is_null() | ~year.is_between(1870, 2100)).height
    assert stats["without_genres"] == movies.filter(pl.col("genres") == "(no genres listed)").height
    assert stats["without_year"] == without_year
    assert stats["without_genres"] > 0 and stats["without_year"] > 0


def test_report_figures_match_the_input(synth_dir: Path, tmp_path: Path) -> None:
    result = prepare(synth_dir, tmp_path)
    ratings = _input_ratings(synth_dir)
    doc = json.loads(result.report_file.read_text())
    assert doc["ok"] is True
    stats = doc["files"][0]["stats"]
    per_user = ratings.group_by("userId").len()
    assert stats["rows"] == ratings.height
    assert stats["users"] == per_user.height
    assert stats["items"] == ratings["movieId"].n_unique()
    assert stats["first_timestamp"] == ratings["timestamp"].min()
    assert stats["last_timestamp"] == ratings["timestamp"].max()
    assert stats["users_with_2plus_interactions"] == per_user.filter(pl.col("len") >= 2).height
    rules = {c["rule"]: c["passed"] for c in doc["files"][0]["checks"]}
    assert {"min-interactions", "min-users-with-two", "timestamp-seconds"} <= set(rules)
    assert all(rules.values())


def test_min_rating_keeps_only_high_ratings(synth_dir: Path, tmp_path: Path) -> None:
    result = prepare(synth_dir, tmp_path, min_rating=4.0)
    ratings = _input_ratings(synth_dir)
    out = pl.read_csv(result.interactions)
    assert out.height == ratings.filter(pl.col("rating") >= 4.0).height
    assert 0 < out.height < ratings.height


def test_event_value_variant_follows_its_schema(synth_dir: Path, tmp_path: Path) -> None:
    result = prepare(synth_dir, tmp_path, with_event_value=True)
    _assert_matches_schema(result.interactions, "Interactions", with_event_value=True)
    out = pl.read_csv(result.interactions)
    assert out["EVENT_TYPE"].unique().to_list() == [EVENT_TYPE]
    assert out["EVENT_VALUE"].to_list() == _input_ratings(synth_dir)["rating"].to_list()


def _count_puts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many frames reach the writer thread (to prove a run really was split in batches)."""
    puts: list[int] = []
    real_put = CsvWriterThread.put

    def counting_put(self: CsvWriterThread, frame: pl.DataFrame) -> None:
        puts.append(frame.height)
        real_put(self, frame)

    monkeypatch.setattr(CsvWriterThread, "put", counting_put)
    return puts


def test_many_batches_give_the_same_output_as_one(
    synth_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches go through the writer thread in file order, the header once, same figures."""
    one = prepare(synth_dir, tmp_path / "one")
    monkeypatch.setattr(prepare_module, "BATCH_ROWS", 97)
    puts = _count_puts(monkeypatch)
    many = prepare(synth_dir, tmp_path / "many")
    assert len(puts) > 20
    assert many.interactions.read_bytes() == one.interactions.read_bytes()
    assert many.report_file.read_bytes() == one.report_file.read_bytes()


def test_ids_outside_the_dense_range_are_counted(
    source_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Negative and huge IDs (hashed counts, merged across batches) count like the others."""
    odd_rows = (
        "-3,1,4.0,1200000001\n-3,2,4.0,1200000002\n"  # a negative user with two ratings
        "10000000000,1099511627776,4.0,1200000003\n"  # a huge user and item, one rating each
        "-3,1099511627776,4.0,1200000004\n"
    )
    text = GOOD_HEADER + odd_rows + _many_rows() + odd_rows.replace("-3,", "-4,")
    monkeypatch.setattr(prepare_module, "BATCH_ROWS", 50)
    monkeypatch.setattr(fold_module, "MERGE_EVERY", 2)
    result = prepare(_replace_ratings(source_dir, text), tmp_path / "out")
    stats = json.loads(result.report_file.read_text())["files"][0]["stats"]
    ratings = pl.read_csv(io.StringIO(text))
    per_user = ratings.group_by("userId").len()
    assert stats["users"] == per_user.height == 33
    assert stats["items"] == ratings["movieId"].n_unique() == 41
    assert stats["users_with_2plus_interactions"] == per_user.filter(pl.col("len") >= 2).height
    assert stats["rows"] == ratings.height


class _FullDisk(io.RawIOBase):
    """A file whose every write fails as on a full disk."""

    def __init__(self) -> None:
        self.writes = 0

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        self.writes += 1
        raise OSError(28, "No space left on device")


def test_a_failed_write_reaches_the_caller_and_stops_writing() -> None:
    disk = _FullDisk()
    with pytest.raises(OSError, match="No space left"), CsvWriterThread(disk) as writer:
        for _ in range(10):
            writer.put(pl.DataFrame({"a": [1, 2]}))
    assert disk.writes == 1


# --- bad input: a one-line DataError, and nothing written ---------------------------------------


def _assert_nothing_written(out_dir: Path) -> None:
    left = sorted(p.name for p in out_dir.iterdir()) if out_dir.exists() else []
    assert left == [], left


def _replace_ratings(source_dir: Path, text: str) -> Path:
    (source_dir / "ratings.csv").write_text(text, encoding="utf-8")
    return source_dir


GOOD_HEADER = "userId,movieId,rating,timestamp\n"


def _many_rows(n_users: int = 30, per_user: int = 40) -> str:
    return "".join(
        f"{u},{m},4.0,{1_200_000_000 + u * 1000 + m}\n"
        for u in range(1, n_users + 1)
        for m in range(1, per_user + 1)
    )


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        ("userId,movieId,rating\n1,2,3.0\n", "missing column(s) timestamp"),
        ("userId,itemId,rating,timestamp\n1,2,3.0,1200000000\n", "movieId"),
        ("", "empty"),
        (GOOD_HEADER + _many_rows() + "x7,5,3.0,1200000000\n", "'x7' is not an integer"),
        (GOOD_HEADER + _many_rows() + "7,5,3.0,yesterday\n", "timestamp 'yesterday'"),
        (GOOD_HEADER + _many_rows() + "7,5,3.0,1200000000000\n", "milliseconds"),
        (GOOD_HEADER, "min-interactions (at least 1000 interactions): 0 interactions"),
        (GOOD_HEADER + _many_rows(n_users=5, per_user=300), "5 users with two or more"),
        (GOOD_HEADER + _many_rows(n_users=30, per_user=20), ": 600 interactions"),
    ],
    ids=[
        "missing-column",
        "renamed-column",
        "empty-file",
        "non-numeric-id",
        "non-numeric-timestamp",
        "millisecond-timestamp",
        "header-only",
        "too-few-users",
        "too-few-interactions",
    ],
)
def test_bad_ratings_fail_cleanly(
    source_dir: Path, tmp_path: Path, ratings: str, expected: str
) -> None:
    out = tmp_path / "out"
    with pytest.raises(DataError) as info:
        prepare(_replace_ratings(source_dir, ratings), out)
    message = info.value.one_line()
    assert expected in message
    assert "ratings.csv" in message
    assert "\n" not in message
    _assert_nothing_written(out)


def test_non_numeric_id_names_the_row(source_dir: Path, tmp_path: Path) -> None:
    text = GOOD_HEADER + _many_rows() + "x7,5,3.0,1200000000\n"
    with pytest.raises(DataError, match=r"data row 1201 \(line 1202\)"):
        prepare(_replace_ratings(source_dir, text), tmp_path / "out")


def test_previous_outputs_survive_a_failed_run(
    synth_dir: Path, source_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    good = prepare(synth_dir, out)
    before = good.interactions.read_bytes()
    with pytest.raises(DataError):
        prepare(_replace_ratings(source_dir, GOOD_HEADER), out)
    assert good.interactions.read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == OUTPUTS


def test_broken_quote_in_movies(source_dir: Path, tmp_path: Path) -> None:
    movies = source_dir / "movies.csv"
    lines = movies.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = lines[3].replace(",", ',"', 1)  # opens a quote that never closes properly
    movies.write_text("".join(lines), encoding="utf-8")
    out = tmp_path / "out"
    with pytest.raises(DataError, match=r"movies\.csv.*(broken quote|fields)"):
        prepare(source_dir, out)
    _assert_nothing_written(out)


def test_truncated_zip(synth_zip: Path, tmp_path: Path) -> None:
    data = synth_zip.read_bytes()
    bad = tmp_path / "truncated.zip"
    bad.write_bytes(data[: len(data) // 2])
    out = tmp_path / "out"
    with pytest.raises(DataError, match="truncated or corrupt"):
        prepare(bad, out)
    _assert_nothing_written(out)


def test_corrupt_zip_member(synth_zip: Path, tmp_path: Path) -> None:
    data = bytearray(synth_zip.read_bytes())
    with zipfile.ZipFile(synth_zip) as zf:
        info = zf.getinfo("ml-25m/ratings.csv")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 200
    data[start : start + 64] = bytes(64)  # zero out compressed bytes inside ratings.csv
    bad = tmp_path / "corrupt.zip"
    bad.write_bytes(bytes(data))
    out = tmp_path / "out"
    with pytest.raises(DataError, match="corrupt"):
        prepare(bad, out)
    _assert_nothing_written(out)


def test_zip_without_ratings(synth_dir: Path, tmp_path: Path) -> None:
    bad = zip_with(
        tmp_path / "noratings.zip", {"ml-25m/movies.csv": (synth_dir / "movies.csv").read_bytes()}
    )
    out = tmp_path / "out"
    with pytest.raises(DataError, match=r"no ratings\.csv"):
        prepare(bad, out)
    _assert_nothing_written(out)


def test_missing_source(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        prepare(tmp_path / "nope.zip", tmp_path / "out")


def test_rating_is_read_and_checked_only_where_it_is_written(
    source_dir: Path, tmp_path: Path
) -> None:
    """A plain Interactions file has no rating, so an empty one there cannot hurt the import."""
    _replace_ratings(source_dir, GOOD_HEADER + _many_rows() + "7,5,,1200000000\n")
    plain = prepare(source_dir, tmp_path / "plain")
    assert plain.report.ok
    with pytest.raises(DataError, match=r"breaks rule required .*: EVENT_VALUE: 1 row\.") as info:
        prepare(source_dir, tmp_path / "event-value", with_event_value=True)
    assert "interactions.csv" in info.value.one_line() and "ratings.csv" in info.value.one_line()
    _assert_nothing_written(tmp_path / "event-value")


def test_an_unread_bad_rating_is_not_blamed_for_a_bad_id(source_dir: Path, tmp_path: Path) -> None:
    """The plain variant does not read rating: the error names the bad value it did read."""
    text = GOOD_HEADER + "1,1,x,1200000000\n" + _many_rows() + "u9,5,4.0,1200000000\n"
    with pytest.raises(DataError, match=r"data row 1202 \(line 1203\): userId 'u9'"):
        prepare(_replace_ratings(source_dir, text), tmp_path / "out")
    text = GOOD_HEADER + "1,1,x,1200000000\n" + _many_rows()
    figures = prepare(_replace_ratings(source_dir, text), tmp_path / "ok").reports[0].figures
    assert figures is not None and figures.rows == 1201


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"min_rating": 3.0},
        {"with_event_value": True},
        {"with_event_value": True, "min_rating": 3.0},
    ],
)
def test_the_report_checks_the_fields_written(
    synth_dir: Path, tmp_path: Path, options: dict
) -> None:
    result = prepare(synth_dir, tmp_path, **options)
    schema = load_schema("Interactions", with_event_value=options.get("with_event_value", False))
    report = result.reports[0]
    assert report.figures is not None
    assert set(report.figures.breaks["required"]) == set(schema.field_names)
    header = next(c for c in report.checks if c.rule == "header")
    assert header.detail == ",".join(schema.field_names)


class _StallingFile(io.BytesIO):
    """Its first write waits until released, so frames pile up in the writer's queue."""

    def __init__(self, release: threading.Event) -> None:
        super().__init__()
        self.release = release

    def write(self, data: object) -> int:
        self.release.wait(10)
        return super().write(data)  # type: ignore[arg-type]


def test_frames_still_queued_when_the_caller_fails_are_not_written() -> None:
    release = threading.Event()
    stalling = _StallingFile(release)
    frames = [pl.DataFrame({"a": [n]}) for n in range(3)]
    threading.Timer(0.3, release.set).start()
    with pytest.raises(RuntimeError, match="caller failed"), CsvWriterThread(stalling) as writer:
        for frame in frames:
            writer.put(frame)  # the first is being written, two wait in the queue
        raise RuntimeError("caller failed")
    assert stalling.getvalue() == b"a\n0\n"


def test_ctrl_c_during_the_read_writes_nothing(
    synth_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Interrupted between batches (the writer thread holding some), no output appears."""
    monkeypatch.setattr(prepare_module, "BATCH_ROWS", 100)
    folded: list[int] = []
    real_add = fold_module.FiguresFold.add

    def add_then_interrupt(self: fold_module.FiguresFold, frame: pl.DataFrame) -> None:
        real_add(self, frame)
        folded.append(frame.height)
        if len(folded) == 3:
            signal.raise_signal(signal.SIGINT)  # as a user pressing Ctrl-C

    monkeypatch.setattr(fold_module.FiguresFold, "add", add_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        prepare(synth_dir, tmp_path / "out")
    assert len(folded) == 3
    _assert_nothing_written(tmp_path / "out")


# --- an output directory the operating system refuses: one error naming it ---------------------


def test_a_file_where_the_output_directory_should_be(synth_zip: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "data"
    blocker.write_text("not a directory")
    with pytest.raises(PersonalizeMovielensError) as info:
        prepare(synth_zip, blocker / "out")
    line = info.value.one_line()
    assert f"{blocker / 'out'}" in line and f"{blocker} is a file, not a directory" in line
    assert "--out-dir" in line
    assert blocker.read_text() == "not a directory"


def test_an_output_directory_name_the_system_refuses(synth_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / ("x" * 300)  # longer than any file system allows a name to be
    with pytest.raises(PersonalizeMovielensError) as info:
        prepare(synth_dir, out)
    assert str(out) in info.value.one_line() and "too long" in info.value.one_line()


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write in a read-only directory")
def test_a_read_only_output_directory(synth_zip: Path, tmp_path: Path) -> None:
    out = tmp_path / "read-only"
    out.mkdir()
    out.chmod(0o500)
    try:
        with pytest.raises(PersonalizeMovielensError) as info:
            prepare(synth_zip, out)
    finally:
        out.chmod(0o700)
    assert str(out) in info.value.one_line() and "Permission denied" in info.value.one_line()
    _assert_nothing_written(out)


def test_a_write_the_system_refuses_midway_is_one_error(
    synth_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As on a full disk or a directory made read-only during the run (root cannot be refused)."""

    def refused(self: pl.DataFrame, file: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pl.DataFrame, "write_csv", refused)
    out = tmp_path / "out"
    with pytest.raises(PersonalizeMovielensError) as info:
        prepare(synth_dir, out)
    assert info.value.one_line() == (
        f"Cannot write the output directory {out}: No space left on device. "
        "Hint: choose a --out-dir you can write to."
    )
    _assert_nothing_written(out)
