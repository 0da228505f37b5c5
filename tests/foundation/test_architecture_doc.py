"""docs/architecture.md names every module of the package, so a newcomer finds each one there."""

from __future__ import annotations

import re

from personalize_movielens.paths import project_root


def package_section() -> str:
    text = (project_root() / "docs" / "architecture.md").read_text(encoding="utf-8")
    start = text.index("### The Python package")
    return text[start : text.index("\n## ", start)]


def test_every_module_of_the_package_is_named() -> None:
    package = project_root() / "scripts" / "personalize_movielens"
    section = package_section()
    missing = [
        str(path.relative_to(package))
        for path in sorted(package.rglob("*.py"))
        if path.name != "__init__.py"
        and not re.search(rf"\b{re.escape(path.stem)}(\.py)?\b", section)
    ]
    assert missing == [], f"docs/architecture.md does not name: {', '.join(missing)}"
