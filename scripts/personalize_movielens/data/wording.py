"""Small pieces of the data commands' messages, worded once."""

from __future__ import annotations


def row_count(n: int) -> str:
    """`n` rows, in words (for details and messages)."""
    return f"{n:,} row" if n == 1 else f"{n:,} rows"


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (polars' run to many), or its type's name."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
