"""Asynchronous status changes at a speed tests can set.

A status step takes `BASE_STEP_SECONDS / speed` seconds: speed 1 is a pace a person can watch,
the test suite uses a few hundred. Work (imports, training) runs on background threads between
steps; `Store.transition` guards every step so deletes and stops win over late jobs.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any

BASE_STEP_SECONDS = 1.0
SPEED_ENV_VAR = "PERSONALIZE_EMULATOR_SPEED"


def default_speed() -> float:
    raw = os.environ.get(SPEED_ENV_VAR, "1")
    try:
        speed = float(raw)
    except ValueError:
        return 1.0
    return speed if speed > 0 else 1.0


class Lifecycle:
    """The pace of the emulator and the threads that move resources through their statuses."""

    def __init__(self, speed: float | None = None) -> None:
        self.speed = speed if speed and speed > 0 else default_speed()
        self._threads: list[threading.Thread] = []

    def set_speed(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed

    @property
    def step_seconds(self) -> float:
        return BASE_STEP_SECONDS / self.speed

    def sleep(self, steps: float = 1.0) -> None:
        time.sleep(steps * self.step_seconds)

    def spawn(self, target: Callable[..., Any], *args: Any) -> None:
        """Run `target` in the background (daemon: it never keeps the server alive)."""
        thread = threading.Thread(target=target, args=args, daemon=True)
        thread.start()
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
