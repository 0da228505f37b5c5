"""Personalize control-plane operations: one module per resource family.

| module | operations on |
| --- | --- |
| `dataset_groups` | dataset groups |
| `schemas` | schemas |
| `datasets` | datasets and dataset import jobs |
| `export_jobs` | dataset export jobs |
| `deletion_jobs` | data deletion jobs |
| `solutions` | solutions, solution versions and their metrics |
| `campaigns` | campaigns |
| `recommenders` | recommenders (Domain dataset groups' use cases) |
| `recipes` | recipes |
| `filters` | filters (the expression language is `emulator/filter_expression.py`) |
| `event_trackers` | event trackers (PutEvents itself is `emulator/events.py`) |
| `batch_jobs` | batch inference jobs |
| `tags` | the tags of every resource that takes them |

Each family module holds its resources' rules and registers one handler per operation with
`common.operation`; the wire format (JSON protocol, errors, request validation against
botocore's model) is the server's, shared by all. A new family (recommenders, filters, event
trackers, batch jobs) is a new module here, imported below, plus its kind in `store.KINDS`;
docs/local-emulator.md's operations table is generated from the registry
(`emulator/operations_table.py`).
"""

from . import (
    batch_jobs,
    campaigns,
    dataset_groups,
    datasets,
    deletion_jobs,
    event_trackers,
    export_jobs,
    filters,
    recipes,
    recommenders,
    schemas,
    solutions,
    tags,
)
from .common import HANDLERS, Handler

tags.check_creation_tags(HANDLERS)

FAMILIES = (
    dataset_groups,
    schemas,
    datasets,
    export_jobs,
    deletion_jobs,
    solutions,
    campaigns,
    recommenders,
    filters,
    recipes,
    event_trackers,
    batch_jobs,
    tags,
)

__all__ = ["FAMILIES", "HANDLERS", "Handler"]
