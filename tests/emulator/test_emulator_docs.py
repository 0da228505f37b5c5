"""docs/local-emulator.md names every `local` command, every operation and every fault setting."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from personalize_movielens.cli.local import app
from personalize_movielens.local import emulator
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


def _operation_rows() -> dict[str, str]:
    """Operation -> the module the docs' operations table names for it (`local/emulator/...`)."""
    rows = {}
    for line in DOC.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[1].endswith(".py`"):
            for name in re.findall(r"`([A-Z]\w+)`", cells[2]):
                rows[name] = cells[1].strip("`")
    return rows


def test_every_operation_is_in_the_module_the_docs_name():
    rows = _operation_rows()
    package = Path(emulator.__file__).parent
    assert set(controlplane.HANDLERS) <= set(rows), set(controlplane.HANDLERS) - set(rows)
    for operation, module in rows.items():
        assert (package / module).is_file(), module
        handler = controlplane.HANDLERS.get(operation)
        if handler is not None:
            where = handler.__module__.removeprefix(emulator.__name__ + ".")
            assert where.replace(".", "/") + ".py" == module, (operation, where, module)
