"""A zip member as a lazy polars frame, inflated as it is read: nothing is extracted to disk.

polars cannot scan a deflated member lazily (a file object is read whole into memory; a named
pipe reads as an empty file), and extracting 650 MB first cost more than the whole prepare
from a directory. So a thread inflates the member into a short queue of blocks (ISA-L, 2-3x
zlib's speed, releases the GIL, so it runs on the second core) while polars parses the blocks
already inflated: each block is cut at its last line end, the partial line carried into the
next. Memory stays at a few blocks whatever the member's size.

Only for files whose records are single lines (no quoted line breaks): ratings and the like.
"""

from __future__ import annotations

import queue
import struct
import threading
import zipfile
import zlib
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

import polars as pl
from isal import isal_zlib
from polars.io.plugins import register_io_source

from ..errors import DataError

#: Inflated bytes per block: 8 MiB parsed in step with inflating was the fastest measured (4 MiB
#: as fast, 16 and 32 MiB slower; bench/results.md).
BLOCK_BYTES = 8 << 20
#: Blocks inflated ahead of the parse: enough to keep the inflating thread busy, few enough
#: that memory stays flat.
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
        # ISA-L takes in all the input it is given and holds back the output past `size`
        # (unconsumed_tail stays empty): drain it before reading more.
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


def member_blocks(
    member: ZipMember, block_bytes: int | None = None
) -> Generator[bytes, None, None]:
    """The member's inflated bytes in blocks, inflated by a thread ahead of the caller.

    Deflated and stored members are read raw and inflated by ISA-L; anything else (encrypted,
    other methods) through zipfile. Either checks the CRC at the end, so a corrupt member raises
    after its last block: the caller must treat what it made from the blocks as unfinished
    until the iterator ends.
    Closing the iterator early stops the thread.
    """
    size = block_bytes or BLOCK_BYTES
    blocks: queue.Queue[bytes | BaseException] = queue.Queue(maxsize=BLOCKS_AHEAD)
    stop = threading.Event()

    def put(item: bytes | BaseException) -> bool:
        while not stop.is_set():
            try:
                blocks.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def inflate() -> None:
        try:
            with zipfile.ZipFile(member.zip) as zf:
                info = zf.getinfo(member.name)
                if _fast_path(info):
                    with member.zip.open("rb") as raw:
                        for block in _raw_inflated(raw, info, size):
                            if not put(block):
                                return
                    put(b"")
                    return
                with zf.open(info) as src:
                    while put(block := src.read(size)) and block:
                        pass
        except BaseException as exc:  # handed to the reader, which raises it
            put(exc)

    thread = threading.Thread(target=inflate, name=f"inflate {member.name}", daemon=True)
    thread.start()
    try:
        while True:
            item = blocks.get()
            if isinstance(item, BaseException):
                if isinstance(item, _ZIP_ERRORS):
                    raise corrupt(member, item) from item
                raise item
            if not item:
                return
            yield item
    finally:
        stop.set()
        thread.join()


def line_blocks(blocks: Iterator[bytes], skip_first_line: bool) -> Iterator[bytes]:
    """Blocks re-cut at line ends: each holds whole lines, the last may lack its line end."""
    carry = b""
    for block in blocks:
        data = carry + block if carry else block
        if skip_first_line:
            end = data.find(b"\n")
            if end < 0:
                carry = data
                continue
            data, skip_first_line = data[end + 1 :], False
        cut = data.rfind(b"\n") + 1
        carry = data[cut:]
        if cut:
            yield data[:cut]
    if carry and not skip_first_line:
        yield carry


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
    if options.pop("quote_char", None) is not None:
        raise ValueError("scan_member_csv reads line records only: quote_char must be None")

    def parse(block: bytes, columns: list[str] | None, predicate: pl.Expr | None) -> pl.DataFrame:
        frame = pl.scan_csv(block, schema=schema, has_header=False, quote_char=None, **options)
        if columns is not None:
            frame = frame.select(columns)
        if predicate is not None:
            frame = frame.filter(predicate)
        return frame.collect()

    def source(
        columns: list[str] | None,
        predicate: pl.Expr | None,
        n_rows: int | None,
        _batch_size: int | None,
    ) -> Iterator[pl.DataFrame]:
        left = n_rows
        blocks = member_blocks(member)
        try:
            for block in line_blocks(blocks, skip_first_line=has_header):
                if not block.strip():  # blank lines only: polars reads them as no rows
                    continue
                frame = parse(block, columns, predicate)
                if left is not None:
                    frame = frame.head(left)
                    left -= frame.height
                yield frame
                if left == 0:
                    return
        finally:
            blocks.close()

    return register_io_source(source, schema=schema, explain_name=f"zip member {member}")
