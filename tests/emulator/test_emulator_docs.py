"""docs/local-emulator.md names every `local` command, every operation and every fault setting."""

from __future__ import annotations

from dataclasses import fields

from personalize_movielens.cli.local import app
from personalize_movielens.local.emulator import controlplane
from personalize_movielens.local.emulator.faults import FaultConfig
from personalize_movielens.local.emulator.server import RUNTIME_ROUTES
from personalize_movielens.paths import project_root

DOC = (project_root() / "docs" / "local-emulator.md").read_text(encoding="utf-8")


def test_every_local_command_is_documented():
    names = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert names
    for name in names:
        assert f"personalize-movielens local {name}" in DOC, name


def test_every_emulated_operation_is_documented():
    for operation in [*controlplane.HANDLERS, *RUNTIME_ROUTES.values()]:
        assert f"`{operation}`" in DOC, operation


def test_every_fault_setting_is_documented():
    for field in fields(FaultConfig):
        assert f"`{field.name}`" in DOC, field.name
