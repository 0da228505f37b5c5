"""Fault injection, off by default: throttling and 5xx answers at a rate, forced job failures.

Set through `POST /_emulator/faults` (the pytest plugin's `set_faults`); cleared by
`DELETE /_emulator/faults` or a reset. A seeded generator makes failure sequences repeatable.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import ApiError, Throttling

DEFAULT_FAILURE_REASON = "Injected failure (local emulator fault injection)."


@dataclass
class FaultConfig:
    """What to break. Rates are probabilities per request in [0, 1]."""

    throttle_rate: float = 0.0
    error_rate: float = 0.0
    error_status: int = 500
    #: Operation names the rates apply to (e.g. ["DescribeDatasetImportJob"]); empty = all.
    operations: list[str] = field(default_factory=list)
    fail_imports: bool = False
    fail_training: bool = False
    fail_campaigns: bool = False
    fail_filters: bool = False
    failure_reason: str = DEFAULT_FAILURE_REASON
    seed: int | None = None

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> FaultConfig:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(unknown)}")
        config = cls(**raw)
        for name in ("throttle_rate", "error_rate"):
            value = getattr(config, name)
            if not isinstance(value, int | float) or not 0 <= value <= 1:
                raise ValueError(f"{name} must be a number between 0 and 1")
        if not 500 <= int(config.error_status) <= 599:
            raise ValueError("error_status must be a 5xx status")
        return config


class Faults:
    """The current fault configuration and the random draws that apply it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.config = FaultConfig()
        self._rng = random.Random()

    def set(self, config: FaultConfig) -> None:
        with self._lock:
            self.config = config
            self._rng = random.Random(config.seed)

    def reset(self) -> None:
        self.set(FaultConfig())

    def as_json(self) -> dict[str, Any]:
        return asdict(self.config)

    def check(self, operation: str) -> None:
        """Raise the injected error for this request, if any."""
        with self._lock:
            config = self.config
            if config.operations and operation not in config.operations:
                return
            if config.throttle_rate and self._rng.random() < config.throttle_rate:
                raise Throttling("Rate exceeded")
            if config.error_rate and self._rng.random() < config.error_rate:
                raise ApiError(
                    "An internal error occurred (injected by the local emulator).",
                    code="InternalFailure" if config.error_status == 500 else "ServiceUnavailable",
                    status=int(config.error_status),
                )

    def job_failure(self, kind: str) -> str | None:
        """The forced failure reason for a job of `kind` (imports, training, campaigns, filters)."""
        config = self.config
        if getattr(config, f"fail_{kind}", False):
            return config.failure_reason
        return None
