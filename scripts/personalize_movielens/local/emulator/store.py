"""The emulator's resources, in memory, behind one lock (the server answers on many threads).

Each resource is the dict the API returns (its describe shape), plus private keys starting with
"_" that are stripped before answering. Imported data and trained models live beside them.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .errors import not_found

#: Resource kinds, in the order a full teardown deletes them.
KINDS = (
    "campaign",
    "solution_version",
    "solution",
    "data_deletion_job",
    "dataset_export_job",
    "dataset_import_job",
    "dataset",
    "schema",
    "dataset_group",
)


def now() -> float:
    return time.time()


def public(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource as the API shows it: private keys and empty values removed."""
    return {k: v for k, v in resource.items() if not k.startswith("_") and v is not None}


@dataclass
class Store:
    """All emulator state. Take `lock` around any read-modify-write."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    resources: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {kind: {} for kind in KINDS}
    )
    #: dataset ARN -> imported rows (a polars DataFrame), replaced (FULL) or appended (INCREMENTAL)
    data: dict[str, Any] = field(default_factory=dict)
    #: solution version ARN -> trained model
    models: dict[str, Any] = field(default_factory=dict)

    def add(self, kind: str, arn: str, resource: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            stamp = now()
            resource.setdefault("creationDateTime", stamp)
            resource.setdefault("lastUpdatedDateTime", stamp)
            self.resources[kind][arn] = resource
            return resource

    def get(self, kind: str, arn: str) -> dict[str, Any]:
        with self.lock:
            try:
                return self.resources[kind][arn]
            except KeyError:
                raise not_found(arn) from None

    def find(self, kind: str, arn: str) -> dict[str, Any] | None:
        with self.lock:
            return self.resources[kind].get(arn)

    def all(self, kind: str) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.resources[kind].values())

    def remove(self, kind: str, arn: str, instance: dict[str, Any] | None = None) -> None:
        with self.lock:
            if instance is not None and self.resources[kind].get(arn) is not instance:
                return
            self.resources[kind].pop(arn, None)
            self.data.pop(arn, None)
            self.models.pop(arn, None)

    def transition(
        self,
        kind: str,
        arn: str,
        expected: set[str] | None,
        status: str,
        instance: dict[str, Any] | None = None,
        **fields: Any,
    ) -> bool:
        """Move a resource to `status` if it still exists and its status is one of `expected`.

        Background jobs use this, so a job never revives a resource deleted or stopped meanwhile.
        With `instance`, only that very resource moves, not a newer one with the same ARN
        (names are reused after a delete or a reset).
        """
        with self.lock:
            resource = self.resources[kind].get(arn)
            if resource is None or (instance is not None and resource is not instance):
                return False
            if expected is not None and resource.get("status") not in expected:
                return False
            resource["status"] = status
            resource["lastUpdatedDateTime"] = now()
            resource.update(fields)
            return True

    def reset(self) -> None:
        with self.lock:
            for kind in KINDS:
                self.resources[kind].clear()
            self.data.clear()
            self.models.clear()
