"""The emulator's state and dependencies: store, pace, faults, and clients of the moto server."""

from __future__ import annotations

import shutil
import tempfile
import threading
import weakref
from pathlib import Path
from typing import Any, Literal

from .faults import Faults
from .lifecycle import Lifecycle
from .store import Store

DEFAULT_ACCOUNT_ID = "123456789012"  # moto's default account: ARNs agree across the stand-in
#: Subdirectories of the state directory that the emulator owns (emptied when it starts):
#: the imported rows as Parquet files, and the jobs' scratch files (downloads, exports).
ROWS_DIR, SCRATCH_DIR = "rows", "scratch"


class Emulator:
    """Everything a request handler or a background job needs.

    `state_dir` holds what the emulator keeps on disk rather than in memory (see `ROWS_DIR`,
    `SCRATCH_DIR`); its resources live in memory only, so what a previous run left there is
    removed at start. Without one, a temporary directory is used and removed with the emulator.
    """

    def __init__(
        self,
        aws_endpoint: str | None = None,
        speed: float | None = None,
        account_id: str = DEFAULT_ACCOUNT_ID,
        region: str = "us-east-1",
        state_dir: Path | None = None,
    ) -> None:
        if state_dir is None:
            state_dir = Path(tempfile.mkdtemp(prefix="personalize-emulator-"))
            weakref.finalize(self, shutil.rmtree, state_dir, ignore_errors=True)
        self.state_dir = Path(state_dir)
        for name in (ROWS_DIR, SCRATCH_DIR):
            shutil.rmtree(self.state_dir / name, ignore_errors=True)
        self.scratch_dir = self.state_dir / SCRATCH_DIR
        self.scratch_dir.mkdir(parents=True, exist_ok=True)
        self.store = Store(self.state_dir / ROWS_DIR)
        self.lifecycle = Lifecycle(speed)
        self.faults = Faults()
        self.aws_endpoint = aws_endpoint
        self.account_id = account_id
        self.region = region
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()

    def aws(self, service: Literal["s3", "iam"]) -> Any:
        """A boto3 client of moto (S3, IAM) with the stand-in's dummy credentials."""
        with self._clients_lock:
            client = self._clients.get(service)
            if client is None:
                import boto3
                from botocore.config import Config

                client = boto3.session.Session().client(
                    service,
                    region_name=self.region,
                    endpoint_url=self.aws_endpoint,
                    aws_access_key_id="testing",
                    aws_secret_access_key="testing",
                    config=Config(retries={"max_attempts": 2}, s3={"addressing_style": "path"}),
                )
                self._clients[service] = client
            return client

    def scratch(self, prefix: str) -> tempfile.TemporaryDirectory[str]:
        """A job's own scratch directory in the state directory (removed when the job ends)."""
        return tempfile.TemporaryDirectory(prefix=prefix, dir=self.scratch_dir)

    def arn(self, region: str, resource: str) -> str:
        return f"arn:aws:personalize:{region}:{self.account_id}:{resource}"

    def reset(self) -> None:
        self.store.reset()
        self.faults.reset()
