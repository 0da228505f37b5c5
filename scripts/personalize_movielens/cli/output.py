"""How a command prints its result with --json: one path for every command."""

from __future__ import annotations

import json
from collections.abc import Sequence

from ..console import console
from ..results import JsonResult, JsonValue


def to_json(result: JsonResult | Sequence[JsonResult] | JsonValue) -> JsonValue:
    """The JSON value of a result, of a list of results, or of a value already JSON-ready."""
    if isinstance(result, JsonResult):
        return result.to_json()
    if isinstance(result, list | tuple) and all(isinstance(r, JsonResult) for r in result):
        return [r.to_json() for r in result]
    return result


def print_result(result: JsonResult | Sequence[JsonResult] | JsonValue) -> None:
    """Print a result's JSON on stdout, and nothing else: stdout must parse as one document.

    Progress, planned calls and notes go to stderr (console.info)."""
    console.print_json(json.dumps(to_json(result), ensure_ascii=False))
