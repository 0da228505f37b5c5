"""The one JSON form of a command's result.

Every library function a command calls returns a result type with `to_json()`: the JSON-ready
value (dicts, lists, strings, numbers, booleans, None) that `--json` prints. The CLI prints it
through `cli.output.print_result`, so every command's JSON comes from one path, and tests read
the same value through the library without parsing printed text.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

JsonValue = Any  # dict | list | str | int | float | bool | None, nested


@runtime_checkable
class JsonResult(Protocol):
    """A result with one JSON form."""

    def to_json(self) -> JsonValue: ...
