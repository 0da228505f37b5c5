"""A zip member as a lazy polars frame, inflated as it is read: nothing is extracted to disk.

polars cannot scan a deflated member lazily (a file object is read whole into memory; a named
pipe reads as an empty file), and extracting 650 MB first cost more than the whole prepare
from a directory. So a thread inflates the member into a short queue of blocks (zlib releases
the GIL, so it runs on the second core) while polars parses the blocks already inflated: each
block is cut at its last line end, the partial line carried into the next. Memory stays at a
few blocks whatever the member's size.

Only for files whose records are single lines (no quoted line breaks): ratings and the like.
"""

from __future__ import annotations

import queue
import threading
import zipfile
import zlib
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
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


_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError)


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

    zipfile checks the CRC at the end, so a corrupt member raises after its last block: the
    caller must treat what it made from the blocks as unfinished until the iterator ends.
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
            with zipfile.ZipFile(member.zip) as zf, zf.open(member.name) as src:
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
