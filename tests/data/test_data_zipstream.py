"""prepare() straight from the zip (zip_stream.py): the same bytes as from the extracted files,
nothing extracted to disk, a corrupt member one error and no output, memory flat."""

from __future__ import annotations

import copy
import os
import struct
import subprocess
import sys
import tempfile
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from personalize_movielens.data import zip_stream
from personalize_movielens.data.prepare import prepare
from personalize_movielens.data.zip_stream import ZipMember, scan_member_csv
from personalize_movielens.errors import DataError

OUTPUTS = ("interactions.csv", "items.csv", "titles.csv")
HEADER = b"userId,movieId,rating,timestamp"


def _ratings(eol: bytes = b"\n", final_newline: bool = True) -> bytes:
    """Enough ratings to pass the rules: 60 users x 30 movies."""
    lines = [HEADER] + [
        b"%d,%d,%.1f,%d" % (u, m, 0.5 + (u * m) % 10 / 2, 1_000_000_000 + u * 1000 + m)
        for u in range(1, 61)
        for m in range(1, 31)
    ]
    text = eol.join(lines)
    return text + eol if final_newline else text


def _movies() -> bytes:
    rows = [b"movieId,title,genres"]
    for m in range(1, 31):
        title = b'"Movie, the %d, ""quoted"" (1999)"' % m if m % 2 else b"Plain %d (2001)" % m
        rows.append(b"%d,%s,Drama|Comedy" % (m, title))
    return b"\n".join(rows) + b"\n"


def _both(
    tmp_path: Path, ratings: bytes, compression: int, zip64: bool = False
) -> tuple[Path, Path]:
    """The same files as a zip (ml-25m/ folder) and as a directory."""
    directory = tmp_path / "dir"
    directory.mkdir()
    (directory / "ratings.csv").write_bytes(ratings)
    (directory / "movies.csv").write_bytes(_movies())
    zip_path = tmp_path / "ml-25m.zip"
    with zipfile.ZipFile(zip_path, "w", compression) as zf:
        with zf.open("ml-25m/ratings.csv", "w", force_zip64=zip64) as fh:
            fh.write(ratings)
        zf.writestr("ml-25m/movies.csv", _movies())
    return zip_path, directory


@pytest.fixture
def tiny_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """7-byte blocks, parsed 200 bytes or more at a time: every line of ratings.csv is cut
    somewhere by a block end, and each parse joins many blocks (of ~40 KB: ~200 parses)."""
    monkeypatch.setattr(zip_stream, "BLOCK_BYTES", 7)
    monkeypatch.setattr(zip_stream, "PARSE_BYTES", 200)


@pytest.mark.parametrize(
    ("eol", "final_newline", "compression", "zip64"),
    [
        (b"\n", True, zipfile.ZIP_DEFLATED, False),
        (b"\r\n", True, zipfile.ZIP_DEFLATED, False),
        (b"\n", False, zipfile.ZIP_DEFLATED, False),
        (b"\r\n", False, zipfile.ZIP_STORED, False),
        (b"\n", True, zipfile.ZIP_DEFLATED, True),
    ],
    ids=["lf", "crlf", "no-final-newline", "stored-crlf-no-final", "zip64"],
)
@pytest.mark.parametrize("options", [{}, {"with_event_value": True, "hold_out": 50}])
@pytest.mark.usefixtures("tiny_blocks")
def test_zip_and_directory_give_the_same_bytes(
    tmp_path: Path,
    eol: bytes,
    final_newline: bool,
    compression: int,
    zip64: bool,
    options: dict[str, object],
) -> None:
    zip_path, directory = _both(tmp_path, _ratings(eol, final_newline), compression, zip64)
    a = prepare(zip_path, tmp_path / "from-zip", **options)  # type: ignore[arg-type]
    b = prepare(directory, tmp_path / "from-dir", **options)  # type: ignore[arg-type]
    names = OUTPUTS + (("held-out-events.csv",) if options else ())
    for name in names:
        assert (tmp_path / "from-zip" / name).read_bytes() == (
            tmp_path / "from-dir" / name
        ).read_bytes(), name
    assert a.report.files[0].figures == b.report.files[0].figures
    assert a.report.files[0].figures.rows == 60 * 30 - (50 if options else 0)


def _errors_without_source(zip_path: Path, directory: Path, out: Path) -> list[str]:
    """prepare()'s error from the zip and from the directory, each less its source's name."""
    messages = []
    for source in (zip_path, directory):
        with pytest.raises(DataError) as err:
            prepare(source, out)
        messages.append(str(err.value).split(": ", 1)[1])
    return messages


