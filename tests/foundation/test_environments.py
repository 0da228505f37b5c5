"""What each environment holds: .venv has the boto3 users install; each target installs only
what it runs.

checkov 3.3.30 requires boto3==1.35.49. Installed into .venv, it held the whole environment, and
so the emulator's botocore model, at a 2024 boto3 while users install the current one. It now
lives in .venv-checkov; these tests keep it (and any other tool that pins boto3) out of .venv.
"""

from __future__ import annotations

import re
import subprocess
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import Specifier
from packaging.version import Version

from personalize_movielens.paths import project_root

ROOT = project_root()
PINNED_PACKAGES = ("boto3", "botocore", "s3transfer")


def _holds_back(spec: Specifier) -> bool:
    """== / === / ~= pin a version; < and <= below a major version hold a package back too.

    A ceiling at the next major (`<2.0a.0`, `<2`) is the usual guard against breaking
    changes and lets every 1.x release in.
    """
    if spec.operator in ("==", "===", "~="):
        return True
    if spec.operator in ("<", "<="):
        bound = Version(spec.version)
        return (bound.minor, bound.micro) != (0, 0)
    return False


def pinning_requirements(dists: list[tuple[str, list[str]]]) -> list[str]:
    """Requirements that pin boto3/botocore/s3transfer, as 'dist: requirement' lines.

    The family's own requirements on each other (boto3 on botocore) move with it and are left out,
    and so are those of an extra nobody asked for (boto3-stubs' `boto3` extra pins boto3; the
    project asks only for its service extras, `[s3,iam,...]`).
    """
    problems = []
    for name, requirements in dists:
        if name.lower() in PINNED_PACKAGES:
            continue
        for text in requirements:
            requirement = Requirement(text)
            asked = requested_extras(name)
            if requirement.marker is not None and not any(
                requirement.marker.evaluate({"extra": extra}) for extra in asked
            ):
                continue
            if requirement.name.lower() in PINNED_PACKAGES and any(
                _holds_back(spec) for spec in requirement.specifier
            ):
                problems.append(f"{name}: {text}")
    return problems


def requested_extras(dist: str) -> set[str]:
    """The extras of a distribution that the project's requirements ask for ("" for none)."""
    asked = {""}
    for text in metadata.requires("personalize-movielens") or []:
        requirement = Requirement(text)
        if requirement.name.lower() == dist.lower():
            asked |= requirement.extras
    return asked


def installed() -> list[tuple[str, list[str]]]:
    return [(d.metadata["Name"], list(d.requires or [])) for d in metadata.distributions()]


def test_nothing_in_the_project_venv_pins_boto3() -> None:
    assert pinning_requirements(installed()) == []
    # checkov, which does pin it, is not in this environment.
    with pytest.raises(metadata.PackageNotFoundError):
        metadata.version("checkov")


def test_pin_check_catches_checkov_and_an_upper_bound() -> None:
    seeded = [
        ("checkov", ["boto3==1.35.49", "termcolor"]),
        ("old-tool", ["botocore (<1.36)"]),
        ("fine", ["boto3>=1.35", "boto3!=1.36.0", "botocore<2.0a.0,>=1.37.4", "moto[server]>=5"]),
        ("extra-nobody-asks-for", ["s3transfer<0.11; extra == 'crt'"]),
        ("boto3-stubs", ['boto3==1.43.126; extra == "boto3"']),  # the project asks [s3,...]
        ("platform-bound", ["botocore<1.36; python_version >= '3.8'"]),
        ("boto3", ["botocore<1.45.0,>=1.44.8"]),
    ]
    assert pinning_requirements(seeded) == [
        "checkov: boto3==1.35.49",
        "old-tool: botocore (<1.36)",
        "platform-bound: botocore<1.36; python_version >= '3.8'",
    ]


