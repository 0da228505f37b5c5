"""A zip member read as it is inflated, in polars frames: nothing is extracted to disk.

polars cannot scan a deflated member lazily (a file object is read whole into memory; a named
pipe reads as an empty file), and extracting 650 MB first cost more than the whole prepare
from a directory. So a thread inflates the member (ISA-L, 2-3x zlib's speed, releases the GIL,
so it runs on the second core) and cuts what it inflates into blocks of whole lines, the
partial line carried into the next, into a short queue, while polars parses the blocks already
cut. Memory stays at a few blocks whatever the member's size.

`member_csv_frames` hands the parsed blocks straight to the caller (the one pass of `data
prepare`: a polars IO source in between cost ~0.5 s of 2 at 25M ratings); `scan_member_csv`
wraps them as a lazy frame for the other readers.

Only for files whose records are single lines (no quoted line breaks): ratings and the like.
"""

from __future__ import annotations

import queue
import struct
import threading
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

import polars as pl
from isal import isal_zlib
from polars.io.plugins import register_io_source

from ..errors import DataError

#: Inflated bytes asked of ISA-L at a time.
BLOCK_BYTES = 8 << 20
#: Whole lines handed to one polars parse, at least (the last block may hold fewer): fewer,
#: larger parses cost less per row than one per inflated block (bench/results.md).
PARSE_BYTES = 16 << 20
#: Blocks cut ahead of the parse: enough to keep the inflating thread busy, few enough that
#: memory stays flat.
BLOCKS_AHEAD = 3


@dataclass(frozen=True)
class ZipMember:
    """One file inside a zip, by the zip's path and the member's name."""

    zip: Path
    name: str

    def __str__(self) -> str:
        return f"{self.zip}:{self.name}"


def corrupt(member: ZipMember, exc: BaseException) -> DataError:
    """The one error of an unreadable member (a bad CRC, truncated deflate data)."""
    return DataError(
        f"{member.zip}: the zip is corrupt ({member.name}: {exc}).",
        hint="delete it and download it again.",
    )


#: isal's stub types its error class as an instance of Exception.
_ISAL_ERROR = cast(type[Exception], isal_zlib.error)
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, _ISAL_ERROR, EOFError, OSError)

#: Compressed bytes read at a time on the fast path.
_READ_BYTES = 1 << 20
#: A local file header: signature, then fixed fields up to the name and extra field's lengths.
_LOCAL_HEADER = struct.Struct("<4s22xHH")
_LOCAL_SIGNATURE = b"PK\x03\x04"


def _fast_path(info: zipfile.ZipInfo) -> bool:
    """Whether the member is read past zipfile: plain deflate or stored, not encrypted.

    A data descriptor (flag bit 3) is no obstacle: the central directory that ZipInfo comes
    from holds the final CRC and sizes.
    """
    encrypted = info.flag_bits & 0x1
    return not encrypted and info.compress_type in (zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED)


def _raw_inflated(src: IO[bytes], info: zipfile.ZipInfo, size: int) -> Generator[bytes, None, None]:
    """The member's bytes inflated by ISA-L (2-3x zlib's speed), in blocks of at most `size`.

    Reads the raw deflate stream after the local header and checks the CRC-32 and size at the
    end, as zipfile does; raises zipfile.BadZipFile, isal_zlib.error or EOFError when corrupt.
    """
    src.seek(info.header_offset)
    signature, name_length, extra_length = _LOCAL_HEADER.unpack(src.read(_LOCAL_HEADER.size))
    if signature != _LOCAL_SIGNATURE:
        raise zipfile.BadZipFile(f"Bad magic number for file header of {info.filename!r}")
    src.seek(info.header_offset + _LOCAL_HEADER.size + name_length + extra_length)
    left, crc, length = info.compress_size, 0, 0

    def read(limit: int) -> bytes:
        nonlocal left
        chunk = src.read(min(limit, left))
        if len(chunk) < min(limit, left):
            raise EOFError("the member's data ends early")
        left -= len(chunk)
        return chunk

    def blocks() -> Iterator[bytes]:
        if info.compress_type == zipfile.ZIP_STORED:
            while left:
                yield read(size)
            return
        # ISA-L returns at most `size` bytes and keeps the input it has not used in
        # unconsumed_tail: feed that back in before reading more.
        inflater = isal_zlib.decompressobj(-15)
        while not inflater.eof:
            if block := inflater.decompress(inflater.unconsumed_tail, size):
                yield block
            elif left:
                yield inflater.decompress(read(_READ_BYTES), size)
            else:
                yield inflater.flush()
                if not inflater.eof:
                    raise EOFError("Compressed file ended before the end-of-stream marker")

    for block in blocks():
        if block:
            crc, length = isal_zlib.crc32(block, crc), length + len(block)
            yield block
    if crc != info.CRC or length != info.file_size:
        raise zipfile.BadZipFile(f"Bad CRC-32 for file {info.filename!r}")


def first_line(member: ZipMember) -> bytes:
    """The member's first line (its header), inflating no more than that."""
    try:
        with zipfile.ZipFile(member.zip) as zf, zf.open(member.name) as fh:
            return fh.readline()
    except _ZIP_ERRORS as exc:
        raise corrupt(member, exc) from exc


def _inflated(member: ZipMember, size: int) -> Generator[bytes, None, None]:
    """The member's bytes in blocks of at most `size`: deflated and stored members read raw and
    inflated by ISA-L, anything else (encrypted, other methods) through zipfile. Either checks
    the CRC at the end."""
    with zipfile.ZipFile(member.zip) as zf:
        info = zf.getinfo(member.name)
        if _fast_path(info):
            with member.zip.open("rb") as raw:
                yield from _raw_inflated(raw, info, size)
            return
        with zf.open(info) as src:
            while block := src.read(size):
                yield block


