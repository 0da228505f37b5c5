"""Personalize control-plane operations: one module per resource family.

| module | operations on |
| --- | --- |
| `dataset_groups` | dataset groups |
| `schemas` | schemas |
| `datasets` | datasets and dataset import jobs |
| `solutions` | solutions, solution versions and their metrics |
| `campaigns` | campaigns |
| `recipes` | recipes |

Each family module holds its resources' rules and registers one handler per operation with
`common.operation`; the wire format (JSON protocol, errors, request validation against
botocore's model) is the server's, shared by all. A new family (recommenders, filters, event
trackers, batch jobs) is a new module here, imported below, plus its kind in `store.KINDS`
and its row in docs/local-emulator.md.
"""

from . import campaigns, dataset_groups, datasets, recipes, schemas, solutions
from .common import HANDLERS, Handler

FAMILIES = (dataset_groups, schemas, datasets, solutions, campaigns, recipes)

__all__ = ["FAMILIES", "HANDLERS", "Handler"]