def test_a_bad_value_is_located_in_the_zip_as_in_the_directory(
    tmp_path: Path, tiny_blocks: None
) -> None:
    ratings = _ratings().replace(b"\n7,3,", b"\n7,x3,", 1)
    zip_path, directory = _both(tmp_path, ratings, zipfile.ZIP_DEFLATED)
    messages = _errors_without_source(zip_path, directory, tmp_path / "out")
    assert messages[0] == messages[1]
    assert "movieId 'x3' is not an integer" in messages[0]


def _bad_crc_zip(tmp_path: Path) -> Path:
    """A stored ratings.csv with one byte changed after the CRC was written."""
    zip_path, _ = _both(tmp_path, _ratings(), zipfile.ZIP_STORED)
    data = bytearray(zip_path.read_bytes())
    at = data.index(b"\n60,30,") + 1
    data[at] = ord("5")  # still a valid rating: only the CRC can tell
    zip_path.write_bytes(bytes(data))
    return zip_path


def test_a_bad_crc_fails_with_one_line_and_leaves_no_output(tmp_path: Path) -> None:
    zip_path = _bad_crc_zip(tmp_path)
    out = tmp_path / "out"
    with pytest.raises(DataError) as err:
        prepare(zip_path, out)
    message = str(err.value)
    assert "\n" not in message
    assert "the zip is corrupt" in message and "ml-25m/ratings.csv" in message and "CRC" in message
    assert not out.exists() or list(out.iterdir()) == []


