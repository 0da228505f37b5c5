"""The stand-in stack's outputs for the end-to-end tests of `events` and `batch` (a uniquely
named helper module).

`local up` provisions what the root stack declares by default, an event tracker and batch output
included (`enable_event_tracker`, `enable_batch_output`), so the outputs file is the stand-in's
own; only the test of a tracker the service does not know writes outputs of its own.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from personalize_movielens.local.provision import BATCH_OUTPUT_PREFIX

__all__ = ["BATCH_OUTPUT_PREFIX", "events_batch_stack"]


def events_batch_stack(stand_in: Any, tmp_path: Path, tracking_id: str | None = None) -> Path:
    """The stand-in's outputs file (its tracker ACTIVE, batch output granted), or outputs whose
    tracking ID is `tracking_id` as given, for a tracker the service does not know."""
    outputs = stand_in.outputs
    assert outputs.event_tracking_id is not None and outputs.batch_output_prefix is not None
    if tracking_id is None:
        return Path(stand_in.outputs_file)
    path = tmp_path / "events-batch-outputs.json"
    forged = replace(outputs, event_tracking_id=tracking_id)
    path.write_text(json.dumps(forged.to_json()), encoding="utf-8")
    return path
