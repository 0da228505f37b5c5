"""docs/local-emulator.md's operations table is generated and says what the emulator registers.

Two checks on two sources: the block equals what `operations_table.render()` makes now, and,
read back from the Markdown without the generator, its rows are exactly botocore's operations,
"implemented" exactly for the registered ones, in the module that defines the handler. The
second is shown to fail on deliberately broken copies (a handler the table calls not
implemented, a row flipped, a row lost).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping

import pytest

from personalize_movielens.local.emulator import controlplane, operations_table
from personalize_movielens.local.emulator.server import EVENTS_ROUTES, RUNTIME_ROUTES
from personalize_movielens.local.emulator.validation import service_model
from personalize_movielens.paths import project_root

DOC_PATH = project_root() / "docs" / "local-emulator.md"
DOC = DOC_PATH.read_text(encoding="utf-8")
ROW = re.compile(r"^\| (implemented|not implemented) \| (?:`([\w/]+\.py)`)? *\| `(\w+)`")


def _rows(doc: str) -> list[tuple[str, str | None, str]]:
    """(status, module, operation) of each row of the doc's generated block."""
    block = operations_table.current(doc)
    assert block is not None, "no generated operations table in docs/local-emulator.md"
    found = []
    for line in block.splitlines():
        match = ROW.match(line)
        if match:
            found.append((match.group(1), match.group(2), match.group(3)))
    return found


def _mismatches(
    doc: str, handlers: Mapping[str, Callable[..., object]], runtime_ops: Collection[str]
) -> list[str]:
    """What the doc's table says wrongly about botocore's operations and the registry."""
    rows = _rows(doc)
    problems = []
    operations = [op for _, _, op in rows]
    expected = [
        *service_model("personalize").operation_names,
        *service_model("personalize-runtime").operation_names,
        *service_model("personalize-events").operation_names,
    ]
    if sorted(operations) != sorted(expected):
        problems.append(f"operations differ from botocore's: {set(operations) ^ set(expected)}")
    for status, module, op in rows:
        if op in handlers:
            where = handlers[op].__module__.split(".emulator.", 1)[1].replace(".", "/") + ".py"
            if (status, module) != ("implemented", where):
                problems.append(f"{op} is registered in {where}, the table says {status} {module}")
        elif op in runtime_ops:
            if (status, module) != ("implemented", "runtime.py"):
                problems.append(f"{op} is a runtime route, the table says {status} {module}")
        elif op in EVENTS_ROUTES.values():
            if (status, module) != ("implemented", "events.py"):
                problems.append(f"{op} is an events route, the table says {status} {module}")
        elif status != "not implemented":
            problems.append(f"{op} is not registered, the table says {status}")
    return problems


def test_the_docs_table_is_the_generated_one() -> None:
    assert operations_table.current(DOC) == operations_table.render(), (
        "docs/local-emulator.md's operations table is stale; run "
        f"`{operations_table.COMMAND} docs/local-emulator.md`"
    )


def test_the_table_is_botocores_operations_and_the_registry() -> None:
    assert _mismatches(DOC, controlplane.HANDLERS, set(RUNTIME_ROUTES.values())) == []


def test_a_registered_handler_the_table_calls_not_implemented_fails() -> None:
    missing = next(op for s, _, op in _rows(DOC) if s == "not implemented")
    handlers = {**controlplane.HANDLERS, missing: controlplane.HANDLERS["ListRecipes"]}
    assert _mismatches(DOC, handlers, set(RUNTIME_ROUTES.values()))
    runtime = set(service_model("personalize-runtime").operation_names)
    for op in sorted(runtime - set(RUNTIME_ROUTES.values())):  # a route the table does not know
        routes = {*RUNTIME_ROUTES.values(), op}
        assert _mismatches(DOC, controlplane.HANDLERS, routes)


def _implemented_row() -> tuple[str, str]:
    """A control-plane row of the doc as it stands, and its operation."""
    module, op = next(
        (m, op)
        for s, m, op in _rows(DOC)
        if s == "implemented" and m not in ("runtime.py", "events.py")
    )
    return f"| implemented | `{module}` | `{op}` |", op


def test_a_row_flipped_or_lost_or_in_another_module_fails() -> None:
    registry = (controlplane.HANDLERS, set(RUNTIME_ROUTES.values()))
    row, op = _implemented_row()
    flipped = DOC.replace(row, f"| not implemented |  | `{op}` |")
    moved = DOC.replace(row, f"| implemented | `controlplane/common.py` | `{op}` |")
    lost = DOC.replace(row + "\n", "")
    for broken in (flipped, moved, lost):
        assert broken != DOC
        assert _mismatches(broken, *registry)
    with pytest.raises(AssertionError):
        assert operations_table.current(flipped) == operations_table.render()


def test_write_rewrites_only_the_block(tmp_path) -> None:
    stale = DOC.replace(_implemented_row()[0], "| x |")
    path = tmp_path / "local-emulator.md"
    path.write_text(stale, encoding="utf-8")
    assert operations_table.main(["--write", str(path)]) == 0
    assert path.read_text(encoding="utf-8") == DOC.replace(
        operations_table.current(DOC) or "", operations_table.render()
    )