def test_a_bad_crc_through_the_cli(tmp_path: Path) -> None:
    zip_path = _bad_crc_zip(tmp_path)
    out = tmp_path / "out"
    cli = Path(sys.executable).with_name("personalize-movielens")
    env = os.environ | {"PYTHONPATH": str(Path(zip_stream.__file__).parents[2])}
    proc = subprocess.run(
        [str(cli), "data", "prepare", "--source", str(zip_path), "--out-dir", str(out)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert proc.returncode != 0
    assert "Bad CRC-32" in proc.stderr + proc.stdout
    assert not out.exists() or list(out.iterdir()) == []


def test_nothing_is_extracted_to_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_blocks: None
) -> None:
    """While blocks are parsed and after, neither the output directory nor the temporary
    directory holds anything but the outputs being written."""
    zip_path, _ = (
        _both(tmp_path / "src", _ratings(), zipfile.ZIP_DEFLATED)
        if ((tmp_path / "src").mkdir() or True)
        else (None, None)
    )
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    out = tmp_path / "out"
    seen: list[set[str]] = []
    real = zip_stream.line_blocks

    def watching(blocks: Iterator[bytes], header: bool, min_bytes: int) -> Iterator[bytes]:
        for block in real(blocks, header, min_bytes):
            seen.append({p.name for p in out.rglob("*")} | {p.name for p in tmp.rglob("*")})
            yield block

    monkeypatch.setattr(zip_stream, "line_blocks", watching)
    prepare(zip_path, out)
    assert len(seen) > 100  # the check ran during the stream
    during = set().union(*seen)
    assert all(name.endswith(".tmp") or name.startswith(".") for name in during), during
    assert not any("ratings" in name for name in during), during
    assert list(tmp.iterdir()) == []
    assert sorted(p.name for p in out.iterdir()) == sorted([*OUTPUTS, "validation-report.json"])


def test_stopping_early_stops_the_inflating_thread(tmp_path: Path, tiny_blocks: None) -> None:
    zip_path, _ = _both(tmp_path, _ratings(), zipfile.ZIP_DEFLATED)
    schema = {
        "userId": pl.Int64(),
        "movieId": pl.Int64(),
        "rating": pl.Float64(),
        "timestamp": pl.Int64(),
    }
    head = scan_member_csv(ZipMember(zip_path, "ml-25m/ratings.csv"), schema, has_header=True)
    assert head.head(3).collect(engine="streaming").height == 3
    # By name: polars may start threads of its own on a first collect.
    assert not [t for t in threading.enumerate() if t.name.startswith("inflate ")]


_PEAK = """
import resource, sys
from pathlib import Path
import polars as pl
from personalize_movielens.data.zip_stream import ZipMember, scan_member_csv
schema = {c: pl.Int64() for c in ("userId", "movieId", "rating", "timestamp")}
lf = scan_member_csv(ZipMember(Path(sys.argv[1]), "r.csv"), schema, has_header=True)
rows = sum(b.height for b in lf.collect_batches(chunk_size=1_000_000, engine="streaming"))
print(rows, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def _peak_mb(tmp_path: Path, lines: int) -> int:
    path = tmp_path / f"r{lines}.zip"
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf,
        zf.open("r.csv", "w") as fh,
    ):
        fh.write(HEADER + b"\n")
        for _ in range(lines // 1_000_000):
            fh.write(b"123456,654321,5,1234567890\n" * 1_000_000)
    env = os.environ | {"PYTHONPATH": str(Path(zip_stream.__file__).parents[2])}
    proc = subprocess.run(
        [sys.executable, "-c", _PEAK, str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    rows, peak = map(int, proc.stdout.split())
    assert rows == lines
    return peak


def test_memory_stays_flat_as_the_member_grows(tmp_path: Path) -> None:
    """4x the rows (135 MB -> 540 MB inflated) within 100 MB more peak RSS: buffering the
    member would add 400 MB. (Below ~5M rows the peak still rises as polars' pools fill:
    152 MB at 1M, 236 at 5M, 241 at 10M, 280 at 20M, 268 at 40M.)"""
    small, large = _peak_mb(tmp_path, 5_000_000), _peak_mb(tmp_path, 20_000_000)
    assert large - small < 100, (small, large)


def _ratings_member(zip_path: Path) -> tuple[zipfile.ZipInfo, int]:
    """ml-25m/ratings.csv's ZipInfo and where its compressed bytes start (past the local
    header: 30 bytes, then the name and extra field whose lengths it holds at 26)."""
    with zipfile.ZipFile(zip_path) as zf:
        info = zf.getinfo("ml-25m/ratings.csv")
    data = zip_path.read_bytes()
    name_length, extra_length = struct.unpack_from("<HH", data, info.header_offset + 26)
    return info, info.header_offset + 30 + name_length + extra_length


def _deflated_ratings_zip(tmp_path: Path) -> tuple[Path, zipfile.ZipInfo, int]:
    """A deflated ratings.csv, its ZipInfo and where its compressed bytes start."""
    zip_path, _ = _both(tmp_path, _ratings(), zipfile.ZIP_DEFLATED)
    return zip_path, *_ratings_member(zip_path)


def _one_line_corrupt(zip_path: Path, out: Path) -> str:
    with pytest.raises(DataError) as err:
        prepare(zip_path, out)
    message = str(err.value)
    assert "\n" not in message
    assert "the zip is corrupt" in message and "ml-25m/ratings.csv" in message
    assert not out.exists() or list(out.iterdir()) == []
    return message


def test_a_wrong_crc_of_a_deflated_member_is_one_line(tmp_path: Path) -> None:
    """The data inflates cleanly; only the CRC-32 (in the local header and the central
    directory alike) disagrees with it."""
    zip_path, info, _ = _deflated_ratings_zip(tmp_path)
    right = struct.pack("<I", info.CRC)
    data = zip_path.read_bytes()
    assert data.count(right) == 2
    zip_path.write_bytes(data.replace(right, struct.pack("<I", info.CRC ^ 1)))
    assert "Bad CRC-32" in _one_line_corrupt(zip_path, tmp_path / "out")


@pytest.mark.parametrize("where", [0.25, 0.5, 0.9])
def test_a_corrupted_deflate_byte_is_one_line(tmp_path: Path, where: float) -> None:
    """One compressed byte flipped: ISA-L rejects the stream or inflates other bytes, which
    the CRC-32 then catches."""
    zip_path, info, start = _deflated_ratings_zip(tmp_path)
    data = bytearray(zip_path.read_bytes())
    data[start + int(info.compress_size * where)] ^= 0xFF
    zip_path.write_bytes(bytes(data))
    _one_line_corrupt(zip_path, tmp_path / "out")


def test_deflate_data_ending_early_is_an_error(tmp_path: Path) -> None:
    """The member's compressed bytes end before the deflate stream's end marker."""
    zip_path, info, _ = _deflated_ratings_zip(tmp_path)
    short = copy.copy(info)
    short.compress_size -= 40
    with zip_path.open("rb") as raw, pytest.raises(EOFError, match="end-of-stream"):
        list(zip_stream._raw_inflated(raw, short, 1000))


@pytest.mark.parametrize("compression", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
@pytest.mark.usefixtures("tiny_blocks")
def test_other_compression_methods_read_through_zipfile(tmp_path: Path, compression: int) -> None:
    """Methods ISA-L does not inflate fall back to zipfile, with the same output."""
    zip_path, directory = _both(tmp_path, _ratings(), compression)
    prepare(zip_path, tmp_path / "from-zip")
    prepare(directory, tmp_path / "from-dir")
    for name in OUTPUTS:
        assert (tmp_path / "from-zip" / name).read_bytes() == (
            tmp_path / "from-dir" / name
        ).read_bytes(), name


def test_deflated_members_are_inflated_past_zipfile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fast path is taken: zipfile's reader is never opened on ratings.csv."""
    zip_path, _, _ = _deflated_ratings_zip(tmp_path)
    real = zipfile.ZipFile.open

    def no_ratings(self: zipfile.ZipFile, name: str | zipfile.ZipInfo, *args: object) -> object:
        member = name.filename if isinstance(name, zipfile.ZipInfo) else name
        assert not member.endswith("ratings.csv"), "ratings.csv went through zipfile"
        return real(self, name, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(zipfile.ZipFile, "open", no_ratings)
    blocks = list(zip_stream._inflated(ZipMember(zip_path, "ml-25m/ratings.csv"), 1000))
    assert b"".join(blocks) == _ratings()
    assert max(map(len, blocks)) == 1000


def _cut(data: bytes, ends: list[int]) -> Iterator[bytes]:
    """`data` in blocks ending at `ends` (sorted offsets), the rest as a last block."""
    start = 0
    for end in [*ends, len(data)]:
        yield data[start:end]
        start = end


@pytest.mark.parametrize("seed", range(40))
def test_line_blocks_rejoin_to_the_data_each_led_by_the_header(seed: int) -> None:
    """Whatever the block ends and the minimum: with a header, each block starts with it;
    without it, the blocks rejoin to the data after the header; each but the last ends a line
    and holds at least the minimum besides the header."""
    import random

    rng = random.Random(seed)
    lines = [b"h,e,a,d"] + [b"x" * rng.randint(0, 12) for _ in range(rng.randint(0, 40))]
    data = b"\n".join(lines) + (b"\n" if rng.random() < 0.5 else b"")
    ends = sorted(rng.sample(range(1, len(data)), min(len(data) - 1, rng.randint(0, 30))))
    min_bytes = rng.choice([0, 1, 5, 30, 1000])
    header = rng.random() < 0.7
    out = list(zip_stream.line_blocks(_cut(data, ends), header, min_bytes))
    lead = b"h,e,a,d\n" if header else b""
    assert all(block.startswith(lead) and len(block) > len(lead) for block in out)
    body = [block[len(lead) :] for block in out]
    assert b"".join(body) == (data.partition(b"\n")[2] if header else data)
    for block in body[:-1]:
        assert block.endswith(b"\n") and len(block) >= min_bytes, (block, min_bytes)


def test_a_header_longer_than_a_block_leads_each_block_whole() -> None:
    blocks = [b"userId,mov", b"ieId,rating,tim", b"estamp\n1,2,3,4\n5,", b"6,7,8\n"]
    head = b"userId,movieId,rating,timestamp\n"
    assert list(zip_stream.line_blocks(iter(blocks), True)) == [
        head + b"1,2,3,4\n",
        head + b"5,6,7,8\n",
    ]
    assert list(zip_stream.line_blocks(iter(blocks[:2]), True)) == []


def test_member_csv_frames_filter_on_a_column_they_do_not_return(tmp_path: Path) -> None:
    """--min-rating keeps rows by rating without writing it: the filter comes before the
    projection, as in a lazy plan."""
    zip_path, _ = _both(tmp_path, _ratings(), zipfile.ZIP_DEFLATED)
    schema = {c: pl.Int64() for c in ("userId", "movieId", "timestamp")} | {"rating": pl.Float64()}
    schema = {c: schema[c] for c in ("userId", "movieId", "rating", "timestamp")}
    member = ZipMember(zip_path, "ml-25m/ratings.csv")
    frames = zip_stream.member_csv_frames(
        member, schema, has_header=True, columns=["userId"], predicate=pl.col("rating") >= 4.5
    )
    got = pl.concat(list(frames))
    expected = (
        pl.read_csv(_ratings(), schema=schema).filter(pl.col("rating") >= 4.5).select("userId")
    )
    assert got.columns == ["userId"] and got.equals(expected) and got.height > 0


def test_the_pass_from_a_zip_parses_blocks_without_a_polars_io_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_blocks: None
) -> None:
    """data prepare's one read hands the parsed blocks straight to the pass: an IO source in
    between cost ~0.5 s of ~2 at 25M ratings (bench/results.md)."""
    zip_path, _ = _both(tmp_path, _ratings(), zipfile.ZIP_DEFLATED)

    real = zip_stream.register_io_source

    def refused(*args: object) -> Iterator[pl.DataFrame]:
        raise AssertionError("the pass read through a polars IO source")

    def unread(_source: object, **kwargs: Any) -> pl.LazyFrame:
        return real(refused, **kwargs)  # declaring one is allowed, reading it is not

    monkeypatch.setattr(zip_stream, "register_io_source", unread)
    assert prepare(zip_path, tmp_path / "out").report.files[0].figures.rows == 60 * 30