def _make_dry_run(target: str) -> str:
    """The commands `make TARGET` would run on a fresh clone (no venv yet)."""
    result = subprocess.run(
        ["make", "-n", "-B", "-C", str(ROOT), target, "VENV=/nonexistent/venv"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


@pytest.mark.parametrize("target", ["demo", "data", "train", "deploy", "clean-cloud"])
def test_user_targets_install_only_the_package_and_the_stand_in(target: str) -> None:
    commands = _make_dry_run(target)
    assert "pip install --quiet -e '.[local]'" in commands
    assert "[dev]" not in commands
    assert "checkov" not in commands


def test_make_test_installs_the_dev_tools_and_checkov_apart() -> None:
    commands = _make_dry_run("test")
    assert "pip install --quiet -e '.[dev]'" in commands
    assert "-m venv .venv-checkov" in commands
    assert ".venv-checkov/bin/pip install --quiet -r tools/checkov-requirements.txt" in commands
    requirements = (ROOT / "tools" / "checkov-requirements.txt").read_text(encoding="utf-8")
    assert re.search(r"^checkov==\d", requirements, re.M)


# --- What the package imports is what it declares -------------------------------------------

PACKAGE = ROOT / "scripts" / "personalize_movielens"
#: Imported only by pytest (`pytest_plugins`), never by the CLI.
PYTEST_ONLY = {PACKAGE / "local" / "pytest_plugin.py"}


def third_party_imports(files: list[Path]) -> dict[str, Path]:
    """Top-level modules imported by these files that are not the standard library's. Imports
    under `if TYPE_CHECKING:` do not count: only a type checker runs them."""
    import ast
    import sys

    found: dict[str, Path] = {}
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        type_only = {
            id(node)
            for block in ast.walk(tree)
            if isinstance(block, ast.If) and ast.unparse(block.test).endswith("TYPE_CHECKING")
            for statement in block.body
            for node in ast.walk(statement)
        }
        for node in ast.walk(tree):
            if id(node) in type_only:
                continue
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top != "personalize_movielens":
                    found.setdefault(top, path)
    return found


def declared_closure(extras: tuple[str, ...]) -> set[str]:
    """Distributions the package's requirements (with these extras) install, transitively."""
    wanted = [
        Requirement(r)
        for r in metadata.requires("personalize-movielens") or []
        if Requirement(r).marker is None
        or any(Requirement(r).marker.evaluate({"extra": e}) for e in extras)
    ]
    seen: set[str] = set()
    while wanted:
        requirement = wanted.pop()
        name = requirement.name.lower().replace("_", "-")
        if name in seen or name == "personalize-movielens":
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        for text in requires:
            nested = Requirement(text)
            chosen = requirement.extras or {""}
            if nested.marker is None or any(nested.marker.evaluate({"extra": e}) for e in chosen):
                wanted.append(nested)
    return seen


def undeclared(files: list[Path], extras: tuple[str, ...]) -> list[str]:
    provided = metadata.packages_distributions()
    closure = declared_closure(extras)
    problems = []
    for module, path in sorted(third_party_imports(files).items()):
        dists = {d.lower().replace("_", "-") for d in provided.get(module, [module])}
        if not dists & closure:
            where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
            problems.append(f"{where}: imports {module}, which no declared dependency installs")
    return problems


def test_the_package_imports_only_what_it_declares() -> None:
    """`make data` installs the package alone: a module it imports that only a dev tool brought
    into .venv (numpy came with pandas) is missing on a user's machine."""
    core = [p for p in PACKAGE.rglob("*.py") if "local" not in p.relative_to(PACKAGE).parts]
    local = [p for p in PACKAGE.glob("local/**/*.py") if p not in PYTEST_ONLY]
    assert undeclared(core, ()) == []
    assert undeclared(local, ("local",)) == []


def test_an_undeclared_import_is_caught(tmp_path: Path) -> None:
    module = tmp_path / "uses_pandas.py"
    module.write_text(
        "from typing import TYPE_CHECKING\nimport polars\nimport pandas as pd\n"
        "if TYPE_CHECKING:\n    from mypy_boto3_s3 import S3Client\n"
    )
    assert undeclared([module], ()) == [
        f"{module}: imports pandas, which no declared dependency installs"
    ]