def verify_member(member: ZipMember) -> None:
    """Inflate the whole member and check its CRC-32; DataError (corrupt) if it fails.

    A pass that stops at a bad line never reaches the CRC at the end: a corrupt deflate stream
    inflates to garbage that reads as a malformed line, so the caller checks this first.
    """
    try:
        for _ in _inflated(member, BLOCK_BYTES):
            pass
    except _ZIP_ERRORS as exc:
        raise corrupt(member, exc) from exc


def _ahead(
    member: ZipMember, make: Callable[[], Generator[bytes, None, None]]
) -> Generator[bytes, None, None]:
    """The blocks `make()` yields, produced by a thread of their own ahead of the caller.

    A corrupt member raises after its last block: the caller must treat what it made from the
    blocks as unfinished until the iterator ends. Closing the iterator early stops the thread.
    """
    blocks: queue.Queue[bytes | BaseException | None] = queue.Queue(maxsize=BLOCKS_AHEAD)
    stop = threading.Event()

    def put(item: bytes | BaseException | None) -> bool:
        while not stop.is_set():
            try:
                blocks.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        made = make()
        try:
            for block in made:
                if not put(block):
                    return
            put(None)
        except BaseException as exc:  # handed to the reader, which raises it
            put(exc)
        finally:
            made.close()

    thread = threading.Thread(target=produce, name=f"inflate {member.name}", daemon=True)
    thread.start()
    try:
        while (item := blocks.get()) is not None:
            if isinstance(item, BaseException):
                if isinstance(item, _ZIP_ERRORS):
                    raise corrupt(member, item) from item
                raise item
            yield item
    finally:
        stop.set()
        thread.join()


def member_lines(member: ZipMember, header: bool) -> Generator[bytes, None, None]:
    """The member's inflated bytes in blocks of whole lines (`line_blocks`, each led by the
    header line if the member has one), inflated and cut by a thread ahead of the caller, so the
    caller's core only parses."""
    size, parse = BLOCK_BYTES, PARSE_BYTES
    return _ahead(member, lambda: line_blocks(_inflated(member, size), header, parse))


def line_blocks(
    blocks: Iterator[bytes], header: bool, min_bytes: int = 0
) -> Generator[bytes, None, None]:
    """Blocks joined and re-cut at line ends: each holds whole lines, at least `min_bytes` of
    them unless the data ends first; the last may lack its line end. With `header`, the first
    line is the header: it leads every block, so that polars parses each block as it parses
    the file (a block's first line is not where it counts the fields).

    Every byte is copied once (the join); the pieces before it are views, not copies.
    """
    lead: list[bytes | memoryview] = []  # the header line, once whole
    pieces: list[bytes | memoryview] = []  # since the last cut (the header's, until it ends)
    size = 0
    for block in blocks:
        start = 0
        if header:
            start = block.find(b"\n") + 1
            if not start:  # the header goes on into the next block
                pieces.append(block)
                continue
            lead, pieces, header = [b"".join([*pieces, memoryview(block)[:start]])], [], False
        view = memoryview(block)
        size += len(block) - start
        cut = block.rfind(b"\n", start) + 1
        if not cut or size - (len(block) - cut) < min_bytes:
            pieces.append(view[start:])
            continue
        yield b"".join([*lead, *pieces, view[start:cut]])
        pieces, size = [view[cut:]], len(block) - cut
    if size and not header:
        yield b"".join([*lead, *pieces])


def member_csv_frames(
    member: ZipMember,
    schema: dict[str, pl.DataType],
    *,
    has_header: bool,
    columns: list[str] | None = None,
    predicate: pl.Expr | None = None,
    n_rows: int | None = None,
    **options: Any,
) -> Generator[pl.DataFrame, None, None]:
    """The member parsed as pl.scan_csv would parse it were it extracted (`options` as
    scan_csv's), one frame per block of lines: `columns` of the rows `predicate` keeps, the
    first `n_rows` of them. Each call inflates the member anew.

    `quote_char` is always None: a record never spans lines.
    """
    if options.pop("quote_char", None) is not None:
        raise ValueError("member_csv_frames reads line records only: quote_char must be None")
    left = n_rows
    blocks = member_lines(member, header=has_header)
    try:
        for block in blocks:
            frame = pl.scan_csv(
                block, schema=schema, has_header=has_header, quote_char=None, **options
            )
            if predicate is not None:
                frame = frame.filter(predicate)
            if columns is not None:
                frame = frame.select(columns)
            parsed = frame.collect()
            if left is not None:
                parsed = parsed.head(left)
                left -= parsed.height
            yield parsed
            if left == 0:
                return
    finally:
        blocks.close()


def scan_member_csv(
    member: ZipMember,
    schema: dict[str, pl.DataType],
    *,
    has_header: bool,
    **options: Any,
) -> pl.LazyFrame:
    """The member as pl.scan_csv would scan it were it extracted (`options` as scan_csv's).

    `quote_char` is always None: a record never spans lines. Each scan inflates the member
    anew, so a second pass (a hold-out's cut, locating a bad value) costs a second inflate.
    """
    if options.get("quote_char") is not None:
        raise ValueError("scan_member_csv reads line records only: quote_char must be None")

    def source(
        columns: list[str] | None,
        predicate: pl.Expr | None,
        n_rows: int | None,
        _batch_size: int | None,
    ) -> Iterator[pl.DataFrame]:
        return member_csv_frames(
            member,
            schema,
            has_header=has_header,
            columns=columns,
            predicate=predicate,
            n_rows=n_rows,
            **options,
        )

    return register_io_source(source, schema=schema, explain_name=f"zip member {member}")