@pytest.mark.parametrize("blank_lines", [1, 30])
def test_blank_lines_in_a_block_of_their_own_fail_as_in_the_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, blank_lines: int
) -> None:
    """Blank lines after the last rating, inflated in a block of their own (the ratings fill
    the first block exactly): polars reads them from a file as a line short of fields, and so
    must the zip's read, not skip them."""
    monkeypatch.setattr(zip_stream, "BLOCK_BYTES", len(_ratings()))
    monkeypatch.setattr(zip_stream, "PARSE_BYTES", 1)
    zip_path, directory = _both(tmp_path, _ratings() + b"\n" * blank_lines, zipfile.ZIP_DEFLATED)
    messages = _errors_without_source(zip_path, directory, tmp_path / "out")
    assert messages[0] == messages[1]
    assert messages[0].startswith("line 1802 has 1 fields"), messages[0]
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


@pytest.fixture(scope="module")
def synthetic_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from personalize_movielens.data.synth import write_synthetic_movielens

    path = tmp_path_factory.mktemp("synth") / "ml-25m.zip"
    write_synthetic_movielens(path, ratings=200_000, seed=0)
    return path


@pytest.mark.parametrize("seed", range(6))
def test_a_corrupt_stream_is_reported_as_corrupt_not_as_a_bad_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, synthetic_zip: Path, seed: int
) -> None:
    """A bit flipped early in a member many parses long: the garbage it inflates to mostly
    reads as a malformed line long before the CRC at the end (seeds 1, 2, 4, 5 did so), yet the
    zip is what is wrong, and the error says so."""
    import random

    rng = random.Random(seed)
    monkeypatch.setattr(zip_stream, "BLOCK_BYTES", 16 << 10)
    monkeypatch.setattr(zip_stream, "PARSE_BYTES", 64 << 10)
    info, start = _ratings_member(synthetic_zip)
    data = bytearray(synthetic_zip.read_bytes())
    data[start + int(info.compress_size * rng.uniform(0.05, 0.3))] ^= 1 << rng.randrange(8)
    zip_path = tmp_path / "ml-25m.zip"
    zip_path.write_bytes(bytes(data))
    _one_line_corrupt(zip_path, tmp_path / "out")


