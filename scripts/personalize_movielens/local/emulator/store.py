"""The emulator's resources, in memory, behind one lock (the server answers on many threads).

Each resource is the dict the API returns (its describe shape), plus private keys starting with
"_" that are stripped before answering. Trained models live beside them.

Imported rows do not stay in memory: each dataset's rows are immutable Parquet files under the
store's `root` (one per import job: FULL replaces the dataset's files, INCREMENTAL adds one; a
data deletion job swaps a file for its filtered copy), read lazily by whoever needs them
(`reading`) and deleted with the dataset. A file still being read when it is replaced or
deleted goes once its last reader is done.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import polars as pl

from .errors import not_found

#: Resource kinds, in the order a full teardown deletes them.
KINDS = (
    "batch_inference_job",
    "recommender",
    "campaign",
    "solution_version",
    "solution",
    "filter",
    "data_deletion_job",
    "dataset_export_job",
    "dataset_import_job",
    "event_tracker",
    "dataset",
    "schema",
    "dataset_group",
)
ROWS_SUFFIX = ".parquet"
#: Fast to write and to read (zstd, polars' default, makes files a quarter smaller, slower).
ROWS_COMPRESSION: Final = "lz4"


def now() -> float:
    return time.time()


def public(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource as the API shows it: private keys and empty values removed."""
    return {k: v for k, v in resource.items() if not k.startswith("_") and v is not None}


def scan(files: Iterable[Path]) -> pl.LazyFrame:
    """The rows of Parquet files, in order, as one lazy table."""
    return pl.scan_parquet([str(f) for f in files], glob=False)


@dataclass
class Store:
    """All emulator state. Take `lock` around any read-modify-write."""

    #: Directory of the imported rows' Parquet files (made if missing).
    root: Path
    lock: threading.RLock = field(default_factory=threading.RLock)
    #: Serialises the jobs that rewrite a dataset's files (data deletion jobs): each reads the
    #: files, writes filtered copies and swaps them in, without losing another's work.
    rewrite_lock: threading.Lock = field(default_factory=threading.Lock)
    resources: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {kind: {} for kind in KINDS}
    )
    #: dataset ARN -> its imported rows: Parquet files under `root`, oldest first
    data: dict[str, tuple[Path, ...]] = field(default_factory=dict)
    #: solution version ARN -> trained model
    models: dict[str, Any] = field(default_factory=dict)
    #: Interactions dataset ARN -> the events PutEvents recorded into it (`events.Recorded`:
    #: each user's latest events, and its own Parquet files, apart from the imported rows)
    recorded: dict[str, Any] = field(default_factory=dict)
    #: file -> how many `holding` blocks read it; files left by their dataset while read
    _readers: Counter[Path] = field(default_factory=Counter, init=False, repr=False)
    _unused: set[Path] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

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

    def dataset_of(self, dataset_group_arn: str, dataset_type: str) -> dict[str, Any] | None:
        """The group's dataset of that type (a group has at most one of each), if any."""
        with self.lock:
            for dataset in self.resources["dataset"].values():
                if (
                    dataset["datasetGroupArn"] == dataset_group_arn
                    and dataset["datasetType"] == dataset_type
                ):
                    return dataset
        return None

    def remove(self, kind: str, arn: str, instance: dict[str, Any] | None = None) -> None:
        with self.lock:
            if instance is not None and self.resources[kind].get(arn) is not instance:
                return
            self.resources[kind].pop(arn, None)
            self.discard(self.data.pop(arn, ()))
            self.models.pop(arn, None)
            self.discard(getattr(self.recorded.pop(arn, None), "files", ()))

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
            for files in self.data.values():
                self.discard(files)
            self.data.clear()
            self.models.clear()
            for recorded in self.recorded.values():
                self.discard(getattr(recorded, "files", ()))
            self.recorded.clear()

    # --- imported rows ---------------------------------------------------------------------

    def sink(self, rows: pl.LazyFrame) -> Path:
        """`rows`, streamed to a new file under `root`; the caller hands the file to a dataset
        (`put_rows`, `replace_rows`) or deletes it (`discard`)."""
        path = self.root / f"{uuid.uuid4().hex}{ROWS_SUFFIX}"
        try:
            rows.sink_parquet(path, compression=ROWS_COMPRESSION, engine="streaming")
        except BaseException:
            self.discard([path])
            raise
        return path

    def put_rows(self, arn: str, file: Path, append: bool) -> None:
        """The dataset's rows become `file` (a FULL import) or gain it (INCREMENTAL)."""
        with self.lock:
            previous = self.data.get(arn, ())
            self.data[arn] = (*previous, file) if append else (file,)
            if not append:
                self.discard(previous)

    def replace_rows(self, arn: str, swaps: dict[Path, Path]) -> set[Path]:
        """Swap each of the dataset's files that is a key of `swaps` for its value (a filtered
        copy); returns the files swapped out. A copy whose original left the dataset meanwhile
        (a FULL import, the dataset deleted) is discarded."""
        with self.lock:
            current = self.data.get(arn, ())
            swapped = {old for old in swaps if old in current}
            if swapped:
                self.data[arn] = tuple(swaps.get(f, f) for f in current)
            self.discard([*swapped, *(new for old, new in swaps.items() if old not in swapped)])
            return swapped

    @contextmanager
    def holding(self, *arns: str) -> Iterator[list[tuple[Path, ...]]]:
        """The files of each dataset's rows (empty when nothing was imported); they stay on
        disk until the block ends, even if the dataset is replaced or deleted meanwhile."""
        with self.lock:
            snapshot = [self.data.get(arn, ()) for arn in arns]
            held = [f for files in snapshot for f in files]
            self._readers.update(held)
        try:
            yield snapshot
        finally:
            with self.lock:
                self._readers.subtract(held)
                done = [f for f in set(held) if self._readers[f] <= 0]
                for f in done:
                    del self._readers[f]
                self._delete([f for f in done if f in self._unused])

    @contextmanager
    def reading(self, *arns: str) -> Iterator[list[pl.LazyFrame | None]]:
        """The rows of each dataset, lazily (None when nothing was imported), readable until
        the block ends (see `holding`)."""
        with self.holding(*arns) as snapshot:
            yield [scan(files) if files else None for files in snapshot]

    def discard(self, files: Iterable[Path]) -> None:
        """Delete files no dataset holds any more (at once, or when their last reader ends)."""
        with self.lock:
            for f in files:
                if self._readers[f] > 0:
                    self._unused.add(f)
                else:
                    self._delete([f])

    def _delete(self, files: Iterable[Path]) -> None:
        for f in files:
            self._unused.discard(f)
            f.unlink(missing_ok=True)
