"""docs/architecture.md names every module of the package, in its folder's entry, so a
newcomer finds each one there."""

from __future__ import annotations

import re
from pathlib import Path

from personalize_movielens.paths import project_root

#: The indentation of a top-level entry (a folder or a module) of the package listing.
TOP = " " * 6
#: Folders whose modules the listing names in prose (`server (protocols, ...), validation`).
NAMED_IN_PROSE = ("local/emulator/",)


def package_section() -> str:
    text = (project_root() / "docs" / "architecture.md").read_text(encoding="utf-8")
    start = text.index("### The Python package")
    return text[start : text.index("\n## ", start)]


def entries(section: str) -> dict[str, str]:
    """Top-level entry ('cli/', 'errors.py', ...) -> its text, continuation lines included."""
    found: dict[str, str] = {}
    current = None
    for line in section.splitlines():
        if line.startswith(TOP) and not line.startswith(TOP + " "):
            current = line.split()[0]
            found[current] = ""
        if current is not None:
            found[current] += line + "\n"
    return found


def unnamed(package: Path, section: str) -> list[str]:
    listed = entries(section)
    missing = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package).as_posix()
        if path.name == "__init__.py":
            continue
        if "/" not in relative:
            named = path.name in listed
        else:
            text = listed.get(relative.split("/", 1)[0] + "/", "")
            if relative.startswith(NAMED_IN_PROSE):
                named = re.search(rf"\b{re.escape(path.stem)}\b", text) is not None
            else:
                named = re.search(rf"(?<![\w/]){re.escape(path.name)}\b", text) is not None
        if not named:
            missing.append(relative)
    return missing


def test_every_module_of_the_package_is_named_in_its_folders_entry() -> None:
    missing = unnamed(project_root() / "scripts" / "personalize_movielens", package_section())
    assert missing == [], f"docs/architecture.md does not name: {', '.join(missing)}"


def test_a_module_named_only_in_another_folder_counts_as_unnamed(tmp_path: Path) -> None:
    """data/schemas.py is not named by the top-level schemas.py's entry."""
    (tmp_path / "data").mkdir()
    (tmp_path / "schemas.py").write_text("")
    (tmp_path / "data" / "schemas.py").write_text("")
    section = f"{TOP}schemas.py      the schema files\n{TOP}data/           the pipeline\n"
    assert unnamed(tmp_path, section) == ["data/schemas.py"]