@pytest.mark.parametrize("at_block_start", [False, True])
@pytest.mark.parametrize("line", [b"", b" ", b"\r", b"1,2,3"])
def test_a_short_line_reads_as_from_the_directory_wherever_it_falls(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: bytes, at_block_start: bool
) -> None:
    """A blank or short line right after the header, or first in a parse block: polars counts a
    block's fields on its first line, so parsed alone such a block failed where the file reads
    a row of nulls (which --min-rating then drops). Each block is led by the header now."""
    ratings = _ratings()
    head, _, rest = ratings.partition(b"\n")
    if at_block_start:  # the ratings before it fill the first block exactly
        first = rest[: rest.index(b"\n", 2000) + 1]
        data = head + b"\n" + first + line + b"\n" + rest[len(first) :]
        monkeypatch.setattr(zip_stream, "BLOCK_BYTES", len(head) + 1 + len(first))
        monkeypatch.setattr(zip_stream, "PARSE_BYTES", 1)
    else:
        data = head + b"\n" + line + b"\n" + rest
    zip_path, directory = _both(tmp_path, data, zipfile.ZIP_STORED)
    for options in ({}, {"min_rating": 3.5}):
        results = []
        for source, out in ((zip_path, "from-zip"), (directory, "from-dir")):
            try:
                prepare(source, tmp_path / out, **options)  # type: ignore[arg-type]
                results.append((tmp_path / out / "interactions.csv").read_bytes())
            except DataError as exc:
                results.append(str(exc).split(": ", 1)[1].encode())
        assert results[0] == results[1], (options, results[0][:200], results[1][:200])
