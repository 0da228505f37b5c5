"""pytest fixtures that run the local stand-in for a test session.

Register in a conftest: `pytest_plugins = ["personalize_movielens.local.pytest_plugin"]`.

- `local_stand_in` (session): moto server + Personalize emulator in a temporary state dir, at a
  fast pace, with the stack's resources provisioned; the AWS_ENDPOINT_URL_* variables and dummy
  credentials are set for the session and restored afterwards; everything stops at the end.
- `fresh_stand_in` (function): the same stand-in, reset first (empty bucket, Personalize
  resources recreated, faults off), for tests that need a clean dataset group.
- `stand_in_faults` (function): `set_faults(**settings)`, reset after the test.

Tests that do not use the stand-in do not see its AWS_ENDPOINT_URL_* variables (an autouse
fixture hides them), so in-process moto tests and stubbed clients keep working in one session.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from ..atomic import write_text_atomic
from ..outputs import StackOutputs, read_outputs_file
from . import provision, standin

#: Status steps take 1/FAST_SPEED seconds: fast enough for tests, slow enough to observe.
FAST_SPEED = 200.0
_CLEARED_ENV = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_REGION")
#: The stand-in of the running session, if any (for `_hide_stand_in_from_other_tests`).
_ACTIVE: list[LocalStandIn] = []


@dataclass
class LocalStandIn:
    """A running stand-in, as the tests see it."""

    state: standin.StandInState
    outputs: StackOutputs

    @property
    def state_dir(self) -> Path:
        return Path(self.state.state_dir)

    @property
    def outputs_file(self) -> Path:
        return self.state.outputs_path

    @property
    def endpoints(self) -> provision.Endpoints:
        return self.state.endpoints

    @property
    def env(self) -> dict[str, str]:
        return self.state.env()

    @property
    def region(self) -> str:
        return self.state.region

    def client(self, service: str) -> Any:
        """A boto3 client of the stand-in (explicit endpoint, independent of the environment)."""
        return provision.client(service, self.endpoints, self.region)

    def admin(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        return standin.admin_request(self.endpoints.personalize, method, path, body)

    def set_faults(self, **settings: Any) -> dict[str, Any]:
        """Inject faults: throttle_rate, error_rate, error_status, operations, fail_imports,
        fail_training, fail_campaigns, failure_reason, seed (see emulator/faults.py)."""
        return self.admin("POST", "/_emulator/faults", settings)

    def reset_faults(self) -> dict[str, Any]:
        return self.admin("DELETE", "/_emulator/faults")

    def set_speed(self, speed: float) -> None:
        self.admin("POST", "/_emulator/speed", {"speed": speed})

    def reset(
        self,
        with_event_value: bool = False,
        domain: str | None = None,
        filters: bool = True,
        event_tracker: bool = True,
        users: bool = False,
    ) -> StackOutputs:
        """Forget every Personalize resource, object and unfinished upload, then provision the
        stack again (the root stack's defaults, or without its filters or event tracker, or
        with the Users dataset)."""
        self.admin("POST", "/_emulator/reset")
        s3 = self.client("s3")
        bucket = self.outputs.bucket_name
        for upload in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []):
            s3.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
        paginator = s3.get_paginator("list_object_versions")  # the bucket is versioned
        for page in paginator.paginate(Bucket=self.outputs.bucket_name):
            entries = page.get("Versions", []) + page.get("DeleteMarkers", [])
            keys = [{"Key": o["Key"], "VersionId": o["VersionId"]} for o in entries]
            if keys:
                s3.delete_objects(Bucket=self.outputs.bucket_name, Delete={"Objects": keys})
        stack = provision.provision_personalize(
            self.endpoints,
            self.region,
            self.outputs.personalize_role_arn,
            provision.StackSettings(with_event_value, domain, filters, event_tracker, users),
        )
        self.outputs = replace(self.outputs, **stack.outputs())
        write_text_atomic(self.outputs_file, json.dumps(self.outputs.to_json(), indent=2) + "\n")
        return self.outputs


@contextlib.contextmanager
def running_stand_in(state_dir: Path, speed: float = FAST_SPEED) -> Iterator[LocalStandIn]:
    """Start the stand-in, set the environment for it, and undo both on exit (even on errors)."""
    state = standin.up(state_dir, speed=speed)

    def stop() -> None:
        with contextlib.suppress(standin.StandInError):
            standin.down(state_dir)

    atexit.register(stop)  # a last resort if the session dies before teardown
    patch = pytest.MonkeyPatch()
    try:
        for name in _CLEARED_ENV:
            patch.delenv(name, raising=False)
        for name, value in state.env().items():
            patch.setenv(name, value)
        stand_in = LocalStandIn(state=state, outputs=read_outputs_file(state.outputs_path))
        _ACTIVE.append(stand_in)
        yield stand_in
    finally:
        if _ACTIVE:
            _ACTIVE.pop()
        patch.undo()
        stop()
        atexit.unregister(stop)


@pytest.fixture(autouse=True)
def _hide_stand_in_from_other_tests(request: pytest.FixtureRequest) -> Iterator[None]:
    """Tests that do not ask for the stand-in run without its endpoint variables."""
    if not _ACTIVE or "local_stand_in" in request.fixturenames:
        yield
        return
    patch = pytest.MonkeyPatch()
    for name, value in _ACTIVE[-1].env.items():
        if name.startswith("AWS_ENDPOINT_URL") and os.environ.get(name) == value:
            patch.delenv(name)
    yield
    patch.undo()


@pytest.fixture(scope="session")
def local_stand_in(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStandIn]:
    """The stand-in for the whole session (see the module docstring)."""
    with running_stand_in(tmp_path_factory.mktemp("local-aws")) as stand_in:
        yield stand_in


@pytest.fixture
def fresh_stand_in(local_stand_in: LocalStandIn) -> Iterator[LocalStandIn]:
    """The session's stand-in, reset to what `local up` provisions, faults off."""
    local_stand_in.reset()
    yield local_stand_in
    local_stand_in.reset_faults()


@pytest.fixture
def stand_in_faults(local_stand_in: LocalStandIn) -> Iterator[Callable[..., dict[str, Any]]]:
    """`set_faults(**settings)` for one test; faults are switched off afterwards."""
    yield local_stand_in.set_faults
    local_stand_in.reset_faults()
